import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AppStatus } from '../../db/schema.js';
import { sendPage } from '../../http/web/page-area.js';
import { csrfField } from '../forms.js';
import { html, type SafeHtml } from '../html.js';

/** The console's sections, in menu order. */
const SECTIONS = [
  { path: '/console', label: 'Review queue' },
  { path: '/console/apps', label: 'Apps' },
  { path: '/console/developers', label: 'Developers' },
  { path: '/console/usage', label: 'Usage' },
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

/** The text fields of the app page's forms (review, revocation, reactivation), kept when a form is refused. */
export const APP_FORM_FIELDS = ['message', 'reason', 'revokeReason', 'confirm', 'approvalNote', 'declineNote'] as const;
export type AppFormField = (typeof APP_FORM_FIELDS)[number];
export type AppFormValues = Partial<Record<AppFormField, string>>;
