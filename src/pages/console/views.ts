import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AppStatus } from '../../db/schema.js';
import { sendPage } from '../../http/web/page-area.js';
import { formatUtc } from '../../platform/program-mail.js';
import { csrfField } from '../forms.js';
import { html, type SafeHtml } from '../html.js';

/** The console's sections, in menu order. */
const SECTIONS = [
  { path: '/console', label: 'Review queue' },
  { path: '/console/apps', label: 'Apps' },
  { path: '/console/developers', label: 'Developers' },
  { path: '/console/invitations', label: 'Invitations' },
  { path: '/console/audit', label: 'Audit log' },
  { path: '/console/mail', label: 'Mail outbox' },
] as const;

export type ConsoleSection = (typeof SECTIONS)[number]['path'];

/** The menu of a signed-in operator, with the sign-out button (a POST, so it carries the CSRF token). */
function consoleNav(request: FastifyRequest, current: ConsoleSection | null): SafeHtml {
  const token = request.webSession?.csrfToken ?? '';
  return html`${SECTIONS.map((section) =>
    section.path === current ? html`<a href="${section.path}" aria-current="page">${section.label}</a>` : html`<a href="${section.path}">${section.label}</a>`,
  )}<form method="post" action="/console/logout">${csrfField(token)}<button type="submit">Sign out</button></form>`;
}

/** Sends a console page: the shared layout with the console menu and a title naming the console. */
export function sendConsolePage(request: FastifyRequest, reply: FastifyReply, page: { title: string; body: SafeHtml; section: ConsoleSection | null; status?: number }): FastifyReply {
  return sendPage(request, reply, {
    title: `${page.title} · ConCat console`,
    body: page.body,
    nav: request.webSession === null ? undefined : consoleNav(request, page.section),
    status: page.status,
  });
}

export function time(iso: string | null): SafeHtml {
  return iso === null ? html`<span class="muted">—</span>` : html`<time datetime="${iso}">${formatUtc(iso)}</time>`;
}

const STATUS_LABELS: Record<AppStatus, string> = {
  applied: 'Waiting for review',
  needs_info: 'Waiting for developer',
  approved: 'Approved',
  rejected: 'Rejected',
  revoked: 'Revoked',
};

export function appStatusLabel(status: AppStatus): string {
  return STATUS_LABELS[status];
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

/** A positive integer id from a path parameter, or null for anything else (answered with 404). */
export function idParam(params: unknown, name = 'id'): number | null {
  const value: unknown = typeof params === 'object' && params !== null ? Reflect.get(params, name) : undefined;
  if (typeof value !== 'string' || !/^[1-9]\d{0,14}$/.test(value)) return null;
  return Number(value);
}

/** A query-string value as a string ('' when absent or repeated oddly). */
export function queryParam(query: unknown, name: string): string {
  const value: unknown = typeof query === 'object' && query !== null ? Reflect.get(query, name) : undefined;
  return typeof value === 'string' ? value : '';
}

/** A password field exactly as typed: unlike formField it is not trimmed, since spaces may be part of it. */
export function passwordField(body: unknown, name: string): string {
  const value: unknown = typeof body === 'object' && body !== null ? Reflect.get(body, name) : undefined;
  return typeof value === 'string' ? value : '';
}
