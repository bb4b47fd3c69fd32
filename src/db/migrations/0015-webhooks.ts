import type { Kysely } from 'kysely';
import { autoId } from './column-types.js';

/**
 * Webhooks for service integrations (issue 7): an integration's endpoints, the messages made from
 * the instance's events for each endpoint (the delivery outbox), and every delivery attempt (the
 * delivery log).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('webhook_endpoints')
    .addColumn('id', 'integer', autoId(db))
    .addColumn('org_id', 'integer', (col) => col.notNull().references('orgs.id').onDelete('cascade'))
    .addColumn('integration_id', 'integer', (col) => col.notNull())
    .addColumn('url', 'text', (col) => col.notNull())
    // JSON array of event type names (src/events/event-types.ts) the endpoint receives.
    .addColumn('event_types', 'text', (col) => col.notNull())
    // 'active' | 'disabled'
    .addColumn('status', 'text', (col) => col.notNull())
    .addColumn('disabled_reason', 'text')
    // The whsec_ secret signs messages, so it is kept encrypted (the data directory's key), not hashed.
    .addColumn('secret_encrypted', 'text', (col) => col.notNull())
    // During a rotation the previous secret signs too, until this time.
    .addColumn('previous_secret_encrypted', 'text')
    .addColumn('previous_secret_expires_at', 'text')
    // The first failure of the current run of failures; null while deliveries succeed.
    .addColumn('failing_since', 'text')
    // The last event id turned into messages for this endpoint: events after it are still to fan out.
    .addColumn('last_event_id', 'integer', (col) => col.notNull())
    .addColumn('created_at', 'text', (col) => col.notNull())
    .addColumn('updated_at', 'text', (col) => col.notNull())
    .addUniqueConstraint('webhook_endpoints_org_id_unique', ['org_id', 'id'])
    .addForeignKeyConstraint('webhook_endpoints_integration_fk', ['org_id', 'integration_id'], 'integrations', ['org_id', 'id'], (fk) => fk.onDelete('cascade'))
    .execute();
  await db.schema.createIndex('webhook_endpoints_integration_idx').on('webhook_endpoints').columns(['org_id', 'integration_id']).execute();

  await db.schema
    .createTable('webhook_messages')
    .addColumn('id', 'integer', autoId(db))
    .addColumn('org_id', 'integer', (col) => col.notNull())
    .addColumn('endpoint_id', 'integer', (col) => col.notNull())
    // The events row this message carries; null for a test message.
    .addColumn('event_id', 'integer')
    // Standard Webhooks `webhook-id` (msg_…): stable across retries and redeliveries.
    .addColumn('webhook_id', 'text', (col) => col.notNull())
    .addColumn('event_type', 'text', (col) => col.notNull())
    // The exact body sent: {"event": …, "data": …}.
    .addColumn('body', 'text', (col) => col.notNull())
    // 'pending' | 'delivered' | 'failed' (retries exhausted) | 'cancelled' (endpoint disabled or removed)
    .addColumn('status', 'text', (col) => col.notNull())
    .addColumn('attempts', 'integer', (col) => col.notNull())
    .addColumn('next_attempt_at', 'text')
    // A worker holds the message until this time (several processes: one attempts it).
    .addColumn('claimed_until', 'text')
    .addColumn('created_at', 'text', (col) => col.notNull())
    .addColumn('delivered_at', 'text')
    .addUniqueConstraint('webhook_messages_org_id_unique', ['org_id', 'id'])
    .addUniqueConstraint('webhook_messages_endpoint_event_unique', ['endpoint_id', 'event_id'])
    .addForeignKeyConstraint('webhook_messages_endpoint_fk', ['org_id', 'endpoint_id'], 'webhook_endpoints', ['org_id', 'id'], (fk) => fk.onDelete('cascade'))
    .execute();
  await db.schema.createIndex('webhook_messages_due_idx').on('webhook_messages').columns(['status', 'next_attempt_at']).execute();
  await db.schema.createIndex('webhook_messages_endpoint_idx').on('webhook_messages').columns(['org_id', 'endpoint_id', 'id']).execute();

  await db.schema
    .createTable('webhook_attempts')
    .addColumn('id', 'integer', autoId(db))
    .addColumn('org_id', 'integer', (col) => col.notNull())
    .addColumn('message_id', 'integer', (col) => col.notNull())
    .addColumn('attempted_at', 'text', (col) => col.notNull())
    // The HTTP status, or null when no response came (timeout, refused connection, refused address).
    .addColumn('status_code', 'integer')
    .addColumn('latency_ms', 'integer', (col) => col.notNull())
    // The first bytes of the response body, or the error.
    .addColumn('response_excerpt', 'text', (col) => col.notNull())
    .addForeignKeyConstraint('webhook_attempts_message_fk', ['org_id', 'message_id'], 'webhook_messages', ['org_id', 'id'], (fk) => fk.onDelete('cascade'))
    .execute();
  await db.schema.createIndex('webhook_attempts_message_idx').on('webhook_attempts').columns(['org_id', 'message_id', 'id']).execute();
  await db.schema.createIndex('webhook_attempts_time_idx').on('webhook_attempts').columns(['attempted_at']).execute();

  // The instance's key for the JWT of ConCat's `authorization` header (RS256), generated on first
  // use; the private half encrypted with the data directory's key (src/webhooks/webhook-key.ts).
  await db.schema
    .createTable('webhook_signing_keys')
    .addColumn('org_id', 'integer', (col) => col.primaryKey().references('orgs.id').onDelete('cascade'))
    .addColumn('kid', 'text', (col) => col.notNull())
    .addColumn('public_key_pem', 'text', (col) => col.notNull())
    .addColumn('private_jwk_encrypted', 'text', (col) => col.notNull())
    .addColumn('created_at', 'text', (col) => col.notNull())
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('webhook_signing_keys').execute();
  await db.schema.dropTable('webhook_attempts').execute();
  await db.schema.dropTable('webhook_messages').execute();
  await db.schema.dropTable('webhook_endpoints').execute();
}
