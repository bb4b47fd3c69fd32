import type { Kysely } from 'kysely';
import { isoTimestamp, type Clock } from '../clock.js';
import type { Schema } from '../db/schema.js';

/**
 * Leases keep a scheduled job to one process at a time on one database: a process runs the job
 * only while the job's row in job_leases names it as holder and has not expired. A process that
 * dies holding a lease blocks the job only until `ttlMs` has passed.
 */

/** Takes (or renews) the lease `name` for `holder` until now + `ttlMs`; false if another holder's lease is still running. */
export async function acquireLease(db: Kysely<Schema>, name: string, holder: string, ttlMs: number, clock: Clock): Promise<boolean> {
  const now = clock.now();
  const until = isoTimestamp(new Date(now.getTime() + ttlMs));
  const inserted = await db.insertInto('job_leases').values({ name, holder, leased_until: until }).onConflict((oc) => oc.column('name').doNothing()).executeTakeFirst();
  if (Number(inserted.numInsertedOrUpdatedRows ?? 0n) > 0) return true;
  // One conditional UPDATE: of two processes taking an expired lease at once, PostgreSQL re-checks
  // the condition for the second after the first commits, so only one of them gets the row.
  const updated = await db
    .updateTable('job_leases')
    .set({ holder, leased_until: until })
    .where('name', '=', name)
    .where((eb) => eb.or([eb('leased_until', '<', isoTimestamp(now)), eb('holder', '=', holder)]))
    .executeTakeFirst();
  return updated.numUpdatedRows > 0n;
}

/** Gives the lease up so another process may run the job at once; does nothing if `holder` no longer has it. */
export async function releaseLease(db: Kysely<Schema>, name: string, holder: string): Promise<void> {
  await db.deleteFrom('job_leases').where('name', '=', name).where('holder', '=', holder).execute();
}
