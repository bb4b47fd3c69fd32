import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppStatus } from '../../db/schema.js';
import { apiError } from '../../http/errors.js';
import type { ServerDependencies } from '../../http/server.js';
import { formField, idParam, queryParam } from '../../http/web/form-fields.js';
import { AppRevocationError, revokeApp } from '../../platform/app-revocation.js';
import { approveReactivation, declineReactivation, listReactivationRequests, ReactivationError } from '../../platform/app-reactivation.js';
import { parseInterestedCustomers } from '../../platform/developer-applications.js';
import { approveApplication, rejectApplication, requestInformation, REVIEW_ACTIONS, REVIEW_TRANSITIONS, ReviewError, listReviewQueue } from '../../platform/review.js';
import { csrfField, field, type FieldErrors } from '../forms.js';
import { html, type SafeHtml } from '../html.js';
import { appAuditHistory, getAppDetail, instanceNamesBySlug, isAppStatus, listApps, APP_STATUSES, type AppDetail, type AuditRow } from './queries.js';
import { overdueAppIds, overdueBadge, REVOCATION_ACTION_LABELS, REVOCATION_DONE_MESSAGES, revocationOverview, revocationSection } from './revocations.js';
import { APP_FORM_FIELDS, appStatusLabel, sendConsolePage, type AppFormField, type AppFormValues } from './views.js';
import { buttonForm, errorNotice, ownValue, statusBadge, successNotice, time, wideTable } from '../components.js';
import { inactivityOutlook } from '../../platform/revocation-sweep.js';
import { inactivitySection } from '../inactivity-view.js';

const DONE_MESSAGES: Record<string, string> = {
  approved: 'Approved. The developer was emailed and creates the secret key in the portal.',
  rejected: 'Rejected. The developer was emailed the reason.',
  'information-requested': 'Question sent. The application waits for the developer’s answer.',
  ...REVOCATION_DONE_MESSAGES,
};

/** How the console names audit actions in an app's history; other actions show as recorded. */
const ACTION_LABELS: Record<string, string> = {
  'app.created': 'Applied',
  'app.information-requested': 'Asked for more information',
  'app.information-provided': 'Answered',
  'app.approved': 'Approved',
  'app.rejected': 'Rejected',
  ...REVOCATION_ACTION_LABELS,
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
      // An attestation names its instance before the developer's statement.
      const instance: unknown = Reflect.get(details, 'instance');
      const prefix = typeof instance === 'string' ? `${instance}: ` : '';
      for (const key of ['message', 'answer', 'reason', 'note', 'statement']) {
        const value: unknown = Reflect.get(details, key);
        if (typeof value === 'string') return `${prefix}${value}`;
      }
      // Review steps say it all in their label; other acts (e.g. from the portal) show their details.
      return Object.keys(details).length === 0 || isReviewAction(row.action) ? '' : row.details;
    }
  } catch {
    // Shown raw below.
  }
  return row.details;
}

/** The value of the apps list's status filter for revoked apps with an overdue deletion. */
const OVERDUE_FILTER = 'overdue';

/** A refused step of the app page: a field's problem, or (`field` null) the whole step's. */
interface Refusal {
  field: AppFormField | null;
  message: string;
}

/** A refusal the route makes itself (a form rule, not a domain rule). */
class FormRefusal extends Error {
  constructor(
    readonly field: AppFormField,
    message: string,
  ) {
    super(message);
  }
}

interface ReviewForms {
  errors: FieldErrors;
  values: AppFormValues;
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
${field({ name: 'message', label: 'Question to the developer', multiline: true, required: true, value: forms.values.message, errors: forms.errors, hint: 'Emailed to the developer, who answers in the developer portal.', maxLength: 5000 })}
<button type="submit">Send question</button></form></section>`);
  }
  if (can(app.status, REVIEW_TRANSITIONS.reject)) {
    parts.push(html`<section aria-labelledby="reject-h"><h3 id="reject-h">Reject</h3>
<form method="post" action="${base}/reject">${csrfField(token)}
${field({ name: 'reason', label: 'Reason for the rejection', multiline: true, required: true, value: forms.values.reason, errors: forms.errors, hint: 'Emailed to the developer.', maxLength: 5000 })}
<button type="submit" class="danger">Reject</button></form></section>`);
  }
  if (parts.length === 0) return html`<p class="muted">No review step is open: the application is ${appStatusLabel(app.status).toLowerCase()}.</p>`;
  return html`${parts}`;
}

async function renderAppDetail(request: FastifyRequest, reply: FastifyReply, deps: ServerDependencies, app: AppDetail, forms: ReviewForms, status = 200): Promise<FastifyReply> {
  const db = deps.database.db;
  const [history, instances, revocation, overdue, inactivity] = await Promise.all([
    appAuditHistory(db, app.id),
    instanceNamesBySlug(db),
    revocationSection(request, db, deps.clock, app, forms),
    overdueAppIds(db, deps.clock),
    inactivityOutlook(db, app.id, deps.config, deps.clock),
  ]);
  const customers = parseInterestedCustomers(app.interestedEventCustomers);
  const chosen = customers.instances.map((slug) => instances.get(slug) ?? slug);
  const developer = app.developer;
  const note =
    app.reviewNote === ''
      ? html``
      : html`<div class="notice"><strong>${app.status === 'rejected' ? 'Reason given' : app.status === 'needs_info' ? 'Question to the developer' : 'Review note'}:</strong> <span class="pre-line">${app.reviewNote}</span></div>`;
  const body = html`<p><a href="/console/apps">All apps</a></p>
<h1>${app.displayName} ${statusBadge(appStatusLabel(app.status))}${overdue.has(app.id) ? html` ${overdueBadge()}` : ''}</h1>
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
${inactivitySection(inactivity, deps.config, 'operator')}
${revocation}
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
    const [queue, overview] = await Promise.all([listReviewQueue(db), revocationOverview(db, deps.clock)]);
    const rows = queue.map(
      (item) => html`<tr><td><a href="/console/apps/${item.id}">${item.displayName}</a></td><td>${item.developerName} (${item.companyName})</td><td>${statusBadge(appStatusLabel(item.status))}</td><td>${time(item.createdAt)}</td><td>${time(item.updatedAt)}</td></tr>`,
    );
    const body = html`<h1>Review queue</h1>
<p>Applications waiting for a decision come first, then those waiting for the developer's answer; oldest first.</p>
${wideTable(html`<tr><th scope="col">App</th><th scope="col">Developer</th><th scope="col">Status</th><th scope="col">Applied</th><th scope="col">Last change</th></tr>`, rows, 'Nothing to review.')}
${overview}`;
    return sendConsolePage(request, reply, { title: 'Review queue', body, section: '/console' });
  });

  app.get('/console/apps', async (request, reply) => {
    const requested = queryParam(request.query, 'status');
    // "overdue" is no status of its own: revoked apps whose deletion deadline passed with duties open.
    const onlyOverdue = requested === OVERDUE_FILTER;
    const status = onlyOverdue ? 'revoked' : isAppStatus(requested) ? requested : null;
    const [listed, overdue] = await Promise.all([listApps(db, status), overdueAppIds(db, deps.clock)]);
    const apps = onlyOverdue ? listed.filter((item) => overdue.has(item.id)) : listed;
    const option = (value: string, label: string) => html`<option value="${value}"${value === requested ? html` selected` : ''}>${label}</option>`;
    const filter = html`<form method="get" action="/console/apps"><label for="f-status">Status</label>
<select id="f-status" name="status"><option value="">All</option>${APP_STATUSES.map((s) => option(s, appStatusLabel(s)))}${option(OVERDUE_FILTER, 'Revoked, deletion overdue')}</select>
<button type="submit">Show</button></form>`;
    const rows = apps.map(
      (item) =>
        html`<tr><td><a href="/console/apps/${item.id}">${item.displayName}</a></td><td><code>${item.clientId}</code></td><td>${item.owner}</td><td>${statusBadge(appStatusLabel(item.status))}${overdue.has(item.id) ? html` ${overdueBadge()}` : ''}</td><td>${time(item.createdAt)}</td></tr>`,
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
    return renderAppDetail(request, reply, deps, detail, { errors: {}, values: {}, done: queryParam(request.query, 'done') });
  });

  /**
   * Runs a step of the app page (review, revocation, reactivation). `refusalOf` names the step's
   * refusals; a refusal re-renders the page with what was typed and why: at the field (400) or for
   * the whole step (409).
   */
  const appStep = (path: string, done: string, step: (detail: AppDetail, operatorId: number, request: FastifyRequest) => Promise<unknown>, refusalOf: (error: unknown) => Refusal | null) => {
    app.post(`/console/apps/:id/${path}`, async (request, reply) => {
      const detail = await loadApp(request);
      const operatorId = request.webSession?.subjectId;
      if (operatorId === undefined) throw apiError.access('Sign in first');
      try {
        await step(detail, operatorId, request);
      } catch (error) {
        const refusal = error instanceof FormRefusal ? { field: error.field, message: error.message } : refusalOf(error);
        if (refusal === null) throw error;
        const values: AppFormValues = Object.fromEntries(APP_FORM_FIELDS.map((name) => [name, formField(request.body, name)]));
        const forms: ReviewForms = refusal.field === null ? { errors: {}, values, refusal: refusal.message } : { errors: { [refusal.field]: refusal.message }, values };
        const fresh = (await getAppDetail(db, detail.id)) ?? detail;
        return renderAppDetail(request, reply, deps, fresh, forms, refusal.field === null ? 409 : 400);
      }
      return reply.redirect(`/console/apps/${detail.id}?done=${done}`, 303);
    });
  };

  const publicUrl = deps.config.publicUrl;
  const reviewRefusal = (messageField: AppFormField) => (error: unknown) => (error instanceof ReviewError ? { field: error.field === 'message' ? messageField : null, message: error.message } : null);
  appStep('approve', 'approved', (detail, operatorId, request) => approveApplication(db, { appId: detail.id, operatorId, ip: request.ip, publicUrl }, deps.clock), reviewRefusal('message'));
  appStep('reject', 'rejected', (detail, operatorId, request) => rejectApplication(db, { appId: detail.id, operatorId, ip: request.ip, publicUrl, reason: formField(request.body, 'reason') }, deps.clock), reviewRefusal('reason'));
  appStep(
    'request-information',
    'information-requested',
    (detail, operatorId, request) => requestInformation(db, { appId: detail.id, operatorId, ip: request.ip, publicUrl, message: formField(request.body, 'message') }, deps.clock),
    reviewRefusal('message'),
  );

  appStep(
    'revoke',
    'revoked',
    async (detail, operatorId, request) => {
      // The operator confirms that the app stops at once: nothing but a reactivation undoes it.
      if (formField(request.body, 'confirm') !== 'yes') throw new FormRefusal('confirm', 'Confirm that the app stops at once and only a reactivation brings it back');
      await revokeApp(db, { app: { appId: detail.id }, reason: formField(request.body, 'revokeReason'), actor: { type: 'operator', operatorId }, ip: request.ip }, deps.clock);
    },
    (error) => (error instanceof AppRevocationError ? { field: error.field === 'reason' ? 'revokeReason' : null, message: error.message } : null),
  );

  /** The pending request's id from the path, when it is one of this app's requests; else 404. */
  const requestOf = async (detail: AppDetail, request: FastifyRequest): Promise<number> => {
    const requestId = idParam(request.params, 'requestId');
    const own = requestId !== null && (await listReactivationRequests(db, { appId: detail.id })).some((r) => r.id === requestId);
    if (requestId === null || !own) throw apiError.notFound('No such reactivation request');
    return requestId;
  };
  const reactivationRefusal = (noteField: AppFormField) => (error: unknown) => {
    if (!(error instanceof ReactivationError)) return null;
    if (error.notFound) throw apiError.notFound(error.message);
    return { field: error.field === 'message' ? noteField : null, message: error.message };
  };
  appStep(
    'reactivations/:requestId/approve',
    'reactivated',
    async (detail, operatorId, request) => approveReactivation(db, { operatorId, requestId: await requestOf(detail, request), note: formField(request.body, 'approvalNote'), ip: request.ip, publicUrl }, deps.clock),
    reactivationRefusal('approvalNote'),
  );
  appStep(
    'reactivations/:requestId/decline',
    'reactivation-declined',
    async (detail, operatorId, request) => declineReactivation(db, { operatorId, requestId: await requestOf(detail, request), note: formField(request.body, 'declineNote'), ip: request.ip, publicUrl }, deps.clock),
    reactivationRefusal('declineNote'),
  );
}
