import type { Kysely } from 'kysely';

/**
 * Rate-limit counters shared by every server process on one database (src/http/rate-limit/postgres/):
 * one row per bucket, holding the count of its current fixed window.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('rate_limit_counters')
    .addColumn('key', 'text', (col) => col.primaryKey())
    // ISO-8601 UTC, like every timestamp: the window the count belongs to.
    .addColumn('window_started_at', 'text', (col) => col.notNull())
    .addColumn('hits', 'integer', (col) => col.notNull())
    // When the window ends; rows past it are pruned.
    .addColumn('expires_at', 'text', (col) => col.notNull())
    .execute();
  await db.schema.createIndex('rate_limit_counters_expires_idx').on('rate_limit_counters').column('expires_at').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('rate_limit_counters').execute();
}
