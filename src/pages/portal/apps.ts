import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { formField, queryParam } from '../../http/web/form-fields.js';
import { createSecret, endSecretOverlap, rotateSecret, type CredentialRefusal } from '../../platform/app-credentials.js';
import { addRedirectUri, listDeveloperApps, removeRedirectUri, updateAppSettings, type AppChangeRefusal, type AppSettingsInput } from '../../platform/app-settings.js';
import { listRevocations } from '../../platform/deletion-duty.js';
import { type DeveloperAccount } from '../../platform/developer-accounts.js';
import { answerInformationRequest, ReviewError } from '../../platform/review.js';
import { time } from '../components.js';
import { html } from '../html.js';
import { type AppPageState } from './app-page.js';
import { knownKey, NOTICES, redirectToApp, REFUSALS, renderAppPage, type RefusalKey } from './app-responses.js';
import { appNotFound, currentDeveloper, developerAppOf } from './developer-app.js';
import { revocationSummary } from './revocation-views.js';
import { APP_STATUSES, appPath, type PortalDependencies, PORTAL_HOME, PORTAL_LOGIN, sendPortalPage, statusBadge } from './views.js';

export function registerPortalApps(app: FastifyInstance, deps: PortalDependencies): void {
  const { database, clock, config } = deps;
  const db = database.db;

  function renderApp(request: FastifyRequest, reply: FastifyReply, developer: DeveloperAccount, appId: number, state: AppPageState, status = 200): Promise<FastifyReply> {
    return renderAppPage(deps, request, reply, { developer, appId }, state, status);
  }

  function refusalFor(reason: AppChangeRefusal | CredentialRefusal | 'not-registered'): RefusalKey | null {
    switch (reason) {
      case 'not-found':
        return null;
      case 'already-exists':
      case 'stale':
      case 'nothing-to-rotate':
        return 'secret-already-issued';
      default:
        return reason;
    }
  }

  /** Answers a refused change: 404 for someone else's app, else back to the app with the reason. */
  function refuse(reply: FastifyReply, appId: number, reason: AppChangeRefusal | CredentialRefusal | 'not-registered', anchor: string): FastifyReply {
    const refusal = refusalFor(reason);
    return refusal === null ? appNotFound(reply) : redirectToApp(reply, appId, { refusal }, anchor);
  }

  app.get(PORTAL_HOME, async (request, reply) => {
    const developer = await currentDeveloper(request, reply, database);
    if (developer === null) return reply.redirect(PORTAL_LOGIN, 303);
    const apps = await listDeveloperApps(db, developer.id);
    const revocations = await Promise.all(apps.map((row) => listRevocations(db, row.id, clock)));
    const rows = apps.map((row, index) => html`<tr>
<td><a href="${appPath(row.id)}">${row.display_name}</a></td>
<td>${statusBadge(row.status)}${revocationSummary(row, revocations[index] ?? [])}</td>
<td>${row.status === 'approved' ? html`<code>${row.client_id}</code>` : html`<span class="muted">—</span>`}</td>
<td>${time(row.updated_at)}</td>
</tr>`);
    const body = html`<h1>Your apps</h1>
${rows.length === 0
  ? html`<p>You have no apps yet.</p>`
  : html`<div class="table-scroll"><table><thead><tr><th scope="col">App</th><th scope="col">Status</th><th scope="col">API ID</th><th scope="col">Last change</th></tr></thead><tbody>${rows}</tbody></table></div>`}
<h2>What the statuses mean</h2>
<dl>${Object.values(APP_STATUSES).map((status) => html`<dt>${status.label}</dt><dd>${status.explanation}</dd>`)}</dl>`;
    return sendPortalPage(request, reply, { title: 'Your apps', body, developer });
  });

  app.get('/portal/apps/:appId', async (request, reply) => {
    const found = await developerAppOf(request, reply, database);
    if (found === null) return reply;
    const notice = knownKey(NOTICES, queryParam(request.query, 'notice'));
    const refusal = knownKey(REFUSALS, queryParam(request.query, 'refused'));
    return renderApp(request, reply, found.developer, found.app.id, {
      notice: notice === undefined ? undefined : NOTICES[notice],
      error: refusal === undefined ? undefined : REFUSALS[refusal],
    });
  });

  app.post('/portal/apps/:appId/settings', async (request, reply) => {
    const found = await developerAppOf(request, reply, database);
    if (found === null) return reply;
    const values: AppSettingsInput = {
      displayName: formField(request.body, 'displayName'),
      description: formField(request.body, 'description'),
      homepageUrl: formField(request.body, 'homepageUrl'),
      privacyUrl: formField(request.body, 'privacyUrl'),
      logoUrl: formField(request.body, 'logoUrl'),
    };
    const result = await updateAppSettings(db, { developerId: found.developer.id, appId: found.app.id, change: values, ip: request.ip }, clock);
    if (result.ok) return redirectToApp(reply, found.app.id, { notice: result.changed.length === 0 ? 'settings-unchanged' : 'settings-saved' }, '#settings');
    if (result.reason === 'invalid') return renderApp(request, reply, found.developer, found.app.id, { settings: { values, errors: result.errors } }, 400);
    return refuse(reply, found.app.id, result.reason, '#settings');
  });

  app.post('/portal/apps/:appId/redirect-uris', async (request, reply) => {
    const found = await developerAppOf(request, reply, database);
    if (found === null) return reply;
    const uri = formField(request.body, 'redirectUri');
    const result = await addRedirectUri(db, { developerId: found.developer.id, appId: found.app.id, change: uri, ip: request.ip }, clock);
    if (result.ok) return redirectToApp(reply, found.app.id, { notice: 'redirect-added' }, '#redirect-uris');
    if (result.reason === 'invalid') return renderApp(request, reply, found.developer, found.app.id, { redirectUri: { value: uri, error: result.message } }, 400);
    return refuse(reply, found.app.id, result.reason, '#redirect-uris');
  });

  app.post('/portal/apps/:appId/redirect-uris/remove', async (request, reply) => {
    const found = await developerAppOf(request, reply, database);
    if (found === null) return reply;
    const result = await removeRedirectUri(db, { developerId: found.developer.id, appId: found.app.id, change: formField(request.body, 'uri'), ip: request.ip }, clock);
    if (result.ok) return redirectToApp(reply, found.app.id, { notice: 'redirect-removed' }, '#redirect-uris');
    // Removal has no invalid input: a URI that is not registered is simply not there.
    return refuse(reply, found.app.id, result.reason === 'invalid' ? 'not-registered' : result.reason, '#redirect-uris');
  });

  app.post('/portal/apps/:appId/answer', async (request, reply) => {
    const found = await developerAppOf(request, reply, database);
    if (found === null) return reply;
    const answer = formField(request.body, 'answer');
    try {
      await answerInformationRequest(db, { appId: found.app.id, developerId: found.developer.id, answer, ip: request.ip, publicUrl: config.publicUrl }, clock);
    } catch (error) {
      if (!(error instanceof ReviewError)) throw error;
      if (error.field === 'message') return renderApp(request, reply, found.developer, found.app.id, { answer: { value: answer, error: error.message } }, 400);
      return redirectToApp(reply, found.app.id, { refusal: 'no-question' });
    }
    return redirectToApp(reply, found.app.id, { notice: 'answer-sent' });
  });

  app.post('/portal/apps/:appId/secrets', async (request, reply) => {
    const found = await developerAppOf(request, reply, database);
    if (found === null) return reply;
    const result = await createSecret(db, { developerId: found.developer.id, appId: found.app.id, ip: request.ip }, clock);
    if (!result.ok) return refuse(reply, found.app.id, result.reason, '#credentials');
    return renderApp(request, reply, found.developer, found.app.id, { revealed: { secret: result.secret, rotated: false } });
  });

  app.post('/portal/apps/:appId/secrets/rotate', async (request, reply) => {
    const found = await developerAppOf(request, reply, database);
    if (found === null) return reply;
    const expected = Number(formField(request.body, 'current'));
    // A missing or odd value can match no secret: it is refused as an outdated form.
    const expectedCurrentId = Number.isSafeInteger(expected) ? expected : 0;
    const result = await rotateSecret(db, { developerId: found.developer.id, appId: found.app.id, expectedCurrentId, ip: request.ip }, clock);
    if (!result.ok) return refuse(reply, found.app.id, result.reason, '#credentials');
    return renderApp(request, reply, found.developer, found.app.id, { revealed: { secret: result.secret, rotated: true } });
  });

  app.post('/portal/apps/:appId/secrets/end-overlap', async (request, reply) => {
    const found = await developerAppOf(request, reply, database);
    if (found === null) return reply;
    const result = await endSecretOverlap(db, { developerId: found.developer.id, appId: found.app.id, ip: request.ip }, clock);
    if (!result.ok) return refuse(reply, found.app.id, result.reason, '#credentials');
    return redirectToApp(reply, found.app.id, { notice: 'overlap-ended' }, '#credentials');
  });
}
