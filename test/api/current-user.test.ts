/**
 * The legacy `GET /api/users/current` (reference §7): the domain function directly, then over
 * HTTPS with tokens from the real authorization-code flow. Every response is also checked against
 * the instance's OpenAPI document (apiClient).
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { isoTimestamp, systemClock } from '../../src/clock.js';
import { loadCurrentUser } from '../../src/api/legacy/current-user.js';
import { addUser, grantRole } from '../instance/fixtures.js';
import { apiClient, type ApiClient } from '../support/api-client.js';
import { request } from '../support/https-client.js';
import { WebClient } from '../support/web-client.js';
import { refresh, signInAndAuthorize, type CodeFlowTarget } from '../oauth/code-flow.js';
import { postForm, serviceToken, startOauthWorld, type OauthWorld } from '../oauth/oauth-world.js';

const REDIRECT = 'https://app.example.com/callback';
const PASSWORD = 'correct horse battery staple';
const BASIC_FIELDS = ['bornAt', 'emailVerified', 'firstName', 'id', 'identityVerified', 'isDepartmentLead', 'isVolunteer', 'lastName', 'newsletter', 'permissions', 'preferredName', 'profilePictureUrl', 'sub', 'userRoles', 'username'];
const ADDRESS_FIELDS = ['addressCity', 'addressCountry', 'addressLine1', 'addressLine2', 'addressState', 'addressZipcode'];

let w: OauthWorld;
let api: ApiClient;
let target: CodeFlowTarget;
let alice: number;
let bob: number;
let roles: { staff: number; coordinator: number };

/** Rows for the two users: alice holds roles, volunteers and leads a department; bob has none of it. */
async function seedStanding(): Promise<void> {
  const db = w.database.db;
  const orgId = w.furfest.orgId;
  const now = isoTimestamp(systemClock.now());
  const conventions = await db.selectFrom('conventions').select(['id', 'is_current']).where('org_id', '=', orgId).execute();
  const current = conventions.find((c) => c.is_current === 1)?.id ?? 0;
  const past = conventions.find((c) => c.is_current === 0)?.id ?? 0;

  roles = {
    staff: await grantRole(db, orgId, alice, ['registration:manage'], systemClock),
    coordinator: await grantRole(db, orgId, alice, ['volunteer:manage'], systemClock, current),
  };
  await grantRole(db, orgId, alice, ['dealer:manage'], systemClock, past);

  const department = await db.insertInto('departments').values({ org_id: orgId, name: 'Operations', email: 'ops@example.org', publicly_visible: 1, created_at: now, updated_at: now }).returning('id').executeTakeFirstOrThrow();
  await db.insertInto('department_leads').values({ org_id: orgId, department_id: department.id, user_id: alice, created_at: now }).execute();
  const volunteer = async (userId: number, conventionId: number, state: 'assignment' | 'interest'): Promise<void> => {
    const row = await db
      .insertInto('volunteers')
      .values({ org_id: orgId, convention_id: conventionId, user_id: userId, option_values: '{}', available_before_con: 0, anything_else: null, previous_con_experience: null, previous_other_experience: null, events_can_not_miss: null, created_at: now, updated_at: now })
      .returning('id')
      .executeTakeFirstOrThrow();
    await db.insertInto('volunteer_departments').values({ org_id: orgId, volunteer_id: row.id, department_id: department.id, state, created_at: now }).execute();
  };
  await volunteer(alice, current, 'assignment');
  // bob was assigned last year and only shows interest this year: not an assigned volunteer now.
  await volunteer(bob, past, 'assignment');
  await volunteer(bob, current, 'interest');
}

beforeAll(async () => {
  w = await startOauthWorld();
  const db = w.database.db;
  await db.updateTable('apps').set({ redirect_uris: JSON.stringify([REDIRECT]) }).where('id', '=', w.apps.oboOnly.appId).execute();
  alice = await addUser(db, w.furfest.orgId, 'alice', PASSWORD, systemClock);
  await db
    .updateTable('users')
    .set({
      first_name: 'Alice',
      last_name: 'Liddell',
      preferred_name: 'Ally',
      phone: '+15555550123',
      address_line1: '1 Main St',
      address_line2: null,
      address_city: 'New York',
      address_state: 'NY',
      address_zipcode: '10001',
      address_country: 'US',
      born_at: '1990-01-01',
      identity_verified: 1,
      newsletter: 1,
      profile_picture_url: 'https://images.example.org/alice.png',
    })
    .where('id', '=', alice)
    .execute();
  bob = await addUser(db, w.furfest.orgId, 'bob', PASSWORD, systemClock);
  await addUser(db, w.animecon.orgId, 'ann', PASSWORD, systemClock);
  await seedStanding();
  api = apiClient(w.furfest.base);
  target = { origin: w.t.baseUrl, prefix: '/o/furfest', app: w.apps.oboOnly, redirectUri: REDIRECT, password: PASSWORD };
});
afterAll(async () => {
  await w.t.stop();
});

function tokens(login: string, scope: string): ReturnType<typeof signInAndAuthorize> {
  return signInAndAuthorize(target, new WebClient(w.t.baseUrl), login, scope);
}

describe('the current user (domain)', () => {
  test('pii:basic gives the basic fields; each pii scope adds its own', async () => {
    const basic = await loadCurrentUser(w.database.db, { orgId: w.furfest.orgId, userId: alice, scopes: ['pii:basic'] });
    expect(basic).toEqual({
      sub: String(alice),
      id: alice,
      username: 'alice',
      firstName: 'Alice',
      lastName: 'Liddell',
      preferredName: 'Ally',
      bornAt: '1990-01-01T00:00:00.000Z',
      newsletter: true,
      emailVerified: true,
      identityVerified: true,
      isVolunteer: true,
      isDepartmentLead: true,
      permissions: ['registration:manage', 'volunteer:manage'],
      profilePictureUrl: 'https://images.example.org/alice.png',
      userRoles: [
        { id: roles.staff, name: expect.any(String) as string },
        { id: roles.coordinator, name: expect.any(String) as string },
      ],
    });
    const everything = await loadCurrentUser(w.database.db, { orgId: w.furfest.orgId, userId: alice, scopes: ['pii:basic', 'pii:email', 'pii:phone', 'pii:address'] });
    expect(everything).toMatchObject({
      email: 'alice@example.org',
      phone: '+15555550123',
      addressLine1: '1 Main St',
      addressLine2: null,
      addressCity: 'New York',
      addressState: 'NY',
      addressZipcode: '10001',
      addressCountry: 'US',
    });
    const phoneOnly = await loadCurrentUser(w.database.db, { orgId: w.furfest.orgId, userId: alice, scopes: ['pii:basic', 'pii:phone'] });
    expect(Object.keys(phoneOnly ?? {}).sort()).toEqual([...BASIC_FIELDS, 'phone'].sort());
  });

  test('a user with no roles, no picture, no birth date; last year’s assignment and this year’s interest do not make a volunteer', async () => {
    const user = await loadCurrentUser(w.database.db, { orgId: w.furfest.orgId, userId: bob, scopes: ['pii:basic'] });
    expect(user).toMatchObject({ preferredName: null, bornAt: null, profilePictureUrl: null, isVolunteer: false, isDepartmentLead: false, permissions: [], userRoles: [], newsletter: false, identityVerified: false });
  });

  test('a user of another instance, or none, is not found', async () => {
    expect(await loadCurrentUser(w.database.db, { orgId: w.animecon.orgId, userId: alice, scopes: ['pii:basic'] })).toBeUndefined();
    expect(await loadCurrentUser(w.database.db, { orgId: w.furfest.orgId, userId: 999_999, scopes: ['pii:basic'] })).toBeUndefined();
  });
});

describe('GET /api/users/current', () => {
  test('with pii:basic: exactly the basic fields, with their types, answered no-store', async () => {
    const { access_token: token } = await tokens('alice', 'pii:basic');
    const response = await api.get('/api/users/current', token);
    expect(response.status, response.body).toBe(200);
    expect(response.headers['cache-control']).toBe('no-store');
    const body = response.json<Record<string, unknown>>();
    expect(Object.keys(body).sort()).toEqual([...BASIC_FIELDS].sort());
    expect(body.id).toBe(alice);
    expect(body.sub).toBe(String(alice));
    expect(body.userRoles).toEqual([
      { id: roles.staff, name: expect.any(String) as string },
      { id: roles.coordinator, name: expect.any(String) as string },
    ]);
    expect(body.permissions).toEqual(['registration:manage', 'volunteer:manage']);
    expect(body).toMatchObject({ isVolunteer: true, isDepartmentLead: true, bornAt: '1990-01-01T00:00:00.000Z', emailVerified: true });
  });

  test('pii:email, pii:phone and pii:address unlock their fields', async () => {
    const { access_token: token } = await tokens('alice', 'pii:basic pii:email pii:phone pii:address');
    const body = (await api.get('/api/users/current', token)).json<Record<string, unknown>>();
    expect(Object.keys(body).sort()).toEqual([...BASIC_FIELDS, ...ADDRESS_FIELDS, 'email', 'phone'].sort());
    expect(body).toMatchObject({ email: 'alice@example.org', phone: '+15555550123', addressCity: 'New York', addressCountry: 'US', addressLine2: null });

    const address = (await api.get('/api/users/current', (await tokens('alice', 'pii:basic pii:address')).access_token)).json<Record<string, unknown>>();
    expect(Object.keys(address).sort()).toEqual([...BASIC_FIELDS, ...ADDRESS_FIELDS].sort());
  });

  test('a refresh narrowed to pii:basic loses the other fields', async () => {
    const first = await tokens('alice', 'pii:basic pii:email');
    const narrowed = await postForm(`${w.furfest.base}/api/oauth/token`, { grant_type: 'refresh_token', refresh_token: first.refresh_token, scope: 'pii:basic', client_id: String(w.apps.oboOnly.clientId), client_secret: w.apps.oboOnly.secret });
    expect(narrowed.status, narrowed.body).toBe(200);
    const body = (await api.get('/api/users/current', narrowed.json<{ access_token: string }>().access_token)).json<Record<string, unknown>>();
    expect(body).not.toHaveProperty('email');
  });

  test('a token without pii:basic is refused with 403, naming the scope', async () => {
    for (const scope of ['pii:email', 'openid']) {
      const response = await api.get('/api/users/current', (await tokens('alice', scope)).access_token);
      expect(response.status).toBe(403);
      expect(response.json<{ errors: { access: { permissions: string[] } } }>().errors.access.permissions).toEqual(['pii:basic']);
    }
  });

  test('a service token is refused with 403; no token 401; a bad or foreign token 401', async () => {
    const service = await serviceToken(w.furfest.base, w.apps.service, 'user:read');
    const refused = await api.get('/api/users/current', service.access_token);
    expect(refused.status).toBe(403);
    expect(refused.json<{ errors: Record<string, unknown> }>().errors).toHaveProperty('access');

    const missing = await api.get('/api/users/current');
    expect(missing.status).toBe(401);
    expect(missing.headers['www-authenticate']).toBe('Bearer');
    for (const header of ['Bearer nonsense', 'Basic abc', 'Bearer', `Bearer ${'a'.repeat(5000)}`]) {
      const response = await api.get('/api/users/current', null, { authorization: header });
      expect(response.status, header).toBe(401);
    }
    // alice's furfest token means nothing at animecon.
    const { access_token: token } = await tokens('alice', 'pii:basic');
    expect((await apiClient(w.animecon.base).get('/api/users/current', token)).status).toBe(401);
  });

  test('a revoked token is 401 at the next request', async () => {
    const { access_token: token } = await tokens('bob', 'pii:basic');
    expect((await api.get('/api/users/current', token)).status).toBe(200);
    const revoked = await postForm(`${w.furfest.base}/oauth/revoke`, { token, client_id: String(w.apps.oboOnly.clientId), client_secret: w.apps.oboOnly.secret });
    expect(revoked.status).toBe(200);
    expect((await api.get('/api/users/current', token)).status).toBe(401);
  });

  test('a token whose user is gone is 401', async () => {
    const carla = await addUser(w.database.db, w.furfest.orgId, 'carla', PASSWORD, systemClock);
    const { access_token: token } = await tokens('carla', 'pii:basic');
    await w.database.db.deleteFrom('web_sessions').where('subject_id', '=', carla).execute();
    await w.database.db.deleteFrom('users').where('id', '=', carla).execute();
    const response = await api.get('/api/users/current', token);
    expect(response.status).toBe(401);
  });

  test('concurrent requests all answer the same', async () => {
    const { access_token: token } = await tokens('alice', 'pii:basic');
    const responses = await Promise.all(Array.from({ length: 10 }, () => api.get('/api/users/current', token)));
    expect(new Set(responses.map((r) => `${r.status} ${r.body}`)).size).toBe(1);
    expect(responses[0]?.status).toBe(200);
  });

  test('query strings and a body are ignored; other methods are not routes', async () => {
    const { access_token: token } = await tokens('alice', 'pii:basic');
    expect((await api.get('/api/users/current?fields=email&access_token=x', token)).json<Record<string, unknown>>()).not.toHaveProperty('email');
    const posted = await request(`${w.furfest.base}/api/users/current`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: '{}' });
    expect(posted.status).toBe(404);
    expect(posted.json<{ errors: Record<string, unknown> }>().errors).toHaveProperty('resource');
  });
});

describe('the refresh helper keeps working with the legacy endpoint', () => {
  test('a refreshed token reads the same user', async () => {
    const first = await tokens('bob', 'pii:basic');
    const refreshed = await refresh(target, first.refresh_token);
    expect(refreshed.status, refreshed.body).toBe(200);
    const body = (await api.get('/api/users/current', refreshed.json<{ access_token: string }>().access_token)).json<{ id: number }>();
    expect(body.id).toBe(bob);
  });
});
