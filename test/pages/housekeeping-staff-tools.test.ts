import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/clock.js';
import { currentConventionId } from '../../src/instance/user-roles.js';
import { addDepartment, addFlag, addProduct, addRegistration, addVolunteer, eventsOf, lastEventId } from '../instance/event-data-fixtures.js';
import { addUser, grantRole } from '../instance/fixtures.js';
import { PASSWORDS, signedIn, startHousekeepingWorld, type HousekeepingWorld } from './housekeeping-support.js';

/** The staff tools of Housekeeping over HTTPS: registrations, volunteers, users and roles. */
describe('Housekeeping staff tools', () => {
  let world: HousekeepingWorld;
  const clock = systemClock;
  const STAFF_PASSWORD = 'staff user password';
  let ids: {
    staffId: number;
    registrations: { kit: number; wolf: number; animecon: number };
    kitId: number;
    flags: { fursuit: number; sponsor: number; animecon: number };
    volunteers: { kit: number; animecon: number };
    departments: { ops: number; art: number; animecon: number };
    roles: { door: number; animecon: number };
  };

  beforeAll(async () => {
    world = await startHousekeepingWorld();
    const db = world.database.db;
    const furfest = world.furfest.orgId;
    const animecon = world.animecon.orgId;
    const ffCon = await currentConventionId(db, furfest);
    const acCon = await currentConventionId(db, animecon);
    if (ffCon === null || acCon === null) throw new Error('the fixtures have no current convention');
    const staffId = await addUser(db, furfest, 'staff', STAFF_PASSWORD, clock);
    await grantRole(db, furfest, staffId, ['registration:manage', 'volunteer:manage', 'user:roles:manage'], clock);
    const ffProduct = await addProduct(db, furfest, ffCon, 'attendee');
    const acProduct = await addProduct(db, animecon, acCon, 'attendee');
    const kitId = await addUser(db, furfest, 'kit', null, clock);
    const wolfId = await addUser(db, furfest, 'wolf', null, clock);
    const acUser = await addUser(db, animecon, 'otaku', null, clock);
    for (let n = 0; n < 30; n++) {
      const userId = await addUser(db, furfest, `crowd-${String(n).padStart(2, '0')}`, null, clock);
      await addRegistration(db, furfest, ffCon, userId, ffProduct, { badgeName: `Crowd ${n}`, status: 'paid' });
    }
    const door = (await db.insertInto('roles').values({ org_id: furfest, name: 'door-staff', description: 'Checks badges', created_at: 'x', updated_at: 'x' }).returning('id').executeTakeFirstOrThrow()).id;
    const acRole = (await db.insertInto('roles').values({ org_id: animecon, name: 'animecon-role', description: '', created_at: 'x', updated_at: 'x' }).returning('id').executeTakeFirstOrThrow()).id;
    ids = {
      staffId,
      kitId,
      registrations: {
        kit: await addRegistration(db, furfest, ffCon, kitId, ffProduct, { badgeName: 'Kit the Fox' }),
        wolf: await addRegistration(db, furfest, ffCon, wolfId, ffProduct, { badgeName: 'Grey Wolf', status: 'cancelled' }),
        animecon: await addRegistration(db, animecon, acCon, acUser, acProduct, { badgeName: 'Otaku' }),
      },
      flags: { fursuit: await addFlag(db, furfest, 'fursuits'), sponsor: await addFlag(db, furfest, 'sponsor'), animecon: await addFlag(db, animecon, 'cosplay') },
      volunteers: { kit: await addVolunteer(db, furfest, ffCon, kitId), animecon: await addVolunteer(db, animecon, acCon, acUser) },
      departments: { ops: await addDepartment(db, furfest, 'Operations'), art: await addDepartment(db, furfest, 'Art Show'), animecon: await addDepartment(db, animecon, 'Cosplay Desk') },
      roles: { door, animecon: acRole },
    };
  });
  afterAll(async () => {
    await world.t.stop();
  });

  const staff = () => signedIn(world.t, 'furfest', 'staff', STAFF_PASSWORD);
  const unescape = (text: string) => text.replace(/&#(\d+);/g, (_, code: string) => String.fromCharCode(Number(code)));
  const versionOf = (body: string) => unescape(/name="version" value="([^"]+)"/.exec(body)?.[1] ?? '');
  const newEvents = async (after: number) => eventsOf(world.database.db, world.furfest.orgId, after);

  it('shows the tools in the menu only to their holders, and refuses each tool to a user without its permission', async () => {
    const client = await staff();
    const overview = await client.get('/o/furfest/housekeeping');
    expect(overview.status).toBe(200);
    for (const path of ['registrations', 'volunteers', 'users']) expect(overview.body).toContain(`href="/o/furfest/housekeeping/${path}"`);
    expect(overview.body).not.toContain('href="/o/furfest/housekeeping/integrations"');

    const admin = await signedIn(world.t, 'furfest', 'admin', PASSWORDS.furfestAdmin);
    expect((await admin.get('/o/furfest/housekeeping')).body).not.toContain('housekeeping/registrations');
    const r = ids.registrations.kit;
    const v = ids.volunteers.kit;
    for (const path of ['registrations', `registrations/${r}`, 'volunteers', `volunteers/${v}`, 'users', `users/${ids.kitId}`]) {
      const refused = await admin.get(`/o/furfest/housekeeping/${path}`);
      expect(refused.status).toBe(403);
    }
    const before = await lastEventId(world.database.db);
    expect((await admin.post(`/o/furfest/housekeeping/registrations/${r}`, { version: '"x"', status: 'paid', badgeName: 'Kit the Fox' })).status).toBe(403);
    expect((await admin.post(`/o/furfest/housekeeping/volunteers/${v}/assign`, { department: String(ids.departments.ops) })).status).toBe(403);
    expect((await admin.post(`/o/furfest/housekeeping/users/${ids.kitId}/roles/assign`, { role: String(ids.roles.door), scope: 'global' })).status).toBe(403);
    expect(await newEvents(before)).toEqual([]);
  });

  describe('registrations', () => {
    it('searches by name, username, email and badge name, filters by status, a page at a time', async () => {
      const client = await staff();
      const all = await client.get('/o/furfest/housekeeping/registrations');
      expect(all.status).toBe(200);
      expect(all.body).toContain('crowd-00');
      expect(all.body).not.toContain('Otaku');
      expect(all.body).toContain('Next page');
      const next = /href="(\/o\/furfest\/housekeeping\/registrations\?[^"]*page=2)"/.exec(all.body)?.[1];
      const second = await client.get(unescape(next ?? ''));
      expect(second.body).toContain('Kit the Fox');
      expect(second.body).not.toContain('crowd-00');
      for (const q of ['KIT THE', 'kit@example', 'kit', 'Kit Tester']) expect((await client.get(`/o/furfest/housekeeping/registrations?q=${encodeURIComponent(q)}`)).body).toContain(`/housekeeping/registrations/${ids.registrations.kit}"`);
      const cancelled = await client.get('/o/furfest/housekeeping/registrations?status=cancelled');
      expect(cancelled.body).toContain('Grey Wolf');
      expect(cancelled.body).not.toContain('Kit the Fox');
      // Wildcards are taken literally; another instance's registrations never match.
      expect((await client.get('/o/furfest/housekeeping/registrations?q=%25')).body).toContain('No registration matches');
      expect((await client.get('/o/furfest/housekeeping/registrations?q=Otaku')).body).toContain('No registration matches');
      for (const bad of ['status=lost', 'page=0', 'page=abc', `q=${'x'.repeat(101)}`]) expect((await client.get(`/o/furfest/housekeeping/registrations?${bad}`)).status).toBe(400);
    });

    it('marks a registration paid and adds a flag as one change: one event by the staff user, audited', async () => {
      const client = await staff();
      const r = ids.registrations.kit;
      const page = await client.get(`/o/furfest/housekeeping/registrations/${r}`);
      expect(page.status).toBe(200);
      const before = await lastEventId(world.database.db);
      const saved = await client.post(`/o/furfest/housekeeping/registrations/${r}`, { version: versionOf(page.body), status: 'paid', badgeName: 'Kit the Fox', flags: [String(ids.flags.fursuit), String(ids.flags.fursuit)] });
      expect(saved.status).toBe(303);
      expect(saved.headers.location).toBe(`/o/furfest/housekeeping/registrations/${r}?done=changed`);
      const events = await newEvents(before);
      expect(events).toHaveLength(1);
      expect(events[0]).toMatchObject({ type: 'registration-updated', actorType: 'user', actorId: String(ids.staffId), subjectId: String(ids.kitId) });
      const row = await world.database.db.selectFrom('registrations').select(['status', 'version']).where('id', '=', r).executeTakeFirstOrThrow();
      expect(row.status).toBe('paid');
      const audit = await world.database.db.selectFrom('audit_log').select(['actor_type', 'actor_id']).where('action', '=', 'registration.updated').where('target_id', '=', String(ids.kitId)).execute();
      expect(audit).toEqual([{ actor_type: 'user', actor_id: String(ids.staffId) }]);
      const shown = await client.get(saved.headers.location ?? '');
      expect(shown.body).toContain('Registration saved.');
      expect(shown.body).toMatch(new RegExp(`value="${ids.flags.fursuit}" checked`));

      // Sending the same form again is stale: refused, nothing recorded.
      const again = await client.post(`/o/furfest/housekeeping/registrations/${r}`, { version: versionOf(page.body), status: 'refunded', badgeName: 'Kit the Fox' });
      expect(again.status).toBe(409);
      expect(again.body).toContain('changed this registration since you opened it');
      expect(again.body).toMatch(/value="paid" checked/);
      // A form that changes nothing records nothing.
      const current = await client.get(`/o/furfest/housekeeping/registrations/${r}`);
      const unchanged = await client.post(`/o/furfest/housekeeping/registrations/${r}`, { version: versionOf(current.body), status: 'paid', badgeName: 'Kit the Fox', flags: String(ids.flags.fursuit) });
      expect(unchanged.headers.location).toContain('done=unchanged');
      // Removing the flag is a change of its own.
      const removed = await client.post(`/o/furfest/housekeeping/registrations/${r}`, { version: versionOf(current.body), status: 'paid', badgeName: 'Kit the Fox' });
      expect(removed.status).toBe(303);
      expect((await newEvents(before)).map((e) => e.type)).toEqual(['registration-updated', 'registration-updated']);
    });

    it("refuses bad input with a clear message, another instance's registration with 404, and a form without its CSRF token", async () => {
      const client = await staff();
      const r = ids.registrations.wolf;
      const page = await client.get(`/o/furfest/housekeeping/registrations/${r}`);
      const version = versionOf(page.body);
      const before = await lastEventId(world.database.db);
      const post = (fields: Record<string, string | string[]>) => client.post(`/o/furfest/housekeeping/registrations/${r}`, { version, status: 'paid', badgeName: 'Grey Wolf', ...fields });
      expect((await post({ status: 'lost' })).status).toBe(400);
      expect((await post({ badgeName: 'x'.repeat(65) })).body).toContain('at most 64');
      expect((await post({ flags: String(ids.flags.animecon) })).status).toBe(400);
      expect((await post({ flags: 'abc' })).status).toBe(400);
      expect((await post({ flags: Array.from({ length: 3_000 }, (_, n) => String(n + 1)) })).status).toBe(400);
      expect((await post({ version: '' })).status).toBe(400);
      expect((await post({ _csrf: 'x'.repeat(32) })).status).toBe(403);
      expect((await client.get(`/o/furfest/housekeeping/registrations/${ids.registrations.animecon}`)).status).toBe(404);
      expect((await client.post(`/o/furfest/housekeeping/registrations/${ids.registrations.animecon}`, { version: '"1-1"', status: 'paid', badgeName: 'Otaku' })).status).toBe(404);
      for (const id of ['abc', '0', '99999999999']) expect((await client.get(`/o/furfest/housekeeping/registrations/${id}`)).status).toBe(400);
      expect(await newEvents(before)).toEqual([]);
    });

    it('of two forms read at the same version and sent together, exactly one is saved', async () => {
      const client = await staff();
      const r = ids.registrations.wolf;
      const version = versionOf((await client.get(`/o/furfest/housekeeping/registrations/${r}`)).body);
      const before = await lastEventId(world.database.db);
      const results = await Promise.all(['paid', 'refunded'].map((status) => client.post(`/o/furfest/housekeeping/registrations/${r}`, { version, status, badgeName: 'Grey Wolf' })));
      expect(results.map((x) => x.status).sort()).toEqual([303, 409]);
      expect(await newEvents(before)).toHaveLength(1);
    });
  });

  describe('volunteers', () => {
    it('lists the current convention volunteers, assigns and unassigns a department, one event each', async () => {
      const client = await staff();
      const list = await client.get('/o/furfest/housekeeping/volunteers');
      expect(list.status).toBe(200);
      expect(list.body).toContain(`/housekeeping/volunteers/${ids.volunteers.kit}"`);
      expect(list.body).not.toContain('otaku');
      const v = ids.volunteers.kit;
      const page = await client.get(`/o/furfest/housekeeping/volunteers/${v}`);
      expect(page.body).toContain('Assign to Operations');
      const before = await lastEventId(world.database.db);
      const assigned = await client.post(`/o/furfest/housekeeping/volunteers/${v}/assign`, { department: String(ids.departments.ops) });
      expect(assigned.headers.location).toBe(`/o/furfest/housekeeping/volunteers/${v}?done=assigned`);
      const twice = await client.post(`/o/furfest/housekeeping/volunteers/${v}/assign`, { department: String(ids.departments.ops) });
      expect(twice.headers.location).toContain('done=unchanged');
      expect((await client.get(assigned.headers.location ?? '')).body).toContain('Unassign from Operations');
      const unassigned = await client.post(`/o/furfest/housekeeping/volunteers/${v}/unassign`, { department: String(ids.departments.ops) });
      expect(unassigned.headers.location).toContain('done=unassigned');
      const events = await newEvents(before);
      expect(events.map((e) => [e.type, e.actorType, e.actorId])).toEqual([
        ['volunteer-assigned', 'user', String(ids.staffId)],
        ['volunteer-unassigned', 'user', String(ids.staffId)],
      ]);
    });

    it('of two identical assignments sent together, exactly one is recorded', async () => {
      const client = await staff();
      const v = ids.volunteers.kit;
      await client.get(`/o/furfest/housekeeping/volunteers/${v}`);
      const before = await lastEventId(world.database.db);
      const results = await Promise.all([1, 2].map(() => client.post(`/o/furfest/housekeeping/volunteers/${v}/assign`, { department: String(ids.departments.art) })));
      expect(results.map((x) => x.headers.location?.replace(/.*done=/, '')).sort()).toEqual(['assigned', 'unchanged']);
      expect((await newEvents(before)).map((e) => e.type)).toEqual(['volunteer-assigned']);
    });

    it("refuses another instance's volunteer and department, bad input and a missing CSRF token", async () => {
      const client = await staff();
      const v = ids.volunteers.kit;
      await client.get(`/o/furfest/housekeeping/volunteers/${v}`);
      const before = await lastEventId(world.database.db);
      expect((await client.get(`/o/furfest/housekeeping/volunteers/${ids.volunteers.animecon}`)).status).toBe(404);
      expect((await client.post(`/o/furfest/housekeeping/volunteers/${ids.volunteers.animecon}/assign`, { department: String(ids.departments.animecon) })).status).toBe(404);
      expect((await client.post(`/o/furfest/housekeeping/volunteers/${v}/assign`, { department: String(ids.departments.animecon) })).status).toBe(400);
      expect((await client.post(`/o/furfest/housekeeping/volunteers/${v}/assign`, { department: 'x' })).status).toBe(400);
      expect((await client.post(`/o/furfest/housekeeping/volunteers/${v}/assign`, { department: String(ids.departments.art), _csrf: 'x'.repeat(32) })).status).toBe(403);
      expect(await newEvents(before)).toEqual([]);
    });
  });

  describe('users and roles', () => {
    it('finds a user, gives a role for the convention and globally, takes one away, one event each', async () => {
      const client = await staff();
      const found = await client.get('/o/furfest/housekeeping/users?q=kit');
      expect(found.body).toContain(`/housekeeping/users/${ids.kitId}"`);
      expect(found.body).not.toContain('otaku');
      const page = await client.get(`/o/furfest/housekeeping/users/${ids.kitId}`);
      expect(page.body).toContain('door-staff');
      expect(page.body).not.toContain('animecon-role');
      const before = await lastEventId(world.database.db);
      const path = `/o/furfest/housekeeping/users/${ids.kitId}/roles`;
      expect((await client.post(`${path}/assign`, { role: String(ids.roles.door), scope: 'convention' })).headers.location).toContain('done=assigned');
      const again = await client.post(`${path}/assign`, { role: String(ids.roles.door), scope: 'convention' });
      expect(again.status).toBe(409);
      expect(again.body).toContain('already holds');
      expect((await client.post(`${path}/assign`, { role: String(ids.roles.door), scope: 'global' })).status).toBe(303);
      const shown = await client.get(`/o/furfest/housekeeping/users/${ids.kitId}`);
      expect(shown.body).toContain('for the current convention');
      expect(shown.body).toContain('for every convention');
      expect((await client.post(`${path}/remove`, { role: String(ids.roles.door), scope: 'global' })).headers.location).toContain('done=removed');
      expect((await client.post(`${path}/remove`, { role: String(ids.roles.door), scope: 'global' })).status).toBe(409);
      const events = await newEvents(before);
      expect(events.map((e) => [e.type, e.actorType, e.actorId])).toEqual([
        ['role-assigned', 'user', String(ids.staffId)],
        ['role-assigned', 'user', String(ids.staffId)],
        ['role-unassigned', 'user', String(ids.staffId)],
      ]);
    });

    it('of two identical role assignments sent together, exactly one is made', async () => {
      const client = await staff();
      const wolf = (await world.database.db.selectFrom('users').select('id').where('username', '=', 'wolf').executeTakeFirstOrThrow()).id;
      await client.get(`/o/furfest/housekeeping/users/${wolf}`);
      const before = await lastEventId(world.database.db);
      const results = await Promise.all([1, 2].map(() => client.post(`/o/furfest/housekeeping/users/${wolf}/roles/assign`, { role: String(ids.roles.door), scope: 'global' })));
      expect(results.map((x) => x.status).sort()).toEqual([303, 409]);
      expect((await newEvents(before)).map((e) => e.type)).toEqual(['role-assigned']);
    });

    it("refuses another instance's user and role, bad input and a missing CSRF token", async () => {
      const client = await staff();
      const path = `/o/furfest/housekeeping/users/${ids.kitId}/roles`;
      await client.get(`/o/furfest/housekeeping/users/${ids.kitId}`);
      const before = await lastEventId(world.database.db);
      const otaku = (await world.database.db.selectFrom('users').select('id').where('username', '=', 'otaku').executeTakeFirstOrThrow()).id;
      expect((await client.get(`/o/furfest/housekeeping/users/${otaku}`)).status).toBe(404);
      expect((await client.post(`/o/furfest/housekeeping/users/${otaku}/roles/assign`, { role: String(ids.roles.door), scope: 'global' })).status).toBe(404);
      expect((await client.post(`/o/furfest/housekeeping/users/${otaku}/roles/assign`, { role: 'x', scope: 'global' })).status).toBe(404);
      expect((await client.post(`${path}/assign`, { role: String(ids.roles.animecon), scope: 'global' })).status).toBe(400);
      expect((await client.post(`${path}/assign`, { role: String(ids.roles.door), scope: 'forever' })).status).toBe(400);
      expect((await client.post(`${path}/assign`, { role: String(ids.roles.door), scope: 'global', _csrf: 'x'.repeat(32) })).status).toBe(403);
      expect((await client.get('/o/furfest/housekeeping/users?page=-1')).status).toBe(400);
      expect(await newEvents(before)).toEqual([]);
    });
  });
});
