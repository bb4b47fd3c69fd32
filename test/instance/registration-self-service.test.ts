import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import type { Database } from '../../src/db/database.js';
import { changeRegistration, type RegistrationChangeOrigin } from '../../src/instance/registration-changes.js';
import type { RawAnswer } from '../../src/instance/option-answers.js';
import { registerForConvention, updateOwnRegistration, type RegistrationChoices } from '../../src/instance/registration-self-service.js';
import { openTestDatabase } from '../support/database.js';
import { addProduct, eventsOf, lastEventId } from './event-data-fixtures.js';
import { addOrg, addUser, type FixtureOrg } from './fixtures.js';
import { addRegistrationForm, type RegistrationFormFixture } from './registration-form-fixtures.js';

describe('registration self-service', () => {
  const clock = new ManualClock('2026-06-01T10:00:00.000Z');
  let database: Database;
  let close: () => Promise<void>;
  let furfest: FixtureOrg;
  let animecon: FixtureOrg;
  let form: RegistrationFormFixture;
  let elsewhereProduct: number;
  let pastProduct: number;

  beforeAll(async () => {
    const opened = await openTestDatabase();
    database = opened.database;
    close = () => opened.close();
    furfest = await addOrg(database, 'furfest', 'Lakeshore FurFest', clock);
    animecon = await addOrg(database, 'animecon', 'Harborview Anime Con', clock);
    form = await addRegistrationForm(database.db, furfest.orgId, furfest.currentConventionId);
    elsewhereProduct = await addProduct(database.db, animecon.orgId, animecon.currentConventionId, 'attendee');
    pastProduct = await addProduct(database.db, furfest.orgId, furfest.pastConventionId, 'attendee');
  });
  afterAll(async () => {
    await close();
  });

  const by = (userId: number): RegistrationChangeOrigin => ({ actor: { type: 'user', id: String(userId) }, ip: '203.0.113.7' });
  const answers = (entries: Record<number, RawAnswer>): Map<number, RawAnswer> => new Map(Object.entries(entries).map(([id, answer]) => [Number(id), answer]));
  const choices = (fields: Partial<RegistrationChoices> = {}): RegistrationChoices => ({
    productId: form.levels.attendee,
    badgeName: 'Kit',
    answers: answers({ [form.options.shirt]: 'M', [form.options.diet]: ['Vegan'], [form.options.species]: 'Fox', [form.options.nights]: '3' }),
    ...fields,
  });
  /** The option errors of a registration with these answers (each other answer valid). */
  async function optionErrors(userId: number, given: Record<number, RawAnswer>): Promise<Record<string, string>> {
    const result = await registerForConvention(database.db, { orgId: furfest.orgId, userId, ...choices({ answers: answers({ [form.options.shirt]: 'M', ...given }) }) }, by(userId), clock);
    if (result.ok || result.reason !== 'invalid') throw new Error(`expected a refusal, got ${JSON.stringify(result)}`);
    return result.errors;
  }
  async function user(username: string): Promise<number> {
    return addUser(database.db, furfest.orgId, username, null, clock);
  }
  async function registered(username: string): Promise<{ userId: number; registrationId: number }> {
    const userId = await user(username);
    const result = await registerForConvention(database.db, { orgId: furfest.orgId, userId, ...choices({ badgeName: username }) }, by(userId), clock);
    if (!result.ok) throw new Error(`could not register ${username}: ${result.reason}`);
    return { userId, registrationId: result.registrationId };
  }
  const row = (registrationId: number) => database.db.selectFrom('registrations').selectAll().where('id', '=', registrationId).executeTakeFirstOrThrow();
  const rowsOf = (userId: number) => database.db.selectFrom('registrations').selectAll().where('user_id', '=', userId).execute();

  test('each option type is checked against its definition, with a message naming the option', async () => {
    const userId = await user('olga');
    const o = form.options;
    expect(await optionErrors(userId, { [o.shirt]: '' })).toEqual({ [`option-${o.shirt}`]: 'Answer “Shirt Size”.' });
    expect(await optionErrors(userId, { [o.shirt]: 'XXL' })).toEqual({ [`option-${o.shirt}`]: 'Choose one of the answers offered for “Shirt Size”.' });
    expect(await optionErrors(userId, { [o.shirt]: ['S', 'M'] })).toEqual({ [`option-${o.shirt}`]: 'Choose one of the answers offered for “Shirt Size”.' });
    expect(await optionErrors(userId, { [o.diet]: ['Vegan', 'Paleo'] })).toEqual({ [`option-${o.diet}`]: 'Choose only among the answers offered for “Dietary Needs”.' });
    expect(await optionErrors(userId, { [o.species]: 'Snow Leopard' })).toEqual({ [`option-${o.species}`]: 'The answer to “Species” can be at most 10 characters long.' });
    expect(await optionErrors(userId, { [o.nights]: '6' })).toEqual({ [`option-${o.nights}`]: '“Hotel Nights” must be at most 5.' });
    expect(await optionErrors(userId, { [o.nights]: '-1' })).toEqual({ [`option-${o.nights}`]: '“Hotel Nights” must be at least 0.' });
    for (const bad of ['three', '1e3', '0x10', 'Infinity', '9'.repeat(400)]) expect(await optionErrors(userId, { [o.nights]: bad })).toEqual({ [`option-${o.nights}`]: 'Enter a number for “Hotel Nights”.' });
    expect(await optionErrors(userId, { 424242: 'x' })).toEqual({ 'option-424242': 'This question is not asked here (any more). Reload the form.' });
    expect(await rowsOf(userId)).toEqual([]);

    // Valid answers: multi deduplicated in the choices' order, numbers stored as numbers, optional ones left out.
    const result = await registerForConvention(database.db, { orgId: furfest.orgId, userId, ...choices({ answers: answers({ [o.shirt]: 'S', [o.diet]: ['Nut allergy', 'Vegan', 'Vegan'], [o.nights]: '2.5', [o.species]: '' }) }) }, by(userId), clock);
    expect(result).toMatchObject({ ok: true });
    expect(JSON.parse((await rowsOf(userId))[0]?.option_values ?? '')).toEqual({ [o.shirt]: 'S', [o.diet]: ['Vegan', 'Nut allergy'], [o.nights]: 2.5 });
  });

  test('registering writes an unpaid registration at version 1, audits it and records one registration-updated event', async () => {
    const userId = await user('ada');
    const before = await lastEventId(database.db);
    const result = await registerForConvention(database.db, { orgId: furfest.orgId, userId, ...choices({ answers: answers({ [form.options.shirt]: 'L', [form.options.diet]: ['Nut allergy', 'Vegan'], [form.options.nights]: '2' }) }) }, by(userId), clock);
    expect(result).toMatchObject({ ok: true, version: 1 });
    if (!result.ok) return;
    const saved = await row(result.registrationId);
    expect(saved).toMatchObject({ org_id: furfest.orgId, convention_id: furfest.currentConventionId, product_id: form.levels.attendee, badge_name: 'Kit', status: 'unpaid', version: 1, created_at: '2026-06-01T10:00:00.000Z' });
    expect(JSON.parse(saved.option_values)).toEqual({ [form.options.shirt]: 'L', [form.options.diet]: ['Vegan', 'Nut allergy'], [form.options.nights]: 2 });
    const audit = await database.db.selectFrom('audit_log').select(['action', 'actor_type', 'actor_id', 'ip']).where('target_type', '=', 'user').where('target_id', '=', String(userId)).execute();
    expect(audit).toEqual([{ action: 'registration.created', actor_type: 'user', actor_id: String(userId), ip: '203.0.113.7' }]);
    const events = await eventsOf(database.db, furfest.orgId, before);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ type: 'registration-updated', actorType: 'user', actorId: String(userId), subjectId: String(userId) });
    expect(events[0]?.data).toMatchObject({ registration: { id: String(result.registrationId), attendanceTypeId: String(form.levels.attendee), badgeName: 'Kit', status: 'unpaid' } });
  });

  test('invalid choices are refused field by field and write nothing', async () => {
    const userId = await user('bea');
    const before = await lastEventId(database.db);
    const result = await registerForConvention(
      database.db,
      { orgId: furfest.orgId, userId, productId: null, badgeName: ' ', answers: answers({ [form.options.shirt]: 'XXL', [form.options.nights]: '9' }) },
      by(userId),
      clock,
    );
    expect(result).toEqual({
      ok: false,
      reason: 'invalid',
      errors: {
        productId: 'Choose a badge level.',
        badgeName: 'Badge name must not be blank.',
        [`option-${form.options.shirt}`]: 'Choose one of the answers offered for “Shirt Size”.',
        [`option-${form.options.nights}`]: '“Hotel Nights” must be at most 5.',
      },
    });
    const missing = await registerForConvention(database.db, { orgId: furfest.orgId, userId, ...choices({ answers: new Map() }) }, by(userId), clock);
    expect(missing).toEqual({ ok: false, reason: 'invalid', errors: { [`option-${form.options.shirt}`]: 'Answer “Shirt Size”.' } });
    expect(await rowsOf(userId)).toEqual([]);
    expect(await eventsOf(database.db, furfest.orgId, before)).toEqual([]);
  });

  test("another instance's or another convention's badge level is refused", async () => {
    const userId = await user('cy');
    for (const productId of [elsewhereProduct, pastProduct, 2_000_000_000]) {
      const result = await registerForConvention(database.db, { orgId: furfest.orgId, userId, ...choices({ productId }) }, by(userId), clock);
      expect(result).toEqual({ ok: false, reason: 'invalid', errors: { productId: 'Choose one of the badge levels offered for this convention.' } });
    }
    expect(await rowsOf(userId)).toEqual([]);
  });

  test('registering twice, even concurrently, keeps one registration and one event', async () => {
    const userId = await user('dee');
    const before = await lastEventId(database.db);
    const results = await Promise.all([1, 2, 3].map(() => registerForConvention(database.db, { orgId: furfest.orgId, userId, ...choices() }, by(userId), clock)));
    expect(results.filter((r) => r.ok)).toHaveLength(1);
    expect(results.filter((r) => !r.ok)).toEqual([
      { ok: false, reason: 'already-registered' },
      { ok: false, reason: 'already-registered' },
    ]);
    expect(await rowsOf(userId)).toHaveLength(1);
    expect(await eventsOf(database.db, furfest.orgId, before)).toHaveLength(1);
  });

  test('without a current convention there is nothing to register for', async () => {
    const quiet = await addOrg(database, 'quietcon', 'Quiet Con', clock);
    await database.db.updateTable('conventions').set({ is_current: 0 }).where('org_id', '=', quiet.orgId).execute();
    const userId = await addUser(database.db, quiet.orgId, 'eve', null, clock);
    expect(await registerForConvention(database.db, { orgId: quiet.orgId, userId, ...choices() }, by(userId), clock)).toEqual({ ok: false, reason: 'no-convention' });
  });

  test('an edit writes the changes, bumps the version, audits what changed and records one event; a no-op writes nothing', async () => {
    const { userId, registrationId } = await registered('fay');
    clock.set('2026-06-02T10:00:00.000Z');
    const before = await lastEventId(database.db);
    const edit = choices({ productId: form.levels.sponsor, badgeName: 'Fay the Fox', answers: answers({ [form.options.shirt]: 'S', [form.options.diet]: ['Vegan'], [form.options.species]: 'Fox' }) });
    expect(await updateOwnRegistration(database.db, { orgId: furfest.orgId, userId, expectedVersion: 1, ...edit }, by(userId), clock)).toEqual({ ok: true, changed: true, version: 2 });
    const saved = await row(registrationId);
    expect(saved).toMatchObject({ product_id: form.levels.sponsor, badge_name: 'Fay the Fox', version: 2, updated_at: '2026-06-02T10:00:00.000Z' });
    expect(JSON.parse(saved.option_values)).toEqual({ [form.options.shirt]: 'S', [form.options.diet]: ['Vegan'], [form.options.species]: 'Fox' });
    const audit = await database.db.selectFrom('audit_log').select('details').where('action', '=', 'registration.updated').where('target_type', '=', 'user').where('target_id', '=', String(userId)).execute();
    expect(audit.map((a) => JSON.parse(a.details) as unknown)).toEqual([
      { registrationId, productId: { from: form.levels.attendee, to: form.levels.sponsor }, badgeName: { from: 'fay', to: 'Fay the Fox' }, optionsChanged: [form.options.shirt, form.options.nights] },
    ]);
    const events = await eventsOf(database.db, furfest.orgId, before);
    expect(events).toHaveLength(1);
    expect(events[0]?.data).toMatchObject({ registration: { attendanceTypeId: String(form.levels.sponsor), badgeName: 'Fay the Fox' } });

    const again = await updateOwnRegistration(database.db, { orgId: furfest.orgId, userId, expectedVersion: 2, ...edit, answers: new Map([...edit.answers, [form.options.diet, ['Vegan', 'Vegan']]]) }, by(userId), clock);
    expect(again).toEqual({ ok: true, changed: false, version: 2 });
    expect((await row(registrationId)).version).toBe(2);
    expect(await eventsOf(database.db, furfest.orgId, before)).toHaveLength(1);
  });

  test('an edit made against an older version is refused, also after a staff change, and writes nothing', async () => {
    const { userId, registrationId } = await registered('gus');
    const staff: RegistrationChangeOrigin = { actor: { type: 'app', id: '1' }, ip: null };
    expect(await changeRegistration(database.db, { orgId: furfest.orgId, userId, badgeName: 'Gus G.', ifMatch: null }, staff, clock)).toMatchObject({ ok: true, changed: true });
    const before = await lastEventId(database.db);
    const stale = await updateOwnRegistration(database.db, { orgId: furfest.orgId, userId, expectedVersion: 1, ...choices({ badgeName: 'Gus' }) }, by(userId), clock);
    expect(stale).toEqual({ ok: false, reason: 'stale', version: 2 });
    expect((await row(registrationId)).badge_name).toBe('Gus G.');
    expect(await eventsOf(database.db, furfest.orgId, before)).toEqual([]);
  });

  test('two edits from the same version: one is saved, the other refused as stale', async () => {
    const { userId, registrationId } = await registered('hal');
    const before = await lastEventId(database.db);
    const results = await Promise.all(['Hal A', 'Hal B'].map((badgeName) => updateOwnRegistration(database.db, { orgId: furfest.orgId, userId, expectedVersion: 1, ...choices({ badgeName }) }, by(userId), clock)));
    expect(results.filter((r) => r.ok)).toEqual([{ ok: true, changed: true, version: 2 }]);
    expect(results.filter((r) => !r.ok)).toEqual([{ ok: false, reason: 'stale', version: 2 }]);
    expect((await row(registrationId)).version).toBe(2);
    expect(await eventsOf(database.db, furfest.orgId, before)).toHaveLength(1);
  });

  test('a paid registration keeps its badge level; cancelled ones, and none at all, cannot be edited', async () => {
    const { userId, registrationId } = await registered('ivy');
    await changeRegistration(database.db, { orgId: furfest.orgId, userId, status: 'paid', ifMatch: null }, by(userId), clock);
    const level = await updateOwnRegistration(database.db, { orgId: furfest.orgId, userId, expectedVersion: 2, ...choices({ productId: form.levels.sponsor }) }, by(userId), clock);
    expect(level).toEqual({ ok: false, reason: 'invalid', errors: { productId: 'Your registration is paid: ask the registration desk to change its badge level.' } });
    expect(await updateOwnRegistration(database.db, { orgId: furfest.orgId, userId, expectedVersion: 2, ...choices({ badgeName: 'Ivy' }) }, by(userId), clock)).toEqual({ ok: true, changed: true, version: 3 });
    await changeRegistration(database.db, { orgId: furfest.orgId, userId, status: 'cancelled', ifMatch: null }, by(userId), clock);
    expect(await updateOwnRegistration(database.db, { orgId: furfest.orgId, userId, expectedVersion: 4, ...choices({ badgeName: 'Ivy 2' }) }, by(userId), clock)).toEqual({ ok: false, reason: 'closed', status: 'cancelled' });
    expect((await row(registrationId)).badge_name).toBe('Ivy');
    const nobody = await user('jo');
    expect(await updateOwnRegistration(database.db, { orgId: furfest.orgId, userId: nobody, expectedVersion: 1, ...choices() }, by(nobody), clock)).toEqual({ ok: false, reason: 'not-found' });
  });

  test('stored answers to an option no longer asked are kept by an edit', async () => {
    const { userId, registrationId } = await registered('kay');
    await database.db.updateTable('registrations').set({ option_values: JSON.stringify({ [form.options.shirt]: 'M', 424243: 'an old answer' }) }).where('id', '=', registrationId).execute();
    expect(await updateOwnRegistration(database.db, { orgId: furfest.orgId, userId, expectedVersion: 1, ...choices({ answers: answers({ [form.options.shirt]: 'L' }) }) }, by(userId), clock)).toMatchObject({ ok: true, changed: true });
    expect(JSON.parse((await row(registrationId)).option_values)).toEqual({ [form.options.shirt]: 'L', 424243: 'an old answer' });
  });
});
