import type { Kysely } from 'kysely';

/**
 * Usage statistics (issue 5) and the last activity of each app in each instance (issue 8).
 * Counters are per app, instance and UTC day, written in batches by the usage recorder with
 * upserts that add to what is there, so several processes sharing one database add up.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  // Responses by endpoint (route template, e.g. 'GET /api/v0/users/{userId}') and status class.
  await db.schema
    .createTable('usage_requests')
    .addColumn('app_id', 'integer', (col) => col.notNull().references('apps.id').onDelete('cascade'))
    .addColumn('org_id', 'integer', (col) => col.notNull().references('orgs.id').onDelete('cascade'))
    .addColumn('day', 'text', (col) => col.notNull())
    .addColumn('endpoint', 'text', (col) => col.notNull())
    .addColumn('status_class', 'text', (col) => col.notNull())
    .addColumn('responses', 'integer', (col) => col.notNull())
    // Of those, answered 429 (only ever in the 4xx class).
    .addColumn('rate_limited', 'integer', (col) => col.notNull())
    .addPrimaryKeyConstraint('usage_requests_pk', ['app_id', 'org_id', 'day', 'endpoint', 'status_class'])
    .execute();
  await db.schema.createIndex('usage_requests_org_day_idx').on('usage_requests').columns(['org_id', 'day']).execute();
  await db.schema.createIndex('usage_requests_day_idx').on('usage_requests').column('day').execute();

  // A latency histogram per endpoint and day: responses per fixed log-scale bin (src/usage/latency-histogram.ts).
  await db.schema
    .createTable('usage_latency')
    .addColumn('app_id', 'integer', (col) => col.notNull().references('apps.id').onDelete('cascade'))
    .addColumn('org_id', 'integer', (col) => col.notNull().references('orgs.id').onDelete('cascade'))
    .addColumn('day', 'text', (col) => col.notNull())
    .addColumn('endpoint', 'text', (col) => col.notNull())
    .addColumn('bin', 'integer', (col) => col.notNull())
    .addColumn('responses', 'integer', (col) => col.notNull())
    .addPrimaryKeyConstraint('usage_latency_pk', ['app_id', 'org_id', 'day', 'endpoint', 'bin'])
    .execute();
  await db.schema.createIndex('usage_latency_org_day_idx').on('usage_latency').columns(['org_id', 'day']).execute();
  await db.schema.createIndex('usage_latency_day_idx').on('usage_latency').column('day').execute();

  // Access tokens issued (client credentials, authorization code, refresh).
  await db.schema
    .createTable('usage_tokens')
    .addColumn('app_id', 'integer', (col) => col.notNull().references('apps.id').onDelete('cascade'))
    .addColumn('org_id', 'integer', (col) => col.notNull().references('orgs.id').onDelete('cascade'))
    .addColumn('day', 'text', (col) => col.notNull())
    .addColumn('tokens_issued', 'integer', (col) => col.notNull())
    .addPrimaryKeyConstraint('usage_tokens_pk', ['app_id', 'org_id', 'day'])
    .execute();
  await db.schema.createIndex('usage_tokens_org_day_idx').on('usage_tokens').columns(['org_id', 'day']).execute();
  await db.schema.createIndex('usage_tokens_day_idx').on('usage_tokens').column('day').execute();

  // The last time the app was active in the instance: a token issued or an authenticated API call.
  await db.schema
    .createTable('app_activity')
    .addColumn('app_id', 'integer', (col) => col.notNull().references('apps.id').onDelete('cascade'))
    .addColumn('org_id', 'integer', (col) => col.notNull().references('orgs.id').onDelete('cascade'))
    .addColumn('last_active_at', 'text', (col) => col.notNull())
    .addPrimaryKeyConstraint('app_activity_pk', ['app_id', 'org_id'])
    .execute();
  await db.schema.createIndex('app_activity_org_idx').on('app_activity').column('org_id').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('app_activity').execute();
  await db.schema.dropTable('usage_tokens').execute();
  await db.schema.dropTable('usage_latency').execute();
  await db.schema.dropTable('usage_requests').execute();
}
