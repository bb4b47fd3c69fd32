import type { Kysely } from 'kysely';
import { recordAudit } from '../audit/audit-log.js';
import { isoTimestamp, type Clock } from '../clock.js';
import type { Schema, WebhookMessageStatus } from '../db/schema.js';
import type { ChangeOrigin } from '../platform/integrations.js';
import { WebhookEndpointInputError, WebhookEndpointNotFoundError, type EndpointTarget } from './endpoints.js';

/**
 * The delivery log: an endpoint's messages of the last 30 days with every attempt, and the two
 * ways to send again — redeliver one message, or recover every failed one since a time. Both start
 * a new attempt cycle (the message is pending again, due now, with the same webhook-id so the
 * receiver can recognise a repeat).
 */

export const DELIVERY_LOG_RETENTION_MS = 30 * 24 * 3_600_000;

/** Messages per log page: the newest; older ones are still kept until pruned. */
export const DELIVERY_LOG_PAGE_SIZE = 100;

export interface DeliveryAttempt {
  attemptedAt: string;
  statusCode: number | null;
  latencyMs: number;
  responseExcerpt: string;
}

export interface DeliveryLogMessage {
  id: number;
  webhookId: string;
  eventType: string;
  eventId: number | null;
  status: WebhookMessageStatus;
  attempts: number;
  nextAttemptAt: string | null;
  createdAt: string;
  deliveredAt: string | null;
  /** Newest first. */
  log: DeliveryAttempt[];
}

function retentionStart(now: Date): string {
  return isoTimestamp(new Date(now.getTime() - DELIVERY_LOG_RETENTION_MS));
}

async function requireEndpoint(db: Kysely<Schema>, target: EndpointTarget): Promise<{ id: number; org_id: number; integration_id: number; status: string }> {
  const row = await db
    .selectFrom('webhook_endpoints')
    .select(['id', 'org_id', 'integration_id', 'status'])
    .where('org_id', '=', target.orgId)
    .where('integration_id', '=', target.integrationId)
    .where('id', '=', target.endpointId)
    .executeTakeFirst();
  if (row === undefined) throw new WebhookEndpointNotFoundError('No such webhook endpoint.');
  return row;
}

/** The endpoint's messages of the retention window, newest first, each with its attempts. */
export async function deliveryLog(db: Kysely<Schema>, target: EndpointTarget, now: Date): Promise<DeliveryLogMessage[]> {
  const endpoint = await requireEndpoint(db, target);
  const messages = await db
    .selectFrom('webhook_messages')
    .select(['id', 'webhook_id', 'event_type', 'event_id', 'status', 'attempts', 'next_attempt_at', 'created_at', 'delivered_at'])
    .where('org_id', '=', endpoint.org_id)
    .where('endpoint_id', '=', endpoint.id)
    .where('created_at', '>=', retentionStart(now))
    .orderBy('id', 'desc')
    .limit(DELIVERY_LOG_PAGE_SIZE)
    .execute();
  const ids = messages.map((m) => m.id);
  const attempts =
    ids.length === 0
      ? []
      : await db
          .selectFrom('webhook_attempts')
          .select(['message_id', 'attempted_at', 'status_code', 'latency_ms', 'response_excerpt'])
          .where('org_id', '=', endpoint.org_id)
          .where('message_id', 'in', ids)
          .orderBy('id', 'desc')
          .execute();
  return messages.map((m) => ({
    id: m.id,
    webhookId: m.webhook_id,
    eventType: m.event_type,
    eventId: m.event_id,
    status: m.status,
    attempts: m.attempts,
    nextAttemptAt: m.next_attempt_at,
    createdAt: m.created_at,
    deliveredAt: m.delivered_at,
    log: attempts
      .filter((a) => a.message_id === m.id)
      .map((a) => ({ attemptedAt: a.attempted_at, statusCode: a.status_code, latencyMs: a.latency_ms, responseExcerpt: a.response_excerpt })),
  }));
}

function requireActive(endpoint: { status: string }): void {
  if (endpoint.status !== 'active') throw new WebhookEndpointInputError('', 'Enable the endpoint before sending messages again.');
}

/**
 * Sends one message again: a new attempt cycle, due now. A message still pending is left as it
 * is (it is already being sent); returns whether the message was queued again.
 */
export async function redeliverMessage(db: Kysely<Schema>, target: EndpointTarget, messageId: number, origin: ChangeOrigin, clock: Clock): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    const endpoint = await requireEndpoint(trx, target);
    const message = await trx.selectFrom('webhook_messages').select(['id', 'status', 'webhook_id']).where('org_id', '=', endpoint.org_id).where('endpoint_id', '=', endpoint.id).where('id', '=', messageId).executeTakeFirst();
    if (message === undefined) throw new WebhookEndpointNotFoundError('No such message.');
    requireActive(endpoint);
    if (message.status === 'pending') return false;
    const now = isoTimestamp(clock.now());
    await trx
      .updateTable('webhook_messages')
      .set({ status: 'pending', attempts: 0, next_attempt_at: now, claimed_until: null, delivered_at: null })
      .where('org_id', '=', endpoint.org_id)
      .where('id', '=', message.id)
      .where('status', '!=', 'pending')
      .execute();
    await recordAudit(
      trx,
      {
        orgId: endpoint.org_id,
        actor: origin.actor.type === 'user' ? { type: 'user', id: String(origin.actor.userId) } : { type: 'cli', id: null },
        action: 'webhook_endpoint.message-redelivered',
        target: { type: 'webhook_endpoint', id: String(endpoint.id) },
        details: { integrationId: endpoint.integration_id, messageId: message.id, webhookId: message.webhook_id, previousStatus: message.status },
        ip: origin.ip,
      },
      clock,
    );
    return true;
  });
}

/**
 * "Recover": every failed message of the endpoint created since `since` (within the retention
 * window) is sent again, each as a new attempt cycle. Returns how many were queued.
 */
export async function recoverFailedMessages(db: Kysely<Schema>, target: EndpointTarget, since: Date, origin: ChangeOrigin, clock: Clock): Promise<number> {
  if (Number.isNaN(since.getTime())) throw new WebhookEndpointInputError('', 'Enter the time to recover from.');
  return db.transaction().execute(async (trx) => {
    const endpoint = await requireEndpoint(trx, target);
    requireActive(endpoint);
    const now = clock.now();
    const from = isoTimestamp(new Date(Math.max(since.getTime(), now.getTime() - DELIVERY_LOG_RETENTION_MS)));
    const result = await trx
      .updateTable('webhook_messages')
      .set({ status: 'pending', attempts: 0, next_attempt_at: isoTimestamp(now), claimed_until: null, delivered_at: null })
      .where('org_id', '=', endpoint.org_id)
      .where('endpoint_id', '=', endpoint.id)
      .where('status', '=', 'failed')
      .where('created_at', '>=', from)
      .executeTakeFirst();
    const count = Number(result.numUpdatedRows);
    await recordAudit(
      trx,
      {
        orgId: endpoint.org_id,
        actor: origin.actor.type === 'user' ? { type: 'user', id: String(origin.actor.userId) } : { type: 'cli', id: null },
        action: 'webhook_endpoint.failed-recovered',
        target: { type: 'webhook_endpoint', id: String(endpoint.id) },
        details: { integrationId: endpoint.integration_id, since: from, messages: count },
        ip: origin.ip,
      },
      clock,
    );
    return count;
  });
}

/**
 * Deletes delivery attempts and finished messages older than the retention window, across all
 * instances (the delivery worker calls it now and then). Pending messages are kept whatever
 * their age: they are still to be sent. Returns how many rows of each went.
 */
export async function pruneDeliveryLog(db: Kysely<Schema>, now: Date): Promise<{ attempts: number; messages: number }> {
  const cutoff = retentionStart(now);
  return db.transaction().execute(async (trx) => {
    const attempts = await trx.deleteFrom('webhook_attempts').where('attempted_at', '<', cutoff).executeTakeFirst();
    const oldMessages = trx.selectFrom('webhook_messages').select('id').where('created_at', '<', cutoff).where('status', '!=', 'pending');
    // Attempts of a message that goes must go first (foreign key), whatever their own age.
    await trx.deleteFrom('webhook_attempts').where('message_id', 'in', oldMessages).execute();
    const messages = await trx.deleteFrom('webhook_messages').where('created_at', '<', cutoff).where('status', '!=', 'pending').executeTakeFirst();
    return { attempts: Number(attempts.numDeletedRows), messages: Number(messages.numDeletedRows) };
  });
}
