import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import type { Database } from '../../src/db/database.js';
import type { KyselyPlugin } from 'kysely';
import { clearLoginFailures, LOGIN_LIMITS, loginLockedUntil, recordLoginFailure, throttledSignIn } from '../../src/security/login-throttle.js';
import { openTestDatabase } from '../support/database.js';

describe('login throttle', () => {
  let database: Database;
  let handle: Awaited<ReturnType<typeof openTestDatabase>>;
  const clock = new ManualClock();
  beforeEach(async () => {
    handle = await openTestDatabase();
    database = handle.database;
    clock.set('2026-06-01T10:00:00.000Z');
  });
  afterEach(async () => {
    await handle.close();
  });

  const keys = (account: string, address = 'address:1') => ({ account: `test:account:${account}`, address: `test:${address}` });

  it(`locks an account after ${LOGIN_LIMITS.perAccount} failures in the window, until the lock passes`, async () => {
    for (let i = 1; i < LOGIN_LIMITS.perAccount; i++) {
      await recordLoginFailure(database.db, keys('a'), clock);
      expect(await loginLockedUntil(database.db, keys('a'), clock)).toBeNull();
    }
    await recordLoginFailure(database.db, keys('a'), clock);
    const until = await loginLockedUntil(database.db, keys('a'), clock);
    expect(until?.toISOString()).toBe(new Date(clock.now().getTime() + LOGIN_LIMITS.lockMs).toISOString());
    expect(await loginLockedUntil(database.db, keys('b', 'address:2'), clock)).toBeNull();
    clock.advance(LOGIN_LIMITS.lockMs + 1);
    expect(await loginLockedUntil(database.db, keys('a'), clock)).toBeNull();
  });

  it('forgets failures older than the window, and after a success', async () => {
    for (let i = 1; i < LOGIN_LIMITS.perAccount; i++) await recordLoginFailure(database.db, keys('a'), clock);
    clock.advance(LOGIN_LIMITS.windowMs + 1);
    await recordLoginFailure(database.db, keys('a'), clock);
    expect(await loginLockedUntil(database.db, keys('a'), clock)).toBeNull();
    for (let i = 1; i < LOGIN_LIMITS.perAccount - 1; i++) await recordLoginFailure(database.db, keys('a'), clock);
    await clearLoginFailures(database.db, keys('a'));
    await recordLoginFailure(database.db, keys('a'), clock);
    expect(await loginLockedUntil(database.db, keys('a'), clock)).toBeNull();
  });

  it('locks an address guessing across many accounts', async () => {
    for (let i = 0; i < LOGIN_LIMITS.perAddress; i++) await recordLoginFailure(database.db, keys(`user${i}`), clock);
    expect(await loginLockedUntil(database.db, keys('fresh-account'), clock)).not.toBeNull();
  });

  it('counts concurrent failures without losing any', async () => {
    await Promise.all(Array.from({ length: LOGIN_LIMITS.perAccount }, () => recordLoginFailure(database.db, keys('c', `address:${Math.random()}`), clock)));
    expect(await loginLockedUntil(database.db, keys('c', 'address:other'), clock)).not.toBeNull();
  });

  it('bug: every successful sign-in (every client-credentials token request) wrote a DELETE; now only when a count exists', async () => {
    const statements: string[] = [];
    const recording: KyselyPlugin = {
      transformQuery: (args) => {
        statements.push(args.node.kind);
        return args.node;
      },
      transformResult: (args) => Promise.resolve(args.result),
    };
    const db = database.db.withPlugin(recording);
    const accepted = await throttledSignIn(db, keys('quiet'), clock, () => Promise.resolve('ok'));
    expect(accepted).toEqual({ outcome: 'accepted', value: 'ok' });
    expect(statements).toEqual(['SelectQueryNode']);
    await recordLoginFailure(database.db, keys('quiet'), clock);
    statements.length = 0;
    await throttledSignIn(db, keys('quiet'), clock, () => Promise.resolve('ok'));
    expect(statements).toEqual(['SelectQueryNode', 'DeleteQueryNode']);
    expect(await database.db.selectFrom('login_throttle').select('key').where('key', '=', keys('quiet').account).execute()).toEqual([]);
  });
});
