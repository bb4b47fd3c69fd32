import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import type { Database } from '../../src/db/database.js';
import { assignVolunteer, unassignVolunteer, type VolunteerAssignmentOrigin } from '../../src/instance/volunteer-assignments.js';
import { openTestDatabase } from '../support/database.js';
import { addDepartment, addVolunteer, eventsOf, lastEventId } from './event-data-fixtures.js';
import { addOrg, addUser, type FixtureOrg } from './fixtures.js';

describe('volunteer assignments', () => {
  const clock = new ManualClock('2026-06-01T10:00:00.000Z');
  const app: VolunteerAssignmentOrigin = { actor: { type: 'app', id: '4310001' }, ip: '203.0.113.9' };
  let database: Database;
  let close: () => Promise<void>;
  let furfest: FixtureOrg;
  let animecon: FixtureOrg;
  let departments: { security: number; elsewhere: number };

  beforeAll(async () => {
    const opened = await openTestDatabase();
    database = opened.database;
    close = () => opened.close();
    furfest = await addOrg(database, 'furfest', 'Lakeshore FurFest', clock);
    animecon = await addOrg(database, 'animecon', 'Harborview Anime Con', clock);
    departments = { security: await addDepartment(database.db, furfest.orgId, 'Security'), elsewhere: await addDepartment(database.db, animecon.orgId, 'Cosplay Desk') };
  });
  afterAll(async () => {
    await close();
  });

  async function volunteer(username: string): Promise<{ userId: number; volunteerId: number }> {
    const userId = await addUser(database.db, furfest.orgId, username, null, clock);
    return { userId, volunteerId: await addVolunteer(database.db, furfest.orgId, furfest.currentConventionId, userId) };
  }
  const states = async (volunteerId: number) =>
    (await database.db.selectFrom('volunteer_departments').select(['department_id', 'state']).where('volunteer_id', '=', volunteerId).orderBy('state').execute());

  test('assign then unassign: one event each with volunteer, user and department; repeats change nothing', async () => {
    const { userId, volunteerId } = await volunteer('ada');
    await database.db.insertInto('volunteer_departments').values({ org_id: furfest.orgId, volunteer_id: volunteerId, department_id: departments.security, state: 'interest', created_at: 'x' }).execute();
    const assignment = { orgId: furfest.orgId, userId, departmentId: departments.security };
    const before = await lastEventId(database.db);
    clock.set('2026-06-01T11:00:00.000Z');
    expect(await assignVolunteer(database.db, assignment, app, clock)).toEqual({ ok: true, changed: true });
    expect(await assignVolunteer(database.db, assignment, app, clock)).toEqual({ ok: true, changed: false });
    expect(await states(volunteerId)).toEqual([{ department_id: departments.security, state: 'assignment' }, { department_id: departments.security, state: 'interest' }]);
    const assigned = await eventsOf(database.db, furfest.orgId, before);
    expect(assigned).toHaveLength(1);
    expect(assigned[0]).toMatchObject({ type: 'volunteer-assigned', actorType: 'app', actorId: '4310001', subjectId: String(userId) });
    expect(assigned[0]?.data).toEqual({
      volunteer: {
        id: String(volunteerId),
        contactMethod: 'email',
        contactMethods: { discord: 'kit#1', email: 'kit@example.org' },
        availableBeforeCon: true,
        anythingElse: null,
        previousConExperience: 'Ops 2024',
        previousOtherExperience: null,
        eventsCanNotMiss: null,
        createdAt: '2026-05-01T09:00:00.000Z',
        updatedAt: '2026-06-01T11:00:00.000Z',
      },
      user: expect.objectContaining({ id: String(userId), username: 'ada' }) as unknown,
      department: { id: String(departments.security), name: 'Security', email: 'security@example.org', publiclyVisible: true, createdAt: '2026-05-01T09:00:00.000Z', updatedAt: '2026-05-01T09:00:00.000Z' },
    });

    clock.set('2026-06-01T12:00:00.000Z');
    expect(await unassignVolunteer(database.db, assignment, app, clock)).toEqual({ ok: true, changed: true });
    expect(await unassignVolunteer(database.db, assignment, app, clock)).toEqual({ ok: true, changed: false });
    expect(await states(volunteerId)).toEqual([{ department_id: departments.security, state: 'interest' }]);
    const all = await eventsOf(database.db, furfest.orgId, before);
    expect(all.map((e) => e.type)).toEqual(['volunteer-assigned', 'volunteer-unassigned']);
    const audit = await database.db.selectFrom('audit_log').select(['action', 'details']).where('target_id', '=', String(userId)).where('action', 'like', 'volunteer.%').orderBy('id').execute();
    expect(audit).toEqual([
      { action: 'volunteer.assigned', details: JSON.stringify({ volunteerId, departmentId: departments.security }) },
      { action: 'volunteer.unassigned', details: JSON.stringify({ volunteerId, departmentId: departments.security }) },
    ]);
    const row = await database.db.selectFrom('volunteers').select('updated_at').where('id', '=', volunteerId).executeTakeFirstOrThrow();
    expect(row.updated_at).toBe('2026-06-01T12:00:00.000Z');
  });

  test('concurrent identical assignments: one writes and records its event', async () => {
    const { userId } = await volunteer('bea');
    const assignment = { orgId: furfest.orgId, userId, departmentId: departments.security };
    const before = await lastEventId(database.db);
    const results = await Promise.all([assignVolunteer(database.db, assignment, app, clock), assignVolunteer(database.db, assignment, app, clock)]);
    expect(results.map((r) => r.ok && r.changed).sort()).toEqual([false, true]);
    expect(await eventsOf(database.db, furfest.orgId, before)).toHaveLength(1);
  });

  test("refusals: another instance's department or user, no application, a past convention's application; no event", async () => {
    const { userId } = await volunteer('cy');
    const stranger = await addUser(database.db, animecon.orgId, 'stranger', null, clock);
    await addVolunteer(database.db, animecon.orgId, animecon.currentConventionId, stranger);
    const unapplied = await addUser(database.db, furfest.orgId, 'dee', null, clock);
    const past = await addUser(database.db, furfest.orgId, 'eve', null, clock);
    await addVolunteer(database.db, furfest.orgId, furfest.pastConventionId, past);
    const before = await lastEventId(database.db);
    for (const change of [assignVolunteer, unassignVolunteer]) {
      expect(await change(database.db, { orgId: furfest.orgId, userId, departmentId: departments.elsewhere }, app, clock)).toEqual({ ok: false, reason: 'department-not-found' });
      expect(await change(database.db, { orgId: furfest.orgId, userId: stranger, departmentId: departments.security }, app, clock)).toEqual({ ok: false, reason: 'volunteer-not-found' });
      expect(await change(database.db, { orgId: furfest.orgId, userId: unapplied, departmentId: departments.security }, app, clock)).toEqual({ ok: false, reason: 'volunteer-not-found' });
      expect(await change(database.db, { orgId: furfest.orgId, userId: past, departmentId: departments.security }, app, clock)).toEqual({ ok: false, reason: 'volunteer-not-found' });
    }
    expect(await eventsOf(database.db, furfest.orgId, before)).toEqual([]);
  });
});
