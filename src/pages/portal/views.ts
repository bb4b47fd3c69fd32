import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AppStatus } from '../../db/schema.js';
import type { ServerDependencies } from '../../http/server.js';
import { sendPage } from '../../http/web/page-area.js';
import type { DeveloperAccount } from '../../platform/developer-accounts.js';
import { csrfField } from '../forms.js';
import { html, type SafeHtml } from '../html.js';

/** What the portal's routes need from the server. */
export type PortalDependencies = Pick<ServerDependencies, 'config' | 'database' | 'clock'>;

export const PORTAL_HOME = '/portal';
export const PORTAL_LOGIN = '/portal/login';

export function appPath(appId: number): string {
  return `${PORTAL_HOME}/apps/${appId}`;
}

/** The menu of a signed-in developer, with the sign-out button (a POST, so it carries the CSRF token). */
function portalNav(request: FastifyRequest, developer: DeveloperAccount): SafeHtml {
  return html`<a href="${PORTAL_HOME}">Your apps</a><span class="muted">${developer.name}</span><form method="post" action="/portal/logout">${csrfField(request.webSession?.csrfToken ?? '')}<button type="submit">Sign out</button></form>`;
}

/** A POST form carrying the session's CSRF token. */
export function form(request: FastifyRequest, action: string, content: SafeHtml, attributes: SafeHtml = html``): SafeHtml {
  return html`<form method="post" action="${action}"${attributes}>${csrfField(request.webSession?.csrfToken ?? '')}${content}</form>`;
}

/** Sends a portal page: the shared layout, the portal menu when signed in, a title naming the portal. */
export function sendPortalPage(
  request: FastifyRequest,
  reply: FastifyReply,
  page: { title: string; body: SafeHtml; developer: DeveloperAccount | null; status?: number },
): FastifyReply {
  return sendPage(request, reply, {
    title: `${page.title} · ConCat developer portal`,
    body: page.body,
    nav: page.developer === null ? undefined : portalNav(request, page.developer),
    status: page.status,
  });
}

/** Each status in the developer's words: a short label and what it means for them now. */
export const APP_STATUSES: Record<AppStatus, { label: string; explanation: string }> = {
  applied: {
    label: 'In review',
    explanation: 'We received your application. Platform staff will review it and email you when they decide or need more information.',
  },
  needs_info: {
    label: 'Information needed',
    explanation: 'The reviewer has a question. Answer it on the app’s page; the review continues once you do.',
  },
  approved: {
    label: 'Approved',
    explanation: 'Your app has an API ID. Create its secret key, register its redirect URIs, and event customers can integrate it.',
  },
  rejected: {
    label: 'Not approved',
    explanation: 'The application was not approved. The reviewer’s reason is on the app’s page.',
  },
  revoked: {
    label: 'Revoked',
    explanation: 'The app can no longer sign in or call the API.',
  },
};

export function statusBadge(status: AppStatus): SafeHtml {
  return html`<span class="status">${APP_STATUSES[status].label}</span>`;
}
