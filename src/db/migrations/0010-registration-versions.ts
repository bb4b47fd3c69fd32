import type { Kysely } from 'kysely';

/**
 * A version on each registration, incremented by every change: the ETag of
 * `GET`/`PATCH /api/v0/users/{id}/registration`. A conditional write updates the row only where
 * the version is still the one the client read, so of two writers holding the same ETag exactly
 * one succeeds (an updated_at timestamp could not promise that: two changes can share a
 * millisecond). Existing registrations start at 1.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable('registrations')
    .addColumn('version', 'integer', (col) => col.notNull().defaultTo(1))
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('registrations').dropColumn('version').execute();
}
