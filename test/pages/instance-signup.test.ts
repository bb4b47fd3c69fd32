import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import { SIGN_UP_LIMITS, signUpUser } from '../../src/instance/user-signup.js';
import { openTestDatabase } from '../support/database.js';
import { WebClient } from '../support/web-client.js';
import { addOrg } from '../instance/fixtures.js';
import { startHousekeepingWorld, type HousekeepingWorld } from './housekeeping-support.js';

const PASSWORD = 'a long enough password';

describe('instance sign-up', () => {
  let world: HousekeepingWorld;
  beforeAll(async () => {
    world = await startHousekeepingWorld();
  });
  afterAll(async () => {
    await world.t.stop();
  });

  const client = () => new WebClient(world.t.baseUrl);
  const account = (username: string) => ({ username, email: `${username}@example.net`, firstName: 'Sam', lastName: 'Newcomer', password: PASSWORD });

  it('is linked from the sign-in page, creates an account of this instance only, and signs it in', async () => {
    const visitor = client();
    const login = await visitor.get('/o/furfest/login?next=%2Faccount%2Fapps');
    expect(login.body).toContain('href="/o/furfest/signup?next=%2Faccount%2Fapps"');
    const form = await visitor.get('/o/furfest/signup?next=%2Faccount%2Fapps');
    expect(form.status).toBe(200);
    expect(form.body).toContain('autocomplete="new-password"');
    const created = await visitor.post('/o/furfest/signup', { ...account('newcomer'), next: '/account/apps' });
    expect(created.status, created.body).toBe(303);
    expect(created.headers.location).toBe('/o/furfest/account/apps');
    expect((await visitor.get('/o/furfest/account/apps')).status).toBe(200);

    const db = world.t.platform.database.db;
    const user = await db.selectFrom('users').select(['id', 'org_id', 'email_verified', 'password_hash']).where('username_normalized', '=', 'newcomer').executeTakeFirstOrThrow();
    expect(user.org_id).toBe(world.furfest.orgId);
    expect(user.email_verified).toBe(0);
    expect(user.password_hash).toMatch(/^\$argon2id\$/);
    const events = await db.selectFrom('events').select(['type', 'subject_id']).where('org_id', '=', world.furfest.orgId).where('subject_id', '=', String(user.id)).execute();
    expect(events).toEqual([{ type: 'user-updated', subject_id: String(user.id) }]);

    // The account signs in here, and means nothing in the other instance.
    const again = client();
    await again.get('/o/furfest/login');
    expect((await again.post('/o/furfest/login', { login: 'newcomer@example.net', password: PASSWORD, next: '/' })).status).toBe(303);
    const elsewhere = client();
    await elsewhere.get('/o/animecon/login');
    expect((await elsewhere.post('/o/animecon/login', { login: 'newcomer', password: PASSWORD, next: '/' })).status).toBe(401);
    // …where the same username is free: accounts are per instance.
    await elsewhere.get('/o/animecon/signup');
    expect((await elsewhere.post('/o/animecon/signup', { ...account('newcomer'), next: '/' })).status).toBe(303);
  });

  it('names each field that is wrong, keeps what was typed, and refuses taken names and addresses', async () => {
    const visitor = client();
    await visitor.get('/o/furfest/signup');
    const bad = await visitor.post('/o/furfest/signup', { username: 'x', email: 'not-an-email', firstName: '', lastName: 'Kept Lastname', password: 'short', next: '/' });
    expect(bad.status).toBe(400);
    for (const text of ['A username has 3 to 32 characters', 'Enter a valid email address', 'Enter your first name', 'at least 12 characters', 'value="Kept Lastname"']) expect(bad.body).toContain(text);
    await visitor.post('/o/furfest/signup', { ...account('firsttaker'), next: '/' });
    const second = client();
    await second.get('/o/furfest/signup');
    const taken = await second.post('/o/furfest/signup', { ...account('FirstTaker'), email: 'FIRSTTAKER@example.net', next: '/' });
    expect(taken.status).toBe(400);
    expect(taken.body).toContain('That username is taken');
    expect(taken.body).toContain('An account with this email address exists already');
  });

  it('refuses a post without the form token', async () => {
    const forged = await client().post('/o/furfest/signup', { ...account('forger'), next: '/' }, { origin: 'https://evil.example' });
    expect(forged.status).toBe(403);
    expect(await world.t.platform.database.db.selectFrom('users').select('id').where('username_normalized', '=', 'forger').execute()).toEqual([]);
  });
});

it(`allows ${SIGN_UP_LIMITS.perAccount} sign-ups an hour from one address in one instance, then refuses until the hour has passed`, async () => {
  const handle = await openTestDatabase();
  try {
    const clock = new ManualClock();
    clock.set('2026-06-01T10:00:00.000Z');
    const { orgId } = await addOrg(handle.database, 'throttled', 'Throttled Con', clock);
    const attempt = (i: number) => signUpUser(handle.database.db, { orgId, username: `user${i}`, email: `user${i}@example.net`, firstName: 'A', lastName: 'B', password: PASSWORD, ip: '192.0.2.9' }, clock);
    for (let i = 0; i < SIGN_UP_LIMITS.perAccount; i++) expect(await attempt(i)).toMatchObject({ ok: true });
    expect(await attempt(99)).toMatchObject({ ok: false, reason: 'throttled' });
    clock.advance(SIGN_UP_LIMITS.lockMs + 1);
    expect((await attempt(100)).ok).toBe(true);
  } finally {
    await handle.close();
  }
});
