import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { isoTimestamp } from '../../src/clock.js';
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

interface RolePage {
  data: { id: string; name: string }[];
  nextPage: string | null;
  hasMore: boolean;
}
interface UserRoles {
  data: { id: string; name: string; scope: 'convention' | 'global' }[];
}

let w: UserRoleWorld;
let reader: string;
let manager: string;
let roles: { staff: number; nda: number; volunteer: number; animecon: number };
let users: { kit: number; animecon: number };

beforeAll(async () => {
  w = await startUserRoleWorld();
  roles = {
    staff: await addRole(w.db, w.furfest, 'staff'),
    nda: await addRole(w.db, w.furfest, 'nda-signed'),
    volunteer: await addRole(w.db, w.furfest, 'volunteer'),
    animecon: await addRole(w.db, w.animecon, 'animecon-staff'),
  };
  users = { kit: await addApiUser(w.db, w.furfest, 'kit'), animecon: await addApiUser(w.db, w.animecon, 'elsewhere') };
  reader = await tokenFor(w.furfest, w.apps.reader);
  manager = await tokenFor(w.furfest, w.apps.manager);
});
afterAll(async () => {
  await w.t.stop();
});

const rolesPath = (userId: number | string, roleId: number | string) => `/api/v0/users/${userId}/roles/${roleId}`;

async function rolesOf(userId: number): Promise<UserRoles['data']> {
  const response = await w.furfest.api.get(`/api/v0/users/${userId}/roles`, reader);
  expect(response.status, response.body).toBe(200);
  return response.json<UserRoles>().data;
}

describe('GET /api/v0/roles', () => {
  test('lists the instance roles with string ids, paged by limit and nextPage in the query string', async () => {
    const seen: RolePage['data'] = [];
    let query = '?limit=2';
    for (;;) {
      const response = await w.furfest.api.get(`/api/v0/roles${query}`, reader);
      expect(response.status, response.body).toBe(200);
      const page = response.json<RolePage>();
      seen.push(...page.data);
      expect(page.hasMore).toBe(page.nextPage !== null);
      if (page.nextPage === null) break;
      query = `?limit=2&nextPage=${encodeURIComponent(page.nextPage)}`;
    }
    const expected = await w.db.selectFrom('roles').select(['id', 'name']).where('org_id', '=', w.furfest.orgId).orderBy('id').execute();
    expect(seen).toEqual(expected.map((r) => ({ id: String(r.id), name: r.name })));
    expect(seen.map((r) => r.name)).not.toContain('animecon-staff');
  });

  test('roles added between pages appear once, after the ones already listed', async () => {
    const first = (await w.furfest.api.get('/api/v0/roles?limit=1', reader)).json<RolePage>();
    const added = await addRole(w.db, w.furfest, 'added-while-paging');
    const rest: RolePage['data'] = [];
    let nextPage = first.nextPage;
    while (nextPage !== null) {
      const page = (await w.furfest.api.get(`/api/v0/roles?limit=1&nextPage=${encodeURIComponent(nextPage)}`, reader)).json<RolePage>();
      rest.push(...page.data);
      nextPage = page.nextPage;
    }
    const ids = [...first.data, ...rest].map((r) => r.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.at(-1)).toBe(String(added));
  });

  test('limit=1000 (as real clients send) is treated as 100; a malformed limit or cursor is a validation error', async () => {
    const now = isoTimestamp(new Date());
    await w.db
      .insertInto('roles')
      .values(Array.from({ length: 105 }, (_, i) => ({ org_id: w.animecon.orgId, name: `bulk-${i}`, description: '', created_at: now, updated_at: now })))
      .execute();
    const animecon = await tokenFor(w.animecon, w.apps.reader);
    const page = (await w.animecon.api.get('/api/v0/roles?limit=1000', animecon)).json<RolePage>();
    expect(page.data).toHaveLength(100);
    expect(page.hasMore).toBe(true);
    const rest = (await w.animecon.api.get(`/api/v0/roles?limit=1000&nextPage=${encodeURIComponent(page.nextPage ?? '')}`, animecon)).json<RolePage>();
    expect(rest).toMatchObject({ nextPage: null, hasMore: false });
    expect(rest.data.length).toBeGreaterThanOrEqual(6);

    for (const limit of ['0', '-1', 'abc', '2.5']) expectValidationError(await w.furfest.api.get(`/api/v0/roles?limit=${limit}`, reader), 'querystring.limit');
    await addApiUser(w.db, w.furfest, 'second-user');
    const usersCursor = (await w.furfest.api.post('/api/v0/users/search', { limit: 1 }, reader)).json<RolePage>().nextPage;
    const foreign = page.nextPage;
    const genuine = (await w.furfest.api.get('/api/v0/roles?limit=1', reader)).json<RolePage>().nextPage;
    for (const bad of ['junk', usersCursor, foreign, `${genuine ?? ''}x`]) {
      expect(bad).not.toBeNull();
      expectValidationError(await w.furfest.api.get(`/api/v0/roles?nextPage=${encodeURIComponent(bad ?? '')}`, reader), 'nextPage');
    }
  });

  test('refusals: 401 without a token, 403 without user:read or with an OBO token', async () => {
    expectApiError(await w.furfest.api.get('/api/v0/roles'), 401, 'authentication');
    const registrations = await tokenFor(w.furfest, w.apps.registrations);
    expect(expectApiError(await w.furfest.api.get('/api/v0/roles', registrations), 403, 'access').permissions).toEqual(['user:read']);
    expectApiError(await w.furfest.api.get('/api/v0/roles', await oboToken(w.db, w.furfest, w.apps.manager, users.kit)), 403, 'access');
  });
});

describe('GET /api/v0/users/{userId}/roles', () => {
  test('the roles held globally and for the current convention, not past ones; a role held both ways twice', async () => {
    const user = await addApiUser(w.db, w.furfest, 'holder');
    await holdRole(w.db, w.furfest, user, roles.staff, w.furfest.currentConventionId);
    await holdRole(w.db, w.furfest, user, roles.staff, null);
    await holdRole(w.db, w.furfest, user, roles.nda, null);
    await holdRole(w.db, w.furfest, user, roles.volunteer, w.furfest.pastConventionId);
    expect(await rolesOf(user)).toEqual([
      { id: String(roles.staff), name: 'staff', scope: 'global' },
      { id: String(roles.staff), name: 'staff', scope: 'convention' },
      { id: String(roles.nda), name: 'nda-signed', scope: 'global' },
    ]);
    expect(await rolesOf(users.kit)).toEqual([]);
  });

  test('an unknown user or one of another instance is 404; a malformed id is a validation error', async () => {
    expectApiError(await w.furfest.api.get('/api/v0/users/999999/roles', reader), 404, 'resource');
    expectApiError(await w.furfest.api.get(`/api/v0/users/${users.animecon}/roles`, reader), 404, 'resource');
    expectValidationError(await w.furfest.api.get('/api/v0/users/kit/roles', reader), 'params.userId');
  });

  test('refusals: 401 without a token, 403 without user:read', async () => {
    expectApiError(await w.furfest.api.get(`/api/v0/users/${users.kit}/roles`, 'expired-or-unknown'), 401, 'authentication');
    expectApiError(await w.furfest.api.get(`/api/v0/users/${users.kit}/roles`, await tokenFor(w.furfest, w.apps.registrations)), 403, 'access');
  });
});

describe('PUT and DELETE /api/v0/users/{userId}/roles/{roleId}', () => {
  test('PUT gives the role and answers the user roles; again in the same scope is logic error 3', async () => {
    const user = await addApiUser(w.db, w.furfest, 'newcomer');
    const put = await w.furfest.api.put(rolesPath(user, roles.staff), { scope: 'convention' }, manager);
    expect(put.status, put.body).toBe(200);
    expect(put.json()).toEqual({ data: [{ id: String(roles.staff), name: 'staff', scope: 'convention' }] });
    expect(await rolesOf(user)).toEqual([{ id: String(roles.staff), name: 'staff', scope: 'convention' }]);

    const again = expectApiError(await w.furfest.api.put(rolesPath(user, roles.staff), { scope: 'convention' }, manager), 400, 'logic');
    expect(again.code).toBe(3);
    // The other scope is another assignment.
    expect((await w.furfest.api.put(rolesPath(user, roles.staff), { scope: 'global' }, manager)).status).toBe(200);
    expect(expectApiError(await w.furfest.api.put(rolesPath(user, roles.staff), { scope: 'global' }, manager), 400, 'logic').code).toBe(3);

    const rows = await w.db.selectFrom('user_roles').select(['scope', 'convention_id']).where('user_id', '=', user).orderBy('id').execute();
    expect(rows).toEqual([
      { scope: 'convention', convention_id: w.furfest.currentConventionId },
      { scope: 'global', convention_id: null },
    ]);
  });

  test('each change is audited with the app as actor', async () => {
    const user = await addApiUser(w.db, w.furfest, 'audited');
    await w.furfest.api.put(rolesPath(user, roles.nda), { scope: 'global' }, manager);
    await w.furfest.api.delete(rolesPath(user, roles.nda), manager);
    const entries = await w.db.selectFrom('audit_log').selectAll().where('target_type', '=', 'user').where('target_id', '=', String(user)).orderBy('id').execute();
    expect(entries.map((e) => ({ org: e.org_id, actor: [e.actor_type, e.actor_id], action: e.action, details: JSON.parse(e.details) as unknown, hasIp: typeof e.ip === 'string' }))).toEqual([
      { org: w.furfest.orgId, actor: ['app', String(w.apps.manager.clientId)], action: 'user.role-assigned', details: { roleId: roles.nda, roleName: 'nda-signed', scope: 'global', conventionId: null }, hasIp: true },
      { org: w.furfest.orgId, actor: ['app', String(w.apps.manager.clientId)], action: 'user.role-removed', details: { roleId: roles.nda, roleName: 'nda-signed', scope: 'global', conventionId: null }, hasIp: true },
    ]);
  });

  test('DELETE removes the role in both scopes (or the one in ?scope=); a role not held is 404', async () => {
    const user = await addApiUser(w.db, w.furfest, 'leaver');
    await holdRole(w.db, w.furfest, user, roles.staff, null);
    await holdRole(w.db, w.furfest, user, roles.staff, w.furfest.currentConventionId);
    await holdRole(w.db, w.furfest, user, roles.staff, w.furfest.pastConventionId);
    await holdRole(w.db, w.furfest, user, roles.nda, null);

    const onlyConvention = await w.furfest.api.delete(`${rolesPath(user, roles.staff)}?scope=convention`, manager);
    expect(onlyConvention.status, onlyConvention.body).toBe(200);
    expect(onlyConvention.json<UserRoles>().data).toEqual([
      { id: String(roles.staff), name: 'staff', scope: 'global' },
      { id: String(roles.nda), name: 'nda-signed', scope: 'global' },
    ]);
    expectApiError(await w.furfest.api.delete(`${rolesPath(user, roles.staff)}?scope=convention`, manager), 404, 'resource');

    await holdRole(w.db, w.furfest, user, roles.staff, w.furfest.currentConventionId);
    const both = await w.furfest.api.delete(rolesPath(user, roles.staff), manager);
    expect(both.json<UserRoles>().data).toEqual([{ id: String(roles.nda), name: 'nda-signed', scope: 'global' }]);
    expectApiError(await w.furfest.api.delete(rolesPath(user, roles.staff), manager), 404, 'resource');
    // The past convention's assignment is history: it stays.
    const left = await w.db.selectFrom('user_roles').select('scope_key').where('user_id', '=', user).where('role_id', '=', roles.staff).execute();
    expect(left).toEqual([{ scope_key: String(w.furfest.pastConventionId) }]);
    expectValidationError(await w.furfest.api.delete(`${rolesPath(user, roles.nda)}?scope=everywhere`, manager), 'querystring.scope');
  });

  test('a DELETE sent with a JSON content type and no body, or with a body, still works', async () => {
    const user = await addApiUser(w.db, w.furfest, 'bodied');
    await holdRole(w.db, w.furfest, user, roles.staff, null);
    await holdRole(w.db, w.furfest, user, roles.nda, null);
    const headers = { authorization: `Bearer ${manager}`, 'content-type': 'application/json' };
    const empty = await w.furfest.api.raw('DELETE', rolesPath(user, roles.staff), { headers });
    expect(empty.status, empty.body).toBe(200);
    // Node's client frames a DELETE body only with an explicit length.
    const body = '{"scope":"global"}';
    const bodied = await w.furfest.api.raw('DELETE', rolesPath(user, roles.nda), { headers: { ...headers, 'content-length': String(body.length) }, body });
    expect(bodied.status, bodied.body).toBe(200);
  });

  test('unknown or foreign users and roles are 404; malformed ids and bodies are validation errors', async () => {
    const put = (userId: number | string, roleId: number | string, body: unknown = { scope: 'global' }) => w.furfest.api.put(rolesPath(userId, roleId), body, manager);
    expect(expectApiError(await put(999999, roles.staff), 404, 'resource').message).toMatch(/user/);
    expect(expectApiError(await put(users.animecon, roles.staff), 404, 'resource').message).toMatch(/user/);
    expect(expectApiError(await put(users.kit, 999999), 404, 'resource').message).toMatch(/role/);
    expect(expectApiError(await put(users.kit, roles.animecon), 404, 'resource').message).toMatch(/role/);
    expectApiError(await w.furfest.api.delete(rolesPath(users.kit, roles.animecon), manager), 404, 'resource');
    expectApiError(await w.furfest.api.delete(rolesPath(users.animecon, roles.staff), manager), 404, 'resource');

    expectValidationError(await put('kit', roles.staff), 'params.userId');
    expectValidationError(await put(users.kit, 'staff'), 'params.roleId');
    expectValidationError(await w.furfest.api.delete(rolesPath(users.kit, '-1'), manager), 'params.roleId');
    expectValidationError(await put(users.kit, roles.staff, {}), 'scope');
    expectValidationError(await put(users.kit, roles.staff, { scope: 'forever' }), 'scope');
    expectValidationError(await put(users.kit, roles.staff, { scope: ['global', 'convention'] }), 'scope');
    expectApiError(await put(users.kit, roles.staff, 'global'), 400, 'validation');
    expectApiError(await w.furfest.api.raw('PUT', rolesPath(users.kit, roles.staff), { headers: { authorization: `Bearer ${manager}` } }), 400, 'validation');
    expectApiError(await w.furfest.api.raw('PUT', rolesPath(users.kit, roles.staff), { headers: { authorization: `Bearer ${manager}`, 'content-type': 'application/json' }, body: '{"scope":' }), 400, 'validation');
    expect(await rolesOf(users.kit)).toEqual([]);
  });

  test('refusals: 401 without a token, 403 without user:roles:update or with an OBO token', async () => {
    const path = rolesPath(users.kit, roles.staff);
    expectApiError(await w.furfest.api.put(path, { scope: 'global' }), 401, 'authentication');
    expectApiError(await w.furfest.api.delete(path), 401, 'authentication');
    expect(expectApiError(await w.furfest.api.put(path, { scope: 'global' }, reader), 403, 'access').permissions).toEqual(['user:roles:update']);
    expect(expectApiError(await w.furfest.api.delete(path, reader), 403, 'access').permissions).toEqual(['user:roles:update']);
    // A token the manager app asked for with user:read only lacks the update scope too.
    const narrow = await tokenFor(w.furfest, w.apps.manager, 'user:read');
    expectApiError(await w.furfest.api.put(path, { scope: 'global' }, narrow), 403, 'access');
    const obo = await oboToken(w.db, w.furfest, w.apps.manager, users.kit);
    expectApiError(await w.furfest.api.put(path, { scope: 'global' }, obo), 403, 'access');
    expectApiError(await w.furfest.api.delete(path, obo), 403, 'access');
    expect(await rolesOf(users.kit)).toEqual([]);
  });

  test('concurrent PUTs of one pair: one assignment, the others told it is already held', async () => {
    const user = await addApiUser(w.db, w.furfest, 'racer');
    const responses = await Promise.all(Array.from({ length: 12 }, () => w.furfest.api.put(rolesPath(user, roles.volunteer), { scope: 'convention' }, manager)));
    const statuses = responses.map((r) => r.status).sort();
    expect(statuses.filter((s) => s === 200)).toHaveLength(1);
    for (const response of responses.filter((r) => r.status !== 200)) expect(expectApiError(response, 400, 'logic').code).toBe(3);
    const rows = await w.db.selectFrom('user_roles').select('id').where('user_id', '=', user).where('role_id', '=', roles.volunteer).execute();
    expect(rows).toHaveLength(1);
  });

  test('concurrent PUTs and DELETEs of one pair never duplicate a row or fail', async () => {
    const user = await addApiUser(w.db, w.furfest, 'flipper');
    for (let round = 0; round < 4; round += 1) {
      const responses = await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          i % 2 === 0 ? w.furfest.api.put(rolesPath(user, roles.staff), { scope: 'global' }, manager) : w.furfest.api.delete(rolesPath(user, roles.staff), manager),
        ),
      );
      for (const response of responses) {
        expect([200, 400, 404], response.body).toContain(response.status);
        if (response.status === 400) expect(expectApiError(response, 400, 'logic').code).toBe(3);
        if (response.status === 404) expectApiError(response, 404, 'resource');
      }
      const rows = await w.db.selectFrom('user_roles').select('id').where('user_id', '=', user).where('role_id', '=', roles.staff).execute();
      expect(rows.length).toBeLessThanOrEqual(1);
      const held = (await rolesOf(user)).length;
      expect(held).toBe(rows.length);
    }
  });
});
