import type { FastifyInstance } from 'fastify';
import { apiError } from '../../http/errors.js';
import { idParam } from '../../http/web/form-fields.js';
import { deliveryLog } from '../../webhooks/delivery-log.js';
import { findAppEndpoint, listAppEndpoints } from '../../webhooks/endpoints.js';
import { statusBadge, time, wideTable } from '../components.js';
import { html } from '../html.js';
import { deliveryLogTable } from '../housekeeping/webhooks-views.js';
import { developerAppOf } from './developer-app.js';
import { appPath, sendPortalPage, type PortalDependencies } from './views.js';

/**
 * Webhooks in the developer portal, read-only: for each instance integrating the app, the
 * endpoints its org admins registered (URL, events, status) and each one's delivery log, so the
 * developer can see what reached their service. Secrets and changes stay with the org admins.
 * Another developer's app, or an endpoint of another app, is a 404.
 */
export function registerPortalWebhooks(app: FastifyInstance, deps: PortalDependencies): void {
  const { database, clock } = deps;
  const db = database.db;


  app.get('/portal/apps/:appId/webhooks', async (request, reply) => {
    const found = await developerAppOf(request, reply, database);
    if (found === null) return reply;
    const base = `${appPath(found.app.id)}/webhooks`;
    const instances = await listAppEndpoints(db, found.app.id);
    const body = html`<p><a href="${appPath(found.app.id)}">← ${found.app.display_name}</a></p>
<h1>Webhooks of ${found.app.display_name}</h1>
<p>The org admins of each instance integrating the app register its webhook endpoints and hand over their signing secrets; this page shows what is registered and what was delivered.</p>
${instances.length === 0
    ? html`<p class="muted">No instance integrates the app yet.</p>`
    : instances.map(
        (i) => html`<section><h2>${i.instanceName}</h2>
${wideTable(
  html`<tr><th>URL</th><th>Events</th><th>Status</th><th>Created</th></tr>`,
  i.endpoints.map((e) => html`<tr><td><a href="${base}/${e.id}"><code>${e.url}</code></a></td><td>${e.eventTypes.join(', ')}</td><td>${statusBadge(e.status)}${e.failingSince === null ? '' : html` <span class="hint">failing since ${time(e.failingSince)}</span>`}</td><td>${time(e.createdAt)}</td></tr>`),
  'No endpoints registered in this instance.',
)}</section>`,
      )}`;
    return sendPortalPage(request, reply, { title: `Webhooks of ${found.app.display_name}`, body, developer: found.developer });
  });

  app.get('/portal/apps/:appId/webhooks/:endpointId', async (request, reply) => {
    const found = await developerAppOf(request, reply, database);
    if (found === null) return reply;
    const endpointId = idParam(request.params, 'endpointId');
    const endpoint = endpointId === null ? undefined : await findAppEndpoint(db, found.app.id, endpointId);
    if (endpoint === undefined) return reply.sendError(apiError.notFound('No such webhook endpoint'));
    const log = await deliveryLog(db, endpoint.target, clock.now());
    const body = html`<p><a href="${appPath(found.app.id)}/webhooks">← Webhooks of ${found.app.display_name}</a></p>
<h1>Webhook endpoint in ${endpoint.instanceName}</h1>
<dl>
<dt>URL</dt><dd><code>${endpoint.endpoint.url}</code></dd>
<dt>Events</dt><dd>${endpoint.endpoint.eventTypes.join(', ')}</dd>
<dt>Status</dt><dd>${statusBadge(endpoint.endpoint.status)}${endpoint.endpoint.disabledReason === null ? '' : html` <span class="hint">${endpoint.endpoint.disabledReason}</span>`}</dd>
</dl>
<h2>Delivery log</h2>
<p class="hint">Messages of the last 30 days, newest first. To have one sent again, ask the instance's org admins.</p>
${deliveryLogTable(log, null)}`;
    return sendPortalPage(request, reply, { title: 'Webhook endpoint', body, developer: found.developer });
  });
}
