import type { RevocationCause } from '../../db/schema.js';
import { SERVICE_SCOPES, type ServiceScope } from '../../oauth/scopes.js';
import type { OverdueDuty } from '../../platform/deletion-duty.js';
import type { AppOwner, IntegrableApp, IntegrationSummary } from '../../platform/integrations.js';
import type { CreatedOrgApp, OrgAppSummary } from '../../platform/org-apps.js';
import { MAX_APP_DESCRIPTION_LENGTH, MAX_APP_NAME_LENGTH } from '../../platform/org-apps.js';
import { day, successNotice } from '../components.js';
import { daysBetween } from '../../platform/inactivity.js';
import { csrfField, errorSummary, field, type FieldErrors } from '../forms.js';
import { html, type SafeHtml } from '../html.js';
import { signOutForm } from '../instance-login/views.js';
import type { AuditPage } from './audit-entries.js';

/** What every Housekeeping page knows: where it lives and who is looking. */
export interface PageContext {
  /** The instance path prefix; every link starts with it. */
  prefix: string;
  instanceName: string;
  csrfToken: string;
  viewerName: string;
  /** Which sections the viewer may open. */
  canManage: boolean;
  canReadAudit: boolean;
  /** The staff tools: registration:manage, volunteer:manage, user:roles:manage. */
  canManageRegistrations: boolean;
  canManageVolunteers: boolean;
  canManageRoles: boolean;
}

export type Section = 'integrations' | 'apps' | 'usage' | 'audit' | 'activity' | 'registrations' | 'volunteers' | 'users' | null;

/** The Housekeeping menu, showing only what the viewer may open, and the sign-out button. */
export function housekeepingNav(context: PageContext, current: Section): SafeHtml {
  const link = (section: Exclude<Section, null>, label: string) =>
    html`<a href="${context.prefix}/housekeeping/${section}"${current === section ? html` aria-current="page"` : ''}>${label}</a>`;
  return html`<a href="${context.prefix}/housekeeping">Housekeeping</a>
${context.canManage ? html`${link('integrations', 'Integrations')}
${link('apps', 'Your apps')}
${link('usage', 'Usage')}` : ''}
${context.canReadAudit ? html`${link('audit', 'Audit log')}
${link('activity', 'Activity')}` : ''}
${context.canManageRegistrations ? link('registrations', 'Registrations') : ''}
${context.canManageVolunteers ? link('volunteers', 'Volunteers') : ''}
${context.canManageRoles ? link('users', 'Users and roles') : ''}
<span class="muted">${context.viewerName}</span>
${signOutForm(context.prefix, context.csrfToken)}`;
}

function ownerLabel(owner: AppOwner): string {
  if (owner.kind === 'organization') return 'your organization';
  return owner.company !== '' ? `${owner.company} (${owner.name})` : owner.name;
}

function scopeList(scopes: readonly ServiceScope[]): SafeHtml {
  return scopes.length === 0 ? html`<span class="muted">none</span>` : html`${scopes.map((s, i) => html`${i === 0 ? '' : ', '}<code>${s}</code>`)}`;
}

function fieldError(id: string, errors: FieldErrors, name: string): SafeHtml {
  const message = errors[name];
  return message === undefined ? html`` : html`<div class="field-error" id="${id}">${message}</div>`;
}

/** Checkboxes for the service permissions, each with its plain-language description. */
function scopeChoices(chosen: readonly string[], errors: FieldErrors): SafeHtml {
  const invalid = errors.scopes !== undefined;
  return html`<fieldset${invalid ? html` aria-describedby="scopes-error"` : ''} id="f-scopes">
<legend>Permissions</legend>
<div class="hint">What the app may do with this instance's data when it calls the API as a service.</div>
${fieldError('scopes-error', errors, 'scopes')}
${SERVICE_SCOPES.map(
    (scope) => html`<label class="choice"><input type="checkbox" name="scopes" value="${scope.name}"${chosen.includes(scope.name) ? html` checked` : ''}> <span><code>${scope.name}</code>: ${scope.description}</span></label>`,
  )}
</fieldset>`;
}

function oboChoice(instanceName: string, checked: boolean): SafeHtml {
  return html`<fieldset id="f-obo">
<legend>Sign-in</legend>
<label class="choice"><input type="checkbox" name="obo" value="yes"${checked ? html` checked` : ''}> <span>Allow users of ${instanceName} to sign in to this app with their account here (each user still decides on the consent page what the app may see).</span></label>
</fieldset>`;
}

export function forbiddenPage(context: PageContext, reason: string): SafeHtml {
  return html`<h1>Not allowed</h1>
<p>You are signed in to ${context.instanceName} as ${context.viewerName}, but ${reason}</p>
<p>Ask an administrator of ${context.instanceName} for this permission, or sign in with another account.</p>
${signOutForm(context.prefix, context.csrfToken)}`;
}

export function overviewPage(context: PageContext): SafeHtml {
  return html`<h1>Housekeeping</h1>
<ul>
${context.canManage ? html`<li><a href="${context.prefix}/housekeeping/integrations">Integrations</a>: the apps that work with ${context.instanceName}'s data, and their permissions.</li>
<li><a href="${context.prefix}/housekeeping/apps">Your apps</a>: your organization's own apps, created here without platform review.</li>
<li><a href="${context.prefix}/housekeeping/usage">Usage</a>: how each integrated app uses the API, per day.</li>` : ''}
${context.canReadAudit ? html`<li><a href="${context.prefix}/housekeeping/audit">Audit log</a>: every change made in this instance.</li>
<li><a href="${context.prefix}/housekeeping/activity">Activity</a>: the changes to this instance's data, as integrations are told about them.</li>` : ''}
${context.canManageRegistrations ? html`<li><a href="${context.prefix}/housekeeping/registrations">Registrations</a>: find attendees' registrations, change their status and flags.</li>` : ''}
${context.canManageVolunteers ? html`<li><a href="${context.prefix}/housekeeping/volunteers">Volunteers</a>: this convention's volunteers and their departments.</li>` : ''}
${context.canManageRoles ? html`<li><a href="${context.prefix}/housekeeping/users">Users and roles</a>: give roles to users and take them away.</li>` : ''}
</ul>`;
}


/** How the revocation came about, worded as the console and the portal word the cause. */
const REVOKED_BY: Record<RevocationCause, (appName: string) => SafeHtml> = {
  inactivity: (appName) => html`ConCat revoked ${appName} automatically, for inactivity,`,
  developer: (appName) => html`ConCat revoked ${appName} at its developer's request`,
  operator: (appName) => html`The ConCat team revoked ${appName}`,
};

function resumeForm(context: PageContext, integration: IntegrationSummary): SafeHtml {
  return html`<form method="post" action="${context.prefix}/housekeeping/integrations/${integration.id}/resume" class="inline">
${csrfField(context.csrfToken)}
<button type="submit">Re-enable ${integration.appName}</button>
</form>`;
}

/** Why a suspended integration is suspended, in a few words for the list (the app's own status shows beside it). */
function suspensionHint(i: IntegrationSummary): SafeHtml {
  const revokedOn = i.latestRevocation === null ? '' : html` on ${day(i.latestRevocation.revokedAt)}`;
  return html` · <span class="status">suspended</span>: ConCat revoked the app${revokedOn}${i.appStatus === 'approved' ? '; approved again, waiting for you to re-enable it' : ''}`;
}

/**
 * Why a suspended integration is suspended and what the admin can do: nothing until the platform
 * approves the app again, then re-enable it with the permissions it had.
 */
function suspensionNotice(context: PageContext, integration: IntegrationSummary): SafeHtml {
  if (integration.status !== 'suspended') return html``;
  const revocation = integration.latestRevocation;
  const revoked =
    revocation === null
      ? html`ConCat revoked ${integration.appName}.`
      : html`${REVOKED_BY[revocation.cause](integration.appName)} on ${day(revocation.revokedAt)}.`;
  if (integration.appStatus !== 'approved') {
    const duty =
      revocation?.duty === 'open'
        ? html` Its developer must delete ${context.instanceName}'s event data by ${day(revocation.deletionDueAt)}.`
        : revocation?.duty === 'attested'
          ? html` Its developer has confirmed deleting ${context.instanceName}'s event data.`
          : html``;
    return html`<section class="notice" id="suspension"><h2>Suspended</h2>
<p>${revoked} Its tokens no longer work and no webhooks are sent.${duty}</p>
<p>You can re-enable the integration here once the ConCat team approves the app again. Meanwhile you can only take permissions away, or remove it.</p>
</section>`;
  }
  const approvedAgain = revocation === null || revocation.reactivatedAt === null ? html`` : html` The ConCat team approved the app again on ${day(revocation.reactivatedAt)}.`;
  return html`<section class="notice" id="suspension"><h2>Suspended</h2>
<p>${revoked}${approvedAgain} The integration stays suspended until you re-enable it.</p>
<p>Re-enabling restores the permissions below (${scopeList(integration.scopes)}; sign-in ${integration.oboEnabled ? 'allowed' : 'not allowed'}); you can change them afterwards. The app needs a new secret key from its developer, and users who signed in to it must consent again.${revocation?.duty === 'open' ? html` Its developer then no longer has to delete ${context.instanceName}'s event data.` : ''}</p>
${resumeForm(context, integration)}
</section>`;
}

function daysOverdue(deletionDueAt: string, now: Date): string {
  const days = daysBetween(deletionDueAt, now);
  if (days < 1) return 'less than a day';
  return days === 1 ? '1 day' : `${days} days`;
}

/** The apps whose developer has not attested deleting this instance's data by the deadline. */
export function overdueNotice(duties: readonly OverdueDuty[], now: Date): SafeHtml {
  if (duties.length === 0) return html``;
  const rows = duties.map(
    (d) => html`<tr>
<td>${d.appName}<br><span class="hint">API ID ${d.clientId}</span></td>
<td>${day(d.deletionDueAt)}</td>
<td>${daysOverdue(d.deletionDueAt, now)}</td>
</tr>`,
  );
  return html`<section class="notice" id="overdue-deletion"><h2 class="error">Overdue deletion</h2>
<p>ConCat revoked ${duties.length === 1 ? 'this app' : 'these apps'}, and the developer has not confirmed deleting this event's data by the deadline. The ConCat team sees this too.</p>
<div class="table-scroll"><table><thead><tr><th scope="col">App</th><th scope="col">Deletion deadline</th><th scope="col">Overdue by</th></tr></thead><tbody>${rows}</tbody></table></div>
</section>`;
}

export function integrationsPage(context: PageContext, integrations: readonly IntegrationSummary[], overdue: readonly OverdueDuty[], now: Date, message?: string): SafeHtml {
  const rows = integrations.map(
    (i) => html`<tr>
<td><a href="${context.prefix}/housekeeping/integrations/${i.id}">${i.appName}</a><br><span class="hint">by ${ownerLabel(i.owner)}${i.appStatus === 'approved' ? '' : html` · <span class="status">app ${i.appStatus}</span>`}${i.status === 'suspended' ? suspensionHint(i) : i.status === 'active' ? '' : html` · <span class="status">${i.status}</span>`}</span>${i.status === 'suspended' && i.appStatus === 'approved' ? html`<br>${resumeForm(context, i)}` : ''}</td>
<td>${scopeList(i.scopes)}</td>
<td>${i.oboEnabled ? 'Allowed' : 'Not allowed'}</td>
</tr>`,
  );
  return html`<h1>Integrations</h1>
${successNotice(message)}
${overdueNotice(overdue, now)}
<p>Apps that work with ${context.instanceName}'s data. Each one gets only the permissions granted here; a change applies at once.</p>
<p><a href="${context.prefix}/housekeeping/integrations/new">Add an integration</a></p>
${integrations.length === 0
    ? html`<p class="muted">No apps are integrated yet.</p>`
    : html`<div class="table-scroll"><table><thead><tr><th scope="col">App</th><th scope="col">Permissions</th><th scope="col">Sign-in</th></tr></thead><tbody>${rows}</tbody></table></div>`}`;
}

export interface NewIntegrationValues {
  appId: string;
  scopes: readonly string[];
  obo: boolean;
}

function appChoice(app: IntegrableApp, chosen: string): SafeHtml {
  const value = String(app.appId);
  return html`<label class="choice"><input type="radio" name="app" value="${value}"${chosen === value ? html` checked` : ''}> <span><strong>${app.displayName}</strong> <span class="hint">by ${ownerLabel(app.owner)} · API ID ${app.clientId}</span>${app.description === '' ? '' : html`<br><span class="hint">${app.description}</span>`}</span></label>`;
}

export function newIntegrationPage(context: PageContext, apps: readonly IntegrableApp[], values: NewIntegrationValues, errors: FieldErrors): SafeHtml {
  const named = apps.filter((a) => a.namedThisInstance);
  const others = apps.filter((a) => !a.namedThisInstance);
  const invalidApp = errors.app !== undefined;
  const appFieldset = html`<fieldset id="f-app"${invalidApp ? html` aria-describedby="app-error"` : ''}>
<legend>App</legend>
${fieldError('app-error', errors, 'app')}
${named.length === 0 ? '' : html`<fieldset><legend>Apps that named ${context.instanceName} in their application</legend>${named.map((a) => appChoice(a, values.appId))}</fieldset>`}
${others.length === 0 ? '' : html`<fieldset><legend>${named.length === 0 ? 'Approved apps' : 'Other approved apps'}</legend>${others.map((a) => appChoice(a, values.appId))}</fieldset>`}
</fieldset>`;
  return html`<h1>Add an integration</h1>
${errorSummary(errors)}
${apps.length === 0
    ? html`<p>There is no approved app left to integrate: every approved app is already integrated here. You can <a href="${context.prefix}/housekeeping/apps/new">create an app of your own</a>.</p>`
    : html`<form method="post" action="${context.prefix}/housekeeping/integrations">
${csrfField(context.csrfToken)}
${appFieldset}
${scopeChoices(values.scopes, errors)}
${oboChoice(context.instanceName, values.obo)}
<button type="submit">Add integration</button>
</form>`}
<p><a href="${context.prefix}/housekeeping/integrations">Back to integrations</a></p>`;
}

export interface IntegrationPageState {
  values: { scopes: readonly string[]; obo: boolean };
  errors: FieldErrors;
  /** The app's overdue deletion duties in this instance. */
  overdue: readonly OverdueDuty[];
  now: Date;
  message?: string | undefined;
}

export function integrationPage(context: PageContext, integration: IntegrationSummary, state: IntegrationPageState): SafeHtml {
  const { values, errors } = state;
  const base = `${context.prefix}/housekeeping/integrations/${integration.id}`;
  return html`<h1>${integration.appName}</h1>
${successNotice(state.message)}
${errorSummary(errors)}
<p>By ${ownerLabel(integration.owner)} · API ID <code>${integration.clientId}</code>${integration.appStatus === 'approved' ? '' : html` · <span class="status">app ${integration.appStatus}</span>`}${integration.status === 'active' ? '' : html` · <span class="status">${integration.status}</span>`}</p>
${integration.appDescription === '' ? '' : html`<p>${integration.appDescription}</p>`}
${suspensionNotice(context, integration)}
${overdueNotice(state.overdue, state.now)}
<form method="post" action="${base}">
${csrfField(context.csrfToken)}
${scopeChoices(values.scopes, errors)}
${oboChoice(context.instanceName, values.obo)}
<p class="hint">Changes apply at once: new tokens get only these permissions, and tokens already issued stop working for anything withdrawn.</p>
<button type="submit">Save permissions</button>
</form>
<h2>Remove</h2>
<p>Removing the integration stops the app from working with ${context.instanceName}'s data at once. You can add it again later.</p>
<form method="post" action="${base}/remove">
${csrfField(context.csrfToken)}
<button type="submit" class="danger">Remove ${integration.appName}</button>
</form>
<p><a href="${base}/webhooks">Webhooks of ${integration.appName}</a></p>
<p><a href="${base}/usage">Usage of ${integration.appName}</a></p>
<p><a href="${context.prefix}/housekeeping/integrations">Back to integrations</a></p>`;
}

function secretsList(app: OrgAppSummary): SafeHtml {
  if (app.secrets.length === 0) return html`<span class="muted">none</span>`;
  return html`<ul>${app.secrets.map(
    (s) => html`<li>…${s.hint}, created ${s.createdAt.slice(0, 16).replace('T', ' ')} UTC, ${s.lastUsedAt === null ? 'never used' : `last used ${s.lastUsedAt.slice(0, 16).replace('T', ' ')} UTC`}${s.expiresAt === null ? '' : `, expires ${s.expiresAt.slice(0, 16).replace('T', ' ')} UTC`}</li>`,
  )}</ul>`;
}

export function orgAppsPage(context: PageContext, apps: readonly OrgAppSummary[]): SafeHtml {
  return html`<h1>Your organization's apps</h1>
<p>Apps for your own tools: they need no review by the platform, work only with ${context.instanceName}, and are integrated here as you create them.</p>
<p><a href="${context.prefix}/housekeeping/apps/new">Create an app</a></p>
${apps.length === 0
    ? html`<p class="muted">Your organization has no apps of its own yet.</p>`
    : apps.map(
        (app) => html`<section>
<h2>${app.name}</h2>
${app.description === '' ? '' : html`<p>${app.description}</p>`}
<dl>
<dt>API ID (client_id)</dt><dd><code>${app.clientId}</code></dd>
<dt>Redirect URIs</dt><dd>${app.redirectUris.length === 0 ? html`<span class="muted">none</span>` : html`<ul>${app.redirectUris.map((u) => html`<li><code>${u}</code></li>`)}</ul>`}</dd>
<dt>Permissions</dt><dd>${app.integration === null
          ? html`Not integrated (removed). <a href="${context.prefix}/housekeeping/integrations/new">Add it again</a>`
          : html`${scopeList(app.integration.scopes)}; sign-in ${app.integration.oboEnabled ? 'allowed' : 'not allowed'}. <a href="${context.prefix}/housekeeping/integrations/${app.integration.id}">Change</a>`}</dd>
<dt>Secret keys</dt><dd>${secretsList(app)}</dd>
</dl>
</section>`,
      )}`;
}

export interface NewOrgAppValues {
  name: string;
  description: string;
  redirectUris: string;
  scopes: readonly string[];
  obo: boolean;
}

export function newOrgAppPage(context: PageContext, values: NewOrgAppValues, errors: FieldErrors): SafeHtml {
  return html`<h1>Create an app</h1>
${errorSummary(errors)}
<p>An app of your organization's own, for tools that work only with ${context.instanceName}. You get its API ID and secret key right away.</p>
<form method="post" action="${context.prefix}/housekeeping/apps">
${csrfField(context.csrfToken)}
${field({ name: 'name', label: 'Name', value: values.name, required: true, maxLength: MAX_APP_NAME_LENGTH, hint: 'Shown to users on the consent page when they sign in to the app.', errors })}
${field({ name: 'description', label: 'Description', value: values.description, multiline: true, maxLength: MAX_APP_DESCRIPTION_LENGTH, hint: 'What the app does, in a sentence or two.', errors })}
${field({ name: 'redirectUris', label: 'Redirect URIs', value: values.redirectUris, multiline: true, hint: 'One per line, exactly as the app sends them: https://, or http:// on localhost, 127.0.0.1 or [::1]. No wildcards or fragments. Needed only for sign-in.', errors })}
${scopeChoices(values.scopes, errors)}
${oboChoice(context.instanceName, values.obo)}
<button type="submit">Create app</button>
</form>
<p><a href="${context.prefix}/housekeeping/apps">Back to your apps</a></p>`;
}

/** The one page that shows the new secret. It is not stored anywhere it could be shown again. */
export function orgAppCreatedPage(context: PageContext, app: CreatedOrgApp): SafeHtml {
  return html`<h1>${app.name} is ready</h1>
<div class="notice" role="status">The app was created and integrated in ${context.instanceName}.</div>
<dl>
<dt>API ID (client_id)</dt><dd><code id="client-id">${app.clientId}</code></dd>
<dt>Secret key (client_secret)</dt><dd><div class="secret" id="client-secret">${app.clientSecret}</div></dd>
</dl>
<p><strong>Copy the secret key now.</strong> It is shown only this once and is stored only as a hash, so nobody can show it to you again.</p>
<p>Permissions: ${scopeList(app.scopes)}; sign-in ${app.oboEnabled ? 'allowed' : 'not allowed'}.</p>
<p><a href="${context.prefix}/housekeeping/apps">Back to your apps</a></p>`;
}

function actorLabel(entry: AuditPage['entries'][number]): string {
  if (entry.actorType === 'user') return entry.actorName ?? `user ${entry.actorId ?? ''}`;
  return entry.actorId === null ? entry.actorType : `${entry.actorType} ${entry.actorId}`;
}

export function auditPage(context: PageContext, page: AuditPage): SafeHtml {
  const rows = page.entries.map(
    (e) => html`<tr>
<td>${e.createdAt.slice(0, 19).replace('T', ' ')}</td>
<td>${actorLabel(e)}</td>
<td><code>${e.action}</code>${e.details === '{}' ? '' : html`<br><code class="hint wrap">${e.details}</code>`}</td>
<td>${e.targetType === null ? '' : `${e.targetType} ${e.targetId ?? ''}`}</td>
<td>${e.ip ?? ''}</td>
</tr>`,
  );
  return html`<h1>Audit log</h1>
<p>Every change made in ${context.instanceName}, newest first. Times are UTC.</p>
${page.entries.length === 0
    ? html`<p class="muted">Nothing recorded${page.before === null ? ' yet' : ' before this point'}.</p>`
    : html`<div class="table-scroll"><table><thead><tr><th scope="col">Time</th><th scope="col">Who</th><th scope="col">What</th><th scope="col">Target</th><th scope="col">Address</th></tr></thead><tbody>${rows}</tbody></table></div>`}
<nav aria-label="Pages" class="pager">${page.before === null ? '' : html`<a href="${context.prefix}/housekeeping/audit">Newest</a>`}${page.olderBefore === null ? '' : html`<a href="${context.prefix}/housekeeping/audit?before=${page.olderBefore}">Older entries</a>`}</nav>`;
}
