import type { FastifyRequest } from 'fastify';
import { EVENT_TYPES } from '../../events/event-types.js';
import type { IntegrationSummary } from '../../platform/integrations.js';
import type { DeliveryLogMessage } from '../../webhooks/delivery-log.js';
import type { WebhookEndpointSummary } from '../../webhooks/endpoints.js';
import { buttonForm, statusBadge, successNotice, time, wideTable } from '../components.js';
import { csrfField, errorSummary, field, type FieldErrors } from '../forms.js';
import { html, type SafeHtml } from '../html.js';
import type { PageContext } from './views.js';

/** Housekeeping pages of an integration's webhook endpoints (src/pages/housekeeping/webhooks.ts). */

export function webhooksBase(context: PageContext, integrationId: number): string {
  return `${context.prefix}/housekeeping/integrations/${integrationId}/webhooks`;
}

function eventChoices(available: readonly string[], chosen: readonly string[], errors: FieldErrors): SafeHtml {
  const error = errors.events;
  return html`<fieldset id="f-events"${error === undefined ? '' : html` aria-describedby="events-error"`}>
<legend>Events</legend>
${error === undefined ? '' : html`<div class="field-error" id="events-error">${error}</div>`}
${EVENT_TYPES.filter((t) => available.includes(t.name)).map(
  (t) => html`<label class="choice"><input type="checkbox" name="events" value="${t.name}"${chosen.includes(t.name) ? html` checked` : ''}> <span><code>${t.name}</code>: ${t.description}</span></label>`,
)}
</fieldset>`;
}

function endpointStatus(endpoint: WebhookEndpointSummary): SafeHtml {
  if (endpoint.status === 'disabled') return html`${statusBadge('disabled')}${endpoint.disabledReason === null ? '' : html` <span class="hint">${endpoint.disabledReason}</span>`}`;
  return endpoint.failingSince === null ? statusBadge('active') : html`${statusBadge('active')} <span class="hint">failing since ${time(endpoint.failingSince)}</span>`;
}

export interface NewEndpointValues {
  url: string;
  events: readonly string[];
}

export function webhooksPage(context: PageContext, integration: IntegrationSummary, endpoints: readonly WebhookEndpointSummary[], available: readonly string[], values: NewEndpointValues, errors: FieldErrors, message?: string): SafeHtml {
  const base = webhooksBase(context, integration.id);
  return html`<h1>Webhooks of ${integration.appName}</h1>
${successNotice(message)}
${errorSummary(errors)}
<p>${context.instanceName} sends each chosen event to the endpoint as it happens, signed with the endpoint's secret (Standard Webhooks).</p>
${wideTable(
    html`<tr><th>URL</th><th>Events</th><th>Status</th><th>Created</th></tr>`,
    endpoints.map((e) => html`<tr><td><a href="${base}/${e.id}"><code>${e.url}</code></a></td><td>${e.eventTypes.join(', ')}</td><td>${endpointStatus(e)}</td><td>${time(e.createdAt)}</td></tr>`),
    'No endpoints yet.',
  )}
<h2>Add an endpoint</h2>
<form method="post" action="${base}">
${csrfField(context.csrfToken)}
${field({ name: 'url', label: 'URL', type: 'url', value: values.url, required: true, maxLength: 2000, hint: 'A public https address of the app that receives the events.', errors })}
${eventChoices(available, values.events, errors)}
<button type="submit">Add endpoint</button>
</form>
<p><a href="${context.prefix}/housekeeping/integrations/${integration.id}">Back to ${integration.appName}</a></p>`;
}

/** The secret, shown once: after creation and after each rotation. */
export function endpointSecretPage(context: PageContext, integrationId: number, endpoint: WebhookEndpointSummary, secret: string, rotated: boolean): SafeHtml {
  return html`<h1>${rotated ? 'New signing secret' : 'Endpoint added'}</h1>
<div class="notice" role="status">${rotated ? html`The secret was replaced. The previous one keeps signing too until ${time(endpoint.previousSecretExpiresAt)}, so the app can switch over.` : html`Events are sent to <code>${endpoint.url}</code> from now on.`}</div>
<dl><dt>Signing secret</dt><dd><div class="secret" id="webhook-secret">${secret}</div></dd></dl>
<p><strong>Copy the secret now and give it to the app.</strong> It is shown only this once; if it is lost, rotate it.</p>
<p><a href="${webhooksBase(context, integrationId)}/${endpoint.id}">Continue to the endpoint</a></p>`;
}

function attemptsList(message: DeliveryLogMessage): SafeHtml {
  if (message.log.length === 0) return html`<span class="muted">not attempted yet</span>`;
  return html`<ul>${message.log.map((a) => html`<li>${time(a.attemptedAt)}: ${a.statusCode === null ? 'no response' : `HTTP ${a.statusCode}`}, ${a.latencyMs} ms${a.responseExcerpt === '' ? '' : html` · <code>${a.responseExcerpt.slice(0, 200)}</code>`}</li>`)}</ul>`;
}

export function deliveryLogTable(messages: readonly DeliveryLogMessage[], redeliver: ((message: DeliveryLogMessage) => SafeHtml) | null): SafeHtml {
  return wideTable(
    html`<tr><th>Message</th><th>Event</th><th>Created</th><th>Status</th><th>Attempts</th>${redeliver === null ? '' : html`<th></th>`}</tr>`,
    messages.map(
      (m) =>
        html`<tr><td><code>${m.webhookId}</code></td><td>${m.eventType}</td><td>${time(m.createdAt)}</td><td>${statusBadge(m.status)}${m.status === 'pending' && m.nextAttemptAt !== null ? html` <span class="hint">next ${time(m.nextAttemptAt)}</span>` : ''}</td><td>${attemptsList(m)}</td>${redeliver === null ? '' : html`<td>${m.status === 'pending' ? '' : redeliver(m)}</td>`}</tr>`,
    ),
    'No messages in the last 30 days.',
  );
}

export function endpointPage(request: FastifyRequest, context: PageContext, integration: IntegrationSummary, endpoint: WebhookEndpointSummary, available: readonly string[], log: readonly DeliveryLogMessage[], now: Date, values: { events: readonly string[] }, errors: FieldErrors, message?: string): SafeHtml {
  const base = `${webhooksBase(context, integration.id)}/${endpoint.id}`;
  const active = endpoint.status === 'active';
  return html`<h1>Webhook endpoint</h1>
${successNotice(message)}
${errorSummary(errors)}
<dl>
<dt>URL</dt><dd><code>${endpoint.url}</code></dd>
<dt>Status</dt><dd>${endpointStatus(endpoint)}</dd>
<dt>Integration</dt><dd>${integration.appName}</dd>
${endpoint.previousSecretExpiresAt !== null && Date.parse(endpoint.previousSecretExpiresAt) > now.getTime() ? html`<dt>Rotation</dt><dd>The previous secret signs too until ${time(endpoint.previousSecretExpiresAt)}.</dd>` : ''}
</dl>
<form method="post" action="${base}/events">
${csrfField(context.csrfToken)}
${eventChoices(available, values.events, errors)}
<button type="submit">Save events</button>
</form>
<h2>Actions</h2>
<p>${active ? buttonForm(request, `${base}/test`, 'Send test event') : ''}
${buttonForm(request, `${base}/rotate`, 'Rotate secret')}
${active ? buttonForm(request, `${base}/disable`, 'Disable') : buttonForm(request, `${base}/enable`, 'Enable')}
${buttonForm(request, `${base}/delete`, 'Delete endpoint', { danger: true })}</p>
<h2>Delivery log</h2>
<p class="hint">Messages of the last 30 days, newest first.</p>
${active
    ? html`<form method="post" action="${base}/recover">
${csrfField(context.csrfToken)}
${field({ name: 'since', label: 'Send failed messages again, since (UTC)', type: 'text', value: new Date(now.getTime() - 24 * 3_600_000).toISOString().slice(0, 16), hint: 'For example 2026-06-01T10:00.', required: true, errors })}
<button type="submit">Recover failed messages</button>
</form>`
    : ''}
${deliveryLogTable(log, active ? (m) => buttonForm(request, `${base}/messages/${m.id}/redeliver`, 'Redeliver') : null)}
<p><a href="${webhooksBase(context, integration.id)}">Back to the webhooks of ${integration.appName}</a></p>`;
}
