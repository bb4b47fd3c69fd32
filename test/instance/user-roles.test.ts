import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import type { Database } from '../../src/db/database.js';
import { assignRole, currentConventionId, heldRoles, heldScopeKeys, removeRole, type RoleChangeOrigin } from '../../src/instance/user-roles.js';
import { openTestDatabase } from '../support/database.js';
import { addOrg, addUser, type FixtureOrg } from './fixtures.js';

describe('user roles', () => {
  const clock = new ManualClock('2026-06-01T10:00:00.000Z');
  const app: RoleChangeOrigin = { actor: { type: 'app', id: '4310001' }, ip: '203.0.113.9' };
  let database: Database;
  let close: () => Promise<void>;
  let furfest: FixtureOrg;
  let animecon: FixtureOrg;
  let role: (org: FixtureOrg, name: string) => Promise<number>;

  beforeAll(async () => {
    const opened = await openTestDatabase();
    database = opened.database;
    close = () => opened.close();
    furfest = await addOrg(database, 'furfest', 'Lakeshore FurFest', clock);
    animecon = await addOrg(database, 'animecon', 'Harborview Anime Con', clock);
    role = async (org, name) =>
      (await database.db.insertInto('roles').values({ org_id: org.orgId, name, description: '', created_at: 'x', updated_at: 'x' }).returning('id').executeTakeFirstOrThrow()).id;
  });
  afterAll(async () => {
    await close();
  });

  test('held scope keys: global, and the current convention when there is one', async () => {
    expect(heldScopeKeys(null)).toEqual(['global']);
    expect(heldScopeKeys(12)).toEqual(['global', '12']);
    expect(await currentConventionId(database.db, furfest.orgId)).toBe(furfest.currentConventionId);
  });

  test('assign: for the current convention or globally, each once; audited in the same transaction', async () => {
    const user = await addUser(database.db, furfest.orgId, 'ada', null, clock);
    const staff = await role(furfest, 'staff');
    const assignment = { orgId: furfest.orgId, userId: user, roleId: staff, scope: 'convention' as const };
    expect(await assignRole(database.db, assignment, app, clock)).toEqual({ ok: true, roles: [{ roleId: staff, name: 'staff', scope: 'convention' }] });
    expect(await assignRole(database.db, assignment, app, clock)).toEqual({ ok: false, reason: 'already-held' });
    expect(await assignRole(database.db, { ...assignment, scope: 'global' }, app, clock)).toEqual({
      ok: true,
      roles: [
        { roleId: staff, name: 'staff', scope: 'global' },
        { roleId: staff, name: 'staff', scope: 'convention' },
      ],
    });
    const rows = await database.db.selectFrom('user_roles').select(['scope', 'convention_id', 'scope_key', 'created_at']).where('user_id', '=', user).orderBy('id').execute();
    expect(rows).toEqual([
      { scope: 'convention', convention_id: furfest.currentConventionId, scope_key: String(furfest.currentConventionId), created_at: '2026-06-01T10:00:00.000Z' },
      { scope: 'global', convention_id: null, scope_key: 'global', created_at: '2026-06-01T10:00:00.000Z' },
    ]);
    const audit = await database.db.selectFrom('audit_log').select(['actor_type', 'actor_id', 'action', 'details', 'ip', 'created_at']).where('target_type', '=', 'user').where('target_id', '=', String(user)).orderBy('id').execute();
    expect(audit).toEqual([
      { actor_type: 'app', actor_id: '4310001', action: 'user.role-assigned', details: JSON.stringify({ roleId: staff, roleName: 'staff', scope: 'convention', conventionId: furfest.currentConventionId }), ip: '203.0.113.9', created_at: '2026-06-01T10:00:00.000Z' },
      { actor_type: 'app', actor_id: '4310001', action: 'user.role-assigned', details: JSON.stringify({ roleId: staff, roleName: 'staff', scope: 'global', conventionId: null }), ip: '203.0.113.9', created_at: '2026-06-01T10:00:00.000Z' },
    ]);
  });

  test('users and roles of another instance, or unknown, are refused without a write', async () => {
    const user = await addUser(database.db, furfest.orgId, 'bea', null, clock);
    const stranger = await addUser(database.db, animecon.orgId, 'cy', null, clock);
    const local = await role(furfest, 'local');
    const foreign = await role(animecon, 'foreign');
    const assign = (userId: number, roleId: number) => assignRole(database.db, { orgId: furfest.orgId, userId, roleId, scope: 'global' }, app, clock);
    expect(await assign(stranger, local)).toEqual({ ok: false, reason: 'user-not-found' });
    expect(await assign(999_999, local)).toEqual({ ok: false, reason: 'user-not-found' });
    expect(await assign(user, foreign)).toEqual({ ok: false, reason: 'role-not-found' });
    expect(await removeRole(database.db, { orgId: furfest.orgId, userId: user, roleId: foreign, scope: null }, app, clock)).toEqual({ ok: false, reason: 'role-not-found' });
    expect(await heldRoles(database.db, furfest.orgId, stranger)).toBeNull();
    expect(await database.db.selectFrom('user_roles').select('id').where('user_id', 'in', [user, stranger]).execute()).toEqual([]);
  });

  test('remove: both current assignments, or one scope; past conventions stay; nothing held is refused', async () => {
    const user = await addUser(database.db, furfest.orgId, 'dee', null, clock);
    const lead = await role(furfest, 'lead');
    const insert = (conventionId: number | null) =>
      database.db
        .insertInto('user_roles')
        .values({ org_id: furfest.orgId, user_id: user, role_id: lead, scope: conventionId === null ? 'global' : 'convention', convention_id: conventionId, scope_key: conventionId === null ? 'global' : String(conventionId), created_at: 'x' })
        .execute();
    await insert(null);
    await insert(furfest.currentConventionId);
    await insert(furfest.pastConventionId);
    const removal = { orgId: furfest.orgId, userId: user, roleId: lead };
    expect(await removeRole(database.db, { ...removal, scope: 'global' }, app, clock)).toEqual({ ok: true, roles: [{ roleId: lead, name: 'lead', scope: 'convention' }] });
    expect(await removeRole(database.db, { ...removal, scope: 'global' }, app, clock)).toEqual({ ok: false, reason: 'not-held' });
    await insert(null);
    expect(await removeRole(database.db, { ...removal, scope: null }, app, clock)).toEqual({ ok: true, roles: [] });
    expect(await removeRole(database.db, { ...removal, scope: null }, app, clock)).toEqual({ ok: false, reason: 'not-held' });
    const left = await database.db.selectFrom('user_roles').select('convention_id').where('user_id', '=', user).execute();
    expect(left).toEqual([{ convention_id: furfest.pastConventionId }]);
    const audit = await database.db.selectFrom('audit_log').select('action').where('target_type', '=', 'user').where('target_id', '=', String(user)).execute();
    expect(audit.map((a) => a.action)).toEqual(['user.role-removed', 'user.role-removed', 'user.role-removed']);
  });

  test('without a current convention only global assignments exist', async () => {
    await database.db.updateTable('conventions').set({ is_current: 0 }).where('org_id', '=', animecon.orgId).execute();
    const user = await addUser(database.db, animecon.orgId, 'eve', null, clock);
    const crew = await role(animecon, 'crew');
    const change = { orgId: animecon.orgId, userId: user, roleId: crew };
    expect(await assignRole(database.db, { ...change, scope: 'convention' }, app, clock)).toEqual({ ok: false, reason: 'no-current-convention' });
    expect(await assignRole(database.db, { ...change, scope: 'global' }, app, clock)).toMatchObject({ ok: true });
    expect(await removeRole(database.db, { ...change, scope: 'convention' }, app, clock)).toEqual({ ok: false, reason: 'not-held' });
    expect(await heldRoles(database.db, animecon.orgId, user)).toEqual([{ roleId: crew, name: 'crew', scope: 'global' }]);
  });

  test('concurrent assignments and removals of one pair leave at most one row and never throw', async () => {
    const user = await addUser(database.db, furfest.orgId, 'fay', null, clock);
    const racing = await role(furfest, 'racing');
    const change = { orgId: furfest.orgId, userId: user, roleId: racing };
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        i % 3 === 2 ? removeRole(database.db, { ...change, scope: null }, app, clock) : assignRole(database.db, { ...change, scope: 'global' }, app, clock),
      ),
    );
    for (const result of results) expect(result.ok || ['already-held', 'not-held'].includes(result.reason)).toBe(true);
    const rows = await database.db.selectFrom('user_roles').select('id').where('user_id', '=', user).execute();
    expect(rows.length).toBeLessThanOrEqual(1);
  });
});
