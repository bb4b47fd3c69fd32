import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import type { Database } from '../../src/db/database.js';
import { portalDeveloper, signInDeveloper } from '../../src/platform/developer-accounts.js';
import { LOGIN_LIMITS } from '../../src/security/login-throttle.js';
import { openTestDatabase } from '../support/database.js';
import { insertDeveloper } from '../pages/portal-fixtures.js';

const PASSWORD = 'developer password 1';

describe('developer sign-in', () => {
  let handle: Awaited<ReturnType<typeof openTestDatabase>>;
  let database: Database;
  const clock = new ManualClock('2026-03-01T10:00:00.000Z');

  beforeAll(async () => {
    handle = await openTestDatabase();
    database = handle.database;
  });
  afterAll(async () => handle.close());

  it('accepts the right password, whatever the email’s case, and audits it', async () => {
    const developer = await insertDeveloper(database.db, clock, { email: 'case@example.net', password: PASSWORD });
    expect(await signInDeveloper(database.db, { email: ' Case@Example.NET ', password: PASSWORD, ip: '192.0.2.1' }, clock)).toEqual({ ok: true, developerId: developer.id });
    const entry = await database.db.selectFrom('audit_log').selectAll().where('action', '=', 'developer.signed-in').executeTakeFirstOrThrow();
    expect(entry).toMatchObject({ actor_type: 'developer', actor_id: String(developer.id), ip: '192.0.2.1' });
    expect(await portalDeveloper(database.db, developer.id)).toEqual({ id: developer.id, email: 'case@example.net', name: expect.any(String) as unknown });
  });

  it('refuses a developer without a password, even with an empty one', async () => {
    const developer = await insertDeveloper(database.db, clock, { email: 'nopass@example.net', password: null });
    for (const password of ['', PASSWORD]) {
      expect(await signInDeveloper(database.db, { email: 'nopass@example.net', password, ip: '192.0.2.2' }, clock)).toEqual({ ok: false, reason: 'invalid' });
    }
    expect(await portalDeveloper(database.db, developer.id)).toBeNull();
  });

  it('locks the account after repeated failures, refuses even the right password, and unlocks later', async () => {
    await insertDeveloper(database.db, clock, { email: 'locked@example.net', password: PASSWORD });
    const attempt = (password: string, ip = '192.0.2.3') => signInDeveloper(database.db, { email: 'locked@example.net', password, ip }, clock);
    for (let i = 1; i < LOGIN_LIMITS.perAccount; i++) expect(await attempt(`wrong ${i}`)).toEqual({ ok: false, reason: 'invalid' });
    const locked = await attempt('wrong again');
    expect(locked).toEqual({ ok: false, reason: 'locked', until: new Date(clock.now().getTime() + LOGIN_LIMITS.lockMs) });
    // Per account: another address does not help.
    expect(await attempt(PASSWORD, '198.51.100.7')).toMatchObject({ ok: false, reason: 'locked' });
    const audits = await database.db.selectFrom('audit_log').select(['details']).where('action', '=', 'developer.sign-in-locked').execute();
    expect(audits).toHaveLength(1);
    clock.advance(LOGIN_LIMITS.lockMs);
    expect(await attempt(PASSWORD)).toMatchObject({ ok: true });
  });

  it('locks an address guessing across many accounts', async () => {
    const ip = '203.0.113.50';
    let last;
    for (let i = 0; i < LOGIN_LIMITS.perAddress; i++) last = await signInDeveloper(database.db, { email: `guess${i}@example.net`, password: 'guess', ip }, clock);
    expect(last).toMatchObject({ ok: false, reason: 'locked' });
    await insertDeveloper(database.db, clock, { email: 'victim@example.net', password: PASSWORD });
    expect(await signInDeveloper(database.db, { email: 'victim@example.net', password: PASSWORD, ip }, clock)).toMatchObject({ ok: false, reason: 'locked' });
    expect(await signInDeveloper(database.db, { email: 'victim@example.net', password: PASSWORD, ip: '203.0.113.51' }, clock)).toMatchObject({ ok: true });
  });
});
