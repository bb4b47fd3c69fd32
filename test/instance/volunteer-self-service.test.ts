import type { Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import type { Database } from '../../src/db/database.js';
import type { OptionType, Schema } from '../../src/db/schema.js';
import { assignVolunteer } from '../../src/instance/volunteer-assignments.js';
import type { RawAnswer } from '../../src/instance/option-answers.js';
import { findOwnVolunteerApplication } from '../../src/instance/volunteer-application.js';
import {
  submitVolunteerApplication,
  updateVolunteerApplication,
  withdrawVolunteerApplication,
  type VolunteerApplicationInput,
  type VolunteerChangeOrigin,
} from '../../src/instance/volunteer-self-service.js';
import { openTestDatabase } from '../support/database.js';
import { addDepartment, eventsOf, lastEventId } from './event-data-fixtures.js';
import { addOrg, addUser, type FixtureOrg } from './fixtures.js';

async function addQuestion(db: Kysely<Schema>, org: FixtureOrg, name: string, type: OptionType, fields: { choices?: string[]; required?: boolean; min?: number; max?: number; maxLength?: number } = {}): Promise<number> {
  const stamp = '2026-05-01T09:00:00.000Z';
  const row = await db
    .insertInto('option_definitions')
    .values({ org_id: org.orgId, convention_id: org.currentConventionId, target: 'volunteer', name, type, choices: JSON.stringify(fields.choices ?? []), required: fields.required === true ? 1 : 0, min_value: fields.min ?? null, max_value: fields.max ?? null, max_length: fields.maxLength ?? null, sort_order: 0, created_at: stamp, updated_at: stamp })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

describe('volunteer application self-service', () => {
  const clock = new ManualClock('2026-06-01T10:00:00.000Z');
  let database: Database;
  let close: () => Promise<void>;
  let furfest: FixtureOrg;
  let animecon: FixtureOrg;
  let departments: { security: number; art: number; hidden: number; elsewhere: number };
  let questions: { shirt: number; shifts: number; hours: number; note: number };

  const who = (userId: number): VolunteerChangeOrigin => ({ actor: { type: 'user', id: String(userId) }, ip: '198.51.100.4' });

  function application(overrides: Partial<VolunteerApplicationInput> = {}): VolunteerApplicationInput {
    return {
      contactMethods: [{ name: 'Email', value: 'kit@example.org' }, { name: 'discord', value: 'kit#1' }],
      primaryContactMethod: 'email',
      preferences: new Map([[departments.security, ['experience', 'interest'] as const]]),
      availableBeforeCon: true,
      anythingElse: '',
      previousConExperience: 'Ops 2024',
      previousOtherExperience: '',
      eventsCanNotMiss: '',
      options: new Map<number, RawAnswer>([[questions.shirt, 'M'], [questions.shifts, ['Sunday', 'Friday']], [questions.hours, '12']]),
      ...overrides,
    };
  }

  beforeAll(async () => {
    const opened = await openTestDatabase();
    database = opened.database;
    close = () => opened.close();
    furfest = await addOrg(database, 'furfest', 'Lakeshore FurFest', clock);
    animecon = await addOrg(database, 'animecon', 'Harborview Anime Con', clock);
    departments = {
      security: await addDepartment(database.db, furfest.orgId, 'Security'),
      art: await addDepartment(database.db, furfest.orgId, 'Art Show'),
      hidden: await addDepartment(database.db, furfest.orgId, 'Board'),
      elsewhere: await addDepartment(database.db, animecon.orgId, 'Cosplay Desk'),
    };
    await database.db.updateTable('departments').set({ publicly_visible: 0 }).where('id', '=', departments.hidden).execute();
    questions = {
      shirt: await addQuestion(database.db, furfest, 'Shirt size', 'select', { choices: ['S', 'M', 'L'], required: true }),
      shifts: await addQuestion(database.db, furfest, 'Days', 'multi', { choices: ['Friday', 'Saturday', 'Sunday'] }),
      hours: await addQuestion(database.db, furfest, 'Hours', 'number', { min: 4, max: 40 }),
      note: await addQuestion(database.db, furfest, 'Note', 'text', { maxLength: 10 }),
    };
  });
  afterAll(async () => {
    await close();
  });

  test('submit, update, no-op and withdraw: one event each with volunteer and user, none for the no-op', async () => {
    const userId = await addUser(database.db, furfest.orgId, 'ada', null, clock);
    const before = await lastEventId(database.db);
    const submitted = await submitVolunteerApplication(database.db, { orgId: furfest.orgId, userId, application: application() }, who(userId), clock);
    expect(submitted).toMatchObject({ ok: true, changed: true });
    const stored = await findOwnVolunteerApplication(database.db, furfest.orgId, userId);
    expect(stored).toMatchObject({
      contactMethods: [{ name: 'email', value: 'kit@example.org', isPrimary: true }, { name: 'discord', value: 'kit#1', isPrimary: false }],
      availableBeforeCon: true,
      previousConExperience: 'Ops 2024',
      anythingElse: null,
      createdAt: '2026-06-01T10:00:00.000Z',
      updatedAt: '2026-06-01T10:00:00.000Z',
    });
    expect(stored?.preferences).toEqual(new Map([[departments.security, ['experience', 'interest']]]));
    expect(JSON.parse(stored?.optionValues ?? '')).toEqual({ [questions.shirt]: 'M', [questions.shifts]: ['Friday', 'Sunday'], [questions.hours]: 12 });

    // Same millisecond: the version still moves on, so an editor of the old version is refused.
    const version = stored?.updatedAt ?? '';
    const updated = await updateVolunteerApplication(database.db, { orgId: furfest.orgId, userId, application: application({ primaryContactMethod: 'discord', preferences: new Map([[departments.art, ['avoid']]]) }), expectedUpdatedAt: version }, who(userId), clock);
    expect(updated).toMatchObject({ ok: true, changed: true, volunteer: { contactMethod: 'discord', updatedAt: '2026-06-01T10:00:00.001Z' } });
    const again = await updateVolunteerApplication(database.db, { orgId: furfest.orgId, userId, application: application({ primaryContactMethod: 'discord', preferences: new Map([[departments.art, ['avoid']]]) }), expectedUpdatedAt: '2026-06-01T10:00:00.001Z' }, who(userId), clock);
    expect(again).toMatchObject({ ok: true, changed: false });

    clock.set('2026-06-02T10:00:00.000Z');
    const withdrawn = await withdrawVolunteerApplication(database.db, { orgId: furfest.orgId, userId, expectedUpdatedAt: '2026-06-01T10:00:00.001Z' }, who(userId), clock);
    expect(withdrawn).toEqual({ ok: true });
    expect(await findOwnVolunteerApplication(database.db, furfest.orgId, userId)).toBeUndefined();

    const events = await eventsOf(database.db, furfest.orgId, before);
    expect(events.map((e) => [e.type, e.actorType, e.actorId, e.subjectId])).toEqual([
      ['volunteer-submitted', 'user', String(userId), String(userId)],
      ['volunteer-updated', 'user', String(userId), String(userId)],
      ['volunteer-deleted', 'user', String(userId), String(userId)],
    ]);
    expect(events[0]?.data).toEqual({
      volunteer: {
        id: String(stored?.id),
        contactMethod: 'email',
        contactMethods: { discord: 'kit#1', email: 'kit@example.org' },
        availableBeforeCon: true,
        anythingElse: null,
        previousConExperience: 'Ops 2024',
        previousOtherExperience: null,
        eventsCanNotMiss: null,
        createdAt: '2026-06-01T10:00:00.000Z',
        updatedAt: '2026-06-01T10:00:00.000Z',
      },
      user: expect.objectContaining({ id: String(userId), username: 'ada' }) as unknown,
    });
    expect(events[2]?.data).toMatchObject({ volunteer: { id: String(stored?.id), contactMethod: 'discord', updatedAt: '2026-06-01T10:00:00.001Z' } });
    const audit = await database.db.selectFrom('audit_log').select('action').where('target_id', '=', String(userId)).where('action', 'like', 'volunteer.%').orderBy('id').execute();
    expect(audit.map((a) => a.action)).toEqual(['volunteer.submitted', 'volunteer.updated', 'volunteer.withdrawn']);
  });

  test('validation: every problem by field, nothing written, no event', async () => {
    const userId = await addUser(database.db, furfest.orgId, 'bea', null, clock);
    const before = await lastEventId(database.db);
    const refuse = async (overrides: Partial<VolunteerApplicationInput>) => {
      const result = await submitVolunteerApplication(database.db, { orgId: furfest.orgId, userId, application: application(overrides) }, who(userId), clock);
      if (result.ok || result.reason !== 'invalid') throw new Error(`expected invalid, got ${JSON.stringify(result)}`);
      return result.errors;
    };
    expect(await refuse({ contactMethods: [] })).toEqual({ contactMethods: 'Add at least one way to contact you, e.g. email and your address.' });
    expect(await refuse({ contactMethods: [{ name: 'email', value: 'a' }, { name: 'EMAIL', value: 'b' }] })).toEqual({ contactMethods: 'List email only once.' });
    expect(await refuse({ contactMethods: [{ name: 'email', value: '' }] })).toHaveProperty('contactMethods', 'Enter your email address or handle.');
    expect(await refuse({ contactMethods: [{ name: '<script>', value: 'x' }] })).toHaveProperty('contactMethods');
    expect(await refuse({ contactMethods: [{ name: 'email', value: 'x'.repeat(201) }] })).toHaveProperty('contactMethods');
    expect(await refuse({ contactMethods: Array.from({ length: 11 }, (_, i) => ({ name: `m${i}`, value: 'x' })) })).toHaveProperty('contactMethods', 'Add at most 10 ways to contact you.');
    expect(await refuse({ primaryContactMethod: 'telegram' })).toEqual({ primaryContactMethod: 'Choose which of your contact methods we should use first.' });
    expect(await refuse({ preferences: new Map([[departments.security, ['interest', 'avoid']]]) })).toEqual({ departments: 'A department cannot be both one you are interested in and one to avoid.' });
    expect(await refuse({ preferences: new Map([[departments.elsewhere, ['interest']]]) })).toEqual({ departments: 'One of the departments chosen is not open to volunteers here. Reload the form.' });
    expect(await refuse({ preferences: new Map([[departments.hidden, ['interest']]]) })).toHaveProperty('departments');
    expect(await refuse({ anythingElse: 'x'.repeat(2001), eventsCanNotMiss: 'bell\u0007' })).toEqual({ anythingElse: 'Anything else can be at most 2000 characters long.', eventsCanNotMiss: 'Events you cannot miss contains characters that cannot be used.' });
    expect(await refuse({ options: new Map<number, RawAnswer>([[questions.shirt, 'XXL'], [questions.shifts, ['Monday']], [questions.hours, '41'], [questions.note, 'far too long text'], [999999, 'x']]) })).toEqual({
      [`option-${questions.shirt}`]: 'Choose one of the answers offered for “Shirt size”.',
      [`option-${questions.shifts}`]: 'Choose only among the answers offered for “Days”.',
      [`option-${questions.hours}`]: '“Hours” must be at most 40.',
      [`option-${questions.note}`]: 'The answer to “Note” can be at most 10 characters long.',
      'option-999999': 'This question is not asked here (any more). Reload the form.',
    });
    expect(await refuse({ options: new Map([[questions.hours, 'ten']]) })).toEqual({ [`option-${questions.shirt}`]: 'Answer “Shirt size”.', [`option-${questions.hours}`]: 'Enter a number for “Hours”.' });
    expect(await findOwnVolunteerApplication(database.db, furfest.orgId, userId)).toBeUndefined();
    expect(await eventsOf(database.db, furfest.orgId, before)).toEqual([]);
  });

  test('stale edits and withdrawals are refused; a second submission is refused; concurrent submissions make one application', async () => {
    const userId = await addUser(database.db, furfest.orgId, 'cy', null, clock);
    clock.set('2026-06-03T10:00:00.000Z');
    const results = await Promise.all([1, 2].map(() => submitVolunteerApplication(database.db, { orgId: furfest.orgId, userId, application: application() }, who(userId), clock)));
    expect(results.map((r) => (r.ok ? 'ok' : r.reason)).sort()).toEqual(['exists', 'ok']);
    const before = await lastEventId(database.db);
    const first = await updateVolunteerApplication(database.db, { orgId: furfest.orgId, userId, application: application({ anythingElse: 'first tab' }), expectedUpdatedAt: '2026-06-03T10:00:00.000Z' }, who(userId), clock);
    expect(first).toMatchObject({ ok: true, changed: true });
    const second = await updateVolunteerApplication(database.db, { orgId: furfest.orgId, userId, application: application({ anythingElse: 'second tab' }), expectedUpdatedAt: '2026-06-03T10:00:00.000Z' }, who(userId), clock);
    expect(second).toEqual({ ok: false, reason: 'stale' });
    expect(await withdrawVolunteerApplication(database.db, { orgId: furfest.orgId, userId, expectedUpdatedAt: '2026-06-03T10:00:00.000Z' }, who(userId), clock)).toEqual({ ok: false, reason: 'stale' });
    expect((await findOwnVolunteerApplication(database.db, furfest.orgId, userId))?.anythingElse).toBe('first tab');
    expect((await eventsOf(database.db, furfest.orgId, before)).map((e) => e.type)).toEqual(['volunteer-updated']);

    // Concurrent edits from the same version: exactly one wins.
    const version = (await findOwnVolunteerApplication(database.db, furfest.orgId, userId))?.updatedAt ?? '';
    const edits = await Promise.all(['a', 'b'].map((text) => updateVolunteerApplication(database.db, { orgId: furfest.orgId, userId, application: application({ anythingElse: text }), expectedUpdatedAt: version }, who(userId), clock)));
    expect(edits.map((r) => (r.ok ? 'ok' : r.reason)).sort()).toEqual(['ok', 'stale']);
    expect((await eventsOf(database.db, furfest.orgId, before)).map((e) => e.type)).toEqual(['volunteer-updated', 'volunteer-updated']);
  });

  test("preferences leave staff assignments and hidden departments' states alone; other instances and users see nothing", async () => {
    const userId = await addUser(database.db, furfest.orgId, 'dee', null, clock);
    const submitted = await submitVolunteerApplication(database.db, { orgId: furfest.orgId, userId, application: application() }, who(userId), clock);
    if (!submitted.ok) throw new Error('submit failed');
    const volunteerId = Number(submitted.volunteer.id);
    expect(await assignVolunteer(database.db, { orgId: furfest.orgId, userId, departmentId: departments.security }, who(1), clock)).toEqual({ ok: true, changed: true });
    await database.db.insertInto('volunteer_departments').values({ org_id: furfest.orgId, volunteer_id: volunteerId, department_id: departments.hidden, state: 'interest', created_at: 'x' }).execute();
    const version = (await findOwnVolunteerApplication(database.db, furfest.orgId, userId))?.updatedAt ?? '';
    const updated = await updateVolunteerApplication(database.db, { orgId: furfest.orgId, userId, application: application({ preferences: new Map() }), expectedUpdatedAt: version }, who(userId), clock);
    expect(updated).toMatchObject({ ok: true, changed: true });
    const states = await database.db.selectFrom('volunteer_departments').select(['department_id', 'state']).where('volunteer_id', '=', volunteerId).orderBy('department_id').orderBy('state').execute();
    expect(states).toEqual([
      { department_id: departments.security, state: 'assignment' },
      { department_id: departments.hidden, state: 'interest' },
    ]);
    expect((await findOwnVolunteerApplication(database.db, furfest.orgId, userId))?.assignedDepartments).toEqual(['Security']);

    // The same user id in another instance has no application there, and cannot change this one.
    expect(await findOwnVolunteerApplication(database.db, animecon.orgId, userId)).toBeUndefined();
    expect(await updateVolunteerApplication(database.db, { orgId: animecon.orgId, userId, application: application(), expectedUpdatedAt: version }, who(userId), clock)).toEqual({ ok: false, reason: 'not-found' });
    expect(await withdrawVolunteerApplication(database.db, { orgId: animecon.orgId, userId, expectedUpdatedAt: version }, who(userId), clock)).toEqual({ ok: false, reason: 'not-found' });
    expect(await submitVolunteerApplication(database.db, { orgId: animecon.orgId, userId, application: application() }, who(userId), clock)).toEqual({ ok: false, reason: 'not-found' });
  });
});
