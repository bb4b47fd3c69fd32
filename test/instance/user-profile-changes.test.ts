import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import type { Database } from '../../src/db/database.js';
import { nextVersion, updateUserProfile, type ProfileChangeOrigin, type ProfileChanges } from '../../src/instance/user-profile-changes.js';
import { openTestDatabase } from '../support/database.js';
import { addOrg, addUser, type FixtureOrg } from './fixtures.js';

describe('user profile changes', () => {
  const clock = new ManualClock('2026-06-01T10:00:00.000Z');
  let database: Database;
  let close: () => Promise<void>;
  let furfest: FixtureOrg;
  let animecon: FixtureOrg;
  const origin = (userId: number): ProfileChangeOrigin => ({ actor: { type: 'user', id: String(userId) }, ip: '203.0.113.7' });

  beforeAll(async () => {
    const opened = await openTestDatabase();
    database = opened.database;
    close = () => opened.close();
    furfest = await addOrg(database, 'furfest', 'Lakeshore FurFest', clock);
    animecon = await addOrg(database, 'animecon', 'Harborview Anime Con', clock);
  });
  afterAll(async () => {
    await close();
  });

  const versionOf = async (userId: number) => (await database.db.selectFrom('users').select('updated_at').where('id', '=', userId).executeTakeFirstOrThrow()).updated_at;
  const eventsAbout = (userId: number) => database.db.selectFrom('events').selectAll().where('subject_type', '=', 'user').where('subject_id', '=', String(userId)).orderBy('id').execute();
  const update = async (userId: number, changes: ProfileChanges, org: FixtureOrg = furfest) =>
    updateUserProfile(database.db, { orgId: org.orgId, userId, changes, expectedUpdatedAt: await versionOf(userId) }, origin(userId), clock);

  test('a change writes every field, audits the field names and records one user-updated event', async () => {
    const user = await addUser(database.db, furfest.orgId, 'ada', null, clock);
    clock.advance(60_000);
    const result = await update(user, {
      firstName: ' Ada ',
      lastName: 'Lovelace',
      preferredName: 'Countess',
      username: 'Ada.L',
      phone: '+44 20 7946 0018',
      addressLine1: '12 St James’s Square',
      addressLine2: '',
      city: 'London',
      state: '',
      zipcode: 'SW1Y 4JH',
      country: 'gb',
      newsletter: true,
      profilePictureUrl: 'https://pictures.example/ada.png',
    });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.changed).toEqual(['firstName', 'lastName', 'preferredName', 'username', 'phone', 'addressLine1', 'city', 'zipcode', 'country', 'profilePictureUrl', 'newsletter']);
    expect(result.profile).toMatchObject({
      firstName: 'Ada',
      lastName: 'Lovelace',
      preferredName: 'Countess',
      username: 'Ada.L',
      phone: '+442079460018',
      address: { line1: '12 St James’s Square', line2: null, city: 'London', state: null, zipcode: 'SW1Y 4JH', country: 'GB' },
      newsletter: true,
      profilePictureUrl: 'https://pictures.example/ada.png',
      updatedAt: '2026-06-01T10:01:00.000Z',
    });
    const row = await database.db.selectFrom('users').select(['username_normalized']).where('id', '=', user).executeTakeFirstOrThrow();
    expect(row.username_normalized).toBe('ada.l');
    const audit = await database.db.selectFrom('audit_log').select(['actor_type', 'actor_id', 'action', 'details', 'ip']).where('target_type', '=', 'user').where('target_id', '=', String(user)).execute();
    expect(audit).toEqual([{ actor_type: 'user', actor_id: String(user), action: 'user.profile-updated', details: JSON.stringify({ fields: result.changed }), ip: '203.0.113.7' }]);
    const events = await eventsAbout(user);
    expect(events).toHaveLength(1);
    const org = await database.db.selectFrom('orgs').select(['uuid', 'created_at']).where('id', '=', furfest.orgId).executeTakeFirstOrThrow();
    expect(events[0]).toMatchObject({ org_id: furfest.orgId, type: 'user-updated', actor_type: 'user', actor_id: String(user), occurred_at: '2026-06-01T10:01:00.000Z' });
    expect(JSON.parse(events[0]?.data ?? '')).toEqual({
      user: {
        id: String(user),
        username: 'Ada.L',
        firstName: 'Ada',
        preferredName: 'Countess',
        lastName: 'Lovelace',
        email: 'ada@example.org',
        verified: true,
        createdAt: '2026-06-01T10:00:00.000Z',
        updatedAt: '2026-06-01T10:01:00.000Z',
        organizationId: org.uuid,
      },
    });
  });

  test('each field is validated with its own message; nothing is written for a refusal', async () => {
    const user = await addUser(database.db, furfest.orgId, 'bea', null, clock);
    const before = await versionOf(user);
    const result = await update(user, {
      firstName: '   ',
      lastName: 'x'.repeat(101),
      preferredName: 'Bad\u0007Bell',
      username: 'no spaces please',
      phone: '555-0123',
      city: 'y'.repeat(201),
      zipcode: '1'.repeat(21),
      country: 'XK',
      profilePictureUrl: 'http://pictures.example/bea.png',
    });
    expect(result).toEqual({
      ok: false,
      reason: 'invalid',
      errors: {
        firstName: 'Enter your first name.',
        lastName: 'Your last name can be at most 100 characters long.',
        preferredName: 'Your preferred name contains characters that cannot be used.',
        username: 'A username has 3 to 32 characters: letters, digits, dots, dashes and underscores, starting with a letter or digit.',
        phone: 'Enter the phone number in international format: + and the country code, then the number, e.g. +15555550123.',
        city: 'Your city can be at most 200 characters long.',
        zipcode: 'Your postal code can be at most 20 characters long.',
        country: 'Enter the two-letter ISO country code, e.g. US, CA, GB or DE.',
        profilePictureUrl: 'The picture address must start with https://, so it is never loaded over an insecure connection.',
      },
    });
    expect(await update(user, { profilePictureUrl: 'not a url' })).toMatchObject({ errors: { profilePictureUrl: 'Enter the full address of the picture, starting with https://.' } });
    expect(await update(user, { profilePictureUrl: 'https://me:secret@pictures.example/x.png' })).toMatchObject({ errors: { profilePictureUrl: 'The picture address must not contain a user name or password.' } });
    expect(await update(user, { profilePictureUrl: `https://pictures.example/${'p'.repeat(2048)}` })).toMatchObject({ reason: 'invalid' });
    expect(await update(user, { phone: '+0123456789' })).toMatchObject({ reason: 'invalid' });
    expect(await update(user, { phone: '+1234567890123456' })).toMatchObject({ reason: 'invalid' });
    expect(await update(user, { username: 'ab' })).toMatchObject({ reason: 'invalid' });
    expect(await update(user, { username: 'bea@example.org' })).toMatchObject({ reason: 'invalid' });
    expect(await update(user, { country: 'Germany' })).toMatchObject({ reason: 'invalid' });
    expect(await versionOf(user)).toBe(before);
    expect(await eventsAbout(user)).toEqual([]);
  });

  test('usernames are unique per instance, whatever their case; another instance may use the same', async () => {
    await addUser(database.db, furfest.orgId, 'taken', null, clock);
    const user = await addUser(database.db, furfest.orgId, 'cyd', null, clock);
    expect(await update(user, { username: 'TAKEN' })).toEqual({ ok: false, reason: 'invalid', errors: { username: 'That username is taken. Choose another one.' } });
    const elsewhere = await addUser(database.db, animecon.orgId, 'cy-animecon', null, clock);
    expect(await update(elsewhere, { username: 'Taken' }, animecon)).toMatchObject({ ok: true, changed: ['username'] });
    expect(await update(user, { username: 'CYD' })).toMatchObject({ ok: true, changed: ['username'], profile: { username: 'CYD' } });
    expect((await eventsAbout(user)).map((e) => e.type)).toEqual(['user-updated']);
  });

  test('fields submitted as stored are not checked again: an account from older rules can still save', async () => {
    const user = await addUser(database.db, furfest.orgId, 'jo', null, clock);
    expect(await update(user, { username: 'jo', city: 'Joliet' })).toMatchObject({ ok: true, changed: ['city'], profile: { username: 'jo' } });
    expect(await update(user, { username: 'J' })).toMatchObject({ ok: false, reason: 'invalid' });
  });

  test('a change that changes nothing writes and records nothing', async () => {
    const user = await addUser(database.db, furfest.orgId, 'dee', null, clock);
    const before = await versionOf(user);
    clock.advance(1000);
    expect(await update(user, { firstName: 'dee', lastName: ' Tester ', preferredName: '', phone: '', country: '', newsletter: false })).toMatchObject({ ok: true, changed: [] });
    expect(await update(user, {})).toMatchObject({ ok: true, changed: [] });
    expect(await versionOf(user)).toBe(before);
    expect(await eventsAbout(user)).toEqual([]);
    expect(await database.db.selectFrom('audit_log').select('id').where('target_id', '=', String(user)).execute()).toEqual([]);
  });

  test('an edit based on an older version is refused, not silently lost', async () => {
    const user = await addUser(database.db, furfest.orgId, 'eve', null, clock);
    const seen = await versionOf(user);
    const edit = (changes: ProfileChanges) => updateUserProfile(database.db, { orgId: furfest.orgId, userId: user, changes, expectedUpdatedAt: seen }, origin(user), clock);
    // Both edits start from the same view, with the clock standing still: the second still sees a newer version.
    expect(await edit({ city: 'Chicago' })).toMatchObject({ ok: true });
    expect(await edit({ city: 'Rosemont' })).toEqual({ ok: false, reason: 'stale' });
    expect((await database.db.selectFrom('users').select('address_city').where('id', '=', user).executeTakeFirstOrThrow()).address_city).toBe('Chicago');
    expect(await eventsAbout(user)).toHaveLength(1);
  });

  test('concurrent edits from the same view: exactly one commits and records its event', async () => {
    const user = await addUser(database.db, furfest.orgId, 'fay', null, clock);
    const seen = await versionOf(user);
    const results = await Promise.all(
      ['Aurora', 'Naperville', 'Joliet'].map((city) => updateUserProfile(database.db, { orgId: furfest.orgId, userId: user, changes: { city }, expectedUpdatedAt: seen }, origin(user), clock)),
    );
    expect(results.filter((r) => r.ok)).toHaveLength(1);
    expect(results.filter((r) => !r.ok)).toEqual([
      { ok: false, reason: 'stale' },
      { ok: false, reason: 'stale' },
    ]);
    expect(await eventsAbout(user)).toHaveLength(1);
  });

  test('concurrent claims of one free username: one wins, the other is told it is taken', async () => {
    const a = await addUser(database.db, furfest.orgId, 'gus', null, clock);
    const b = await addUser(database.db, furfest.orgId, 'hal', null, clock);
    const results = await Promise.all([update(a, { username: 'Winner' }), update(b, { username: 'winner' })]);
    expect(results.filter((r) => r.ok)).toHaveLength(1);
    expect(results.find((r) => !r.ok)).toEqual({ ok: false, reason: 'invalid', errors: { username: 'That username is taken. Choose another one.' } });
  });

  test('users of another instance or unknown are not found', async () => {
    const stranger = await addUser(database.db, animecon.orgId, 'ivy', null, clock);
    const expectedUpdatedAt = await versionOf(stranger);
    expect(await updateUserProfile(database.db, { orgId: furfest.orgId, userId: stranger, changes: { city: 'Elgin' }, expectedUpdatedAt }, origin(stranger), clock)).toEqual({ ok: false, reason: 'user-not-found' });
    expect(await updateUserProfile(database.db, { orgId: furfest.orgId, userId: 999_999, changes: { city: 'Elgin' }, expectedUpdatedAt }, origin(stranger), clock)).toEqual({ ok: false, reason: 'user-not-found' });
    expect(await eventsAbout(stranger)).toEqual([]);
  });

  test('a new version is always later than the one it replaces', () => {
    const still = new ManualClock('2026-06-01T10:00:00.000Z');
    expect(nextVersion('2026-06-01T09:00:00.000Z', still)).toBe('2026-06-01T10:00:00.000Z');
    expect(nextVersion('2026-06-01T10:00:00.000Z', still)).toBe('2026-06-01T10:00:00.001Z');
    expect(nextVersion('2026-06-01T11:00:00.000Z', still)).toBe('2026-06-01T11:00:00.001Z');
  });
});

