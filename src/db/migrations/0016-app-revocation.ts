import type { Kysely } from 'kysely';

/**
 * App revocation (issue 8): the date by which a revoked app's developer must have deleted the
 * event data it stored (revocation time + 30 days). `revoked_at` and `revoke_reason` exist since 0001.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('apps').addColumn('deletion_due_at', 'text').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('apps').dropColumn('deletion_due_at').execute();
}
