import type { Kysely } from 'kysely';
import { isoTimestamp, type Clock } from '../clock.js';
import type { Schema } from '../db/schema.js';

/**
 * Failed sign-ins are counted per account and per client address in the database, so the limits
 * hold across server processes. A key that reaches its limit inside the window is locked for
 * `lockMs`; a success clears the account's count (not the address's).
 */
export const LOGIN_LIMITS = {
  /** Failures per account before it is locked. */
  perAccount: 5,
  /** Failures per client address before it is locked (covers guessing across many accounts). */
  perAddress: 30,
  /** The window failures are counted in. */
  windowMs: 15 * 60_000,
  /** How long a locked key stays locked. */
  lockMs: 15 * 60_000,
};

export interface ThrottleKeys {
  account: string;
  address: string;
}

/** Null when a sign-in may be tried; otherwise when it may be tried again. */
export async function loginLockedUntil(db: Kysely<Schema>, keys: ThrottleKeys, clock: Clock): Promise<Date | null> {
  const nowIso = isoTimestamp(clock.now());
  const rows = await db
    .selectFrom('login_throttle')
    .select('locked_until')
    .where('key', 'in', [keys.account, keys.address])
    .where('locked_until', '>', nowIso)
    .execute();
  const latest = rows.map((r) => r.locked_until ?? '').sort().pop();
  return latest === undefined ? null : new Date(latest);
}

export async function recordLoginFailure(db: Kysely<Schema>, keys: ThrottleKeys, clock: Clock): Promise<void> {
  await countFailure(db, keys.account, LOGIN_LIMITS.perAccount, clock);
  await countFailure(db, keys.address, LOGIN_LIMITS.perAddress, clock);
}

export async function clearLoginFailures(db: Kysely<Schema>, keys: ThrottleKeys): Promise<void> {
  await db.deleteFrom('login_throttle').where('key', '=', keys.account).execute();
}

async function countFailure(db: Kysely<Schema>, key: string, limit: number, clock: Clock): Promise<void> {
  const now = clock.now().getTime();
  const nowIso = isoTimestamp(new Date(now));
  const windowStart = isoTimestamp(new Date(now - LOGIN_LIMITS.windowMs));
  await db.transaction().execute(async (trx) => {
    const row = await trx.selectFrom('login_throttle').selectAll().where('key', '=', key).executeTakeFirst();
    const fresh = row === undefined || row.window_started_at < windowStart;
    const failures = fresh ? 1 : row.failures + 1;
    const lockedUntil = failures >= limit ? isoTimestamp(new Date(now + LOGIN_LIMITS.lockMs)) : null;
    if (row === undefined) {
      await trx.insertInto('login_throttle').values({ key, failures, window_started_at: nowIso, locked_until: lockedUntil }).onConflict((oc) => oc.column('key').doUpdateSet({ failures: (eb) => eb('login_throttle.failures', '+', 1) })).execute();
    } else {
      await trx
        .updateTable('login_throttle')
        .set({ failures: lockedUntil === null ? failures : 0, window_started_at: fresh || lockedUntil !== null ? nowIso : row.window_started_at, locked_until: lockedUntil ?? row.locked_until })
        .where('key', '=', key)
        .execute();
    }
  });
}
