import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import type { Database } from '../../src/db/database.js';
import { badgeNameProblem, changeRegistration, registrationETag, type RegistrationChange, type RegistrationChangeOrigin } from '../../src/instance/registration-changes.js';
import { openTestDatabase } from '../support/database.js';
import { addFlag, addProduct, addRegistration, eventsOf, lastEventId } from './event-data-fixtures.js';
import { addOrg, addUser, type FixtureOrg } from './fixtures.js';

describe('registration changes', () => {
  const clock = new ManualClock('2026-06-01T10:00:00.000Z');
  const app: RegistrationChangeOrigin = { actor: { type: 'app', id: '4310001' }, ip: '203.0.113.9' };
  let database: Database;
  let close: () => Promise<void>;
  let furfest: FixtureOrg;
  let animecon: FixtureOrg;
  let flags: { fursuit: number; sponsor: number; elsewhere: number };
  let product: number;

  beforeAll(async () => {
    const opened = await openTestDatabase();
    database = opened.database;
    close = () => opened.close();
    furfest = await addOrg(database, 'furfest', 'Lakeshore FurFest', clock);
    animecon = await addOrg(database, 'animecon', 'Harborview Anime Con', clock);
    product = await addProduct(database.db, furfest.orgId, furfest.currentConventionId, 'attendee');
    flags = { fursuit: await addFlag(database.db, furfest.orgId, 'fursuits'), sponsor: await addFlag(database.db, furfest.orgId, 'sponsor'), elsewhere: await addFlag(database.db, animecon.orgId, 'cosplay') };
  });
  afterAll(async () => {
    await close();
  });

  async function registered(username: string): Promise<{ userId: number; registrationId: number }> {
    const userId = await addUser(database.db, furfest.orgId, username, null, clock);
    const registrationId = await addRegistration(database.db, furfest.orgId, furfest.currentConventionId, userId, product, { badgeName: username });
    return { userId, registrationId };
  }
  const change = (userId: number, fields: Partial<RegistrationChange> = {}): RegistrationChange => ({ orgId: furfest.orgId, userId, ifMatch: null, ...fields });
  async function stored(registrationId: number) {
    const row = await database.db.selectFrom('registrations').select(['status', 'badge_name', 'version', 'updated_at']).where('id', '=', registrationId).executeTakeFirstOrThrow();
    const held = await database.db.selectFrom('registration_flags').select('flag_id').where('registration_id', '=', registrationId).orderBy('flag_id').execute();
    return { ...row, flags: held.map((f) => f.flag_id) };
  }

  test('badge names: 1 to 64 characters, not blank, trimmed, no control characters', () => {
    expect(badgeNameProblem('Kit the Fox')).toBeNull();
    expect(badgeNameProblem('🦊'.repeat(64))).toBeNull();
    expect(badgeNameProblem('🦊'.repeat(65))).toMatch(/64/);
    expect(badgeNameProblem('   ')).toMatch(/blank/);
    expect(badgeNameProblem(' Kit')).toMatch(/spaces/);
    expect(badgeNameProblem('Kit\nFox')).toMatch(/control/);
  });

  test('a change writes status, badge name and flags, bumps the version, audits and records one registration-updated event', async () => {
    const { userId, registrationId } = await registered('ada');
    await database.db.insertInto('registration_flags').values({ org_id: furfest.orgId, registration_id: registrationId, flag_id: flags.sponsor }).execute();
    clock.set('2026-06-01T11:00:00.000Z');
    const before = await lastEventId(database.db);
    const result = await changeRegistration(database.db, change(userId, { status: 'paid', badgeName: 'Ada L.', addFlagIds: [flags.fursuit, flags.fursuit], removeFlagIds: [flags.sponsor] }), app, clock);
    expect(result).toEqual({ ok: true, changed: true, etag: registrationETag(registrationId, 2) });
    expect(await stored(registrationId)).toEqual({ status: 'paid', badge_name: 'Ada L.', version: 2, updated_at: '2026-06-01T11:00:00.000Z', flags: [flags.fursuit] });
    const audit = await database.db.selectFrom('audit_log').select(['actor_type', 'actor_id', 'action', 'details', 'ip']).where('action', '=', 'registration.updated').where('target_id', '=', String(userId)).execute();
    expect(audit).toEqual([
      {
        actor_type: 'app',
        actor_id: '4310001',
        action: 'registration.updated',
        details: JSON.stringify({ registrationId, status: { from: 'unpaid', to: 'paid' }, badgeName: { from: 'ada', to: 'Ada L.' }, flagsAdded: [flags.fursuit], flagsRemoved: [flags.sponsor] }),
        ip: '203.0.113.9',
      },
    ]);
    const events = await eventsOf(database.db, furfest.orgId, before);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ type: 'registration-updated', actorType: 'app', actorId: '4310001', subjectId: String(userId) });
    expect(events[0]?.data).toEqual({
      registration: {
        id: String(registrationId),
        userId: String(userId),
        attendanceTypeId: String(product),
        badgeArtId: null,
        badgeName: 'Ada L.',
        status: 'paid',
        flags: [{ id: String(flags.fursuit), shortName: 'fursuits' }],
        createdAt: '2026-05-01T09:00:00.000Z',
        updatedAt: '2026-06-01T11:00:00.000Z',
      },
      user: expect.objectContaining({ id: String(userId), username: 'ada', socialLinks: {} }) as unknown,
    });
  });

  test('an empty change, or one that alters nothing, writes nothing and records no event', async () => {
    const { userId, registrationId } = await registered('bea');
    const before = await lastEventId(database.db);
    const etag = registrationETag(registrationId, 1);
    expect(await changeRegistration(database.db, change(userId), app, clock)).toEqual({ ok: true, changed: false, etag });
    expect(await changeRegistration(database.db, change(userId, { status: 'unpaid', badgeName: 'bea', removeFlagIds: [flags.fursuit] }), app, clock)).toEqual({ ok: true, changed: false, etag });
    expect((await stored(registrationId)).version).toBe(1);
    expect(await eventsOf(database.db, furfest.orgId, before)).toEqual([]);
  });

  test('a change conditioned on a stale ETag is refused with the current one; a current or listed ETag applies', async () => {
    const { userId, registrationId } = await registered('cy');
    const first = registrationETag(registrationId, 1);
    expect(await changeRegistration(database.db, change(userId, { status: 'paid', ifMatch: ['"0-0"', first] }), app, clock)).toEqual({ ok: true, changed: true, etag: registrationETag(registrationId, 2) });
    const before = await lastEventId(database.db);
    expect(await changeRegistration(database.db, change(userId, { status: 'refunded', ifMatch: [first] }), app, clock)).toEqual({ ok: false, reason: 'version-mismatch', etag: registrationETag(registrationId, 2) });
    expect(await changeRegistration(database.db, change(userId, { ifMatch: [] }), app, clock)).toMatchObject({ ok: false, reason: 'version-mismatch' });
    expect((await stored(registrationId)).status).toBe('paid');
    expect(await eventsOf(database.db, furfest.orgId, before)).toEqual([]);
  });

  test('concurrent changes from the same version: exactly one applies, the other is refused', async () => {
    const { userId, registrationId } = await registered('dee');
    const etag = registrationETag(registrationId, 1);
    const before = await lastEventId(database.db);
    const results = await Promise.all([
      changeRegistration(database.db, change(userId, { status: 'paid', ifMatch: [etag] }), app, clock),
      changeRegistration(database.db, change(userId, { status: 'cancelled', ifMatch: [etag] }), app, clock),
    ]);
    expect(results.filter((r) => r.ok).length).toBe(1);
    expect(results.filter((r) => !r.ok)).toEqual([{ ok: false, reason: 'version-mismatch', etag: registrationETag(registrationId, 2) }]);
    expect(await eventsOf(database.db, furfest.orgId, before)).toHaveLength(1);
    const unconditional = await Promise.all([
      changeRegistration(database.db, change(userId, { addFlagIds: [flags.fursuit] }), app, clock),
      changeRegistration(database.db, change(userId, { addFlagIds: [flags.sponsor] }), app, clock),
    ]);
    expect(unconditional.every((r) => r.ok && r.changed)).toBe(true);
    expect(await stored(registrationId)).toMatchObject({ version: 4, flags: [flags.fursuit, flags.sponsor].sort((a, b) => a - b) });
    expect(await eventsOf(database.db, furfest.orgId, before)).toHaveLength(3);
  });

  test('refusals: no registration here, invalid badge name, unknown or conflicting flags; none records an event', async () => {
    const { userId } = await registered('eve');
    const stranger = await addUser(database.db, animecon.orgId, 'stranger', null, clock);
    await addRegistration(database.db, animecon.orgId, animecon.currentConventionId, stranger, await addProduct(database.db, animecon.orgId, animecon.currentConventionId, 'attendee'));
    const unregistered = await addUser(database.db, furfest.orgId, 'fay', null, clock);
    const before = await lastEventId(database.db);
    expect(await changeRegistration(database.db, change(stranger, { status: 'paid' }), app, clock)).toEqual({ ok: false, reason: 'not-found' });
    expect(await changeRegistration(database.db, change(unregistered, { status: 'paid' }), app, clock)).toEqual({ ok: false, reason: 'not-found' });
    expect(await changeRegistration(database.db, change(userId, { badgeName: ' ' }), app, clock)).toEqual({ ok: false, reason: 'invalid-badge-name', message: 'must not be blank' });
    expect(await changeRegistration(database.db, change(userId, { addFlagIds: [flags.fursuit, flags.elsewhere, 999999] }), app, clock)).toEqual({ ok: false, reason: 'unknown-flags', flagIds: [flags.elsewhere, 999999] });
    expect(await changeRegistration(database.db, change(userId, { addFlagIds: [flags.sponsor], removeFlagIds: [flags.sponsor] }), app, clock)).toEqual({ ok: false, reason: 'flags-added-and-removed', flagIds: [flags.sponsor] });
    expect(await eventsOf(database.db, furfest.orgId, before)).toEqual([]);
    expect(await eventsOf(database.db, animecon.orgId, before)).toEqual([]);
  });

  test('a past convention\'s registration is not the one changed', async () => {
    const userId = await addUser(database.db, furfest.orgId, 'gus', null, clock);
    const pastProduct = await addProduct(database.db, furfest.orgId, furfest.pastConventionId, 'attendee');
    await addRegistration(database.db, furfest.orgId, furfest.pastConventionId, userId, pastProduct);
    expect(await changeRegistration(database.db, change(userId, { status: 'paid' }), app, clock)).toEqual({ ok: false, reason: 'not-found' });
  });
});
