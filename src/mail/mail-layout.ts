import { html, type SafeHtml } from '../pages/html.js';

export interface MailContent {
  /** First line, e.g. "Hello Alice,". */
  greeting?: string;
  /** The body; a line break inside a paragraph is kept. */
  paragraphs: string[];
  /** The one thing to do: a button in HTML, the address on its own line in plain text. */
  action?: { label: string; url: string };
  /** Small print after the body, e.g. why the reader got the message. */
  footer?: string;
}

const STYLE = {
  body: 'margin:0;padding:24px 16px;background:#ffffff;color:#1a1a1a;font-family:system-ui,-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;font-size:16px;line-height:1.5',
  container: 'max-width:600px;margin:0 auto',
  paragraph: 'margin:0 0 16px',
  // White on #0b57d0 has a contrast ratio above 6:1 (WCAG AA asks 4.5:1).
  button: 'display:inline-block;padding:12px 20px;background:#0b57d0;color:#ffffff;text-decoration:none;border-radius:6px;font-weight:600',
  small: 'margin:0 0 16px;font-size:14px;color:#444444',
  link: 'color:#0b57d0;word-break:break-all',
  rule: 'border:none;border-top:1px solid #dddddd;margin:24px 0 16px',
};

/**
 * The plain-text and HTML bodies of a platform email, with the same content. The HTML is plain
 * markup with inline styles (what mail clients support): no images, no tables for layout, a
 * language, real links with their own text, and the action's address also written out for
 * readers whose client does not follow the button.
 */
export function renderMail(content: MailContent): { text: string; html: string } {
  if (content.action !== undefined) checkActionUrl(content.action.url);
  return { text: renderText(content), html: renderHtml(content).toString() };
}

function renderText(content: MailContent): string {
  const blocks = [
    ...(content.greeting === undefined ? [] : [content.greeting]),
    ...content.paragraphs,
    ...(content.action === undefined ? [] : [`${content.action.label}:\n${content.action.url}`]),
    ...(content.footer === undefined ? [] : [content.footer]),
  ];
  return `${blocks.join('\n\n')}\n`;
}

function renderHtml(content: MailContent): SafeHtml {
  const paragraph = (text: string, style = STYLE.paragraph) => html`<p style="${style}">${lines(text)}</p>\n`;
  const action = content.action;
  return html`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light">
</head>
<body style="${STYLE.body}">
<div style="${STYLE.container}">
${content.greeting === undefined ? '' : paragraph(content.greeting)}${content.paragraphs.map((text) => paragraph(text))}${
    action === undefined
      ? ''
      : html`<p style="${STYLE.paragraph}"><a href="${action.url}" style="${STYLE.button}">${action.label}</a></p>
<p style="${STYLE.small}">If the button does not work, open this address: <a href="${action.url}" style="${STYLE.link}">${action.url}</a></p>
`
  }${content.footer === undefined ? '' : html`<hr style="${STYLE.rule}">\n${paragraph(content.footer, STYLE.small)}`}</div>
</body>
</html>
`;
}

/** Escaped text with its line breaks as `<br>`. */
function lines(text: string): SafeHtml {
  return html`${text.split('\n').map((line, i) => (i === 0 ? html`${line}` : html`<br>${line}`))}`;
}

/** Links in mail must open a web page; anything else (javascript:, data:) is a bug in the caller. */
function checkActionUrl(url: string): void {
  let protocol: string;
  try {
    protocol = new URL(url).protocol;
  } catch {
    throw new Error(`mail action URL is not a URL: ${url}`);
  }
  if (protocol !== 'https:' && protocol !== 'http:') throw new Error(`mail action URL must be http(s), got ${protocol}`);
}
