import type { FastifyRequest } from 'fastify';
import { formatUtc } from '../platform/program-mail.js';
import { formatUtcDate } from '../platform/revocation-mail.js';
import { csrfField } from './forms.js';
import { html, type SafeHtml } from './html.js';

// Small pieces every page area (console, portal, Housekeeping, sign-in) shares.

export function time(iso: string | null): SafeHtml {
  return iso === null ? html`<span class="muted">—</span>` : html`<time datetime="${iso}">${formatUtc(iso)}</time>`;
}

/** A calendar date (UTC), e.g. "3 January 2027", as the revocation emails name deadlines. */
export function day(iso: string | null): SafeHtml {
  return iso === null ? html`<span class="muted">—</span>` : html`<time datetime="${iso}">${formatUtcDate(iso)}</time>`;
}

export function statusBadge(label: string): SafeHtml {
  return html`<span class="status">${label}</span>`;
}

/**
 * The entry of a message table for a key from outside (a redirect's `done`, a stored action).
 * Only the table's own keys count, so `?done=constructor` shows nothing rather than something inherited.
 */
export function ownValue(table: Readonly<Record<string, string>>, key: string | undefined): string | undefined {
  return key !== undefined && Object.hasOwn(table, key) ? table[key] : undefined;
}

/** A success message after a redirect, announced to screen readers. */
export function successNotice(message: string | undefined): SafeHtml {
  return message === undefined ? html`` : html`<div class="notice" role="status">${message}</div>`;
}

/** A refusal that is about the whole page (e.g. an action no longer allowed), announced at once. */
export function errorNotice(message: string | undefined): SafeHtml {
  return message === undefined ? html`` : html`<div class="notice error" role="alert">${message}</div>`;
}

/** A table that scrolls sideways on a narrow screen instead of widening the page. */
export function wideTable(head: SafeHtml, rows: SafeHtml[], empty: string): SafeHtml {
  if (rows.length === 0) return html`<p class="muted">${empty}</p>`;
  return html`<div class="table-scroll"><table><thead>${head}</thead><tbody>${rows}</tbody></table></div>`;
}

/** A small form with one button that POSTs to `action` (resend, withdraw, …). */
export function buttonForm(request: FastifyRequest, action: string, label: string, options: { danger?: boolean; hidden?: Record<string, string> } = {}): SafeHtml {
  const hidden = Object.entries(options.hidden ?? {}).map(([name, value]) => html`<input type="hidden" name="${name}" value="${value}">`);
  return html`<form method="post" action="${action}" class="inline">${csrfField(request.webSession?.csrfToken ?? '')}${hidden}<button type="submit"${options.danger === true ? html` class="danger"` : ''}>${label}</button></form>`;
}
