/**
 * Fan-out: turns the instance's events into webhook messages, one per endpoint that subscribes to
 * the event's type and whose integration holds the scope that reads it; an integration's lifecycle
 * events (no scope) go only to the endpoints of the integration they are about. Each endpoint's cursor
 * (`last_event_id`) advances in the transaction that inserts its messages, and (endpoint_id,
 * event_id) is unique, so several processes fanning out at once make each message once.
 */
import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import { isoTimestamp, type Clock } from '../clock.js';
import type { Schema } from '../db/schema.js';
import { findEventType } from '../events/event-types.js';
import { storedScopes } from '../platform/integrations.js';

/** Events one endpoint takes per round; the rest follow in the next. */
export const FAN_OUT_BATCH = 500;

/**
 * On PostgreSQL ids are handed out when a transaction inserts, not when it commits, so an event
 * may become visible after one with a higher id. A missing id (a gap) is therefore waited for this
 * long before the cursor passes it; a gap older than this is a rolled-back transaction's id.
 */
export const GAP_WAIT_MS = 30_000;

/** The events the cursor may pass now: up to the first gap that is still recent. */
export function settledPrefix<E extends { id: number; occurred_at: string }>(events: readonly E[], cursor: number, now: Date): E[] {
  const settled: E[] = [];
  let expected = cursor + 1;
  for (const event of events) {
    if (event.id !== expected && new Date(event.occurred_at).getTime() > now.getTime() - GAP_WAIT_MS) break;
    settled.push(event);
    expected = event.id + 1;
  }
  return settled;
}

/** A Standard Webhooks message id: stable across retries of the message. */
export function newWebhookId(): string {
  return `msg_${randomBytes(18).toString('base64url')}`;
}

/** The body a subscriber receives, byte for byte; `data` is the event's stored JSON as it is. */
export function messageBody(type: string, dataJson: string): string {
  return `{"event":${JSON.stringify(type)},"data":${dataJson}}`;
}

/** Fans out the events after each active endpoint's cursor. Returns the number of messages made. */
export async function fanOutEvents(db: Kysely<Schema>, clock: Clock): Promise<number> {
  const endpoints = await db
    .selectFrom('webhook_endpoints')
    .innerJoin('integrations', (join) => join.onRef('integrations.org_id', '=', 'webhook_endpoints.org_id').onRef('integrations.id', '=', 'webhook_endpoints.integration_id'))
    .innerJoin('apps', 'apps.id', 'integrations.app_id')
    .select(['webhook_endpoints.id', 'webhook_endpoints.org_id', 'webhook_endpoints.integration_id', 'webhook_endpoints.event_types', 'webhook_endpoints.last_event_id', 'integrations.scopes', 'integrations.status as integration_status', 'apps.status as app_status'])
    .where('webhook_endpoints.status', '=', 'active')
    // A suspended (its app revoked) or removed integration receives only its own lifecycle events:
    // the final `app-revoked` or `integration-removed` notice. Its cursor moves on, so when it is
    // re-enabled or added again it is not sent what happened while it had no access.
    .where('integrations.status', 'in', ['active', 'suspended', 'removed'])
    .execute();
  let made = 0;
  for (const endpoint of endpoints) {
    const types = new Set(parseTypeList(endpoint.event_types));
    const scopes = new Set<string>(storedScopes(endpoint.scopes));
    made += await db.transaction().execute(async (trx) => {
      // A write first: it locks the endpoint (PostgreSQL: its row; SQLite: the database) before
      // the cursor is read, so processes fanning out at once take turns instead of deadlocking.
      const cursor = await trx
        .updateTable('webhook_endpoints')
        .set((eb) => ({ last_event_id: eb.ref('last_event_id') }))
        .where('id', '=', endpoint.id)
        .returning('last_event_id')
        .executeTakeFirst();
      if (cursor === undefined) return 0;
      // Every org's events after the cursor, to see gaps in the global order (below).
      const following = await trx
        .selectFrom('events')
        .select(['id', 'org_id', 'type', 'data', 'occurred_at', 'subject_type', 'subject_id'])
        .where('id', '>', cursor.last_event_id)
        .orderBy('id')
        .limit(FAN_OUT_BATCH)
        .execute();
      const settled = settledPrefix(following, cursor.last_event_id, clock.now());
      const last = settled.at(-1);
      if (last === undefined) return 0;
      const now = isoTimestamp(clock.now());
      const wanted = settled.filter((event) => {
        const definition = findEventType(event.type);
        if (event.org_id !== endpoint.org_id || !types.has(event.type) || definition === undefined) return false;
        // A revoked app gets its `app-revoked` notice and no later lifecycle event (an admin's
        // permission change or removal while it is revoked).
        if (definition.scope === null) return event.subject_type === 'integration' && event.subject_id === String(endpoint.integration_id) && (endpoint.app_status !== 'revoked' || event.type === 'app-revoked');
        return endpoint.integration_status === 'active' && scopes.has(definition.scope);
      });
      let inserted = 0;
      for (const event of wanted) {
        const result = await trx
          .insertInto('webhook_messages')
          .values({
            org_id: endpoint.org_id,
            endpoint_id: endpoint.id,
            event_id: event.id,
            webhook_id: newWebhookId(),
            event_type: event.type,
            body: messageBody(event.type, event.data),
            status: 'pending',
            attempts: 0,
            next_attempt_at: now,
            claimed_until: null,
            created_at: now,
            delivered_at: null,
          })
          .onConflict((oc) => oc.columns(['endpoint_id', 'event_id']).doNothing())
          .executeTakeFirst();
        inserted += Number(result.numInsertedOrUpdatedRows ?? 0n);
      }
      await trx
        .updateTable('webhook_endpoints')
        .set({ last_event_id: last.id })
        .where('id', '=', endpoint.id)
        .where('last_event_id', '<', last.id)
        .execute();
      return inserted;
    });
  }
  return made;
}

function parseTypeList(json: string): string[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    return [];
  }
  return Array.isArray(parsed) ? parsed.filter((name): name is string => typeof name === 'string') : [];
}
