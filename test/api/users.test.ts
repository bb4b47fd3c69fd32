import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { isoTimestamp } from '../../src/clock.js';
import { encodeCursor } from '../../src/api/pagination/cursor.js';
import {
  addApiUser,
  addRole,
  expectApiError,
  expectValidationError,
  holdRole,
  oboToken,
  startUserRoleWorld,
  tokenFor,
  type UserRoleWorld,
} from './user-role-world.js';

interface User {
  id: string;
  email: string;
  preferredName: string | null;
  firstName: string;
  lastName: string;
  username: string;
  verified: boolean;
  phone: string | null;
  address: Record<string, string | null>;
}
interface UserPage {
  data: User[];
  nextPage: string | null;
  hasMore: boolean;
}

let w: UserRoleWorld;
let reader: string;
let ids: { jtest: number; bare: number; animecon: number };

beforeAll(async () => {
  w = await startUserRoleWorld();
  ids = {
    jtest: await addApiUser(w.db, w.furfest, 'jtest', {
      preferredName: 'JT',
      phone: '+15555555555',
      email: 'John.Test@Example.org',
      address: { line1: '1 Market St', line2: 'Suite 5', city: 'San Francisco', state: 'CA', zipcode: '94105', country: 'US' },
    }),
    bare: await addApiUser(w.db, w.furfest, 'bare', { emailVerified: false }),
    animecon: await addApiUser(w.db, w.animecon, 'elsewhere'),
  };
  reader = await tokenFor(w.furfest, w.apps.reader);
});
afterAll(async () => {
  await w.t.stop();
});

/** Walks a search to the end with `limit`, calling `between` after each page. */
async function walk(body: Record<string, unknown>, token: string, between: (pageIndex: number) => Promise<void> = async () => {}): Promise<User[]> {
  const seen: User[] = [];
  let nextPage: string | null = null;
  for (let index = 0; index < 1000; index += 1) {
    const response = await w.furfest.api.post('/api/v0/users/search', { ...body, nextPage }, token);
    expect(response.status, response.body).toBe(200);
    const page = response.json<UserPage>();
    seen.push(...page.data);
    expect(page.hasMore).toBe(page.nextPage !== null);
    if (page.nextPage === null) return seen;
    nextPage = page.nextPage;
    await between(index);
  }
  throw new Error('the search did not end');
}

describe('GET /api/v0/users/{userId}', () => {
  test('answers the user with the reference field names: ids as strings, E.164 phone, address object', async () => {
    const response = await w.furfest.api.get(`/api/v0/users/${ids.jtest}`, reader);
    expect(response.status, response.body).toBe(200);
    expect(response.json()).toEqual({
      id: String(ids.jtest),
      email: 'John.Test@Example.org',
      preferredName: 'JT',
      firstName: 'jtest',
      lastName: 'Tester',
      username: 'jtest',
      verified: true,
      phone: '+15555555555',
      address: { addressCity: 'San Francisco', addressCountry: 'US', addressLine1: '1 Market St', addressLine2: 'Suite 5', addressState: 'CA', addressZipcode: '94105' },
    });
  });

  test('a user without phone, address or preferred name gets nulls, never missing fields', async () => {
    const response = await w.furfest.api.get(`/api/v0/users/${ids.bare}`, reader);
    expect(response.json()).toEqual({
      id: String(ids.bare),
      email: 'bare@example.org',
      preferredName: null,
      firstName: 'bare',
      lastName: 'Tester',
      username: 'bare',
      verified: false,
      phone: null,
      address: { addressCity: null, addressCountry: null, addressLine1: null, addressLine2: null, addressState: null, addressZipcode: null },
    });
  });

  test('an unknown id, or a user of another instance, is 404 resource', async () => {
    expectApiError(await w.furfest.api.get('/api/v0/users/999999', reader), 404, 'resource');
    expectApiError(await w.furfest.api.get(`/api/v0/users/${ids.animecon}`, reader), 404, 'resource');
    // The same app reads that user in its own instance.
    const animeconToken = await tokenFor(w.animecon, w.apps.reader);
    expect((await w.animecon.api.get(`/api/v0/users/${ids.animecon}`, animeconToken)).status).toBe(200);
  });

  test('a malformed id is a validation error naming the parameter', async () => {
    for (const bad of ['abc', '-1', '1.5', '1e3', '9999999999999999999', '%20']) {
      expectValidationError(await w.furfest.api.get(`/api/v0/users/${bad}`, reader), 'params.userId');
    }
  });

  test('refusals: no token, a bad or foreign token 401; a token without user:read or acting for a user 403', async () => {
    const none = expectApiError(await w.furfest.api.get(`/api/v0/users/${ids.jtest}`), 401, 'authentication');
    expect(none.message).toMatch(/token/);
    const junk = await w.furfest.api.get(`/api/v0/users/${ids.jtest}`, 'not-a-token');
    expectApiError(junk, 401, 'authentication');
    expect(junk.headers['www-authenticate']).toMatch(/^Bearer/);
    const animeconToken = await tokenFor(w.animecon, w.apps.reader);
    expectApiError(await w.furfest.api.get(`/api/v0/users/${ids.jtest}`, animeconToken), 401, 'authentication');

    const registrations = await tokenFor(w.furfest, w.apps.registrations);
    expect(expectApiError(await w.furfest.api.get(`/api/v0/users/${ids.jtest}`, registrations), 403, 'access').permissions).toEqual(['user:read']);
    const obo = await oboToken(w.db, w.furfest, w.apps.manager, ids.jtest);
    expect(expectApiError(await w.furfest.api.get(`/api/v0/users/${ids.jtest}`, obo), 403, 'access').permissions).toEqual(['user:read']);
  });
});

describe('POST /api/v0/users/search', () => {
  test('every user of the instance once, in id order, with nextPage and hasMore on every page', async () => {
    const all = await walk({ limit: 1 }, reader);
    const expected = await w.db.selectFrom('users').select('id').where('org_id', '=', w.furfest.orgId).orderBy('id').execute();
    expect(all.map((u) => u.id)).toEqual(expected.map((row) => String(row.id)));
    const single = await w.furfest.api.post('/api/v0/users/search', {}, reader);
    expect(single.json<UserPage>()).toMatchObject({ nextPage: null, hasMore: false });
    // Search items are the same object as GET /users/{id}.
    expect(all.find((u) => u.id === String(ids.jtest))).toEqual((await w.furfest.api.get(`/api/v0/users/${ids.jtest}`, reader)).json());
  });

  test('users added while a client pages through appear once at the end; none is skipped or repeated', async () => {
    const before = await w.db.selectFrom('users').select('id').where('org_id', '=', w.furfest.orgId).orderBy('id').execute();
    const added: number[] = [];
    const seen = await walk({ limit: 2 }, reader, async (index) => {
      added.push(await addApiUser(w.db, w.furfest, `walker${index}`));
      await addApiUser(w.db, w.animecon, `walker${index}`);
    });
    const ids = seen.map((u) => Number(u.id));
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toEqual([...before.map((row) => row.id), ...added]);
  });

  test('filter.email matches the address case-insensitively, in this instance only', async () => {
    for (const email of ['john.test@example.org', 'JOHN.TEST@EXAMPLE.ORG', '  John.Test@Example.org ']) {
      const page = (await w.furfest.api.post('/api/v0/users/search', { filter: { email } }, reader)).json<UserPage>();
      expect(page.data.map((u) => u.id), email).toEqual([String(ids.jtest)]);
      expect(page).toMatchObject({ nextPage: null, hasMore: false });
    }
    const elsewhere = await w.furfest.api.post('/api/v0/users/search', { filter: { email: 'elsewhere@example.org' } }, reader);
    expect(elsewhere.json<UserPage>().data).toEqual([]);
    const nobody = await w.furfest.api.post('/api/v0/users/search', { filter: { email: 'nobody@example.org' } }, reader);
    expect(nobody.json()).toEqual({ data: [], nextPage: null, hasMore: false });
  });

  test('filter.roleId: holders globally or for the current convention; not past conventions, not other instances', async () => {
    const role = await addRole(w.db, w.furfest, 'search-staff');
    const globalHolder = await addApiUser(w.db, w.furfest, 'global-holder');
    const currentHolder = await addApiUser(w.db, w.furfest, 'current-holder');
    const pastHolder = await addApiUser(w.db, w.furfest, 'past-holder');
    await holdRole(w.db, w.furfest, globalHolder, role, null);
    await holdRole(w.db, w.furfest, currentHolder, role, w.furfest.currentConventionId);
    await holdRole(w.db, w.furfest, currentHolder, role, null);
    await holdRole(w.db, w.furfest, pastHolder, role, w.furfest.pastConventionId);
    const holders = await walk({ limit: 1, filter: { roleId: role } }, reader);
    expect(holders.map((u) => u.id)).toEqual([String(globalHolder), String(currentHolder)]);
    // As a string too (coerced), and combined with other filters.
    const combined = await w.furfest.api.post('/api/v0/users/search', { filter: { roleId: String(role), userIds: [currentHolder, pastHolder] } }, reader);
    expect(combined.json<UserPage>().data.map((u) => u.id)).toEqual([String(currentHolder)]);

    const foreignRole = await addRole(w.db, w.animecon, 'animecon-staff');
    await holdRole(w.db, w.animecon, ids.animecon, foreignRole, null);
    expect((await w.furfest.api.post('/api/v0/users/search', { filter: { roleId: foreignRole } }, reader)).json<UserPage>().data).toEqual([]);
    expect((await w.furfest.api.post('/api/v0/users/search', { filter: { roleId: 999999 } }, reader)).json<UserPage>().data).toEqual([]);
  });

  test('filter.userIds takes strings and numbers, ignores other instances, and an empty list matches nobody', async () => {
    const response = await w.furfest.api.post('/api/v0/users/search', { filter: { userIds: [String(ids.bare), ids.jtest, ids.animecon, ids.jtest, '999999'] } }, reader);
    expect(response.json<UserPage>().data.map((u) => u.id)).toEqual([String(ids.jtest), String(ids.bare)]);
    expect((await w.furfest.api.post('/api/v0/users/search', { filter: { userIds: [] } }, reader)).json()).toEqual({ data: [], nextPage: null, hasMore: false });
    // Null filters restrict nothing.
    const open = await w.furfest.api.post('/api/v0/users/search', { filter: { userIds: null, roleId: null, email: null, updatedSince: null } }, reader);
    expect(open.json<UserPage>().data.length).toBeGreaterThan(2);
  });

  test('filter.updatedSince: users updated at or after the instant, in any ISO-8601 form', async () => {
    const old = await addApiUser(w.db, w.furfest, 'old-update', { updatedAt: '2020-01-01T00:00:00.000Z' });
    const recent = await addApiUser(w.db, w.furfest, 'recent-update', { updatedAt: '2031-06-01T12:00:00.000Z' });
    const latest = await addApiUser(w.db, w.furfest, 'latest-update', { updatedAt: '2031-06-02T00:00:00.000Z' });
    const since = async (updatedSince: string) =>
      (await w.furfest.api.post('/api/v0/users/search', { filter: { updatedSince, userIds: [old, recent, latest] } }, reader)).json<UserPage>().data.map((u) => Number(u.id));
    expect(await since('2031-06-01T12:00:00Z')).toEqual([recent, latest]);
    expect(await since('2031-06-01T12:00:00.001Z')).toEqual([latest]);
    expect(await since('2031-06-01T14:00:00+02:00')).toEqual([recent, latest]);
    expect(await since('2031-06-02')).toEqual([latest]);
    expect(await since('2019-12-31T23:59:59.999Z')).toEqual([old, recent, latest]);
    for (const bad of ['yesterday', '2031-02-30', '2031-06-01T25:00:00Z', '1717171717', '']) {
      expectValidationError(await w.furfest.api.post('/api/v0/users/search', { filter: { updatedSince: bad } }, reader), 'filter.updatedSince');
    }
  });

  test('limit: above 100 is treated as 100; 0, negative, fractional or text is a validation error', async () => {
    const now = isoTimestamp(new Date());
    const bulk = Array.from({ length: 110 }, (_, i) => ({
      org_id: w.animecon.orgId, username: `bulk${i}`, username_normalized: `bulk${i}`, first_name: 'Bulk', last_name: String(i), preferred_name: null,
      email: `bulk${i}@example.org`, email_normalized: `bulk${i}@example.org`, email_verified: 1, phone: null, address_line1: null, address_line2: null,
      address_city: null, address_state: null, address_zipcode: null, address_country: null, born_at: null, identity_verified: 0, newsletter: 0,
      profile_picture_url: null, password_hash: null, social_links: '{}', created_at: now, updated_at: now,
    }));
    await w.db.insertInto('users').values(bulk).execute();
    const animeconToken = await tokenFor(w.animecon, w.apps.reader);
    for (const limit of [1000, 101, '1000']) {
      const page = (await w.animecon.api.post('/api/v0/users/search', { limit }, animeconToken)).json<UserPage>();
      expect(page.data).toHaveLength(100);
      expect(page.hasMore).toBe(true);
    }
    const first = (await w.animecon.api.post('/api/v0/users/search', {}, animeconToken)).json<UserPage>();
    expect(first.data).toHaveLength(100);
    for (const limit of [0, -5, 1.5, 'many', [2, 3]]) {
      expectValidationError(await w.animecon.api.post('/api/v0/users/search', { limit }, animeconToken), 'limit');
    }
  });

  test('a tampered, junk or foreign cursor is a validation error naming nextPage', async () => {
    const first = (await w.furfest.api.post('/api/v0/users/search', { limit: 1 }, reader)).json<UserPage>();
    const cursor = first.nextPage;
    if (cursor === null) throw new Error('expected a second page');
    const [body, tag] = cursor.split('.') as [string, string];
    const forgedBody = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(body, 'base64url').toString('utf8')), k: 0 })).toString('base64url');
    const otherApp = (await w.furfest.api.post('/api/v0/users/search', { limit: 1 }, await tokenFor(w.furfest, w.apps.other))).json<UserPage>().nextPage;
    const otherInstance = (await w.animecon.api.post('/api/v0/users/search', { limit: 1 }, await tokenFor(w.animecon, w.apps.reader))).json<UserPage>().nextPage;
    await addRole(w.db, w.furfest, 'cursor-role-1');
    await addRole(w.db, w.furfest, 'cursor-role-2');
    const rolesCursor = (await w.furfest.api.get('/api/v0/roles?limit=1', reader)).json<UserPage>().nextPage;
    const unsigned = encodeCursor(Buffer.alloc(32), { orgId: w.furfest.orgId, clientId: w.apps.reader.clientId, endpoint: 'users/search' }, 1);
    for (const bad of [`${forgedBody}.${tag}`, `${body}.AAAA${tag}`, 'eyBsYXN0SWQ6IDEwMDAgfQ==', unsigned, otherApp, otherInstance, rolesCursor, 'x'.repeat(513), 12]) {
      expect(bad).not.toBeNull();
      expectValidationError(await w.furfest.api.post('/api/v0/users/search', { nextPage: bad }, reader), 'nextPage');
    }
    // The genuine cursor still works, and an empty one means the first page.
    expect((await w.furfest.api.post('/api/v0/users/search', { nextPage: cursor }, reader)).status).toBe(200);
    expect((await w.furfest.api.post('/api/v0/users/search', { nextPage: '' }, reader)).json<UserPage>().data[0]?.id).toBe(first.data[0]?.id);
  });

  test('malformed bodies and filters are validation errors naming the field, never a 500', async () => {
    const raw = (body: string, contentType = 'application/json') =>
      w.furfest.api.raw('POST', '/api/v0/users/search', { body, headers: { 'content-type': contentType, authorization: `Bearer ${reader}` } });
    expectApiError(await raw('{"filter":'), 400, 'validation');
    expectApiError(await raw('[]'), 400, 'validation');
    expectApiError(await raw('"search"'), 400, 'validation');
    expectApiError(await raw('null'), 400, 'validation');
    expectApiError(await raw('limit=1', 'text/plain'), 400, 'validation');
    expectApiError(await raw('<search/>', 'application/xml'), 415, 'usage');
    expectApiError(await raw(JSON.stringify({ filter: { email: 'x'.repeat(2_000_000) } })), 413, 'usage');
    const post = (body: unknown) => w.furfest.api.post('/api/v0/users/search', body, reader);
    expectValidationError(await post({ filter: 'jtest' }), 'filter');
    expectValidationError(await post({ filter: { roleId: 'staff' } }), 'filter.roleId');
    expectValidationError(await post({ filter: { roleId: 0 } }), 'filter.roleId');
    expectValidationError(await post({ filter: { roleId: 1e20 } }), 'filter.roleId');
    expectValidationError(await post({ filter: { email: { $ne: null } } }), 'filter.email');
    expectValidationError(await post({ filter: { email: `${'a'.repeat(320)}@example.org` } }), 'filter.email');
    expectValidationError(await post({ filter: { userIds: ['abc'] } }), 'filter.userIds.0');
    expectValidationError(await post({ filter: { userIds: [1, -2] } }), 'filter.userIds.1');
    expectValidationError(await post({ filter: { userIds: [1.5] } }), 'filter.userIds.0');
    expectValidationError(await post({ filter: { userIds: Array.from({ length: 1001 }, (_, i) => i + 1) } }), 'filter.userIds');
    expectValidationError(await post({ filter: { updatedSince: 20310601 } }), 'filter.updatedSince');
    // Unknown properties are dropped, as everywhere in the API.
    expect((await post({ filter: { email: 'bare@example.org', nickname: 'x' }, sort: 'name' })).json<UserPage>().data.map((u) => u.id)).toEqual([String(ids.bare)]);
  });

  test('refusals come before the body is read: 401 without a token, 403 without user:read or with an OBO token', async () => {
    expectApiError(await w.furfest.api.raw('POST', '/api/v0/users/search', { body: '{not json', headers: { 'content-type': 'application/json' } }), 401, 'authentication');
    const registrations = await tokenFor(w.furfest, w.apps.registrations);
    expect(expectApiError(await w.furfest.api.post('/api/v0/users/search', {}, registrations), 403, 'access').permissions).toEqual(['user:read']);
    const obo = await oboToken(w.db, w.furfest, w.apps.manager, ids.jtest);
    expectApiError(await w.furfest.api.post('/api/v0/users/search', {}, obo), 403, 'access');
  });
});
