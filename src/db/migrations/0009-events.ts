import type { Kysely } from 'kysely';
import { autoId } from './column-types.js';

/**
 * Domain events (src/events/): one row per committed change of an instance's data, written in the
 * change's own transaction. The id is the global order webhooks deliver in; (org_id, id) serves
 * an instance's feed and a worker reading onward from the last event it saw.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('events')
    .addColumn('id', 'integer', autoId(db))
    .addColumn('org_id', 'integer', (col) => col.notNull().references('orgs.id').onDelete('cascade'))
    .addColumn('type', 'text', (col) => col.notNull())
    // JSON object: the event's payload as a subscriber receives it.
    .addColumn('data', 'text', (col) => col.notNull())
    .addColumn('actor_type', 'text', (col) => col.notNull())
    .addColumn('actor_id', 'text')
    // What the event is about (e.g. 'user' and its id); ids are not foreign keys, events outlive them.
    .addColumn('subject_type', 'text', (col) => col.notNull())
    .addColumn('subject_id', 'text', (col) => col.notNull())
    // ISO-8601 UTC, like every timestamp.
    .addColumn('occurred_at', 'text', (col) => col.notNull())
    .execute();
  await db.schema.createIndex('events_org_idx').on('events').columns(['org_id', 'id']).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('events').execute();
}
