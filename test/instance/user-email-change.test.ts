import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import type { Database } from '../../src/db/database.js';
import { confirmEmailChange, EMAIL_LINK_LIFETIME_MS, emailLinkState, emailProblem, pendingEmailChange, requestEmailChange } from '../../src/instance/user-email-change.js';
import type { ProfileChangeOrigin } from '../../src/instance/user-profile-changes.js';
import { hashSecret } from '../../src/security/secrets.js';
import { openTestDatabase } from '../support/database.js';
import { addOrg, addUser, type FixtureOrg } from './fixtures.js';

describe('email address change', () => {
  const clock = new ManualClock('2026-06-01T10:00:00.000Z');
  let database: Database;
  let close: () => Promise<void>;
  let furfest: FixtureOrg;
  let animecon: FixtureOrg;
  const origin = (userId: number): ProfileChangeOrigin => ({ actor: { type: 'user', id: String(userId) }, ip: '203.0.113.8' });

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

  /** Asks for the change and returns the token the email carries. */
  async function ask(userId: number, newEmail: string, org: FixtureOrg = furfest): Promise<string> {
    let token = '';
    const result = await requestEmailChange(
      database.db,
      { orgId: org.orgId, userId, newEmail, instanceName: 'Lakeshore FurFest', confirmationLink: (t) => ((token = t), `https://con.example/account/email/confirm?token=${t}`) },
      origin(userId),
      clock,
    );
    expect(result).toMatchObject({ ok: true });
    return token;
  }
  const user = (id: number) => database.db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
  const eventsAbout = (id: number) => database.db.selectFrom('events').selectAll().where('subject_id', '=', String(id)).execute();
  const confirm = (userId: number, token: string, org: FixtureOrg = furfest) => confirmEmailChange(database.db, { orgId: org.orgId, userId, token }, origin(userId), clock);

  test('asking stores the hashed token and queues the email in one go; the account does not change yet', async () => {
    const ada = await addUser(database.db, furfest.orgId, 'ada', null, clock);
    const token = await ask(ada, ' Ada@Example.net ');
    expect(token).toMatch(/^cev_[A-Za-z0-9_-]{43}$/);
    const rows = await database.db.selectFrom('email_verifications').selectAll().where('user_id', '=', ada).execute();
    expect(rows).toEqual([expect.objectContaining({ new_email: 'Ada@Example.net', token_hash: hashSecret(token), expires_at: '2026-06-02T10:00:00.000Z', used_at: null })]);
    const mail = await database.db.selectFrom('mail_messages').selectAll().where('to_address', '=', 'Ada@Example.net').executeTakeFirstOrThrow();
    expect(mail).toMatchObject({ kind: 'email.verification', subject: 'Confirm your new email address for Lakeshore FurFest', status: 'queued' });
    expect(mail.text_body).toContain(`https://con.example/account/email/confirm?token=${token}`);
    expect(await user(ada)).toMatchObject({ email: 'ada@example.org' });
    expect(await eventsAbout(ada)).toEqual([]);
    expect(await pendingEmailChange(database.db, furfest.orgId, ada, clock)).toEqual({ newEmail: 'Ada@Example.net', expiresAt: '2026-06-02T10:00:00.000Z' });
  });

  test('confirming changes the address, verifies it, uses up the link and records one user-updated event', async () => {
    const bea = await addUser(database.db, furfest.orgId, 'bea', null, clock);
    await database.db.updateTable('users').set({ email_verified: 0 }).where('id', '=', bea).execute();
    const token = await ask(bea, 'bea@example.net');
    expect(await emailLinkState(database.db, furfest.orgId, bea, token, clock)).toMatchObject({ state: 'pending', newEmail: 'bea@example.net' });
    clock.advance(60_000);
    expect(await confirm(bea, token)).toEqual({ ok: true, email: 'bea@example.net' });
    expect(await user(bea)).toMatchObject({ email: 'bea@example.net', email_normalized: 'bea@example.net', email_verified: 1, updated_at: '2026-06-01T10:01:00.000Z' });
    const events = await eventsAbout(bea);
    expect(events.map((e) => e.type)).toEqual(['user-updated']);
    expect(JSON.parse(events[0]?.data ?? '{}')).toMatchObject({ user: { email: 'bea@example.net', verified: true } });
    expect(await confirm(bea, token)).toEqual({ ok: false, reason: 'used' });
    expect(await emailLinkState(database.db, furfest.orgId, bea, token, clock)).toEqual({ state: 'used' });
    expect(await pendingEmailChange(database.db, furfest.orgId, bea, clock)).toBeUndefined();
    expect(await eventsAbout(bea)).toHaveLength(1);
  });

  test('a link expires; asking again replaces it; it is nobody else’s to use', async () => {
    const cy = await addUser(database.db, furfest.orgId, 'cyd', null, clock);
    const other = await addUser(database.db, furfest.orgId, 'other', null, clock);
    const stranger = await addUser(database.db, animecon.orgId, 'cyd', null, clock);
    const first = await ask(cy, 'cy.one@example.net');
    const second = await ask(cy, 'cy.two@example.net');
    expect(await confirm(cy, first)).toEqual({ ok: false, reason: 'unknown' });
    expect(await confirm(other, second)).toEqual({ ok: false, reason: 'unknown' });
    expect(await confirm(stranger, second, animecon)).toEqual({ ok: false, reason: 'unknown' });
    expect(await confirm(cy, '')).toEqual({ ok: false, reason: 'unknown' });
    expect(await confirm(cy, 'x'.repeat(201))).toEqual({ ok: false, reason: 'unknown' });
    clock.advance(EMAIL_LINK_LIFETIME_MS);
    expect(await emailLinkState(database.db, furfest.orgId, cy, second, clock)).toEqual({ state: 'expired' });
    expect(await confirm(cy, second)).toEqual({ ok: false, reason: 'expired' });
    expect(await pendingEmailChange(database.db, furfest.orgId, cy, clock)).toBeUndefined();
    expect((await user(cy)).email).toBe('cyd@example.org');
    expect(await eventsAbout(cy)).toEqual([]);
  });

  test('refusals: not an address, the current one, one another account uses (at asking or by confirmation time)', async () => {
    const dee = await addUser(database.db, furfest.orgId, 'dee', null, clock);
    const eve = await addUser(database.db, furfest.orgId, 'eve', null, clock);
    const request = (newEmail: string) => requestEmailChange(database.db, { orgId: furfest.orgId, userId: dee, newEmail, instanceName: 'x', confirmationLink: (t) => `https://con.example/?token=${t}` }, origin(dee), clock);
    expect(emailProblem('  ')).toBe('Enter your email address.');
    expect(await request('not an address')).toEqual({ ok: false, reason: 'invalid', error: 'Enter an email address like name@example.org.' });
    expect(await request(`${'a'.repeat(250)}@example.org`)).toMatchObject({ reason: 'invalid' });
    expect(await request('DEE@example.org')).toEqual({ ok: false, reason: 'invalid', error: 'That is already your email address.' });
    expect(await request('Eve@Example.org')).toEqual({ ok: false, reason: 'invalid', error: 'Another account here already uses that address.' });
    const token = await ask(dee, 'shared@example.net');
    const eveToken = await ask(eve, 'shared@example.net');
    expect(await confirm(eve, eveToken)).toMatchObject({ ok: true });
    expect(await confirm(dee, token)).toEqual({ ok: false, reason: 'email-taken' });
    expect((await user(dee)).email).toBe('dee@example.org');
    expect(await eventsAbout(dee)).toEqual([]);
  });

  test('two confirmations of one link at once change the address once', async () => {
    const fay = await addUser(database.db, furfest.orgId, 'fay', null, clock);
    const token = await ask(fay, 'fay@example.net');
    const results = await Promise.all([confirm(fay, token), confirm(fay, token), confirm(fay, token)]);
    expect(results.filter((r) => r.ok)).toHaveLength(1);
    expect(await eventsAbout(fay)).toHaveLength(1);
  });
});
