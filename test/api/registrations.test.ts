import { CompiledQuery } from 'kysely';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { isoTimestamp } from '../../src/clock.js';
import { findUserRegistration, registrationPageQuery, NO_REGISTRATION_FILTER, searchRegistrationRows, toRegistrations } from '../../src/api/v0/registrations/registrations.js';
import { deriveCursorKey, encodeCursor } from '../../src/api/pagination/cursor.js';
import { loadKeyEncryptionKey } from '../../src/oauth/signing-keys.js';
import { addPlainUser, allPages, countingQueries, expectError, expectValidation, expectedUserSummary, keysOf, startEventDataWorld, USER_SUMMARY_KEYS, type EventDataWorld } from './event-data-world.js';
import { expectRangePlan } from './query-plans.js';

let w: EventDataWorld;
let token: string;
beforeAll(async () => {
  w = await startEventDataWorld(160);
  token = await w.token();
});
afterAll(async () => {
  await w.t.stop();
});

interface ApiRegistration {
  createdAt: string;
  updatedAt: string;
  badgeName: string;
  status: string;
  productName: string;
  productDisplayName: string | null;
  productId: string;
  options: { name: string; type: string; value: unknown }[];
  flags: { id: string; shortName: string }[];
  user: Record<string, unknown>;
}

const REGISTRATION_KEYS = ['badgeName', 'createdAt', 'flags', 'options', 'productDisplayName', 'productId', 'productName', 'status', 'updatedAt', 'user'];

/** The current convention's registrations of an instance, straight from the tables, in id order. */
async function currentRegistrations(orgId = w.furfest.orgId, conventionId = w.furfest.currentConventionId) {
  return w.db.selectFrom('registrations').selectAll().where('org_id', '=', orgId).where('convention_id', '=', conventionId).orderBy('id').execute();
}

/** What the API must answer for a user's registration, computed from the tables. */
async function expectedRegistration(userId: number): Promise<ApiRegistration> {
  const registration = await w.db.selectFrom('registrations').selectAll().where('org_id', '=', w.furfest.orgId).where('convention_id', '=', w.furfest.currentConventionId).where('user_id', '=', userId).executeTakeFirstOrThrow();
  const product = await w.db.selectFrom('products').selectAll().where('id', '=', registration.product_id).executeTakeFirstOrThrow();
  const user = await w.db.selectFrom('users').selectAll().where('id', '=', userId).executeTakeFirstOrThrow();
  const flags = await w.db.selectFrom('registration_flags').innerJoin('flags', 'flags.id', 'registration_flags.flag_id').select(['flags.id', 'flags.short_name']).where('registration_id', '=', registration.id).orderBy('flags.id').execute();
  const answers = Object.entries(JSON.parse(registration.option_values) as Record<string, unknown>);
  const definitions = answers.length === 0 ? [] : await w.db.selectFrom('option_definitions').selectAll().where('id', 'in', answers.map(([id]) => Number(id))).execute();
  const options = definitions
    .sort((a, b) => a.sort_order - b.sort_order || a.id - b.id)
    .map((definition) => ({ name: definition.name, type: definition.type, value: answers.find(([id]) => id === String(definition.id))?.[1] }));
  return {
    createdAt: registration.created_at,
    updatedAt: registration.updated_at,
    badgeName: registration.badge_name,
    status: registration.status,
    productName: product.name,
    productDisplayName: product.display_name,
    productId: String(product.id),
    options,
    flags: flags.map((flag) => ({ id: String(flag.id), shortName: flag.short_name })),
    user: expectedUserSummary(user),
  };
}

describe('GET /api/v0/users/{id}/registration', () => {
  test('the registration of §6.3 exactly: every field, with its type and value', async () => {
    const rows = await currentRegistrations();
    // One with flags and options, one with a display name, one without: every branch of the shape.
    const flagged = await w.db.selectFrom('registration_flags').select('registration_id').where('org_id', '=', w.furfest.orgId).execute();
    const sample = [rows.find((r) => flagged.some((f) => f.registration_id === r.id) && r.option_values !== '{}'), rows[0], rows.at(-1)];
    expect(sample.every((r) => r !== undefined)).toBe(true);
    for (const row of sample) {
      if (row === undefined) continue;
      const response = await w.api.get(`/api/v0/users/${row.user_id}/registration`, token);
      expect(response.status, response.body).toBe(200);
      const body = response.json<ApiRegistration>();
      expect(keysOf(body)).toEqual(REGISTRATION_KEYS);
      expect(keysOf(body.user)).toEqual(USER_SUMMARY_KEYS);
      expect(body).toEqual(await expectedRegistration(row.user_id));
      expect(body.createdAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      expect(typeof body.productId).toBe('string');
      for (const option of body.options) expect(['select', 'multi', 'text', 'number']).toContain(option.type);
    }
    const withFlags = sample[0];
    if (withFlags !== undefined) {
      const body = (await w.api.get(`/api/v0/users/${withFlags.user_id}/registration`, token)).json<ApiRegistration>();
      expect(body.flags.length).toBeGreaterThan(0);
      expect(body.options.length).toBeGreaterThan(0);
    }
  });

  test('a user without a registration for the current convention, an unknown user, another instance\'s user: 404 resource', async () => {
    const registered = new Set((await currentRegistrations()).map((r) => r.user_id));
    const users = await w.db.selectFrom('users').select('id').where('org_id', '=', w.furfest.orgId).execute();
    const unregistered = users.find((u) => !registered.has(u.id));
    expect(unregistered).toBeDefined();
    const [foreign] = await currentRegistrations(w.animecon.orgId, w.animecon.currentConventionId);
    expect(foreign).toBeDefined();
    for (const id of [unregistered?.id, foreign?.user_id, 999_999_999, 0]) {
      const response = await w.api.get(`/api/v0/users/${id}/registration`, token);
      expectError(response, 404, 'resource');
    }
  });

  test('only the current convention counts: a past registration alone is not found', async () => {
    const past = await w.db.selectFrom('conventions').select('id').where('org_id', '=', w.furfest.orgId).where('is_current', '=', 0).executeTakeFirstOrThrow();
    const userId = await addPlainUser(w.db, w.furfest.orgId, 'past-only');
    const product = await w.db.selectFrom('products').select('id').where('convention_id', '=', past.id).where('kind', '=', 'registration').executeTakeFirstOrThrow();
    const now = isoTimestamp(new Date());
    await w.db.insertInto('registrations').values({ org_id: w.furfest.orgId, convention_id: past.id, user_id: userId, product_id: product.id, badge_name: 'Old', status: 'paid', badge_art_id: null, option_values: '{}', created_at: now, updated_at: now }).execute();
    expectError(await w.api.get(`/api/v0/users/${userId}/registration`, token), 404, 'resource');
  });

  test('a malformed id is a validation error naming it', async () => {
    for (const id of ['abc', '12a', '-1', '1.5', '9'.repeat(16)]) {
      expectValidation(await w.api.get(`/api/v0/users/${id}/registration`, token), 'params.id');
    }
  });
});

describe('POST /api/v0/registration/search', () => {
  test('every page in registration order, no duplicates, no gaps; hasMore and nextPage agree', async () => {
    const { pages, items } = await allPages<ApiRegistration>(w.api, '/api/v0/registration/search', token, { limit: 7 });
    const expected = await currentRegistrations();
    expect(items.map((r) => r.user.id)).toEqual(expected.map((r) => String(r.user_id)));
    expect(pages.slice(0, -1).every((p) => p.data.length === 7 && p.hasMore)).toBe(true);
    expect(pages.at(-1)).toMatchObject({ hasMore: false, nextPage: null });
    for (const item of items.slice(0, 5)) expect(keysOf(item)).toEqual(REGISTRATION_KEYS);
  });

  test('limit defaults to 100; larger values are clamped to 100, smaller than 1 refused', async () => {
    const total = (await currentRegistrations()).length;
    expect(total).toBeGreaterThan(100);
    for (const body of [{}, { limit: 1000 }, { limit: 100 }]) {
      const page = (await w.api.post('/api/v0/registration/search', body, token)).json<{ data: unknown[]; hasMore: boolean }>();
      expect(page.data).toHaveLength(100);
      expect(page.hasMore).toBe(true);
    }
    for (const limit of [0, -5, 1.5, 'ten']) expectValidation(await w.api.post('/api/v0/registration/search', { limit }, token), 'limit');
  });

  test('no body, a null body, null filters: the first page of everything', async () => {
    const none = await w.api.raw('POST', '/api/v0/registration/search', { headers: { authorization: `Bearer ${token}` } });
    expect(none.status, none.body).toBe(200);
    const nulls = await w.api.post('/api/v0/registration/search', { nextPage: null, filter: null }, token);
    expect(nulls.status, nulls.body).toBe(200);
    const nullFilters = await w.api.post('/api/v0/registration/search', { filter: { userIds: null, status: null, productIds: null, updatedSince: null } }, token);
    expect(nullFilters.body).toBe(nulls.body);
    const nullBody = await w.api.raw('POST', '/api/v0/registration/search', { body: 'null', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' } });
    expect(nullBody.status, nullBody.body).toBe(200);
    expect(nullBody.json<{ data: unknown[] }>().data).toHaveLength(100);
  });

  test('pages stay stable while rows are inserted and deleted between them', async () => {
    const before = await currentRegistrations();
    const first = (await w.api.post('/api/v0/registration/search', { limit: 10 }, token)).json<{ data: ApiRegistration[]; nextPage: string }>();
    // A new registration (it lands after every existing one) and a deleted one further on.
    const userId = await addPlainUser(w.db, w.furfest.orgId, 'late-registrant');
    const product = await w.db.selectFrom('products').select('id').where('convention_id', '=', w.furfest.currentConventionId).where('kind', '=', 'registration').executeTakeFirstOrThrow();
    const now = isoTimestamp(new Date());
    await w.db.insertInto('registrations').values({ org_id: w.furfest.orgId, convention_id: w.furfest.currentConventionId, user_id: userId, product_id: product.id, badge_name: 'Late', status: 'unpaid', badge_art_id: null, option_values: '{}', created_at: now, updated_at: now }).execute();
    const deleted = before[30];
    if (deleted === undefined) throw new Error('the demo has too few registrations');
    await w.db.deleteFrom('registrations').where('id', '=', deleted.id).execute();

    const rest = await allPages<ApiRegistration>(w.api, '/api/v0/registration/search', token, { limit: 10, nextPage: first.nextPage });
    const seen = [...first.data, ...rest.items].map((r) => r.user.id);
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen).toEqual([...before.filter((r) => r.id !== deleted.id).map((r) => String(r.user_id)), String(userId)]);
  });

  describe('filters', () => {
    test('filter.userIds: strings or numbers, repeated or unknown ids; an empty list matches nothing', async () => {
      const rows = await currentRegistrations();
      const [a, b] = rows;
      if (a === undefined || b === undefined) throw new Error('the demo has too few registrations');
      const [foreign] = await currentRegistrations(w.animecon.orgId, w.animecon.currentConventionId);
      const response = await w.api.post('/api/v0/registration/search', { filter: { userIds: [String(b.user_id), a.user_id, String(a.user_id), '999999999', String(foreign?.user_id)] } }, token);
      expect(response.status, response.body).toBe(200);
      expect(response.json<{ data: ApiRegistration[] }>().data.map((r) => r.user.id)).toEqual([String(a.user_id), String(b.user_id)]);
      const empty = (await w.api.post('/api/v0/registration/search', { filter: { userIds: [] } }, token)).json<{ data: unknown[]; hasMore: boolean; nextPage: unknown }>();
      expect(empty).toEqual({ data: [], nextPage: null, hasMore: false });
    });

    test('filter.status: one status or several', async () => {
      const rows = await currentRegistrations();
      for (const status of ['paid', ['unpaid', 'cancelled'], ['refunded']]) {
        const wanted = Array.isArray(status) ? status : [status];
        const { items } = await allPages<ApiRegistration>(w.api, '/api/v0/registration/search', token, { filter: { status } });
        expect(items.map((r) => r.user.id)).toEqual(rows.filter((r) => wanted.includes(r.status)).map((r) => String(r.user_id)));
        expect(items.every((r) => wanted.includes(r.status))).toBe(true);
      }
    });

    test('filter.productIds', async () => {
      const rows = await currentRegistrations();
      const productId = rows[0]?.product_id;
      const { items } = await allPages<ApiRegistration>(w.api, '/api/v0/registration/search', token, { filter: { productIds: [String(productId)] } });
      expect(items.length).toBeGreaterThan(0);
      expect(items.map((r) => r.user.id)).toEqual(rows.filter((r) => r.product_id === productId).map((r) => String(r.user_id)));
    });

    test('filter.updatedSince: at or after the moment, with a zone or as a date; combined with other filters', async () => {
      const rows = await currentRegistrations();
      const [first, second] = rows;
      if (first === undefined || second === undefined) throw new Error('the demo has too few registrations');
      await w.db.updateTable('registrations').set({ updated_at: '2099-05-01T10:00:00.000Z' }).where('id', '=', first.id).execute();
      await w.db.updateTable('registrations').set({ updated_at: '2099-05-02T00:00:00.000Z' }).where('id', '=', second.id).execute();
      const search = async (filter: Record<string, unknown>) => (await allPages<ApiRegistration>(w.api, '/api/v0/registration/search', token, { filter })).items.map((r) => r.user.id);
      expect(await search({ updatedSince: '2099-05-01T10:00:00.000Z' })).toEqual([String(first.user_id), String(second.user_id)]);
      expect(await search({ updatedSince: '2099-05-01T12:00:00+02:00' })).toEqual([String(first.user_id), String(second.user_id)]);
      expect(await search({ updatedSince: '2099-05-01T10:00:00.001Z' })).toEqual([String(second.user_id)]);
      expect(await search({ updatedSince: '2099-05-02' })).toEqual([String(second.user_id)]);
      expect(await search({ updatedSince: '2099-05-01T10:00:00' })).toEqual([String(first.user_id), String(second.user_id)]);
      expect(await search({ updatedSince: '2099-05-01', userIds: [String(second.user_id)], status: second.status, productIds: [String(second.product_id)] })).toEqual([String(second.user_id)]);
      expect(await search({ updatedSince: '2099-05-01', status: second.status === 'paid' ? 'unpaid' : 'paid', userIds: [String(second.user_id)] })).toEqual([]);
    });

    test('malformed filters are validation errors naming the field', async () => {
      const cases: [unknown, string][] = [
        [{ userIds: ['abc'] }, 'filter.userIds.0'],
        [{ userIds: ['1', '2', '1.5'] }, 'filter.userIds.2'],
        [{ userIds: [true] }, 'filter.userIds.0'],
        [{ userIds: [{}] }, 'filter.userIds.0'],
        [{ userIds: Array.from({ length: 1001 }, (_, i) => String(i)) }, 'filter.userIds'],
        [{ productIds: ['x'] }, 'filter.productIds.0'],
        [{ status: 'lost' }, 'filter.status'],
        [{ status: ['paid', 'lost'] }, 'filter.status'],
        [{ updatedSince: 'yesterday' }, 'filter.updatedSince'],
        [{ updatedSince: '2026-02-30T00:00:00Z' }, 'filter.updatedSince'],
        [{ updatedSince: 42 }, 'filter.updatedSince'],
        [{ updatedSince: '2026-01-01T23:59:60Z' }, 'filter.updatedSince'],
      ];
      for (const [filter, field] of cases) expectValidation(await w.api.post('/api/v0/registration/search', { filter }, token), field);
      expectValidation(await w.api.post('/api/v0/registration/search', { filter: 'all' }, token), 'filter');
    });
  });

  test('malformed bodies: a clear 400, never a 500', async () => {
    const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
    for (const body of ['{', '[]', '"text"', '42', '{"limit": "many"}', '{"filter": []}']) {
      const response = await w.api.raw('POST', '/api/v0/registration/search', { body, headers });
      expectError(response, 400, 'validation');
    }
    const unknownFields = await w.api.post('/api/v0/registration/search', { limit: 1, sort: 'name', filter: { roleId: 3 } }, token);
    expect(unknownFields.status, unknownFields.body).toBe(200);
  });

  test('tampered, foreign and other endpoints\' cursors are validation errors naming nextPage', async () => {
    const page = (await w.api.post('/api/v0/registration/search', { limit: 2 }, token)).json<{ nextPage: string }>();
    const [body, tag] = page.nextPage.split('.');
    const forged = Buffer.from(JSON.stringify({ v: 1, o: w.furfest.orgId, c: w.demoApp.clientId, e: 'registration/search', k: 1 })).toString('base64url');
    const otherToken = await w.token({ app: w.otherApp });
    const fromOtherApp = (await w.api.post('/api/v0/registration/search', { limit: 1 }, otherToken)).json<{ nextPage: string }>().nextPage;
    const fromVolunteers = (await w.api.post('/api/v0/volunteers/search', { limit: 1 }, token)).json<{ nextPage: string }>().nextPage;
    for (const nextPage of [`${forged}.${tag}`, `${body}.AAAA${tag}`, 'eyBsYXN0SWQ6IDEwMDAgfQ==', fromOtherApp, fromVolunteers, 'x'.repeat(512)]) {
      expectValidation(await w.api.post('/api/v0/registration/search', { nextPage }, token), 'nextPage');
    }
    expectValidation(await w.api.post('/api/v0/registration/search', { nextPage: 'x'.repeat(513) }, token), 'nextPage');
    // The other app's own cursor works for it.
    expect((await w.api.post('/api/v0/registration/search', { nextPage: fromOtherApp }, otherToken)).status).toBe(200);
    // A cursor signed for another instance is refused too (same key, same app id, other org).
    const foreign = encodeCursor(deriveCursorKey(loadKeyEncryptionKey(w.t.config.dataDir)), { orgId: w.animecon.orgId, clientId: w.demoApp.clientId, endpoint: 'registration/search' }, 1);
    expectValidation(await w.api.post('/api/v0/registration/search', { nextPage: foreign }, token), 'nextPage');
  });
});

describe('refusals', () => {
  test('no token, a junk token, another instance\'s token: 401 with WWW-Authenticate', async () => {
    const animeconToken = await w.token({ app: w.animeconApp, base: w.animecon.base });
    for (const auth of [null, 'junk', animeconToken]) {
      for (const response of [await w.api.post('/api/v0/registration/search', {}, auth), await w.api.get('/api/v0/users/1/registration', auth)]) {
        expectError(response, 401, 'authentication');
        expect(response.headers['www-authenticate']).toMatch(/^Bearer/);
      }
    }
  });

  test('a token acting for a user: 403 access', async () => {
    const user = (await currentRegistrations())[0];
    const obo = await w.oboToken(user?.user_id ?? 0, 'pii:basic');
    expectError(await w.api.post('/api/v0/registration/search', {}, obo), 403, 'access');
    expectError(await w.api.get(`/api/v0/users/${user?.user_id}/registration`, obo), 403, 'access');
  });

  test('a token without registration:read: 403 listing the permission', async () => {
    const narrow = await w.token({ scope: 'user:read volunteer:read vendor:read' });
    for (const response of [await w.api.post('/api/v0/registration/search', {}, narrow), await w.api.get('/api/v0/users/1/registration', narrow)]) {
      expect(expectError(response, 403, 'access').permissions).toEqual(['registration:read']);
    }
  });

  test('the access check comes before the body: an unauthenticated malformed body is still 401', async () => {
    const response = await w.api.raw('POST', '/api/v0/registration/search', { body: '{', headers: { 'content-type': 'application/json' } });
    expectError(response, 401, 'authentication');
  });
});

test('concurrent searches and reads all answer the same', async () => {
  const [row] = await currentRegistrations();
  const responses = await Promise.all(
    Array.from({ length: 24 }, (_, i) => (i % 2 === 0 ? w.api.post('/api/v0/registration/search', { limit: 25 }, token) : w.api.get(`/api/v0/users/${row?.user_id}/registration`, token))),
  );
  expect(responses.every((r) => r.status === 200)).toBe(true);
  expect(new Set(responses.filter((_, i) => i % 2 === 0).map((r) => r.body)).size).toBe(1);
  expect(new Set(responses.filter((_, i) => i % 2 === 1).map((r) => r.body)).size).toBe(1);
});

test('a page is one indexed range read: the (org_id, convention_id, id) index, no sort, first page or deep', async () => {
  for (const after of [null, 1_000_000]) {
    const query = registrationPageQuery(w.db, w.furfest.orgId, NO_REGISTRATION_FILTER, { limit: 100, after }).compile();
    await expectRangePlan(w.db, w.dialect, CompiledQuery.raw(query.sql, [...query.parameters]), 'registrations', 'registrations_org_convention_id_idx');
  }
});

test('a page costs the same few queries whatever its size: rows, then users, option definitions and flags', async () => {
  const counts: number[] = [];
  for (const limit of [1, 10, 100]) {
    const counted = countingQueries(w.db);
    const rows = await searchRegistrationRows(counted.db, w.furfest.orgId, NO_REGISTRATION_FILTER, { limit, after: null });
    expect((await toRegistrations(counted.db, w.furfest.orgId, rows)).length).toBe(limit + 1);
    counts.push(counted.count());
  }
  // At most 4: a loader with nothing to load (no answers, no applications) asks nothing.
  expect(Math.max(...counts)).toBeLessThanOrEqual(4);
  expect(counts.at(-1)).toBe(4);
  const [row] = await currentRegistrations();
  const single = countingQueries(w.db);
  expect(await findUserRegistration(single.db, w.furfest.orgId, row?.user_id ?? 0)).toBeDefined();
  expect(single.count()).toBeLessThanOrEqual(4);
});
