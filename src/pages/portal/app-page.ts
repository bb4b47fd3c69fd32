import type { FastifyRequest } from 'fastify';
import type { SecretState, SecretSummary } from '../../platform/app-credentials.js';
import type { ReactivationRequest } from '../../platform/app-reactivation.js';
import { SECRET_ROTATION_OVERLAP_MS } from '../../platform/app-secrets.js';
import { isEditable, type AppRow, type AppSettingsInput } from '../../platform/app-settings.js';
import { APPLICATION_LIMITS } from '../../platform/developer-applications.js';
import { MAX_REDIRECT_URI_LENGTH, MAX_REDIRECT_URIS_PER_APP, parseRedirectUris } from '../../platform/redirect-uris.js';
import type { RevocationRecord } from '../../platform/deletion-duty.js';
import type { ReviewEvent } from '../../platform/review.js';
import { MAX_REVIEW_MESSAGE_LENGTH } from '../../platform/review.js';
import { day, errorNotice, successNotice, time } from '../components.js';
import { errorSummary, field, type FieldErrors } from '../forms.js';
import { html, type SafeHtml } from '../html.js';
import type { AppIntegration } from './queries.js';
import { reactivatedNotice, revocationLinks, revocationSections, revokeOffer } from './revocation-views.js';
import { APP_STATUSES, appPath, form, PORTAL_HOME, statusBadge } from './views.js';
import type { InactivityOutlook } from '../../platform/revocation-sweep.js';
import { inactivitySection } from '../inactivity-view.js';

/** Everything the app page shows, read fresh for every request. */
export interface AppPageData {
  app: AppRow;
  secrets: SecretSummary[];
  integrations: AppIntegration[];
  history: ReviewEvent[];
  /** Names of the instances the application named, and its free-text event customers. */
  eventCustomers: { instances: string[]; other: string };
  /** Every revocation of the app, newest first, with its deletion duties. */
  revocations: RevocationRecord[];
  /** Every reactivation request of the app, newest first. */
  reactivationRequests: ReactivationRequest[];
  /** Its last activity and the date it is revoked if unused (approved apps only). */
  inactivity: InactivityOutlook | undefined;
  /** The inactivity rule's settings, to explain it. */
  inactivitySettings: { inactivityDays: number; inactivityWarningDays: readonly number[] };
}

/** What one request adds to the page: a notice, or a form shown again with its values and problems. */
export interface AppPageState {
  notice?: string;
  error?: string;
  settings?: { values: AppSettingsInput; errors: FieldErrors };
  redirectUri?: { value: string; error: string };
  answer?: { value: string; error: string };
  /** A secret just issued: the only page that ever shows it. */
  revealed?: { secret: string; rotated: boolean };
  /** A deletion attestation shown again with its problems. */
  attestation?: { revocationId: number; orgId: number; statement: string; errors: FieldErrors };
  reactivation?: { value: string; error: string };
}

const SECRET_STATES: Record<SecretState, string> = {
  current: 'Current',
  expiring: 'Previous: still works until it expires',
  expired: 'Expired',
  revoked: 'Ended',
};

function overlapHours(): number {
  return SECRET_ROTATION_OVERLAP_MS / 3_600_000;
}

function revealedSecret(state: AppPageState): SafeHtml {
  const revealed = state.revealed;
  if (revealed === undefined) return html``;
  return html`<section class="notice" aria-labelledby="new-secret-heading">
<h2 id="new-secret-heading">Your new secret key</h2>
<p><strong>Copy it now: it will not be shown again.</strong> We keep only a fingerprint of it, so nobody (not you, not platform staff) can look it up later. If you lose it, rotate the secret.</p>
<label for="new-secret">Secret key (client_secret)</label>
<textarea id="new-secret" class="secret" readonly autofocus rows="2" autocomplete="off" spellcheck="false">${revealed.secret}</textarea>
${revealed.rotated
  ? html`<p>Your previous secret keeps working for ${overlapHours()} hours, so you can deploy the new one without downtime. Once every deployment uses the new secret, end the overlap below.</p>`
  : html`<p>Store it where your app's server reads its configuration, never in code you publish or ship to browsers.</p>`}
</section>`;
}

function reviewSection(request: FastifyRequest, data: AppPageData, state: AppPageState): SafeHtml {
  const { app } = data;
  const answer = state.answer;
  const errors: FieldErrors = answer === undefined || answer.error === '' ? {} : { answer: answer.error };
  const question = app.status === 'needs_info'
    ? html`<section aria-labelledby="question-heading">
<h2 id="question-heading">The reviewer asks</h2>
<blockquote class="notice">${app.review_note}</blockquote>
${errorSummary(errors)}
${form(request, `${appPath(app.id)}/answer`, html`${field({ name: 'answer', label: 'Your answer', multiline: true, required: true, value: answer?.value ?? '', maxLength: MAX_REVIEW_MESSAGE_LENGTH, errors })}
<button type="submit">Send answer</button>`, html` novalidate`)}
</section>`
    : html``;
  const rejected = app.status === 'rejected' && app.review_note !== ''
    ? html`<section aria-labelledby="reason-heading"><h2 id="reason-heading">The reviewer’s reason</h2><blockquote class="notice">${app.review_note}</blockquote></section>`
    : html``;
  return html`${question}${rejected}`;
}

function secretRow(secret: SecretSummary): SafeHtml {
  const expires = secret.expiresAt === null ? html`Never` : time(secret.expiresAt);
  const lastUsed = secret.lastUsedAt === null ? html`Never` : time(secret.lastUsedAt);
  return html`<tr><td><code>…${secret.hint}</code></td><td>${SECRET_STATES[secret.state]}</td><td>${time(secret.createdAt)}</td><td>${secret.state === 'revoked' ? time(secret.revokedAt) : expires}</td><td>${lastUsed}</td></tr>`;
}

function credentialsSection(request: FastifyRequest, data: AppPageData): SafeHtml {
  const { app, secrets } = data;
  const heading = html`<h2 id="credentials">Credentials</h2>`;
  if (app.status !== 'approved') {
    const why = app.status === 'revoked'
      ? 'The credentials were revoked: the app can no longer authenticate. Its secret keys never work again; if the app is reactivated, you create a new one here.'
      : 'Your app gets its API ID and secret key when the application is approved.';
    return html`<section aria-labelledby="credentials">${heading}<p>${why}</p></section>`;
  }
  const path = appPath(app.id);
  const current = secrets.find((s) => s.state === 'current');
  const expiring = secrets.some((s) => s.state === 'expiring');
  const table = secrets.length === 0
    ? html`<p>No secret key yet.</p>`
    : html`<div class="table-scroll"><table><caption class="muted">Secret keys, newest first</caption><thead><tr><th scope="col">Key</th><th scope="col">State</th><th scope="col">Created</th><th scope="col">Expires</th><th scope="col">Last used</th></tr></thead><tbody>${secrets.map(secretRow)}</tbody></table></div>`;
  const create = current === undefined
    ? form(request, `${path}/secrets`, html`<button type="submit">Create secret key</button>`)
    : form(request, `${path}/secrets/rotate`, html`<input type="hidden" name="current" value="${current.id}"><button type="submit">Rotate secret key</button>
<p class="hint">Creates a new secret key and shows it once. The current one keeps working for ${overlapHours()} hours, so you can switch without downtime.</p>`);
  const endOverlap = expiring
    ? form(request, `${path}/secrets/end-overlap`, html`<button type="submit" class="danger">End the overlap now</button>
<p class="hint">Previous secret keys stop working at once. Do this when every deployment uses the current key, or right away if an old key leaked.</p>`)
    : html``;
  return html`<section aria-labelledby="credentials">${heading}
<dl><dt>API ID (client_id)</dt><dd><code>${app.client_id}</code></dd></dl>
<p>Your app sends the API ID as <code>client_id</code> and the secret key as <code>client_secret</code>. Secret keys are shown once, when created; we never email them.</p>
${table}${create}${endOverlap}</section>`;
}

function redirectUriSection(request: FastifyRequest, data: AppPageData, state: AppPageState): SafeHtml {
  const { app } = data;
  const uris = parseRedirectUris(app.redirect_uris);
  const path = appPath(app.id);
  const editable = isEditable(app);
  const list = uris.length === 0
    ? html`<p>No redirect URIs yet. Sign-in with an instance's accounts needs at least one.</p>`
    : html`<ul class="uri-list">${uris.map((uri) => html`<li><code>${uri}</code>${editable ? form(request, `${path}/redirect-uris/remove`, html`<input type="hidden" name="uri" value="${uri}"><button type="submit" class="danger" aria-label="Remove ${uri}">Remove</button>`, html` class="inline"`) : ''}</li>`)}</ul>`;
  const errors: FieldErrors = state.redirectUri === undefined || state.redirectUri.error === '' ? {} : { redirectUri: state.redirectUri.error };
  const full = uris.length >= MAX_REDIRECT_URIS_PER_APP && Object.keys(errors).length === 0;
  const add = !editable ? html``
    : full ? html`<p>This app has the most redirect URIs it can have. Remove one to add another.</p>`
    : html`${errorSummary(errors)}${form(request, `${path}/redirect-uris`, html`${field({
      name: 'redirectUri',
      label: 'Add a redirect URI',
      type: 'url',
      required: true,
      value: state.redirectUri?.value ?? '',
      maxLength: MAX_REDIRECT_URI_LENGTH,
      hint: 'Exactly as your app sends it: https://, or http:// on localhost, 127.0.0.1 or [::1]. No wildcards, fragments (#) or user names.',
      errors,
    })}<button type="submit">Add redirect URI</button>`, html` novalidate`)}`;
  return html`<section aria-labelledby="redirect-uris"><h2 id="redirect-uris">Redirect URIs</h2>
<p>Where users return after signing in at an instance. The authorization server accepts only these exact strings (up to ${MAX_REDIRECT_URIS_PER_APP}).</p>
${list}${add}</section>`;
}

function settingsSection(request: FastifyRequest, data: AppPageData, state: AppPageState): SafeHtml {
  const { app } = data;
  const heading = html`<h2 id="settings">Settings</h2>`;
  if (!isEditable(app)) return html`<section aria-labelledby="settings">${heading}<p>A revoked app can no longer be changed.</p></section>`;
  const values: AppSettingsInput = state.settings?.values ?? {
    displayName: app.display_name,
    description: app.description,
    homepageUrl: app.homepage_url ?? '',
    privacyUrl: app.privacy_url ?? '',
    logoUrl: app.logo_url ?? '',
  };
  const errors = state.settings?.errors ?? {};
  return html`<section aria-labelledby="settings">${heading}
<p>What users see on the consent page when your app asks to sign them in.</p>
${errorSummary(errors)}
${form(request, `${appPath(app.id)}/settings`, html`
${field({ name: 'displayName', label: 'Display name', required: true, value: values.displayName, maxLength: APPLICATION_LIMITS.displayName, errors })}
${field({ name: 'description', label: 'Description', hint: 'What your app does with the data it asks for.', multiline: true, required: true, value: values.description, maxLength: APPLICATION_LIMITS.description, errors })}
${field({ name: 'homepageUrl', label: 'Homepage', type: 'url', required: true, value: values.homepageUrl, maxLength: APPLICATION_LIMITS.url, hint: 'An https:// address.', errors })}
${field({ name: 'privacyUrl', label: 'Privacy policy URL', type: 'url', required: true, value: values.privacyUrl, maxLength: APPLICATION_LIMITS.url, hint: 'An https:// address.', errors })}
${field({ name: 'logoUrl', label: 'Logo URL', type: 'url', value: values.logoUrl, maxLength: APPLICATION_LIMITS.url, hint: 'An https:// address of a square image.', errors })}
<button type="submit">Save settings</button>`, html` novalidate`)}
</section>`;
}

/** Why an integration is suspended, as far as the page knows: a revocation suspends them all. */
function suspendedLabel(data: AppPageData): SafeHtml {
  const latest = data.revocations[0];
  if (latest === undefined) return html`Suspended by the event customer`;
  if (data.app.status === 'revoked') return html`Suspended by the revocation of ${day(latest.revokedAt)}`;
  if (latest.reactivatedAt !== null) return html`Suspended since the revocation of ${day(latest.revokedAt)}, until the event’s admins re-enable it`;
  return html`Suspended by the event customer`;
}

function integrationsSection(data: AppPageData): SafeHtml {
  // One block per instance rather than a table: the permission descriptions stay readable on a phone.
  const items = data.integrations.map((integration) => html`<article><h3>${integration.instanceName}</h3>
<dl>
${integration.baseUrl === null ? '' : html`<dt>Base URL</dt><dd><code class="wrap">${integration.baseUrl}</code></dd>`}
<dt>Status</dt><dd>${integration.status === 'active' ? 'Active' : suspendedLabel(data)}</dd>
<dt>Integrated since</dt><dd>${time(integration.since)}</dd>
<dt>Permissions</dt><dd>${integration.scopes.length === 0 ? html`None` : html`<ul>${integration.scopes.map((scope) => html`<li><code>${scope.name}</code>: ${scope.description}</li>`)}</ul>`}</dd>
<dt>Sign-in of its users (OBO)</dt><dd>${integration.oboEnabled ? 'Allowed' : 'Not allowed'}</dd>
</dl></article>`);
  return html`<section aria-labelledby="integrations"><h2 id="integrations">Integrations</h2>
<p>Event customers that integrated your app, and the permissions they granted it. They change these themselves, at any time.</p>
<p><a href="${appPath(data.app.id)}/usage">Usage statistics</a>: requests, errors, latency and tokens per day and per instance.</p>
<p><a href="${appPath(data.app.id)}/webhooks">Webhooks</a>: the endpoints each instance registered for the app, and what was delivered.</p>
${items.length === 0 ? html`<p class="muted">No event customer has integrated this app yet.</p>` : items}
</section>`;
}

const HISTORY_LABELS: Record<ReviewEvent['action'], string> = {
  'app.created': 'Application received',
  'app.information-requested': 'The reviewer asked',
  'app.information-provided': 'You answered',
  'app.approved': 'Approved',
  'app.rejected': 'Not approved',
};

function applicationSection(data: AppPageData): SafeHtml {
  const { app, history, eventCustomers } = data;
  const customers = [...eventCustomers.instances, ...(eventCustomers.other === '' ? [] : [eventCustomers.other])];
  return html`<section aria-labelledby="application"><h2 id="application">Application</h2>
<dl>
<dt>Applied</dt><dd>${time(app.created_at)}</dd>
<dt>Event customers you named</dt><dd>${customers.length === 0 ? html`<span class="muted">None</span>` : customers.join('; ')}</dd>
</dl>
${history.length === 0 ? '' : html`<h3>Review history</h3><ol>${history.map((event) => html`<li>${time(event.at)}: ${HISTORY_LABELS[event.action]}${event.message === null ? '' : html`<blockquote>${event.message}</blockquote>`}</li>`)}</ol>`}
</section>`;
}

/** The page's own menu, listing the sections it shows in their order. */
function pageMenu(data: AppPageData): SafeHtml {
  const links = [
    ...revocationLinks(data),
    { id: 'credentials', label: 'Credentials' },
    { id: 'redirect-uris', label: 'Redirect URIs' },
    { id: 'settings', label: 'Settings' },
    { id: 'integrations', label: 'Integrations' },
    ...(data.inactivity === undefined ? [] : [{ id: 'activity', label: 'Activity' }]),
    { id: 'application', label: 'Application' },
    ...(data.app.status === 'approved' ? [{ id: 'revoke', label: 'Revoke' }] : []),
  ];
  return html`<nav aria-label="On this page" class="toc"><ul>${links.map((link) => html`<li><a href="#${link.id}">${link.label}</a></li>`)}</ul></nav>`;
}

/** The app page: status, the reviewer's question, revocation, credentials, redirect URIs, settings, integrations. */
export function appPageBody(request: FastifyRequest, data: AppPageData, state: AppPageState): SafeHtml {
  const { app } = data;
  const status = APP_STATUSES[app.status];
  return html`<p><a href="${PORTAL_HOME}">← Your apps</a></p>
<h1>${app.display_name}</h1>
<p>${statusBadge(app.status)} ${status.explanation}</p>
${successNotice(state.notice)}${errorNotice(state.error)}${revealedSecret(state)}
${reviewSection(request, data, state)}
${reactivatedNotice(data)}
${pageMenu(data)}
${revocationSections(request, data, state)}
${credentialsSection(request, data)}
${redirectUriSection(request, data, state)}
${settingsSection(request, data, state)}
${integrationsSection(data)}
${inactivitySection(data.inactivity, data.inactivitySettings, 'developer')}
${applicationSection(data)}
${revokeOffer(data)}`;
}
