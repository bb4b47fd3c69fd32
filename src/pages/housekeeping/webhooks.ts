import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import type { Clock } from '../../clock.js';
import type { Schema } from '../../db/schema.js';
import { apiError } from '../../http/errors.js';
import { formField, formList, idParam } from '../../http/web/form-fields.js';
import { prefixOf } from '../../http/web/page-area.js';
import type { Instance } from '../../instance/instances.js';
import { findIntegration, type ChangeOrigin, type IntegrationSummary } from '../../platform/integrations.js';
import { deliveryLog, recoverFailedMessages, redeliverMessage } from '../../webhooks/delivery-log.js';
import {
  availableEventTypes,
  changeEndpointEvents,
  createEndpoint,
  deleteEndpoint,
  findEndpoint,
  listEndpoints,
  rotateEndpointSecret,
  sendTestEvent,
  setEndpointEnabled,
  WebhookEndpointInputError,
  WebhookEndpointNotFoundError,
  type EndpointTarget,
  type WebhookEndpointSummary,
} from '../../webhooks/endpoints.js';
import type { ResolveHost } from '../../webhooks/target-address.js';
import { ownValue } from '../components.js';
import type { FieldErrors } from '../forms.js';
import type { SafeHtml } from '../html.js';
import type { PageContext, Section } from './views.js';
import { endpointPage, endpointSecretPage, webhooksPage, type NewEndpointValues } from './webhooks-views.js';

export interface HousekeepingWebhooksDeps {
  db: Kysely<Schema>;
  clock: Clock;
  /** The data directory's encryption key, read on first use. */
  encryptionKey: () => Buffer;
  allowPrivateTargets: boolean;
  resolve?: ResolveHost;
  viewerOf: (request: FastifyRequest) => { instance: Instance; context: PageContext };
  origin: (request: FastifyRequest) => ChangeOrigin;
  show: (request: FastifyRequest, reply: FastifyReply, section: Section, title: string, body: SafeHtml, status?: number) => FastifyReply;
}

const DONE_MESSAGES: Record<string, string> = {
  events: 'Events saved. They apply from the next event on.',
  disabled: 'Endpoint disabled. Nothing is sent to it until it is enabled again; its pending messages were cancelled.',
  enabled: 'Endpoint enabled. It receives events from now on.',
  unchanged: 'Nothing changed.',
  deleted: 'Endpoint deleted.',
  test: 'Test event queued. It appears in the delivery log once sent.',
  redelivered: 'Message queued to be sent again.',
  pending: 'That message is already waiting to be sent.',
  recovered: 'Failed messages queued to be sent again.',
};

const NO_INTEGRATION = 'There is no such integration in this instance.';
const NO_ENDPOINT = 'There is no such webhook endpoint in this integration.';

/**
 * Housekeeping: an integration's webhook endpoints (org admins with oauth:manage, the area's
 * default). Every lookup is by the instance and the integration, so another instance's endpoint
 * is a 404. Secrets appear only on the page answering their creation or rotation.
 */
export function registerHousekeepingWebhooks(app: FastifyInstance, deps: HousekeepingWebhooksDeps): void {
  const { db, clock, viewerOf, origin, show } = deps;
  const settings = () => ({ encryptionKey: deps.encryptionKey(), allowPrivateTargets: deps.allowPrivateTargets, ...(deps.resolve === undefined ? {} : { resolve: deps.resolve }) });
  const base = (request: FastifyRequest, integrationId: number) => `${prefixOf(request)}/housekeeping/integrations/${integrationId}/webhooks`;

  /** The integration named in the path, or undefined after answering 404. */
  const integrationOf = async (request: FastifyRequest, reply: FastifyReply): Promise<IntegrationSummary | undefined> => {
    const id = idParam(request.params, 'id');
    const integration = id === null ? undefined : await findIntegration(db, viewerOf(request).instance.orgId, id);
    if (integration === undefined) await reply.sendError(apiError.notFound(NO_INTEGRATION));
    return integration;
  };

  const targetOf = async (request: FastifyRequest, reply: FastifyReply): Promise<{ integration: IntegrationSummary; endpoint: WebhookEndpointSummary; target: EndpointTarget } | undefined> => {
    const integration = await integrationOf(request, reply);
    if (integration === undefined) return undefined;
    const endpointId = idParam(request.params, 'endpointId');
    const orgId = viewerOf(request).instance.orgId;
    const endpoint = endpointId === null ? undefined : await findEndpoint(db, orgId, integration.id, endpointId);
    if (endpoint === undefined) {
      await reply.sendError(apiError.notFound(NO_ENDPOINT));
      return undefined;
    }
    return { integration, endpoint, target: { orgId, integrationId: integration.id, endpointId: endpoint.id } };
  };

  const renderList = async (request: FastifyRequest, reply: FastifyReply, integration: IntegrationSummary, values: NewEndpointValues, errors: FieldErrors, status = 200) => {
    const { instance, context } = viewerOf(request);
    const endpoints = await listEndpoints(db, instance.orgId, integration.id);
    const message = ownValue(DONE_MESSAGES, formField(request.query, 'done'));
    return show(request, reply, 'integrations', `Webhooks of ${integration.appName}`, webhooksPage(context, integration, endpoints, availableEventTypes(integration.scopes), values, errors, message), status);
  };

  const renderEndpoint = async (request: FastifyRequest, reply: FastifyReply, found: { integration: IntegrationSummary; endpoint: WebhookEndpointSummary; target: EndpointTarget }, values: { events: readonly string[] } | null, errors: FieldErrors, status = 200) => {
    const { context } = viewerOf(request);
    const now = clock.now();
    const log = await deliveryLog(db, found.target, now);
    const message = ownValue(DONE_MESSAGES, formField(request.query, 'done'));
    const body = endpointPage(request, context, found.integration, found.endpoint, availableEventTypes(found.integration.scopes), log, now, values ?? { events: found.endpoint.eventTypes }, errors, message);
    return show(request, reply, 'integrations', 'Webhook endpoint', body, status);
  };

  /** Runs a change on the endpoint named in the path; refusals show the endpoint page with the reason. */
  const onEndpoint = (change: (request: FastifyRequest, found: { integration: IntegrationSummary; endpoint: WebhookEndpointSummary; target: EndpointTarget }, reply: FastifyReply) => Promise<FastifyReply | string>) =>
    async (request: FastifyRequest, reply: FastifyReply) => {
      const found = await targetOf(request, reply);
      if (found === undefined) return reply;
      try {
        const done = await change(request, found, reply);
        if (typeof done !== 'string') return done;
        return await reply.redirect(`${base(request, found.integration.id)}/${found.endpoint.id}?done=${done}`, 303);
      } catch (error) {
        if (error instanceof WebhookEndpointNotFoundError) return reply.sendError(apiError.notFound(error.message));
        if (!(error instanceof WebhookEndpointInputError)) throw error;
        const values = error.field === 'events' ? { events: formList(request.body, 'events') } : null;
        return renderEndpoint(request, reply, found, values, { [error.field === 'url' ? '' : error.field]: error.message }, 400);
      }
    };

  app.get('/housekeeping/integrations/:id/webhooks', async (request, reply) => {
    const integration = await integrationOf(request, reply);
    if (integration === undefined) return reply;
    return renderList(request, reply, integration, { url: '', events: [] }, {});
  });

  app.post('/housekeeping/integrations/:id/webhooks', async (request, reply) => {
    const integration = await integrationOf(request, reply);
    if (integration === undefined) return reply;
    const { instance, context } = viewerOf(request);
    const values = { url: formField(request.body, 'url'), events: formList(request.body, 'events') };
    try {
      const { endpointId, secret } = await createEndpoint(db, { orgId: instance.orgId, integrationId: integration.id, url: values.url, eventTypes: values.events }, settings(), origin(request), clock);
      const endpoint = await findEndpoint(db, instance.orgId, integration.id, endpointId);
      if (endpoint === undefined) return await reply.sendError(apiError.notFound(NO_ENDPOINT));
      void reply.header('cache-control', 'no-store');
      return await show(request, reply, 'integrations', 'Endpoint added', endpointSecretPage(context, integration.id, endpoint, secret, false));
    } catch (error) {
      if (error instanceof WebhookEndpointNotFoundError) return reply.sendError(apiError.notFound(NO_INTEGRATION));
      if (!(error instanceof WebhookEndpointInputError)) throw error;
      return renderList(request, reply, integration, values, { [error.field]: error.message }, 400);
    }
  });

  app.get('/housekeeping/integrations/:id/webhooks/:endpointId', async (request, reply) => {
    const found = await targetOf(request, reply);
    if (found === undefined) return reply;
    return renderEndpoint(request, reply, found, null, {});
  });

  app.post(
    '/housekeeping/integrations/:id/webhooks/:endpointId/events',
    onEndpoint(async (request, found) => {
      await changeEndpointEvents(db, found.target, formList(request.body, 'events'), origin(request), clock);
      return 'events';
    }),
  );

  app.post(
    '/housekeeping/integrations/:id/webhooks/:endpointId/rotate',
    onEndpoint(async (request, found, reply) => {
      const { secret } = await rotateEndpointSecret(db, found.target, deps.encryptionKey(), origin(request), clock);
      const endpoint = (await findEndpoint(db, found.target.orgId, found.target.integrationId, found.target.endpointId)) ?? found.endpoint;
      void reply.header('cache-control', 'no-store');
      return show(request, reply, 'integrations', 'New signing secret', endpointSecretPage(viewerOf(request).context, found.integration.id, endpoint, secret, true));
    }),
  );

  for (const enabled of [true, false]) {
    app.post(
      `/housekeeping/integrations/:id/webhooks/:endpointId/${enabled ? 'enable' : 'disable'}`,
      onEndpoint(async (request, found) => ((await setEndpointEnabled(db, found.target, enabled, origin(request), clock)) ? (enabled ? 'enabled' : 'disabled') : 'unchanged')),
    );
  }

  app.post(
    '/housekeeping/integrations/:id/webhooks/:endpointId/delete',
    onEndpoint(async (request, found, reply) => {
      await deleteEndpoint(db, found.target, origin(request), clock);
      return reply.redirect(`${base(request, found.integration.id)}?done=deleted`, 303);
    }),
  );

  app.post(
    '/housekeeping/integrations/:id/webhooks/:endpointId/test',
    onEndpoint(async (request, found) => {
      await sendTestEvent(db, found.target, origin(request), clock);
      return 'test';
    }),
  );

  app.post(
    '/housekeeping/integrations/:id/webhooks/:endpointId/messages/:messageId/redeliver',
    onEndpoint(async (request, found, reply) => {
      const messageId = idParam(request.params, 'messageId');
      if (messageId === null) return reply.sendError(apiError.notFound('There is no such message.'));
      return (await redeliverMessage(db, found.target, messageId, origin(request), clock)) ? 'redelivered' : 'pending';
    }),
  );

  app.post(
    '/housekeeping/integrations/:id/webhooks/:endpointId/recover',
    onEndpoint(async (request, found) => {
      const since = parseUtcTime(formField(request.body, 'since'));
      if (since === null) throw new WebhookEndpointInputError('', 'Enter the time to recover from as a date and time, such as 2026-06-01T10:00.');
      await recoverFailedMessages(db, found.target, since, origin(request), clock);
      return 'recovered';
    }),
  );
}

/** A `YYYY-MM-DDTHH:MM` (or with seconds, or a full ISO time) read as UTC; null when it is not one. */
function parseUtcTime(text: string): Date | null {
  const match = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}(?::\d{2}(?:\.\d{1,3})?)?)Z?$/.exec(text);
  if (match === null) return null;
  const date = new Date(`${match[1] ?? ''}T${match[2] ?? ''}Z`);
  return Number.isNaN(date.getTime()) ? null : date;
}
