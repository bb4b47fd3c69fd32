import { CompiledQuery } from 'kysely';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { isoTimestamp } from '../../src/clock.js';
import { listDepartments } from '../../src/api/v0/volunteers/departments.js';
import { NO_VOLUNTEER_FILTER, searchVolunteerRows, toVolunteers, volunteerPageQuery } from '../../src/api/v0/volunteers/volunteers.js';
import { apiClient } from '../support/api-client.js';
import { addPlainUser, allPages, countingQueries, expectError, expectValidation, expectedUserSummary, keysOf, startEventDataWorld, USER_SUMMARY_KEYS, type EventDataWorld } from './event-data-world.js';
import { expectRangePlan } from './query-plans.js';

let w: EventDataWorld;
let token: string;
beforeAll(async () => {
  w = await startEventDataWorld(400);
  token = await w.token();
});
afterAll(async () => {
  await w.t.stop();
});

interface ApiVolunteer {
  createdAt: string;
  updatedAt: string;
  contactMethods: { name: string; isPrimary: boolean; value: string }[];
  departments: { id: string; states: string[]; name: string }[];
  user: Record<string, unknown>;
  options: { name: string; type: string; value: unknown }[];
}

interface ApiDepartment {
  id: string;
  name: string;
  email: string;
  publiclyVisible: boolean;
  leads: Record<string, unknown>[];
}

const VOLUNTEER_KEYS = ['contactMethods', 'createdAt', 'departments', 'options', 'updatedAt', 'user'];
const STATE_ORDER = ['experience', 'interest', 'avoid', 'assignment', 'request'];

async function currentVolunteers(orgId = w.furfest.orgId, conventionId = w.furfest.currentConventionId) {
  return w.db.selectFrom('volunteers').selectAll().where('org_id', '=', orgId).where('convention_id', '=', conventionId).orderBy('id').execute();
}

/** What the API must answer for a user's volunteer application, computed from the tables. */
async function expectedVolunteer(userId: number): Promise<ApiVolunteer> {
  const volunteer = await w.db.selectFrom('volunteers').selectAll().where('org_id', '=', w.furfest.orgId).where('convention_id', '=', w.furfest.currentConventionId).where('user_id', '=', userId).executeTakeFirstOrThrow();
  const user = await w.db.selectFrom('users').selectAll().where('id', '=', userId).executeTakeFirstOrThrow();
  const contacts = await w.db.selectFrom('volunteer_contact_methods').selectAll().where('volunteer_id', '=', volunteer.id).execute();
  const states = await w.db.selectFrom('volunteer_departments').innerJoin('departments', 'departments.id', 'volunteer_departments.department_id').select(['departments.id', 'departments.name', 'volunteer_departments.state']).where('volunteer_id', '=', volunteer.id).execute();
  const departmentIds = [...new Set(states.map((s) => s.id))].sort((a, b) => a - b);
  const answers = Object.entries(JSON.parse(volunteer.option_values) as Record<string, unknown>);
  const definitions = answers.length === 0 ? [] : await w.db.selectFrom('option_definitions').selectAll().where('id', 'in', answers.map(([id]) => Number(id))).execute();
  return {
    createdAt: volunteer.created_at,
    updatedAt: volunteer.updated_at,
    contactMethods: contacts.map((c) => ({ name: c.name, isPrimary: c.is_primary === 1, value: c.value })).sort((a, b) => (a.name < b.name ? -1 : 1)),
    departments: departmentIds.map((id) => ({
      id: String(id),
      states: states.filter((s) => s.id === id).map((s) => s.state).sort((a, b) => STATE_ORDER.indexOf(a) - STATE_ORDER.indexOf(b)),
      name: states.find((s) => s.id === id)?.name ?? '',
    })),
    user: expectedUserSummary(user),
    options: definitions.sort((a, b) => a.sort_order - b.sort_order || a.id - b.id).map((d) => ({ name: d.name, type: d.type, value: answers.find(([id]) => id === String(d.id))?.[1] })),
  };
}

describe('GET /api/v0/users/{id}/volunteer', () => {
  test('the volunteer of §6.4 exactly: every field, with its type and value', async () => {
    const rows = await currentVolunteers();
    expect(rows.length).toBeGreaterThan(20);
    let sawPrimary = false;
    let sawSeveralStates = false;
    for (const row of rows.slice(0, 12)) {
      const response = await w.api.get(`/api/v0/users/${row.user_id}/volunteer`, token);
      expect(response.status, response.body).toBe(200);
      const body = response.json<ApiVolunteer>();
      expect(keysOf(body)).toEqual(VOLUNTEER_KEYS);
      expect(keysOf(body.user)).toEqual(USER_SUMMARY_KEYS);
      for (const method of body.contactMethods) expect(keysOf(method)).toEqual(['isPrimary', 'name', 'value']);
      for (const department of body.departments) expect(keysOf(department)).toEqual(['id', 'name', 'states']);
      expect(body).toEqual(await expectedVolunteer(row.user_id));
      expect(body.contactMethods.filter((m) => m.isPrimary)).toHaveLength(1);
      sawPrimary ||= body.contactMethods.some((m) => m.isPrimary);
      sawSeveralStates ||= body.departments.some((d) => d.states.length > 1);
    }
    expect(sawPrimary && sawSeveralStates).toBe(true);
  });

  test('no application for the current convention, unknown user, another instance\'s user: 404; malformed id: 400', async () => {
    const volunteering = new Set((await currentVolunteers()).map((v) => v.user_id));
    const users = await w.db.selectFrom('users').select('id').where('org_id', '=', w.furfest.orgId).execute();
    const [foreign] = await currentVolunteers(w.animecon.orgId, w.animecon.currentConventionId);
    expect(foreign).toBeDefined();
    for (const id of [users.find((u) => !volunteering.has(u.id))?.id, foreign?.user_id, 999_999_999]) {
      expectError(await w.api.get(`/api/v0/users/${id}/volunteer`, token), 404, 'resource');
    }
    for (const id of ['me', '1e3', '%20']) expectValidation(await w.api.get(`/api/v0/users/${id}/volunteer`, token), 'params.id');
  });
});

describe('POST /api/v0/volunteers/search', () => {
  test('every page in volunteer order, no duplicates, no gaps; limits clamp', async () => {
    const expected = await currentVolunteers();
    const { pages, items } = await allPages<ApiVolunteer>(w.api, '/api/v0/volunteers/search', token, { limit: 9 });
    expect(items.map((v) => v.user.id)).toEqual(expected.map((v) => String(v.user_id)));
    expect(pages.at(-1)).toMatchObject({ hasMore: false, nextPage: null });
    expect(items[0]).toEqual(await expectedVolunteer(Number(items[0]?.user.id)));
    const clamped = (await w.api.post('/api/v0/volunteers/search', { limit: 5000 }, token)).json<{ data: unknown[]; hasMore: boolean }>();
    expect(clamped.data).toHaveLength(Math.min(100, expected.length));
    expect(clamped.hasMore).toBe(expected.length > 100);
    expectValidation(await w.api.post('/api/v0/volunteers/search', { limit: 0 }, token), 'limit');
  });

  test('pages stay stable while volunteers are added between them', async () => {
    const before = await currentVolunteers();
    const first = (await w.api.post('/api/v0/volunteers/search', { limit: 4 }, token)).json<{ data: ApiVolunteer[]; nextPage: string }>();
    const userId = await addPlainUser(w.db, w.furfest.orgId, 'late-volunteer');
    const now = isoTimestamp(new Date());
    await w.db.insertInto('volunteers').values({ org_id: w.furfest.orgId, convention_id: w.furfest.currentConventionId, user_id: userId, option_values: '{}', available_before_con: 0, anything_else: null, previous_con_experience: null, previous_other_experience: null, events_can_not_miss: null, created_at: now, updated_at: now }).execute();
    const rest = await allPages<ApiVolunteer>(w.api, '/api/v0/volunteers/search', token, { limit: 4, nextPage: first.nextPage });
    const seen = [...first.data, ...rest.items].map((v) => v.user.id);
    expect(seen).toEqual([...before.map((v) => String(v.user_id)), String(userId)]);
    const added = rest.items.at(-1);
    expect(added).toMatchObject({ contactMethods: [], departments: [], options: [] });
  });

  test('filters: userIds (strings or numbers), updatedSince, null; malformed ones name the field', async () => {
    const rows = await currentVolunteers();
    const [a, b] = rows;
    if (a === undefined || b === undefined) throw new Error('the demo has too few volunteers');
    const search = async (body: Record<string, unknown>) => (await allPages<ApiVolunteer>(w.api, '/api/v0/volunteers/search', token, body)).items.map((v) => v.user.id);
    expect(await search({ filter: { userIds: [b.user_id, String(a.user_id), '424242'] } })).toEqual([String(a.user_id), String(b.user_id)]);
    expect(await search({ filter: { userIds: [] } })).toEqual([]);
    await w.db.updateTable('volunteers').set({ updated_at: '2098-01-01T00:00:00.000Z' }).where('id', '=', b.id).execute();
    expect(await search({ filter: { updatedSince: '2098-01-01' } })).toEqual([String(b.user_id)]);
    expect(await search({ filter: { updatedSince: '2098-01-01T00:00:00.001Z', userIds: null } })).toEqual([]);
    expect(await search({ filter: null })).toHaveLength(rows.length);
    for (const [filter, field] of [
      [{ userIds: ['x'] }, 'filter.userIds.0'],
      [{ userIds: 'everyone' }, 'filter.userIds.0'],
      [{ updatedSince: 'last week' }, 'filter.updatedSince'],
      [7, 'filter'],
    ] as const) {
      expectValidation(await w.api.post('/api/v0/volunteers/search', { filter }, token), field);
    }
  });

  test('malformed bodies and foreign cursors: 400', async () => {
    const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
    for (const body of ['{"limit":', '[1]', 'true']) expectError(await w.api.raw('POST', '/api/v0/volunteers/search', { body, headers }), 400, 'validation');
    const fromRegistrations = (await w.api.post('/api/v0/registration/search', { limit: 1 }, token)).json<{ nextPage: string }>().nextPage;
    const fromOtherApp = (await w.api.post('/api/v0/volunteers/search', { limit: 1 }, await w.token({ app: w.otherApp }))).json<{ nextPage: string }>().nextPage;
    for (const nextPage of [fromRegistrations, fromOtherApp, 'bm90IGEgY3Vyc29y', `${fromOtherApp.split('.')[0]}.x`]) {
      expectValidation(await w.api.post('/api/v0/volunteers/search', { nextPage }, token), 'nextPage');
    }
  });

  test('a page is one indexed range read, first page or deep', async () => {
    for (const after of [null, 1_000_000]) {
      const query = volunteerPageQuery(w.db, w.furfest.orgId, NO_VOLUNTEER_FILTER, { limit: 100, after }).compile();
      await expectRangePlan(w.db, w.dialect, CompiledQuery.raw(query.sql, [...query.parameters]), 'volunteers', 'volunteers_org_convention_id_idx');
    }
  });
});

describe('GET /api/v0/volunteers/departments', () => {
  test('a bare array of every department of this instance, with its leads as user summaries', async () => {
    const response = await w.api.get('/api/v0/volunteers/departments', token);
    expect(response.status, response.body).toBe(200);
    const body = response.json<ApiDepartment[]>();
    expect(Array.isArray(body)).toBe(true);
    const departments = await w.db.selectFrom('departments').selectAll().where('org_id', '=', w.furfest.orgId).orderBy('id').execute();
    expect(body.map((d) => d.id)).toEqual(departments.map((d) => String(d.id)));
    let leads = 0;
    for (const [index, department] of body.entries()) {
      const row = departments[index];
      if (row === undefined) throw new Error('unreachable: the ids were just compared');
      expect(keysOf(department)).toEqual(['email', 'id', 'leads', 'name', 'publiclyVisible']);
      expect(department).toMatchObject({ name: row.name, email: row.email, publiclyVisible: row.publicly_visible === 1 });
      const leadRows = await w.db.selectFrom('department_leads').innerJoin('users', 'users.id', 'department_leads.user_id').selectAll('users').where('department_id', '=', row.id).orderBy('users.id').execute();
      expect(department.leads).toEqual(leadRows.map(expectedUserSummary));
      for (const lead of department.leads) expect(keysOf(lead)).toEqual(USER_SUMMARY_KEYS);
      leads += department.leads.length;
    }
    expect(leads).toBeGreaterThan(0);
  });

  test('another instance sees only its own departments', async () => {
    const animeconToken = await w.token({ app: w.animeconApp, base: w.animecon.base });
    const response = await apiClient(w.animecon.base).get('/api/v0/volunteers/departments', animeconToken);
    expect(response.status, response.body).toBe(200);
    const names = response.json<ApiDepartment[]>().map((d) => d.id);
    const expected = await w.db.selectFrom('departments').select('id').where('org_id', '=', w.animecon.orgId).orderBy('id').execute();
    expect(names).toEqual(expected.map((d) => String(d.id)));
  });
});

describe('refusals', () => {
  const paths = (userId: number) => [
    ['POST', '/api/v0/volunteers/search'],
    ['GET', `/api/v0/users/${userId}/volunteer`],
    ['GET', '/api/v0/volunteers/departments'],
  ] as const;
  const send = (method: 'GET' | 'POST', path: string, auth: string | null) => (method === 'GET' ? w.api.get(path, auth) : w.api.post(path, {}, auth));

  test('no token or a junk token: 401; a token acting for a user: 403; without volunteer:read: 403 listing it', async () => {
    const [volunteer] = await currentVolunteers();
    const userId = volunteer?.user_id ?? 1;
    const obo = await w.oboToken(userId, 'pii:basic');
    const narrow = await w.token({ scope: 'user:read registration:read vendor:read' });
    for (const [method, path] of paths(userId)) {
      for (const auth of [null, 'nonsense']) {
        const response = await send(method, path, auth);
        expectError(response, 401, 'authentication');
        expect(response.headers['www-authenticate']).toMatch(/^Bearer/);
      }
      expectError(await send(method, path, obo), 403, 'access');
      expect(expectError(await send(method, path, narrow), 403, 'access').permissions).toEqual(['volunteer:read']);
    }
  });
});

test('a page costs the same few queries whatever its size; the departments three in all', async () => {
  const counts: number[] = [];
  for (const limit of [1, 20]) {
    const counted = countingQueries(w.db);
    const rows = await searchVolunteerRows(counted.db, w.furfest.orgId, NO_VOLUNTEER_FILTER, { limit, after: null });
    expect((await toVolunteers(counted.db, w.furfest.orgId, rows)).length).toBe(limit + 1);
    counts.push(counted.count());
  }
  // At most 5: a loader with nothing to load (no answers, no applications) asks nothing.
  expect(Math.max(...counts)).toBeLessThanOrEqual(5);
  expect(counts.at(-1)).toBe(5);
  const departments = countingQueries(w.db);
  expect((await listDepartments(departments.db, w.furfest.orgId)).length).toBeGreaterThan(1);
  expect(departments.count()).toBe(3);
});
