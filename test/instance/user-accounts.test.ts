import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import type { Database } from '../../src/db/database.js';
import { attemptSignIn, findUserByLogin, signInThrottleKeys, verifyUserLogin } from '../../src/instance/user-accounts.js';
import { LOGIN_LIMITS } from '../../src/security/login-throttle.js';
import { openTestDatabase } from '../support/database.js';
import { addOrg, addUser, type FixtureOrg } from './fixtures.js';

describe('instance user accounts', () => {
  const clock = new ManualClock('2026-06-01T10:00:00.000Z');
  let database: Database;
  let close: () => Promise<void>;
  let furfest: FixtureOrg;
  let animecon: FixtureOrg;
  let kit: number;
  let nopass: number;

  beforeAll(async () => {
    const opened = await openTestDatabase();
    database = opened.database;
    close = () => opened.close();
    furfest = await addOrg(database, 'furfest', 'Lakeshore FurFest', clock);
    animecon = await addOrg(database, 'animecon', 'Harborview Anime Con', clock);
    kit = await addUser(database.db, furfest.orgId, 'Kit', 'kit password 123', clock);
    nopass = await addUser(database.db, furfest.orgId, 'nopass', null, clock);
    // The same username in the other instance, with another password.
    await addUser(database.db, animecon.orgId, 'kit', 'animecon kit pw', clock);
  });
  afterAll(async () => {
    await close();
  });
  beforeEach(async () => {
    await database.db.deleteFrom('login_throttle').execute();
    clock.set('2026-06-01T10:00:00.000Z');
  });

  it('finds a user by username or email, case-insensitively, within one instance only', async () => {
    expect((await findUserByLogin(database.db, furfest.orgId, 'kit'))?.user.id).toBe(kit);
    expect((await findUserByLogin(database.db, furfest.orgId, '  KIT@example.ORG '))?.user.id).toBe(kit);
    const other = await findUserByLogin(database.db, animecon.orgId, 'kit');
    expect(other?.user.id).not.toBe(kit);
    expect(await findUserByLogin(database.db, furfest.orgId, 'nobody')).toBeUndefined();
    expect(await findUserByLogin(database.db, furfest.orgId, '')).toBeUndefined();
  });

  it('verifies the password against the user of this instance only', async () => {
    expect((await verifyUserLogin(database.db, furfest.orgId, 'kit', 'kit password 123'))?.id).toBe(kit);
    expect(await verifyUserLogin(database.db, furfest.orgId, 'kit', 'kit password 12')).toBeNull();
    // The animecon user's right password does not open the furfest account, nor the reverse.
    expect(await verifyUserLogin(database.db, furfest.orgId, 'kit', 'animecon kit pw')).toBeNull();
    expect(await verifyUserLogin(database.db, animecon.orgId, 'kit', 'kit password 123')).toBeNull();
    expect(await verifyUserLogin(database.db, furfest.orgId, 'nopass', '')).toBeNull();
    expect(await verifyUserLogin(database.db, furfest.orgId, 'nopass', 'anything')).toBeNull();
    expect(await verifyUserLogin(database.db, furfest.orgId, 'kit', 'x'.repeat(5000))).toBeNull();
    expect(nopass).toBeGreaterThan(0);
  });

  it('keys the throttle by instance and user, and the address across instances', () => {
    expect(signInThrottleKeys(7, 'Kit', 12, '203.0.113.5')).toEqual({ account: 'user:7:account:id:12', address: 'user:address:203.0.113.5' });
    expect(signInThrottleKeys(7, ' Nobody ', undefined, '203.0.113.5').account).toBe('user:7:account:login:nobody');
  });

  it(`locks an account after ${LOGIN_LIMITS.perAccount} failures, refuses even the right password, audits the lock, and lets it pass`, async () => {
    const attempt = (password: string, login = 'kit') => attemptSignIn(database.db, { orgId: furfest.orgId, login, password, ip: '203.0.113.9' }, clock);
    for (let i = 0; i < LOGIN_LIMITS.perAccount; i++) {
      // Failures by username and by email count for the same account.
      expect((await attempt('wrong', i % 2 === 0 ? 'kit' : 'kit@example.org')).outcome).toBe('refused');
    }
    const locked = await attempt('kit password 123');
    expect(locked.outcome).toBe('locked');
    const audit = await database.db.selectFrom('audit_log').selectAll().where('action', '=', 'user.sign-in-locked').execute();
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ org_id: furfest.orgId, target_type: 'user', target_id: String(kit), ip: '203.0.113.9' });
    // The same username at the other instance is another account: not locked.
    expect((await attemptSignIn(database.db, { orgId: animecon.orgId, login: 'kit', password: 'animecon kit pw', ip: '203.0.113.10' }, clock)).outcome).toBe('signed-in');
    clock.advance(LOGIN_LIMITS.lockMs + 1);
    const after = await attempt('kit password 123');
    expect(after.outcome === 'signed-in' && after.user.id).toBe(kit);
  });

  it('locks unknown logins exactly like real ones, so a lock reveals nothing', async () => {
    for (let i = 0; i < LOGIN_LIMITS.perAccount; i++) {
      expect((await attemptSignIn(database.db, { orgId: furfest.orgId, login: 'ghost', password: 'x', ip: '203.0.113.20' }, clock)).outcome).toBe('refused');
    }
    expect((await attemptSignIn(database.db, { orgId: furfest.orgId, login: 'ghost', password: 'x', ip: '203.0.113.21' }, clock)).outcome).toBe('locked');
  });

  it(`locks an address after ${LOGIN_LIMITS.perAddress} failures across accounts and instances`, async () => {
    for (let i = 0; i < LOGIN_LIMITS.perAddress; i++) {
      const orgId = i % 2 === 0 ? furfest.orgId : animecon.orgId;
      await attemptSignIn(database.db, { orgId, login: `guess${i}`, password: 'x', ip: '198.51.100.7' }, clock);
    }
    expect((await attemptSignIn(database.db, { orgId: furfest.orgId, login: 'kit', password: 'kit password 123', ip: '198.51.100.7' }, clock)).outcome).toBe('locked');
    expect((await attemptSignIn(database.db, { orgId: furfest.orgId, login: 'kit', password: 'kit password 123', ip: '198.51.100.8' }, clock)).outcome).toBe('signed-in');
  });
});
