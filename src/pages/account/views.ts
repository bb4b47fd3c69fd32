import type { ConnectedApp } from '../../oauth/connected-apps.js';
import type { AccountPage } from './account-page.js';
import { successNotice, time } from '../components.js';
import { scopeList } from '../consent/views.js';
import { csrfField } from '../forms.js';
import { html, type SafeHtml } from '../html.js';
import { signOutForm } from '../instance-login/views.js';
import { PROFILE_PATH } from './profile-views.js';
import { VOLUNTEER_PATH } from './volunteer-views.js';
import { REGISTRATION_PATH } from './registration-views.js';

/** What every account page knows: where it lives and who is looking. */
export interface AccountContext {
  /** The instance path prefix; every link starts with it. */
  prefix: string;
  instanceName: string;
  csrfToken: string;
  viewerName: string;
}

export const CONNECTED_APPS_PATH = '/account/apps';

/** Where the account pages live; `current` marks the page the user is on. */
export function accountNav(context: AccountContext, current: AccountPage['current']): SafeHtml {
  const link = (path: string, label: string, here: boolean) => html`<a href="${context.prefix}${path}"${here ? html` aria-current="page"` : ''}>${label}</a>`;
  return html`${link(PROFILE_PATH, 'Profile', current === 'profile')}
${link(REGISTRATION_PATH, 'Registration', current === 'registration')}
${link(VOLUNTEER_PATH, 'Volunteer', current === 'volunteer')}
${link(CONNECTED_APPS_PATH, 'Connected apps', current === 'apps')}
<span class="muted">${context.viewerName}</span>
${signOutForm(context.prefix, context.csrfToken)}`;
}

function maker(app: ConnectedApp, instanceName: string): string {
  if (app.ownedByInstance) return instanceName;
  return [app.developer, app.company].filter((v): v is string => v !== null && v !== '').join(', ');
}

function revokePath(context: AccountContext, app: ConnectedApp): string {
  return `${context.prefix}${CONNECTED_APPS_PATH}/${app.clientId}/revoke`;
}

function appSummary(app: ConnectedApp, context: AccountContext): SafeHtml {
  const by = maker(app, context.instanceName);
  return html`<p>${by === '' ? '' : html`By ${by}. `}${app.description}</p>
<p>It can:</p>
${scopeList(app.scopes)}
<dl>
<dt>Access given</dt><dd>${time(app.grantedAt)}</dd>
<dt>Last used</dt><dd>${app.lastUsedAt === null ? html`<span class="muted">Not yet</span>` : time(app.lastUsedAt)} <span class="hint">(when the app last signed you in or renewed its access)</span></dd>
</dl>`;
}

/** The list of apps the user authorized here, each with a button leading to the revocation. */
export function connectedAppsPage(context: AccountContext, apps: readonly ConnectedApp[], done: string | undefined): SafeHtml {
  const entries = apps.map(
    (app) => html`<section aria-labelledby="app-${app.clientId}">
<h2 id="app-${app.clientId}">${app.name}</h2>
${appSummary(app, context)}
<form method="get" action="${revokePath(context, app)}"><button type="submit" class="danger">Revoke ${app.name}…</button></form>
</section>`,
  );
  return html`<h1>Connected apps</h1>
${successNotice(done)}
<p>Apps you allowed to use your ${context.instanceName} account. Revoking an app ends its access at once; it has to ask you again before it can sign you in.</p>
${apps.length === 0 ? html`<p class="muted">You have not allowed any app to use your account.</p>` : entries}`;
}

/** "Are you sure?": what revoking does, and the one button that does it. */
export function revokeConfirmationPage(context: AccountContext, app: ConnectedApp): SafeHtml {
  return html`<h1>Revoke ${app.name}?</h1>
${appSummary(app, context)}
<p>${app.name} will lose access to your ${context.instanceName} account at once: the tokens it holds stop working, and it has to ask for your consent again before it can sign you in.
Data it already copied from your account is not deleted by this; ask its developer for that.</p>
<form method="post" action="${revokePath(context, app)}" class="inline">${csrfField(context.csrfToken)}<button type="submit" class="danger">Revoke access</button></form>
<a href="${context.prefix}${CONNECTED_APPS_PATH}">Cancel</a>`;
}
