import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { apiError } from '../../http/errors.js';
import { formField, idParam } from '../../http/web/form-fields.js';
import { requestReactivation, ReactivationError } from '../../platform/app-reactivation.js';
import { AppRevocationError, deletionDeadline, revokeApp } from '../../platform/app-revocation.js';
import type { AppRow } from '../../platform/app-settings.js';
import { attestDeletion, DeletionAttestationError } from '../../platform/deletion-duty.js';
import type { DeveloperAccount } from '../../platform/developer-accounts.js';
import type { FieldErrors } from '../forms.js';
import type { AppPageState } from './app-page.js';
import { redirectToApp, renderAppPage } from './app-responses.js';
import { appNotFound, developerAppOf } from './developer-app.js';
import { appIntegrations } from './queries.js';
import { DEVELOPER_REASON, MAX_DEVELOPER_REASON_LENGTH, revokeConfirmationBody } from './revocation-views.js';
import { sendPortalPage, type PortalDependencies } from './views.js';


/**
 * The developer's side of a revocation: revoking their own app after a confirmation, attesting the
 * deletion of each instance's event data, and asking for reactivation. Every refusal is shown on
 * the page: a form's own problem with the form (400), a state that no longer allows the action
 * (revoked meanwhile, attested twice, asked twice) on the app page (409), another developer's app 404.
 */
export function registerPortalRevocation(app: FastifyInstance, deps: PortalDependencies): void {
  const { database, clock, config } = deps;
  const db = database.db;

  function showApp(request: FastifyRequest, reply: FastifyReply, developer: DeveloperAccount, appId: number, state: AppPageState, status: number): Promise<FastifyReply> {
    return renderAppPage(deps, request, reply, { developer, appId }, state, status);
  }

  async function confirmationPage(request: FastifyRequest, reply: FastifyReply, found: { developer: DeveloperAccount; app: AppRow }, values: { confirmName: string; reason: string }, errors: FieldErrors, status = 200): Promise<FastifyReply> {
    const integrations = await appIntegrations(database, found.app.id, config.publicUrl);
    // What the deadline would be if revoked now; revokeApp records the real one.
    const deletionDueAt = deletionDeadline(clock.now());
    const body = revokeConfirmationBody(request, { app: found.app, instances: integrations.map((i) => i.instanceName), deletionDueAt, values, errors });
    return sendPortalPage(request, reply, { title: `Revoke ${found.app.display_name}`, body, developer: found.developer, status });
  }

  app.get('/portal/apps/:appId/revoke', async (request, reply) => {
    const found = await developerAppOf(request, reply, database);
    if (found === null) return reply;
    // A revoked app's page shows its revocation; any other status cannot be revoked.
    if (found.app.status === 'revoked') return redirectToApp(reply, found.app.id, { refusal: 'already-revoked' });
    if (found.app.status !== 'approved') return redirectToApp(reply, found.app.id, { refusal: 'not-revocable' });
    return confirmationPage(request, reply, found, { confirmName: '', reason: '' }, {});
  });

  app.post('/portal/apps/:appId/revoke', async (request, reply) => {
    const found = await developerAppOf(request, reply, database);
    if (found === null) return reply;
    const values = { confirmName: formField(request.body, 'confirmName'), reason: formField(request.body, 'reason') };
    if (found.app.status === 'approved') {
      const errors: FieldErrors = {};
      if (values.confirmName !== found.app.display_name) errors.confirmName = `Type the app’s name exactly as shown: ${found.app.display_name}`;
      if (values.reason.length > MAX_DEVELOPER_REASON_LENGTH) errors.reason = `Your reason must be at most ${MAX_DEVELOPER_REASON_LENGTH} characters`;
      if (Object.keys(errors).length > 0) return confirmationPage(request, reply, found, values, errors, 400);
    }
    try {
      await revokeApp(
        db,
        { app: { appId: found.app.id }, reason: values.reason === '' ? DEVELOPER_REASON : `${DEVELOPER_REASON}: ${values.reason}`, actor: { type: 'developer', developerId: found.developer.id }, ip: request.ip },
        clock,
      );
    } catch (error) {
      if (!(error instanceof AppRevocationError)) throw error;
      if (error.notFound) return appNotFound(reply);
      // Revoked meanwhile (another tab, an operator) or no longer approved: the app page shows why.
      return showApp(request, reply, found.developer, found.app.id, { error: error.message }, 409);
    }
    return redirectToApp(reply, found.app.id, { notice: 'revoked' });
  });

  app.post('/portal/apps/:appId/revocations/:revocationId/deletions/:orgId', async (request, reply) => {
    const found = await developerAppOf(request, reply, database);
    if (found === null) return reply;
    const revocationId = idParam(request.params, 'revocationId');
    const orgId = idParam(request.params, 'orgId');
    if (revocationId === null || orgId === null) return reply.sendError(apiError.notFound('No such deletion duty'));
    const key = `${revocationId}-${orgId}`;
    const statement = formField(request.body, `statement-${key}`);
    const again = (errors: FieldErrors) => showApp(request, reply, found.developer, found.app.id, { attestation: { revocationId, orgId, statement, errors } }, 400);
    // The box is the attestation itself: without it nothing is confirmed.
    if (formField(request.body, `confirm-${key}`) !== 'yes') return again({ [`confirm-${key}`]: 'Tick the box to confirm that the data is deleted' });
    try {
      await attestDeletion(db, { developerId: found.developer.id, appId: found.app.id, revocationId, orgId, statement, ip: request.ip }, clock);
    } catch (error) {
      if (!(error instanceof DeletionAttestationError)) throw error;
      if (error.field === 'statement') return again({ [`statement-${key}`]: error.message });
      if (error.notFound) return reply.sendError(apiError.notFound('No such deletion duty'));
      return showApp(request, reply, found.developer, found.app.id, { error: error.message }, 409);
    }
    return redirectToApp(reply, found.app.id, { notice: 'deletion-attested' }, '#deletion');
  });

  app.post('/portal/apps/:appId/reactivation', async (request, reply) => {
    const found = await developerAppOf(request, reply, database);
    if (found === null) return reply;
    const message = formField(request.body, 'message');
    try {
      await requestReactivation(db, { developerId: found.developer.id, appId: found.app.id, message, ip: request.ip, publicUrl: config.publicUrl }, clock);
    } catch (error) {
      if (!(error instanceof ReactivationError)) throw error;
      if (error.field === 'message') return showApp(request, reply, found.developer, found.app.id, { reactivation: { value: message, error: error.message } }, 400);
      if (error.notFound) return appNotFound(reply);
      return showApp(request, reply, found.developer, found.app.id, { error: error.message }, 409);
    }
    return redirectToApp(reply, found.app.id, { notice: 'reactivation-requested' }, '#reactivation');
  });
}
