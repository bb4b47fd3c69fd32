import type { FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import type { Clock } from '../../clock.js';
import type { RevocationCause, Schema } from '../../db/schema.js';
import { listReactivationRequests, type ReactivationRequest } from '../../platform/app-reactivation.js';
import { DELETION_PERIOD_DAYS } from '../../platform/app-revocation.js';
import { listOverdueDuties, listRevocations, type DeletionDuty, type RevocationRecord } from '../../platform/deletion-duty.js';
import { MAX_REVIEW_MESSAGE_LENGTH } from '../../platform/review.js';
import { day, time, wideTable } from '../components.js';
import { daysBetween } from '../../platform/inactivity.js';
import { csrfField, field, type FieldErrors } from '../forms.js';
import { html, type SafeHtml } from '../html.js';
import { suspendedIntegrationInstances, type AppDetail } from './queries.js';
import type { AppFormValues } from './views.js';

/**
 * The console's side of revocation: revoking an approved app, what a revocation left (deadline,
 * deletion duty per instance, overdue), earlier revocations, and the reactivation requests with
 * their decisions. The rules live in src/platform (app-revocation, deletion-duty, app-reactivation).
 */


/** What the app page says after a redirect; merged with the review's messages in apps.ts. */
export const REVOCATION_DONE_MESSAGES: Record<string, string> = {
  revoked: 'Revoked. The app stopped working at once in every instance; the developer was emailed the reason and the deletion deadline.',
  reactivated:
    'Reactivated: the app is approved again. The developer must issue a new secret key in the developer portal (the old ones stay revoked), and each organization’s admin decides whether to re-enable its integration. Users who signed in with the app must consent again.',
  'reactivation-declined': 'Declined. The developer was emailed your note; the app stays revoked.',
};

/** How the app's history names the lifecycle's audit actions. */
export const REVOCATION_ACTION_LABELS: Record<string, string> = {
  'app.revoked': 'Revoked',
  'app.deletion-attested': 'Attested deletion',
  'app.reactivation-requested': 'Asked for reactivation',
  'app.reactivated': 'Reactivated',
  'app.reactivation-declined': 'Declined reactivation',
};

/** The cause, worded as the portal and Housekeeping word it. */
const CAUSE_LABELS: Record<RevocationCause, string> = {
  inactivity: 'Automatically, for inactivity',
  developer: 'At the developer’s request',
  operator: 'By the ConCat team (an operator or administrator)',
};

export function overdueBadge(): SafeHtml {
  return html`<strong class="status danger-text">Overdue</strong>`;
}

function dutyState(duty: DeletionDuty, overdue: boolean): SafeHtml {
  switch (duty.status) {
    case 'open':
      return overdue ? html`Open ${overdueBadge()}` : html`Open`;
    case 'attested':
      return html`Attested ${time(duty.attestedAt)}${duty.statement === '' ? '' : html`<br><span class="pre-line">${duty.statement}</span>`}`;
    case 'released':
      return html`Released ${time(duty.releasedAt)} <span class="hint">(the organization re-enabled the integration)</span>`;
  }
}

function dutiesTable(record: RevocationRecord): SafeHtml {
  return wideTable(
    html`<tr><th scope="col">Instance</th><th scope="col">Deletion</th></tr>`,
    record.duties.map((duty) => html`<tr><td>${duty.instanceName}</td><td>${dutyState(duty, record.overdue)}</td></tr>`),
    'No deletion duty: the app was integrated in no instance.',
  );
}

/** The revocation in force: when, why, the deadline, and the duty per instance. */
function currentRevocation(record: RevocationRecord): SafeHtml {
  return html`<dl>
<dt>Revoked</dt><dd>${time(record.revokedAt)}</dd>
<dt>Cause</dt><dd>${CAUSE_LABELS[record.cause]}</dd>
<dt>Reason given to the developer</dt><dd class="pre-line">${record.reason}</dd>
<dt>Deletion deadline</dt><dd>${day(record.deletionDueAt)}${record.overdue ? html` ${overdueBadge()} <span class="danger-text">the deadline has passed and deletion is not attested for every instance</span>` : ''}</dd>
</dl>
<h3>Deletion of event data, per instance</h3>
${dutiesTable(record)}`;
}

function earlierRevocations(records: RevocationRecord[]): SafeHtml {
  if (records.length === 0) return html``;
  return html`<h3>Earlier revocations</h3>
${wideTable(
  html`<tr><th scope="col">Revoked</th><th scope="col">Cause and reason</th><th scope="col">Deadline</th><th scope="col">Reactivated</th><th scope="col">Deletion per instance</th></tr>`,
  records.map(
    (record) => html`<tr><td>${time(record.revokedAt)}</td><td><span class="hint">${CAUSE_LABELS[record.cause]}</span><br><span class="pre-line">${record.reason}</span></td><td>${day(record.deletionDueAt)}${record.overdue ? html` ${overdueBadge()}` : ''}</td><td>${time(record.reactivatedAt)}</td><td>${record.duties.length === 0 ? html`<span class="muted">None</span>` : html`<ul>${record.duties.map((duty) => html`<li>${duty.instanceName}: ${dutyState(duty, record.overdue)}</li>`)}</ul>`}</td></tr>`,
  ),
  '',
)}`;
}

function revokeForm(request: FastifyRequest, app: AppDetail, errors: FieldErrors, values: AppFormValues): SafeHtml {
  const confirmError = errors.confirm;
  return html`<section aria-labelledby="revoke-h"><h3 id="revoke-h">Revoke</h3>
<p>Revoking stops the app at once in every instance: its secret keys and every token end, its integrations are suspended and its webhooks stop. The developer is emailed the reason and must delete the event data it stored within ${DELETION_PERIOD_DAYS} days. Only a reactivation brings the app back, with a new secret.</p>
<form method="post" action="/console/apps/${app.id}/revoke">${csrfField(request.webSession?.csrfToken ?? '')}
${field({ name: 'revokeReason', label: 'Reason for the revocation', multiline: true, required: true, value: values.revokeReason, errors, hint: 'Emailed to the developer and shown in the developer portal.', maxLength: MAX_REVIEW_MESSAGE_LENGTH })}
<label class="choice"><input type="checkbox" id="f-confirm" name="confirm" value="yes" required${confirmError === undefined ? '' : html` aria-invalid="true" aria-describedby="f-confirm-error"`}> <span>I understand that ${app.displayName} stops working at once and cannot be undone except by a reactivation.</span></label>
${confirmError === undefined ? '' : html`<div class="field-error" id="f-confirm-error">${confirmError}</div>`}
<button type="submit" class="danger">Revoke ${app.displayName}</button></form></section>`;
}

function decisionForms(request: FastifyRequest, app: AppDetail, pending: ReactivationRequest, errors: FieldErrors, values: AppFormValues): SafeHtml {
  const token = request.webSession?.csrfToken ?? '';
  const base = `/console/apps/${app.id}/reactivations/${pending.id}`;
  return html`<div class="notice"><p><strong>Reactivation requested</strong> ${time(pending.requestedAt)} by ${pending.developerName} (${pending.developerEmail}):</p><p class="pre-line">${pending.message}</p></div>
<section aria-labelledby="reactivate-h"><h3 id="reactivate-h">Approve the reactivation</h3>
<p>The app becomes approved again. The developer must issue a new secret key in the portal (old keys never return); each organization’s admin re-enables its integration, or not; users consent again.</p>
<form method="post" action="${base}/approve">${csrfField(token)}
${field({ name: 'approvalNote', label: 'Note to the developer', multiline: true, value: values.approvalNote, errors, hint: 'Emailed with the approval.', maxLength: MAX_REVIEW_MESSAGE_LENGTH })}
<button type="submit">Approve reactivation</button></form></section>
<section aria-labelledby="decline-h"><h3 id="decline-h">Decline the reactivation</h3>
<form method="post" action="${base}/decline">${csrfField(token)}
${field({ name: 'declineNote', label: 'Why the app stays revoked', multiline: true, required: true, value: values.declineNote, errors, hint: 'Emailed to the developer, who may ask again.', maxLength: MAX_REVIEW_MESSAGE_LENGTH })}
<button type="submit" class="danger">Decline reactivation</button></form></section>`;
}

function decidedRequests(requests: ReactivationRequest[]): SafeHtml {
  if (requests.length === 0) return html``;
  return html`<h3>Reactivation requests</h3>
${wideTable(
  html`<tr><th scope="col">Asked</th><th scope="col">Message</th><th scope="col">Decision</th><th scope="col">Note</th></tr>`,
  requests.map((r) => html`<tr><td>${time(r.requestedAt)}</td><td class="pre-line">${r.message}</td><td>${r.status === 'approved' ? 'Approved' : 'Declined'} ${time(r.decidedAt)}</td><td class="pre-line">${r.decisionNote}</td></tr>`),
  '',
)}`;
}

/** The app page's "Revocation" section: the revoke form, or what the revocation left, then history and requests. */
export async function revocationSection(request: FastifyRequest, db: Kysely<Schema>, clock: Clock, app: AppDetail, forms: { errors: FieldErrors; values: AppFormValues }): Promise<SafeHtml> {
  const [records, requests] = await Promise.all([listRevocations(db, app.id, clock), listReactivationRequests(db, { appId: app.id })]);
  const pending = requests.find((r) => r.status === 'pending');
  const decided = requests.filter((r) => r.status !== 'pending');
  const latest = records[0];
  const current = app.status === 'revoked' && latest !== undefined && latest.reactivatedAt === null ? latest : undefined;
  const earlier = records.filter((record) => record !== current);
  const parts: SafeHtml[] = [];
  if (app.status === 'approved') {
    // What the last reactivation left undone comes first: it is the app's state, the form an action.
    if (latest !== undefined && latest.reactivatedAt !== null) {
      const waiting = await suspendedIntegrationInstances(db, app.id);
      parts.push(html`<p class="notice">Reactivated ${time(latest.reactivatedAt)}. The developer must issue a new secret key in the developer portal; each organization’s admin decides whether to re-enable its integration.${
        waiting.length === 0 ? '' : html` Still suspended, waiting for their org admin: ${waiting.join(', ')}.`
      }</p>`);
    }
    parts.push(revokeForm(request, app, forms.errors, forms.values));
  } else if (app.status === 'revoked') {
    // Every revocation has its record (revokeApp; migration 0017 for older ones).
    if (current !== undefined) parts.push(currentRevocation(current));
    if (pending !== undefined) parts.push(decisionForms(request, app, pending, forms.errors, forms.values));
  } else {
    parts.push(html`<p class="muted">Only an approved app can be revoked.</p>`);
  }
  parts.push(decidedRequests(decided), earlierRevocations(earlier));
  return html`<h2 id="revocation">Revocation</h2>
${parts}`;
}


/** The console home page's sections: reactivation requests waiting for a decision, and overdue deletions. */
export async function revocationOverview(db: Kysely<Schema>, clock: Clock): Promise<SafeHtml> {
  const [pending, overdue] = await Promise.all([listReactivationRequests(db, { status: 'pending' }), listOverdueDuties(db, {}, clock)]);
  const now = clock.now();
  return html`<h2>Reactivation requests</h2>
<p>Revoked apps whose developer asks for them back; oldest first. Approve or decline on the app’s page.</p>
${wideTable(
  html`<tr><th scope="col">App</th><th scope="col">Developer</th><th scope="col">Revoked</th><th scope="col">Asked</th><th scope="col">Message</th></tr>`,
  pending.map(
    (r) => html`<tr><td><a href="/console/apps/${r.appId}#revocation">${r.appName}</a></td><td>${r.developerName}</td><td>${time(r.revokedAt)}<br><span class="hint">${CAUSE_LABELS[r.revocationCause]}</span></td><td>${time(r.requestedAt)}</td><td class="pre-line">${r.message}</td></tr>`,
  ),
  'No reactivation request is waiting.',
)}
<h2>Overdue deletions</h2>
<p>Revoked apps past their deletion deadline whose developer has not attested deleting an instance’s event data.</p>
${wideTable(
  html`<tr><th scope="col">App</th><th scope="col">Instance</th><th scope="col">Deadline</th><th scope="col">Days overdue</th></tr>`,
  overdue.map(
    (duty) => html`<tr><td><a href="/console/apps/${duty.appId}#revocation">${duty.appName}</a> <span class="hint">API ID ${duty.clientId}</span></td><td>${duty.instanceName}</td><td>${day(duty.deletionDueAt)}</td><td class="num">${daysBetween(duty.deletionDueAt, now)}</td></tr>`,
  ),
  'No deletion is overdue.',
)}`;
}

/** The ids of apps with an overdue deletion, for the apps list's badge and filter. */
export async function overdueAppIds(db: Kysely<Schema>, clock: Clock): Promise<Set<number>> {
  return new Set((await listOverdueDuties(db, {}, clock)).map((duty) => duty.appId));
}
