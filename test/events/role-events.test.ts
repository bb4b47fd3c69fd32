import { InsertQueryNode, type KyselyPlugin } from 'kysely';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { systemClock } from '../../src/clock.js';
import { assignRole } from '../../src/instance/user-roles.js';
import { addApiUser, addRole, expectApiError, holdRole, startUserRoleWorld, tokenFor, type UserRoleWorld } from '../api/user-role-world.js';

/** Role changes through `PUT`/`DELETE /api/v0/users/{id}/roles/{roleId}` and the events they record. */
let w: UserRoleWorld;
let manager: string;
let roles: { staff: number; nda: number; animecon: number };

beforeAll(async () => {
  w = await startUserRoleWorld();
  roles = { staff: await addRole(w.db, w.furfest, 'staff'), nda: await addRole(w.db, w.furfest, 'nda-signed'), animecon: await addRole(w.db, w.animecon, 'animecon-staff') };
  manager = await tokenFor(w.furfest, w.apps.manager);
});
afterAll(async () => {
  await w.t.stop();
});

const rolesPath = (userId: number | string, roleId: number | string) => `/api/v0/users/${userId}/roles/${roleId}`;
const eventsAbout = (userId: number) =>
  w.db.selectFrom('events').selectAll().where('subject_type', '=', 'user').where('subject_id', '=', String(userId)).orderBy('id').execute();
const eventCount = async () => (await w.db.selectFrom('events').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n;

describe('role events', () => {
  test('PUT records one role-assigned event with the user, the role and the scope; the app is the actor', async () => {
    const user = await addApiUser(w.db, w.furfest, 'kit', { preferredName: 'Kitty' });
    const put = await w.furfest.api.put(rolesPath(user, roles.staff), { scope: 'convention' }, manager);
    expect(put.status, put.body).toBe(200);
    const events = await eventsAbout(user);
    expect(events).toHaveLength(1);
    const [event] = events;
    const stored = await w.db.selectFrom('users').selectAll().where('id', '=', user).executeTakeFirstOrThrow();
    expect(event).toMatchObject({ org_id: w.furfest.orgId, type: 'role-assigned', actor_type: 'app', actor_id: String(w.apps.manager.clientId), subject_type: 'user', subject_id: String(user) });
    expect(JSON.parse(event?.data ?? '')).toEqual({
      user: {
        id: String(user),
        username: 'kit',
        firstName: 'kit',
        preferredName: 'Kitty',
        lastName: 'Tester',
        email: 'kit@example.org',
        verified: true,
        createdAt: stored.created_at,
        updatedAt: stored.updated_at,
      },
      role: { id: String(roles.staff), name: 'staff' },
      scope: 'convention',
    });
  });

  test('DELETE records role-unassigned: one per assignment it ends', async () => {
    const user = await addApiUser(w.db, w.furfest, 'leaver');
    expect((await w.furfest.api.put(rolesPath(user, roles.nda), { scope: 'global' }, manager)).status).toBe(200);
    expect((await w.furfest.api.delete(`${rolesPath(user, roles.nda)}?scope=global`, manager)).status).toBe(200);
    await holdRole(w.db, w.furfest, user, roles.staff, null);
    await holdRole(w.db, w.furfest, user, roles.staff, w.furfest.currentConventionId);
    expect((await w.furfest.api.delete(rolesPath(user, roles.staff), manager)).status).toBe(200);
    const events = (await eventsAbout(user)).map((e) => {
      const data = JSON.parse(e.data) as { role: { name: string }; scope: string };
      return [e.type, data.role.name, data.scope];
    });
    expect(events).toEqual([
      ['role-assigned', 'nda-signed', 'global'],
      ['role-unassigned', 'nda-signed', 'global'],
      ['role-unassigned', 'staff', 'global'],
      ['role-unassigned', 'staff', 'convention'],
    ]);
  });

  test('refused changes record nothing: already held, not held, unknown user or role, another instance, bad input', async () => {
    const user = await addApiUser(w.db, w.furfest, 'holder');
    const stranger = await addApiUser(w.db, w.animecon, 'stranger');
    expect((await w.furfest.api.put(rolesPath(user, roles.staff), { scope: 'global' }, manager)).status).toBe(200);
    const before = await eventCount();
    expectApiError(await w.furfest.api.put(rolesPath(user, roles.staff), { scope: 'global' }, manager), 400, 'logic');
    expectApiError(await w.furfest.api.delete(rolesPath(user, roles.nda), manager), 404, 'resource');
    expectApiError(await w.furfest.api.put(rolesPath(999_999, roles.staff), { scope: 'global' }, manager), 404, 'resource');
    expectApiError(await w.furfest.api.put(rolesPath(stranger, roles.staff), { scope: 'global' }, manager), 404, 'resource');
    expectApiError(await w.furfest.api.put(rolesPath(user, roles.animecon), { scope: 'global' }, manager), 404, 'resource');
    expectApiError(await w.furfest.api.put(rolesPath(user, roles.nda), { scope: 'sideways' }, manager), 400, 'validation');
    expectApiError(await w.furfest.api.put(rolesPath(user, roles.nda), { scope: 'global' }), 401, 'authentication');
    expect(await eventCount()).toBe(before);
  });

  test('concurrent PUTs of the same assignment give it once and record one event', async () => {
    const user = await addApiUser(w.db, w.furfest, 'racer');
    const responses = await Promise.all(Array.from({ length: 6 }, () => w.furfest.api.put(rolesPath(user, roles.staff), { scope: 'global' }, manager)));
    expect(responses.map((r) => r.status).sort()).toEqual([200, 400, 400, 400, 400, 400]);
    expect((await eventsAbout(user)).map((e) => e.type)).toEqual(['role-assigned']);
    const deletes = await Promise.all(Array.from({ length: 4 }, () => w.furfest.api.delete(rolesPath(user, roles.staff), manager)));
    expect(deletes.map((r) => r.status).sort()).toEqual([200, 404, 404, 404]);
    expect((await eventsAbout(user)).map((e) => e.type)).toEqual(['role-assigned', 'role-unassigned']);
  });

  test('a role change whose transaction fails after its event is written leaves neither the assignment nor the event', async () => {
    const user = await addApiUser(w.db, w.furfest, 'unlucky');
    // Fails the first statement after the event's insert, inside assignRole's transaction.
    let eventWritten = false;
    const failAfterEvent: KyselyPlugin = {
      transformQuery(args) {
        if (eventWritten) throw new Error('the database went away');
        if (InsertQueryNode.is(args.node) && args.node.into?.table.identifier.name === 'events') eventWritten = true;
        return args.node;
      },
      transformResult: (args) => Promise.resolve(args.result),
    };
    const origin = { actor: { type: 'app', id: '1' }, ip: null } as const;
    await expect(assignRole(w.db.withPlugin(failAfterEvent), { orgId: w.furfest.orgId, userId: user, roleId: roles.staff, scope: 'global' }, origin, systemClock)).rejects.toThrow('went away');
    expect(eventWritten).toBe(true);
    expect(await eventsAbout(user)).toEqual([]);
    expect(await w.db.selectFrom('user_roles').select('id').where('user_id', '=', user).execute()).toEqual([]);
  });
});
