import type { Kysely } from 'kysely';

/**
 * Keyset indexes for the v0 searches that page through one convention: registrations and
 * volunteers by (org_id, convention_id, id). With only (org_id, id), the first page of the
 * current convention would first skip every past convention's rows (or sort the whole
 * convention), so a page would cost more the more history an instance keeps.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  for (const table of ['registrations', 'volunteers']) {
    await db.schema.createIndex(`${table}_org_convention_id_idx`).on(table).columns(['org_id', 'convention_id', 'id']).execute();
  }
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of ['registrations', 'volunteers']) {
    await db.schema.dropIndex(`${table}_org_convention_id_idx`).execute();
  }
}
