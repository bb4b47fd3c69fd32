import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppStatus } from '../../db/schema.js';
import { apiError } from '../../http/errors.js';
import type { ServerDependencies } from '../../http/server.js';
import { formField } from '../../http/web/form-fields.js';
import { parseInterestedCustomers } from '../../platform/developer-applications.js';
import { approveApplication, rejectApplication, requestInformation, REVIEW_ACTIONS, REVIEW_TRANSITIONS, ReviewError, listReviewQueue } from '../../platform/review.js';
import { csrfField, field, type FieldErrors } from '../forms.js';
import { html, type SafeHtml } from '../html.js';
import { appAuditHistory, getAppDetail, instanceNamesBySlug, isAppStatus, listApps, APP_STATUSES, type AppDetail, type AuditRow } from './queries.js';
import { appStatusLabel, sendConsolePage } from './views.js';
import { buttonForm, errorNotice, ownValue, statusBadge, successNotice, time, wideTable } from '../components.js';
import { idParam, queryParam } from '../../http/web/form-fields.js';

const DONE_MESSAGES: Record<string, string> = {
  approved: 'Approved. The developer was emailed and creates the secret key in the portal.',
  rejected: 'Rejected. The developer was emailed the reason.',
  'information-requested': 'Question sent. The application waits for the developer’s answer.',
};

/** How the console names audit actions in an app's history; other actions show as recorded. */
const ACTION_LABELS: Record<string, string> = {
  'app.created': 'Applied',
  'app.information-requested': 'Asked for more information',
  'app.information-provided': 'Answered',
  'app.approved': 'Approved',
  'app.rejected': 'Rejected',
};

/** An outside address as a link only when it is http(s); anything else is shown as text, never as a javascript: link. */
function externalLink(url: string | null): SafeHtml {
  if (url === null || url === '') return html`<span class="muted">—</span>`;
  return /^https?:\/\//i.test(url) ? html`<a href="${url}" rel="noopener noreferrer">${url}</a>` : html`${url}`;
}

function actorText(row: AuditRow): string {
  if (row.actorName !== null) return `${row.actorType} ${row.actorName}`;
  return row.actorId === null ? row.actorType : `${row.actorType} #${row.actorId}`;
}

function isReviewAction(action: string): boolean {
  return REVIEW_ACTIONS.some((known) => known === action);
}

/** The message a history entry carries (question, answer, reason), else its details as recorded. */
function historyText(row: AuditRow): string {
  try {
    const details: unknown = JSON.parse(row.details);
    if (typeof details === 'object' && details !== null) {
      for (const key of ['message', 'answer', 'reason']) {
        const value: unknown = Reflect.get(details, key);
        if (typeof value === 'string') return value;
      }
      // Review steps say it all in their label; other acts (e.g. from the portal) show their details.
      return Object.keys(details).length === 0 || isReviewAction(row.action) ? '' : row.details;
    }
  } catch {
    // Shown raw below.
  }
  return row.details;
}

interface ReviewForms {
  errors: FieldErrors;
  message: string;
  reason: string;
  /** A refusal of the whole step (e.g. already approved). */
  refusal?: string;
  done?: string;
}

function can(status: AppStatus, allowed: readonly AppStatus[]): boolean {
  return allowed.includes(status);
}

function reviewActions(request: FastifyRequest, app: AppDetail, forms: ReviewForms): SafeHtml {
  if (app.developer === null) return html`<p class="muted">An organization's own app: created in its instance without review.</p>`;
  const token = request.webSession?.csrfToken ?? '';
  const base = `/console/apps/${app.id}`;
  const parts: SafeHtml[] = [];
  if (can(app.status, REVIEW_TRANSITIONS.approve)) {
    parts.push(html`<section aria-labelledby="approve-h"><h3 id="approve-h">Approve</h3>
<p>The app keeps API ID <code>${app.clientId}</code>. The developer is emailed and creates the secret key in the portal; staff never see it.</p>
${buttonForm(request, `${base}/approve`, 'Approve')}</section>`);
  }
  if (can(app.status, REVIEW_TRANSITIONS.requestInformation)) {
    parts.push(html`<section aria-labelledby="info-h"><h3 id="info-h">Ask for more information</h3>
<form method="post" action="${base}/request-information">${csrfField(token)}
${field({ name: 'message', label: 'Question to the developer', multiline: true, required: true, value: forms.message, errors: forms.errors, hint: 'Emailed to the developer, who answers in the developer portal.', maxLength: 5000 })}
<button type="submit">Send question</button></form></section>`);
  }
  if (can(app.status, REVIEW_TRANSITIONS.reject)) {
    parts.push(html`<section aria-labelledby="reject-h"><h3 id="reject-h">Reject</h3>
<form method="post" action="${base}/reject">${csrfField(token)}
${field({ name: 'reason', label: 'Reason for the rejection', multiline: true, required: true, value: forms.reason, errors: forms.errors, hint: 'Emailed to the developer.', maxLength: 5000 })}
<button type="submit" class="danger">Reject</button></form></section>`);
  }
  if (parts.length === 0) return html`<p class="muted">No review step is open: the application is ${appStatusLabel(app.status).toLowerCase()}.</p>`;
  return html`${parts}`;
}

async function renderAppDetail(request: FastifyRequest, reply: FastifyReply, deps: ServerDependencies, app: AppDetail, forms: ReviewForms, status = 200): Promise<FastifyReply> {
  const db = deps.database.db;
  const [history, instances] = await Promise.all([appAuditHistory(db, app.id), instanceNamesBySlug(db)]);
  const customers = parseInterestedCustomers(app.interestedEventCustomers);
  const chosen = customers.instances.map((slug) => instances.get(slug) ?? slug);
  const developer = app.developer;
  const note =
    app.reviewNote === ''
      ? html``
      : html`<div class="notice"><strong>${app.status === 'rejected' ? 'Reason given' : app.status === 'needs_info' ? 'Question to the developer' : 'Review note'}:</strong> <span class="pre-line">${app.reviewNote}</span></div>`;
  const body = html`<p><a href="/console/apps">All apps</a></p>
<h1>${app.displayName} ${statusBadge(appStatusLabel(app.status))}</h1>
${successNotice(ownValue(DONE_MESSAGES, forms.done))}${errorNotice(forms.refusal)}${note}
<h2>Application</h2>
<dl>
<dt>API ID (client_id)</dt><dd><code>${app.clientId}</code></dd>
<dt>Use case</dt><dd class="pre-line">${app.description}</dd>
<dt>Event customers</dt><dd>${chosen.length === 0 && customers.other === '' ? html`<span class="muted">None named</span>` : html`${chosen.join(', ')}${chosen.length > 0 && customers.other !== '' ? '; ' : ''}${customers.other}`}</dd>
<dt>Homepage</dt><dd>${externalLink(app.homepageUrl)}</dd>
<dt>Privacy policy</dt><dd>${externalLink(app.privacyUrl)}</dd>
<dt>Logo</dt><dd>${externalLink(app.logoUrl)}</dd>
<dt>Redirect URIs</dt><dd>${app.redirectUris.length === 0 ? html`<span class="muted">None yet</span>` : html`<ul>${app.redirectUris.map((uri) => html`<li><code>${uri}</code></li>`)}</ul>`}</dd>
<dt>Applied</dt><dd>${time(app.createdAt)}</dd>
<dt>Last change</dt><dd>${time(app.updatedAt)}</dd>
${app.revokedAt === null ? '' : html`<dt>Revoked</dt><dd>${time(app.revokedAt)} ${app.revokeReason ?? ''}</dd>`}
</dl>
${developer === null
    ? html`<h2>Owner</h2><p>Organization ${app.ownerOrg?.name ?? '?'} (<code>${app.ownerOrg?.slug ?? ''}</code>)</p>`
    : html`<h2>Developer and company</h2>
<dl>
<dt>Name</dt><dd>${developer.name}</dd>
<dt>Email</dt><dd><a href="mailto:${developer.email}">${developer.email}</a></dd>
<dt>Company</dt><dd>${developer.companyName}</dd>
<dt>Company website</dt><dd>${externalLink(developer.companyWebsite)}</dd>
<dt>Contact information</dt><dd class="pre-line">${developer.contactInfo}</dd>
<dt>Member since</dt><dd>${time(developer.createdAt)}</dd>
</dl>`}
<h2>Review</h2>
${reviewActions(request, app, forms)}
<h2>History</h2>
${wideTable(
    html`<tr><th scope="col">When</th><th scope="col">Who</th><th scope="col">What</th><th scope="col">Message or details</th></tr>`,
    history.map((row) => html`<tr><td>${time(row.at)}</td><td>${actorText(row)}</td><td>${ownValue(ACTION_LABELS, row.action) ?? row.action}</td><td class="pre-line">${historyText(row)}</td></tr>`),
    'Nothing recorded yet.',
  )}`;
  return sendConsolePage(request, reply, { title: app.displayName, body, section: '/console/apps', status });
}

export function registerAppRoutes(app: FastifyInstance, deps: ServerDependencies): void {
  const db = deps.database.db;

  app.get('/console', async (request, reply) => {
    const queue = await listReviewQueue(db);
    const rows = queue.map(
      (item) => html`<tr><td><a href="/console/apps/${item.id}">${item.displayName}</a></td><td>${item.developerName} (${item.companyName})</td><td>${statusBadge(appStatusLabel(item.status))}</td><td>${time(item.createdAt)}</td><td>${time(item.updatedAt)}</td></tr>`,
    );
    const body = html`<h1>Review queue</h1>
<p>Applications waiting for a decision come first, then those waiting for the developer's answer; oldest first.</p>
${wideTable(html`<tr><th scope="col">App</th><th scope="col">Developer</th><th scope="col">Status</th><th scope="col">Applied</th><th scope="col">Last change</th></tr>`, rows, 'Nothing to review.')}`;
    return sendConsolePage(request, reply, { title: 'Review queue', body, section: '/console' });
  });

  app.get('/console/apps', async (request, reply) => {
    const requested = queryParam(request.query, 'status');
    const status = isAppStatus(requested) ? requested : null;
    const apps = await listApps(db, status);
    const filter = html`<form method="get" action="/console/apps"><label for="f-status">Status</label>
<select id="f-status" name="status"><option value="">All</option>${APP_STATUSES.map((s) => html`<option value="${s}"${s === status ? html` selected` : ''}>${appStatusLabel(s)}</option>`)}</select>
<button type="submit">Show</button></form>`;
    const rows = apps.map(
      (item) => html`<tr><td><a href="/console/apps/${item.id}">${item.displayName}</a></td><td><code>${item.clientId}</code></td><td>${item.owner}</td><td>${statusBadge(appStatusLabel(item.status))}</td><td>${time(item.createdAt)}</td></tr>`,
    );
    const body = html`<h1>Apps</h1>${filter}
${wideTable(html`<tr><th scope="col">App</th><th scope="col">API ID</th><th scope="col">Owner</th><th scope="col">Status</th><th scope="col">Created</th></tr>`, rows, 'No apps.')}`;
    return sendConsolePage(request, reply, { title: 'Apps', body, section: '/console/apps' });
  });

  const loadApp = async (request: FastifyRequest): Promise<AppDetail> => {
    const id = idParam(request.params);
    const detail = id === null ? null : await getAppDetail(db, id);
    if (detail === null) throw apiError.notFound('No such app');
    return detail;
  };

  app.get('/console/apps/:id', async (request, reply) => {
    const detail = await loadApp(request);
    return renderAppDetail(request, reply, deps, detail, { errors: {}, message: '', reason: '', done: queryParam(request.query, 'done') });
  });

  /** Runs a review step; a refusal re-renders the page with what was typed and why. */
  const reviewStep = (path: string, done: string, step: (appId: number, operatorId: number, request: FastifyRequest) => Promise<void>) => {
    app.post(`/console/apps/:id/${path}`, async (request, reply) => {
      const detail = await loadApp(request);
      const operatorId = request.webSession?.subjectId;
      if (operatorId === undefined) throw apiError.access('Sign in first');
      try {
        await step(detail.id, operatorId, request);
      } catch (error) {
        if (!(error instanceof ReviewError)) throw error;
        const forms: ReviewForms = { errors: {}, message: formField(request.body, 'message'), reason: formField(request.body, 'reason') };
        if (error.field === 'message') forms.errors[path === 'reject' ? 'reason' : 'message'] = error.message;
        else forms.refusal = error.message;
        const fresh = (await getAppDetail(db, detail.id)) ?? detail;
        return renderAppDetail(request, reply, deps, fresh, forms, error.field === 'message' ? 400 : 409);
      }
      return reply.redirect(`/console/apps/${detail.id}?done=${done}`, 303);
    });
  };

  const publicUrl = deps.config.publicUrl;
  reviewStep('approve', 'approved', (appId, operatorId, request) => approveApplication(db, { appId, operatorId, ip: request.ip, publicUrl }, deps.clock));
  reviewStep('reject', 'rejected', (appId, operatorId, request) => rejectApplication(db, { appId, operatorId, ip: request.ip, publicUrl, reason: formField(request.body, 'reason') }, deps.clock));
  reviewStep('request-information', 'information-requested', (appId, operatorId, request) =>
    requestInformation(db, { appId, operatorId, ip: request.ip, publicUrl, message: formField(request.body, 'message') }, deps.clock),
  );
}
