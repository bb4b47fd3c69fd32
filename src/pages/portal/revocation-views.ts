import type { FastifyRequest } from 'fastify';
import type { RevocationCause } from '../../db/schema.js';
import type { ReactivationRequest } from '../../platform/app-reactivation.js';
import { DELETION_PERIOD_DAYS } from '../../platform/app-revocation.js';
import type { AppRow } from '../../platform/app-settings.js';
import { MAX_ATTESTATION_STATEMENT_LENGTH, type DeletionDuty, type RevocationRecord } from '../../platform/deletion-duty.js';
import { MAX_REVIEW_MESSAGE_LENGTH } from '../../platform/review.js';
import { day, time } from '../components.js';
import { errorSummary, field, type FieldErrors } from '../forms.js';
import { html, type SafeHtml } from '../html.js';
import type { AppPageData, AppPageState } from './app-page.js';
import { appPath, form } from './views.js';

/**
 * What the portal shows of a revocation: the confirmation before the developer revokes their app,
 * the revoked state with its deletion duty per instance and the attestation forms, the
 * reactivation request, and earlier revocations. The rules live in src/platform/app-revocation.ts,
 * deletion-duty.ts and app-reactivation.ts; this file only presents them.
 */

/** What every developer revocation is recorded with; their own words, if any, follow it. */
export const DEVELOPER_REASON = "Revoked at the developer's request";

/** The longest text the developer may add, so that the recorded reason stays within the limit. */
export const MAX_DEVELOPER_REASON_LENGTH = MAX_REVIEW_MESSAGE_LENGTH - DEVELOPER_REASON.length - 2;

/** The cause, worded as the console and Housekeeping word it, for the developer. */
const CAUSES: Record<RevocationCause, string> = {
  developer: 'At your request',
  operator: 'By the ConCat team',
  inactivity: 'Automatically, for inactivity',
};

/**
 * The recorded reason without the words every developer revocation starts with: the cause already
 * says it was at their request. Empty when they gave no reason of their own.
 */
function reasonShown(record: RevocationRecord): string {
  if (record.cause !== 'developer' || !record.reason.startsWith(DEVELOPER_REASON)) return record.reason;
  return record.reason.slice(DEVELOPER_REASON.length).replace(/^:\s*/, '');
}

const OVERDUE = html`<span class="status danger-text">Overdue</span>`;

/** The short line of the apps list: since when revoked, the deadline, and whether it is overdue. */
export function revocationSummary(app: AppRow, records: RevocationRecord[]): SafeHtml {
  const overdue = records.some((record) => record.overdue);
  const latest = records[0];
  if (app.status === 'revoked' && latest !== undefined && latest.reactivatedAt === null) {
    return html`<br><span class="hint">Since ${day(latest.revokedAt)}; delete its event data by ${day(latest.deletionDueAt)}</span>${overdue ? html` ${OVERDUE}` : ''}`;
  }
  return overdue ? html`<br><span class="hint">Deletion of event data</span> ${OVERDUE}` : html``;
}

const WHAT_TO_DELETE = html`<p>Delete everything the app received from ConCat about the event’s people: names, email addresses and other personal details, registrations, and every copy of them: databases, files, logs, spreadsheets, caches, data derived from them, and backups. Its tokens and secret keys no longer work; delete them too. If the law obliges you to keep something (for example invoices), keep only that, and say in your statement what and on which legal basis.</p>`;

function dutyKey(duty: DeletionDuty): string {
  return `${duty.revocationId}-${duty.orgId}`;
}

function attestationForm(request: FastifyRequest, appId: number, duty: DeletionDuty, state: AppPageState): SafeHtml {
  const key = dutyKey(duty);
  const shown = state.attestation !== undefined && state.attestation.revocationId === duty.revocationId && state.attestation.orgId === duty.orgId ? state.attestation : undefined;
  const errors: FieldErrors = shown?.errors ?? {};
  const confirmName = `confirm-${key}`;
  const confirmError = errors[confirmName];
  return html`${errorSummary(errors)}${form(
    request,
    // The fragment brings the user back to this event's form when the page shows a problem.
    `${appPath(appId)}/revocations/${duty.revocationId}/deletions/${duty.orgId}#duty-${key}`,
    html`${field({
      name: `statement-${key}`,
      label: 'Statement',
      multiline: true,
      value: shown?.statement ?? '',
      maxLength: MAX_ATTESTATION_STATEMENT_LENGTH,
      hint: 'What you deleted, and anything you keep with its legal basis. It is kept on record with your confirmation.',
      errors,
    })}
<div class="field"><label class="choice"><input type="checkbox" id="f-${confirmName}" name="${confirmName}" value="yes" required${confirmError === undefined ? '' : html` aria-invalid="true" aria-describedby="f-${confirmName}-error"`}> <span>I confirm that all event data of ${duty.instanceName} the app stored is deleted, backups included</span></label>
${confirmError === undefined ? '' : html`<div class="field-error" id="f-${confirmName}-error">${confirmError}</div>`}</div>
<button type="submit">Confirm the deletion for ${duty.instanceName}</button>`,
    html` novalidate`,
  )}`;
}

function dutyState(duty: DeletionDuty): SafeHtml {
  switch (duty.status) {
    case 'open':
      return html`<p><strong>Open:</strong> the deletion is not confirmed yet.</p>`;
    case 'attested':
      return html`<p><strong>Attested</strong> on ${day(duty.attestedAt)}.</p>${duty.statement === '' ? '' : html`<blockquote class="pre-line">${duty.statement}</blockquote>`}`;
    case 'released':
      return html`<p><strong>Released</strong> on ${day(duty.releasedAt)}: the event re-enabled its integration, so the app may hold its data again.</p>`;
  }
}

/** One revocation's duty, per instance, with a form for each open one. */
function dutiesBlock(request: FastifyRequest, appId: number, record: RevocationRecord, state: AppPageState, current: boolean): SafeHtml {
  const intro = current
    ? html``
    : html`<p>From the revocation of ${day(record.revokedAt)}: delete its event data by ${day(record.deletionDueAt)}${record.overdue ? html` ${OVERDUE}` : ''}.</p>`;
  if (record.duties.length === 0) return html`${intro}<p>The app was not connected to any event, so there is no event data to delete.</p>`;
  return html`${intro}${record.duties.map(
    (duty) => html`<article aria-labelledby="duty-${dutyKey(duty)}"><h3 id="duty-${dutyKey(duty)}">${duty.instanceName}</h3>
${dutyState(duty)}${duty.status === 'open' ? attestationForm(request, appId, duty, state) : ''}</article>`,
  )}`;
}

function revokedFacts(current: RevocationRecord | undefined): SafeHtml {
  // Every revocation has its record (revokeApp; migration 0017 for older ones).
  if (current === undefined) return html``;
  const reason = reasonShown(current);
  return html`<dl>
<dt>When</dt><dd>${time(current.revokedAt)}</dd>
<dt>Cause</dt><dd>${CAUSES[current.cause]}</dd>
${reason === '' ? '' : html`<dt>${current.cause === 'developer' ? 'Your reason' : 'Reason'}</dt><dd class="pre-line">${reason}</dd>`}
<dt>Delete its event data by</dt><dd>${day(current.deletionDueAt)}${current.overdue ? html` ${OVERDUE} <span class="danger-text">The deadline has passed and not every deletion below is confirmed.</span>` : ''}</dd>
</dl>
<p>Its secret keys and every token stopped working in every event, its integrations are suspended and it receives no webhooks.</p>`;
}

const REQUEST_STATUSES: Record<ReactivationRequest['status'], string> = {
  pending: 'Waiting for the ConCat team',
  approved: 'Approved',
  declined: 'Declined',
};

function pastRequests(requests: ReactivationRequest[], heading: string): SafeHtml {
  const decided = requests.filter((request) => request.status !== 'pending');
  if (decided.length === 0) return html``;
  return html`<h3>${heading}</h3><ol>${decided.map(
    (request) => html`<li>Asked ${time(request.requestedAt)}: <strong>${REQUEST_STATUSES[request.status]}</strong> on ${time(request.decidedAt)}
<blockquote class="pre-line">${request.message}</blockquote>${request.decisionNote === '' ? '' : html`<p>The ConCat team’s note:</p><blockquote class="pre-line">${request.decisionNote}</blockquote>`}</li>`,
  )}</ol>`;
}

const AFTER_REACTIVATION = html`<ul>
<li>Its old secret keys never work again: you create a new secret key on this page, and it is shown once.</li>
<li>Integrations come back only when each event’s admin re-enables them; until then the app gets no data and no webhooks from that event.</li>
<li>People who signed in with the app must sign in and consent again.</li>
<li>Your duty to delete an event’s data stays until you confirm the deletion, or until that event re-enables its integration.</li>
</ul>`;

function reactivationSection(request: FastifyRequest, data: AppPageData, state: AppPageState): SafeHtml {
  const pending = data.reactivationRequests.find((r) => r.status === 'pending');
  const errors: FieldErrors = state.reactivation === undefined || state.reactivation.error === '' ? {} : { message: state.reactivation.error };
  if (pending !== undefined) {
    return html`<section aria-labelledby="reactivation"><h2 id="reactivation">Reactivation requested</h2>
<div class="notice" role="status"><p>Your request of ${time(pending.requestedAt)} is waiting for the ConCat team, who email you their decision:</p><blockquote class="pre-line">${pending.message}</blockquote></div>
<p>If they reactivate the app:</p>
${AFTER_REACTIVATION}
${pastRequests(data.reactivationRequests, 'Earlier reactivation requests')}</section>`;
  }
  // The fragment brings the user back to the form when the page shows a problem with it.
  const ask = html`${errorSummary(errors)}${form(request, `${appPath(data.app.id)}/reactivation#reactivation`, html`${field({
      name: 'message',
      label: 'Why should the app work again?',
      hint: 'What changed since the revocation. The ConCat team reads it and emails you their decision.',
      multiline: true,
      required: true,
      value: state.reactivation?.value ?? '',
      maxLength: MAX_REVIEW_MESSAGE_LENGTH,
      errors,
    })}<button type="submit">Ask for reactivation</button>`, html` novalidate`)}`;
  return html`<section aria-labelledby="reactivation"><h2 id="reactivation">Ask for reactivation</h2>
<p>Only the ConCat team can undo a revocation. If they reactivate the app:</p>
${AFTER_REACTIVATION}
${ask}${pastRequests(data.reactivationRequests, 'Earlier reactivation requests')}</section>`;
}

/** An earlier revocation in one line: when, why, when it ended, and how its deletion stands. */
function historyItem(record: RevocationRecord): SafeHtml {
  const count = (status: DeletionDuty['status']) => record.duties.filter((duty) => duty.status === status).length;
  const duties = record.duties.length === 0 ? 'no event data to delete' : `deletion attested for ${count('attested')}, released for ${count('released')}, open for ${count('open')} of ${record.duties.length} events`;
  const reason = reasonShown(record);
  return html`<li>Revoked ${day(record.revokedAt)} (${CAUSES[record.cause].toLowerCase()})${reason === '' ? '' : html`: <span class="pre-line">${reason}</span>`}. ${record.reactivatedAt === null ? '' : html`Reactivated ${day(record.reactivatedAt)}; `}${duties}${record.overdue ? html` ${OVERDUE}` : ''}.</li>`;
}

/** Which revocations the page shows, and where: shared by the sections and the page's menu. */
function revocationParts(data: AppPageData) {
  const { app, revocations } = data;
  const revoked = app.status === 'revoked';
  const latest = revocations[0];
  const current = revoked && latest !== undefined && latest.reactivatedAt === null ? latest : undefined;
  const withDuty = revocations.filter((record) => record === current || record.duties.some((duty) => duty.status === 'open'));
  const earlier = revocations.filter((record) => !withDuty.includes(record));
  const history = earlier.length > 0 || (!revoked && data.reactivationRequests.length > 0);
  return { revoked, current, withDuty, earlier, history, pending: data.reactivationRequests.some((r) => r.status === 'pending') };
}

/** The page menu's entries for the revocation sections shown, in page order. */
export function revocationLinks(data: AppPageData): { id: string; label: string }[] {
  const parts = revocationParts(data);
  return [
    ...(parts.revoked ? [{ id: 'revoked', label: 'Revoked' }] : []),
    ...(parts.withDuty.length > 0 ? [{ id: 'deletion', label: 'Delete the event data' }] : []),
    ...(parts.revoked ? [{ id: 'reactivation', label: parts.pending ? 'Reactivation requested' : 'Ask for reactivation' }] : []),
    ...(parts.history ? [{ id: 'revocations', label: 'Revocation history' }] : []),
  ];
}

/**
 * The revoked state (when, why, the deadline), the deletion duty with its forms (of the current
 * revocation, and of earlier ones still open), the reactivation request, and the history.
 */
export function revocationSections(request: FastifyRequest, data: AppPageData, state: AppPageState): SafeHtml {
  const { app } = data;
  const { revoked, current, withDuty, earlier, history } = revocationParts(data);
  const facts = revoked ? html`<section aria-labelledby="revoked"><h2 id="revoked">Revoked</h2>${revokedFacts(current)}</section>` : html``;
  const deletion = withDuty.length === 0
    ? html``
    : html`<section aria-labelledby="deletion"><h2 id="deletion">Delete the event data</h2>
${WHAT_TO_DELETE}
<p>Then confirm it here, event by event. ConCat keeps your confirmations on record and shows them to the event’s admins.</p>
${withDuty.map((record) => dutiesBlock(request, app.id, record, state, record === current))}</section>`;
  const reactivation = revoked ? reactivationSection(request, data, state) : html``;
  const historySection = !history
    ? html``
    : html`<section aria-labelledby="revocations"><h2 id="revocations">Revocation history</h2>
${earlier.length === 0 ? '' : html`<ul>${earlier.map(historyItem)}</ul>`}${revoked ? '' : pastRequests(data.reactivationRequests, 'Reactivation requests')}</section>`;
  return html`${facts}${deletion}${reactivation}${historySection}`;
}

/** After a reactivation, until the app works again everywhere: what the developer still has to do. */
export function reactivatedNotice(data: AppPageData): SafeHtml {
  const latest = data.revocations[0];
  if (data.app.status !== 'approved' || latest === undefined || latest.reactivatedAt === null) return html``;
  const noSecret = !data.secrets.some((secret) => secret.state === 'current');
  const suspended = data.integrations.filter((integration) => integration.status === 'suspended').map((integration) => integration.instanceName);
  if (!noSecret && suspended.length === 0) return html``;
  // What is left, named, before the general rules: a list of rules alone leaves the reader to work it out.
  const todo = [
    ...(noSecret ? [html`<li>Create a new secret key under <a href="#credentials">Credentials</a>.</li>`] : []),
    ...(suspended.length === 0 ? [] : [html`<li>Waiting for the event’s admins to re-enable the integration: ${suspended.join(', ')}.</li>`]),
  ];
  return html`<section class="notice" aria-labelledby="reactivated"><h2 id="reactivated">Reactivated</h2>
<p>The ConCat team reactivated the app on ${day(latest.reactivatedAt)}. Still to do:</p>
<ul>${todo}</ul>
<p>Good to know:</p>
${AFTER_REACTIVATION}</section>`;
}

/** On an approved app: the way to the confirmation page. */
export function revokeOffer(data: AppPageData): SafeHtml {
  if (data.app.status !== 'approved') return html``;
  return html`<section aria-labelledby="revoke"><h2 id="revoke">Revoke this app</h2>
<p>When the app stops for good, revoke it: it stops working at once in every event, and you delete the event data it stored.</p>
<p><a href="${appPath(data.app.id)}/revoke">Revoke this app…</a></p></section>`;
}

export interface RevokeConfirmation {
  app: AppRow;
  /** The events where the app is integrated now. */
  instances: string[];
  /** The deadline if revoked now. */
  deletionDueAt: string;
  values: { confirmName: string; reason: string };
  errors: FieldErrors;
}

/**
 * The confirmation before a developer revokes their app: what happens, plainly, and the app's name
 * typed to confirm (as GitHub asks before deleting a repository), so that nobody revokes the wrong
 * app by a slip of the hand.
 */
export function revokeConfirmationBody(request: FastifyRequest, input: RevokeConfirmation): SafeHtml {
  const { app } = input;
  const events = input.instances.length === 0 ? html`It is not connected to any event now.` : html`It is connected to: ${input.instances.join(', ')}.`;
  return html`<p><a href="${appPath(app.id)}">← ${app.display_name}</a></p>
<h1>Revoke ${app.display_name}?</h1>
<p>Revoking stops the app at once:</p>
<ul>
<li>Its secret keys and every access and refresh token it holds stop working, in every event.</li>
<li>Its integrations are suspended and it receives no more webhooks. ${events}</li>
</ul>
<p><strong>You must delete all event data the app stored within ${DELETION_PERIOD_DAYS} days</strong> (by ${day(input.deletionDueAt)} if you revoke now), backups included, and confirm the deletion for each event in this portal. We email you the details.</p>
<p>You cannot undo a revocation yourself: only the ConCat team can reactivate the app, when you ask them. The old secret keys never work again, and each event decides whether to re-enable its integration.</p>
${errorSummary(input.errors)}
${form(request, `${appPath(app.id)}/revoke`, html`${field({
  name: 'confirmName',
  label: `To confirm, type the app’s name: ${app.display_name}`,
  required: true,
  value: input.values.confirmName,
  autocomplete: 'off',
  errors: input.errors,
})}
${field({ name: 'reason', label: 'Why are you revoking it?', hint: 'For the record; the ConCat team may read it.', multiline: true, value: input.values.reason, maxLength: MAX_DEVELOPER_REASON_LENGTH, errors: input.errors })}
<button type="submit" class="danger">Revoke this app</button>`, html` novalidate`)}`;
}
