import { sql, type Kysely } from 'kysely';
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

/** How many failures lock a key, in which window, for how long (LOGIN_LIMITS for sign-ins). */
export interface ThrottleLimits {
  perAccount: number;
  perAddress: number;
  windowMs: number;
  lockMs: number;
}

export interface ThrottleKeys {
  account: string;
  address: string;
}

/** Null when a sign-in may be tried; otherwise when it may be tried again. */
export async function loginLockedUntil(db: Kysely<Schema>, keys: ThrottleKeys, clock: Clock): Promise<Date | null> {
  return lockedUntilOf(await throttleRows(db, keys), clock);
}

/** The keys' counter rows; none for keys without a recent failure (the common case). */
function throttleRows(db: Kysely<Schema>, keys: ThrottleKeys): Promise<{ key: string; locked_until: string | null }[]> {
  return db.selectFrom('login_throttle').select(['key', 'locked_until']).where('key', 'in', [keys.account, keys.address]).execute();
}

function lockedUntilOf(rows: readonly { locked_until: string | null }[], clock: Clock): Date | null {
  const nowIso = isoTimestamp(clock.now());
  const latest = rows.map((r) => r.locked_until ?? '').filter((until) => until > nowIso).sort().pop();
  return latest === undefined ? null : new Date(latest);
}

export async function recordLoginFailure(db: Kysely<Schema>, keys: ThrottleKeys, clock: Clock, limits: ThrottleLimits = LOGIN_LIMITS): Promise<void> {
  await countFailure(db, keys.account, limits.perAccount, clock, limits);
  await countFailure(db, keys.address, limits.perAddress, clock, limits);
}

export type ThrottledOutcome<T> =
  | { outcome: 'accepted'; value: T }
  | { outcome: 'refused' }
  /** `newlyLocked`: this very failure started the lock (audit it as a burst of failures). */
  | { outcome: 'locked'; until: Date; newlyLocked: boolean };

/**
 * The one sign-in sequence: refuse while a key is locked (without checking the password), else
 * run `check`; a failure is counted per account and address, a success clears the account's count.
 */
export async function throttledSignIn<T>(
  db: Kysely<Schema>,
  keys: ThrottleKeys,
  clock: Clock,
  check: () => Promise<T | null>,
  limits: ThrottleLimits = LOGIN_LIMITS,
): Promise<ThrottledOutcome<T>> {
  const rows = await throttleRows(db, keys);
  const lockedUntil = lockedUntilOf(rows, clock);
  if (lockedUntil !== null) return { outcome: 'locked', until: lockedUntil, newlyLocked: false };
  const value = await check();
  if (value !== null) {
    // Only when there is a count to clear: a success must not cost a write (every token request is one).
    if (rows.some((row) => row.key === keys.account)) await clearLoginFailures(db, keys);
    return { outcome: 'accepted', value };
  }
  await recordLoginFailure(db, keys, clock, limits);
  const nowLocked = await loginLockedUntil(db, keys, clock);
  return nowLocked === null ? { outcome: 'refused' } : { outcome: 'locked', until: nowLocked, newlyLocked: true };
}

export async function clearLoginFailures(db: Kysely<Schema>, keys: ThrottleKeys): Promise<void> {
  await db.deleteFrom('login_throttle').where('key', '=', keys.account).execute();
}

/**
 * One atomic upsert per failure, so concurrent failures (several requests, several processes)
 * are all counted; the count restarts when the window has passed.
 */
async function countFailure(db: Kysely<Schema>, key: string, limit: number, clock: Clock, limits: ThrottleLimits): Promise<void> {
  const now = clock.now().getTime();
  const nowIso = isoTimestamp(new Date(now));
  const windowStart = isoTimestamp(new Date(now - limits.windowMs));
  const stale = sql<boolean>`login_throttle.window_started_at < ${windowStart}`;
  const row = await db
    .insertInto('login_throttle')
    .values({ key, failures: 1, window_started_at: nowIso, locked_until: null })
    .onConflict((oc) =>
      oc.column('key').doUpdateSet({
        failures: sql<number>`case when ${stale} then 1 else login_throttle.failures + 1 end`,
        window_started_at: sql<string>`case when ${stale} then ${nowIso} else login_throttle.window_started_at end`,
      }),
    )
    .returning('failures')
    .executeTakeFirstOrThrow();
  if (row.failures >= limit) {
    await db
      .updateTable('login_throttle')
      .set({ locked_until: isoTimestamp(new Date(now + limits.lockMs)), failures: 0, window_started_at: nowIso })
      .where('key', '=', key)
      .execute();
  }
}
