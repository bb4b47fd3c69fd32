import type { FastifyReply, FastifyRequest } from 'fastify';
import { sendPage } from '../../http/web/page-area.js';
import { csrfField } from '../forms.js';
import { html, type SafeHtml } from '../html.js';

export interface ConsentScope {
  name: string;
  description: string;
  administrative: boolean;
}

export interface ConsentView {
  appName: string;
  description: string;
  developer: string | null;
  company: string | null;
  homepageUrl: string | null;
  privacyUrl: string | null;
  /** Where the browser goes next: the host of the app's redirect_uri. */
  redirectHost: string;
  instanceName: string;
  scopes: readonly ConsentScope[];
  csrfToken: string;
  confirmAction: string;
  denyAction: string;
  issuer: string;
}

/** Only http(s) links are shown: a stored javascript: URL must never become a link. */
function link(url: string | null, label: string): SafeHtml {
  if (url === null || !/^https?:\/\//i.test(url)) return html``;
  return html`<a href="${url}" rel="noopener noreferrer" target="_blank">${label}</a>`;
}

/** Scopes in plain language, administrative ones marked (also on the connected-apps page). */
export function scopeList(scopes: readonly ConsentScope[]): SafeHtml {
  const items = scopes.map(
    (s) => html`<li${s.administrative ? html` class="administrative"` : ''}><strong>${s.description}</strong> <code>${s.name}</code>${
      s.administrative ? html`<br><span class="danger-text">This is an administrative permission</span>` : ''
    }</li>`,
  );
  return html`<ul class="scopes">${items}</ul>`;
}

/** The consent page: who asks, for what, and where you go next. All or nothing. */
export function consentPage(view: ConsentView): SafeHtml {
  const administrative = view.scopes.some((s) => s.administrative);
  const by = [view.developer, view.company].filter((v): v is string => v !== null && v !== '').join(', ');
  return html`<h1>Authorize ${view.appName}</h1>
<p><strong>${view.appName}</strong>${by === '' ? '' : html` by ${by}`} wants to use your ${view.instanceName} account.</p>
<p>${view.description}</p>
<p>${link(view.homepageUrl, 'Website')} ${link(view.privacyUrl, 'Privacy policy')}</p>
<h2>It will be able to</h2>
${scopeList(view.scopes)}
<p>After you decide, you will be sent to <strong>${view.redirectHost}</strong>.</p>
<form method="post" action="${view.confirmAction}" class="inline">${csrfField(view.csrfToken)}<button type="submit"${administrative ? html` class="danger"` : ''}>Authorize</button></form>
<form method="post" action="${view.denyAction}" class="inline">${csrfField(view.csrfToken)}<button type="submit" class="secondary">Deny</button></form>`;
}

/** An interaction that cannot go on: shown here, never sent to an app. */
export function interactionErrorPage(request: FastifyRequest, reply: FastifyReply, message: string): FastifyReply {
  return sendPage(request, reply, { title: 'Sign-in request', body: html`<h1>This sign-in cannot continue</h1><p>${message}</p>`, status: 400 });
}
