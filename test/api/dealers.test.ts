import { CompiledQuery } from 'kysely';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { isoTimestamp } from '../../src/clock.js';
import { dealerPageQuery, NO_DEALER_FILTER, searchDealerRows, toDealers } from '../../src/api/v0/dealers/dealers.js';
import { addPlainUser, allPages, countingQueries, expectError, expectValidation, expectedUserSummary, keysOf, startEventDataWorld, USER_SUMMARY_KEYS, type EventDataWorld } from './event-data-world.js';
import { expectRangePlan } from './query-plans.js';

let w: EventDataWorld;
let token: string;
beforeAll(async () => {
  w = await startEventDataWorld(600);
  token = await w.token();
});
afterAll(async () => {
  await w.t.stop();
});

interface ApiProduct {
  id: string;
  name: string;
  displayName: string | null;
  paid: boolean;
}

interface ApiOption {
  id: string;
  name: string;
  type: string;
  value: unknown;
}

interface ApiApplication {
  id: string;
  specialRequests: string | null;
  status: string;
  tableNumber: string | null;
  dealerRequestTypes: ApiProduct[];
  tableType: ApiProduct;
  dealerArea: { id: string; name: string } | null;
  options: ApiOption[];
}

interface ApiDealer {
  id: string;
  name: string;
  email: string | null;
  addressLine1: string;
  addressLine2: string | null;
  addressCity: string;
  addressZipcode: string;
  addressState: string;
  addressCountry: string;
  user: Record<string, unknown>;
  applications: ApiApplication[];
  options: ApiOption[];
}

const DEALER_KEYS = ['addressCity', 'addressCountry', 'addressLine1', 'addressLine2', 'addressState', 'addressZipcode', 'applications', 'email', 'id', 'name', 'options', 'user'];
const APPLICATION_KEYS = ['dealerArea', 'dealerRequestTypes', 'id', 'options', 'specialRequests', 'status', 'tableNumber', 'tableType'];
const PRODUCT_KEYS = ['displayName', 'id', 'name', 'paid'];

async function dealers(orgId = w.furfest.orgId) {
  return w.db.selectFrom('dealers').selectAll().where('org_id', '=', orgId).orderBy('id').execute();
}

async function expectedOptions(json: string): Promise<ApiOption[]> {
  const answers = Object.entries(JSON.parse(json) as Record<string, unknown>);
  if (answers.length === 0) return [];
  const definitions = await w.db.selectFrom('option_definitions').selectAll().where('id', 'in', answers.map(([id]) => Number(id))).execute();
  return definitions.sort((a, b) => a.sort_order - b.sort_order || a.id - b.id).map((d) => ({ id: String(d.id), name: d.name, type: d.type, value: answers.find(([id]) => id === String(d.id))?.[1] }));
}

/** What the API must answer for a dealer, computed from the tables. */
async function expectedDealer(dealerId: number): Promise<ApiDealer> {
  const dealer = await w.db.selectFrom('dealers').selectAll().where('id', '=', dealerId).executeTakeFirstOrThrow();
  const user = await w.db.selectFrom('users').selectAll().where('id', '=', dealer.user_id).executeTakeFirstOrThrow();
  const applications = await w.db.selectFrom('dealer_applications').selectAll().where('dealer_id', '=', dealerId).where('convention_id', '=', w.furfest.currentConventionId).orderBy('id').execute();
  const product = async (id: number, paid: number): Promise<ApiProduct> => {
    const row = await w.db.selectFrom('products').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    return { id: String(row.id), name: row.name, displayName: row.display_name, paid: paid === 1 };
  };
  const expected: ApiApplication[] = [];
  for (const application of applications) {
    const addOns = await w.db.selectFrom('dealer_application_request_types').innerJoin('products', 'products.id', 'dealer_application_request_types.product_id').select(['products.id', 'products.sort_order', 'dealer_application_request_types.paid']).where('application_id', '=', application.id).execute();
    const area = application.dealer_area_id === null ? undefined : await w.db.selectFrom('dealer_areas').selectAll().where('id', '=', application.dealer_area_id).executeTakeFirstOrThrow();
    expected.push({
      id: String(application.id),
      specialRequests: application.special_requests,
      status: application.status,
      tableNumber: application.table_number,
      dealerRequestTypes: await Promise.all(addOns.sort((a, b) => a.sort_order - b.sort_order || a.id - b.id).map((a) => product(a.id, a.paid))),
      tableType: await product(application.table_type_product_id, application.table_type_paid),
      dealerArea: area === undefined ? null : { id: String(area.id), name: area.name },
      options: await expectedOptions(application.option_values),
    });
  }
  return {
    id: String(dealer.id),
    name: dealer.name,
    email: dealer.email,
    addressLine1: dealer.address_line1,
    addressLine2: dealer.address_line2,
    addressCity: dealer.address_city,
    addressZipcode: dealer.address_zipcode,
    addressState: dealer.address_state,
    addressCountry: dealer.address_country,
    user: expectedUserSummary(user),
    applications: expected,
    options: await expectedOptions(dealer.option_values),
  };
}

describe('POST /api/v0/dealers/search', () => {
  test('the dealer, application, product and area of §6.5 exactly, for every dealer', async () => {
    const { pages, items } = await allPages<ApiDealer>(w.api, '/api/v0/dealers/search', token, { limit: 6 });
    const rows = await dealers();
    expect(rows.length).toBeGreaterThan(12);
    expect(items.map((d) => d.id)).toEqual(rows.map((d) => String(d.id)));
    expect(pages.at(-1)).toMatchObject({ hasMore: false, nextPage: null });
    for (const dealer of items) {
      expect(keysOf(dealer)).toEqual(DEALER_KEYS);
      expect(keysOf(dealer.user)).toEqual(USER_SUMMARY_KEYS);
      for (const application of dealer.applications) {
        expect(keysOf(application)).toEqual(APPLICATION_KEYS);
        expect(keysOf(application.tableType)).toEqual(PRODUCT_KEYS);
        for (const addOn of application.dealerRequestTypes) expect(keysOf(addOn)).toEqual(PRODUCT_KEYS);
        if (application.dealerArea !== null) expect(keysOf(application.dealerArea)).toEqual(['id', 'name']);
        for (const option of application.options) expect(['select', 'multi', 'text', 'number']).toContain(option.type);
      }
      for (const option of dealer.options) expect(keysOf(option)).toEqual(['id', 'name', 'type', 'value']);
      expect(dealer).toEqual(await expectedDealer(Number(dealer.id)));
    }
    // Every branch of the shape shows up in the demo.
    const applications = items.flatMap((d) => d.applications);
    expect(applications.some((a) => a.dealerArea === null) && applications.some((a) => a.dealerArea !== null)).toBe(true);
    expect(applications.some((a) => a.dealerRequestTypes.length > 0)).toBe(true);
    expect(applications.some((a) => a.tableType.paid) && applications.some((a) => !a.tableType.paid)).toBe(true);
    expect(items.some((d) => d.applications.length === 0)).toBe(true);
    expect(items.flatMap((d) => d.options.map((o) => o.type))).toEqual(expect.arrayContaining(['phone', 'text']));
  });

  test('applications are the current convention\'s only', async () => {
    const past = await w.db.selectFrom('dealer_applications').select(['dealer_id', 'id']).where('org_id', '=', w.furfest.orgId).where('convention_id', '!=', w.furfest.currentConventionId).execute();
    expect(past.length).toBeGreaterThan(0);
    const dealer = past[0];
    const response = await w.api.post('/api/v0/dealers/search', { filter: { userIds: [String((await w.db.selectFrom('dealers').select('user_id').where('id', '=', dealer?.dealer_id ?? 0).executeTakeFirstOrThrow()).user_id)] } }, token);
    const [found] = response.json<{ data: ApiDealer[] }>().data;
    expect(found?.applications.map((a) => a.id)).not.toContain(String(dealer?.id));
  });

  test('filter.userIds: strings or numbers; unknown and other instances\' users match nothing; empty or null', async () => {
    const rows = await dealers();
    const [a, b] = rows;
    const [foreign] = await dealers(w.animecon.orgId);
    if (a === undefined || b === undefined) throw new Error('the demo has too few dealers');
    const search = async (body: Record<string, unknown>) => (await allPages<ApiDealer>(w.api, '/api/v0/dealers/search', token, body)).items.map((d) => d.id);
    expect(await search({ filter: { userIds: [String(b.user_id), a.user_id, '999999', String(foreign?.user_id ?? 1)] } })).toEqual([String(a.id), String(b.id)]);
    expect(await search({ filter: { userIds: [] } })).toEqual([]);
    expect(await search({ filter: { userIds: null } })).toHaveLength(rows.length);
    expect(await search({})).toHaveLength(rows.length);
  });

  test('hasMore and nextPage on every response; the limit clamps to 100', async () => {
    const total = (await dealers()).length;
    const first = (await w.api.post('/api/v0/dealers/search', { limit: 1000 }, token)).json<{ data: unknown[]; hasMore: boolean; nextPage: string | null }>();
    expect(first.data).toHaveLength(Math.min(total, 100));
    expect(first.hasMore).toBe(total > 100);
    const single = (await w.api.post('/api/v0/dealers/search', { limit: 1, filter: { userIds: [String((await dealers())[0]?.user_id)] } }, token)).json<Record<string, unknown>>();
    expect(keysOf(single)).toEqual(['data', 'hasMore', 'nextPage']);
    expect(single).toMatchObject({ hasMore: false, nextPage: null });
  });

  test('pages stay stable while dealers are added and removed between them', async () => {
    const before = await dealers();
    const first = (await w.api.post('/api/v0/dealers/search', { limit: 5 }, token)).json<{ data: ApiDealer[]; nextPage: string }>();
    const userId = await addPlainUser(w.db, w.furfest.orgId, 'late-dealer');
    const now = isoTimestamp(new Date());
    const added = await w.db
      .insertInto('dealers')
      .values({ org_id: w.furfest.orgId, user_id: userId, name: 'Late Wares', email: null, address_line1: '1 Main St', address_line2: null, address_city: 'Springfield', address_state: 'IL', address_zipcode: '62701', address_country: 'US', option_values: '{}', created_at: now, updated_at: now })
      .returning('id')
      .executeTakeFirstOrThrow();
    const removed = before[8];
    if (removed === undefined) throw new Error('the demo has too few dealers');
    await w.db.deleteFrom('dealers').where('id', '=', removed.id).execute();
    const rest = await allPages<ApiDealer>(w.api, '/api/v0/dealers/search', token, { limit: 5, nextPage: first.nextPage });
    const seen = [...first.data, ...rest.items].map((d) => d.id);
    expect(seen).toEqual([...before.filter((d) => d.id !== removed.id).map((d) => String(d.id)), String(added.id)]);
    expect(rest.items.at(-1)).toMatchObject({ name: 'Late Wares', email: null, addressLine2: null, applications: [], options: [] });
  });

  test('malformed bodies, filters and cursors: 400 naming the field', async () => {
    for (const [body, field] of [
      [{ filter: { userIds: ['23', 'forty'] } }, 'filter.userIds.1'],
      [{ filter: { userIds: [-4] } }, 'filter.userIds.0'],
      [{ filter: { userIds: Array.from({ length: 1001 }, () => '1') } }, 'filter.userIds'],
      [{ filter: 'mine' }, 'filter'],
      [{ limit: -1 }, 'limit'],
      [{ nextPage: 12 }, 'nextPage'],
      [{ nextPage: 'eyBsYXN0SWQ6IDEwMDAgfQ==' }, 'nextPage'],
    ] as const) {
      expectValidation(await w.api.post('/api/v0/dealers/search', body, token), field);
    }
    const fromRegistrations = (await w.api.post('/api/v0/registration/search', { limit: 1 }, token)).json<{ nextPage: string }>().nextPage;
    expectValidation(await w.api.post('/api/v0/dealers/search', { nextPage: fromRegistrations }, token), 'nextPage');
    const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
    for (const body of ['{"filter":{', 'null null', '"dealers"']) expectError(await w.api.raw('POST', '/api/v0/dealers/search', { body, headers }), 400, 'validation');
  });

  test('refusals: 401 without a valid token, 403 for a user\'s token or without vendor:read', async () => {
    for (const auth of [null, 'x.y.z']) expectError(await w.api.post('/api/v0/dealers/search', {}, auth), 401, 'authentication');
    const animeconToken = await w.token({ app: w.animeconApp, base: w.animecon.base });
    expectError(await w.api.post('/api/v0/dealers/search', {}, animeconToken), 401, 'authentication');
    const [dealer] = await dealers();
    expectError(await w.api.post('/api/v0/dealers/search', {}, await w.oboToken(dealer?.user_id ?? 1, 'pii:basic')), 403, 'access');
    const narrow = await w.token({ scope: 'user:read registration:read volunteer:read user:roles:update' });
    expect(expectError(await w.api.post('/api/v0/dealers/search', {}, narrow), 403, 'access').permissions).toEqual(['vendor:read']);
  });

  test('another instance\'s dealers stay there', async () => {
    const ids = (await allPages<ApiDealer>(w.api, '/api/v0/dealers/search', token, {})).items.map((d) => d.id);
    for (const foreign of await dealers(w.animecon.orgId)) expect(ids).not.toContain(String(foreign.id));
  });

  test('a page is one indexed range read, first page or deep', async () => {
    for (const after of [null, 1_000_000]) {
      const query = dealerPageQuery(w.db, w.furfest.orgId, NO_DEALER_FILTER, { limit: 100, after }).compile();
      await expectRangePlan(w.db, w.dialect, CompiledQuery.raw(query.sql, [...query.parameters]), 'dealers', w.dialect === 'sqlite' ? 'sqlite_autoindex_dealers_1' : 'dealers_org_id_unique');
    }
  });
});

test('a page costs the same few queries whatever its size: dealers, users, applications, add-ons, option definitions', async () => {
  const counts: number[] = [];
  for (const limit of [1, 12]) {
    const counted = countingQueries(w.db);
    const rows = await searchDealerRows(counted.db, w.furfest.orgId, NO_DEALER_FILTER, { limit, after: null });
    expect((await toDealers(counted.db, w.furfest.orgId, rows)).length).toBe(limit + 1);
    counts.push(counted.count());
  }
  // At most 5: a loader with nothing to load (no answers, no applications) asks nothing.
  expect(Math.max(...counts)).toBeLessThanOrEqual(5);
  expect(counts.at(-1)).toBe(5);
});
