import { html, type SafeHtml } from './html.js';

export const STYLESHEET_PATH = '/assets/style.css';

/** The one page shell every server-rendered page uses. `assetBase` is the instance prefix or ''. */
export function layout(options: { title: string; body: SafeHtml; nav?: SafeHtml; assetBase?: string; heading?: string }): string {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${options.title}</title>
<link rel="stylesheet" href="${options.assetBase ?? ''}${STYLESHEET_PATH}">
</head>
<body>
<a class="skip" href="#main">Skip to content</a>
<header class="site"><a href="${options.assetBase ?? ''}/" class="brand">${options.heading ?? 'ConCat'}</a>${options.nav === undefined ? '' : html`<nav aria-label="Main">${options.nav}</nav>`}</header>
<main id="main">
${options.body}
</main>
</body>
</html>
`.value;
}
