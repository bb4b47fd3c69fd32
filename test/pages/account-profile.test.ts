import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { systemClock } from '../../src/clock.js';
import type { Database } from '../../src/db/database.js';
import { addOrg, addUser } from '../instance/fixtures.js';
import { startSmtpTestServer, type SmtpTestServer } from '../mail/smtp-test-server.js';
import { startTestPlatform, type TestPlatform } from '../support/platform.js';
import { WebClient } from '../support/web-client.js';

/** The profile page at {instance}/account/profile and the email change link, over real HTTPS and SMTP. */
describe('account profile pages', () => {
  const PASSWORD = 'profile test password';
  let t: TestPlatform;
  let smtp: SmtpTestServer;
  let database: Database;
  const ids: Record<'ada' | 'bea' | 'cy' | 'dee' | 'ann', number> = { ada: 0, bea: 0, cy: 0, dee: 0, ann: 0 };

  beforeAll(async () => {
    smtp = await startSmtpTestServer();
    t = await startTestPlatform(
      { smtpUrl: `smtp://127.0.0.1:${smtp.port}` },
      {
        beforeListen: async (db) => {
          const furfest = await addOrg(db, 'furfest', 'Lakeshore FurFest', systemClock);
          const animecon = await addOrg(db, 'animecon', 'Harborview Anime Con', systemClock);
          for (const name of ['ada', 'bea', 'cy', 'dee'] as const) ids[name] = await addUser(db.db, furfest.orgId, name, PASSWORD, systemClock);
          ids.ann = await addUser(db.db, animecon.orgId, 'ann', PASSWORD, systemClock);
        },
      },
    );
    database = t.platform.database;
  });
  afterAll(async () => {
    await t.stop();
    await smtp.close();
  });

  const profilePath = '/o/furfest/account/profile';

  async function signIn(slug: string, login: string): Promise<WebClient> {
    const client = new WebClient(t.baseUrl);
    await client.get(`/o/${slug}/login`);
    const response = await client.post(`/o/${slug}/login`, { login, password: PASSWORD, next: '/account/profile' });
    expect(response.status).toBe(303);
    expect(response.headers.location).toBe(`/o/${slug}/account/profile`);
    return client;
  }

  /** The form as the page shows it, as fields to post back. */
  function formOf(body: string): Record<string, string> {
    const fields: Record<string, string> = {};
    for (const match of body.matchAll(/<input type="(?:text|email|tel|url|hidden)" (?:id="[^"]*" )?name="([^"]+)"[^>]*?value="([^"]*)"/g)) {
      const [, name = '', value = ''] = match;
      if (name !== '_csrf') fields[name] = value.replaceAll('&amp;', '&').replaceAll('&#39;', "'").replaceAll('&quot;', '"');
    }
    if (/name="newsletter" value="yes" checked/.test(body)) fields.newsletter = 'yes';
    return fields;
  }

  const user = (id: number) => database.db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
  const eventsAbout = (id: number) => database.db.selectFrom('events').selectAll().where('subject_type', '=', 'user').where('subject_id', '=', String(id)).orderBy('id').execute();

  test('visitors without a session are sent to sign in, and come back', async () => {
    const response = await new WebClient(t.baseUrl).get(profilePath);
    expect(response.status).toBe(303);
    expect(response.headers.location).toBe('/o/furfest/login?next=%2Faccount%2Fprofile');
    const post = await new WebClient(t.baseUrl).post(profilePath, { firstName: 'Mallory' });
    expect(post.status).toBe(403);
  });

  test("another instance's session does not open this instance's profile", async () => {
    const ann = await signIn('animecon', 'ann');
    const response = await ann.get(profilePath);
    expect(response.status).toBe(303);
    expect(response.headers.location).toMatch(/^\/o\/furfest\/login/);
    expect((await ann.get('/o/animecon/account/profile')).body).toContain('value="ann"');
  });

  test('the form shows the saved profile, labelled, linked from the account area and the front page', async () => {
    const ada = await signIn('furfest', 'ada');
    const page = await ada.get(profilePath);
    expect(page.status).toBe(200);
    expect(page.body).toContain('<h1>Your profile</h1>');
    expect(page.body).toContain('<label for="f-firstName">First name</label>');
    expect(page.body).toContain('name="username" required maxlength="32"');
    expect(formOf(page.body)).toMatchObject({ firstName: 'ada', lastName: 'Tester', username: 'ada', email: 'ada@example.org', phone: '', country: '' });
    expect(page.body).toContain('href="/o/furfest/account/profile" aria-current="page">Profile</a>');
    expect((await ada.get('/o/furfest/account/apps')).body).toContain('href="/o/furfest/account/profile">Profile</a>');
    expect((await ada.get('/o/furfest/')).body).toContain('href="/o/furfest/account/profile"');
  });

  test('saving changes writes them and records one user-updated event; saving again unchanged records none', async () => {
    const bea = await signIn('furfest', 'bea');
    const form = formOf((await bea.get(profilePath)).body);
    const saved = await bea.post(profilePath, { ...form, preferredName: 'Bee', phone: '+1 (555) 555-0199', city: 'Rosemont', country: 'us', newsletter: 'yes', profilePictureUrl: 'https://pictures.example/bea.png' });
    expect(saved.status).toBe(303);
    expect(saved.headers.location).toBe('/o/furfest/account/profile?done=saved');
    const page = await bea.get(saved.headers.location ?? '');
    expect(page.body).toContain('Your profile is saved.');
    expect(formOf(page.body)).toMatchObject({ preferredName: 'Bee', phone: '+15555550199', city: 'Rosemont', country: 'US', newsletter: 'yes', profilePictureUrl: 'https://pictures.example/bea.png' });
    expect(await user(ids.bea)).toMatchObject({ preferred_name: 'Bee', newsletter: 1, address_country: 'US' });
    expect((await eventsAbout(ids.bea)).map((e) => [e.type, e.actor_type, e.actor_id])).toEqual([['user-updated', 'user', String(ids.bea)]]);

    const again = await bea.post(profilePath, formOf(page.body));
    expect(again.headers.location).toBe('/o/furfest/account/profile?done=unchanged');
    expect(await eventsAbout(ids.bea)).toHaveLength(1);
  });

  test('invalid fields: 400, each error next to its field, what was typed kept, nothing saved', async () => {
    const cy = await signIn('furfest', 'cy');
    const form = formOf((await cy.get(profilePath)).body);
    const response = await cy.post(profilePath, { ...form, firstName: '', phone: '555-0123', country: 'Atlantis', profilePictureUrl: 'http://pictures.example/cy.png', email: 'not an address', city: '<b>Gotham</b>' });
    expect(response.status).toBe(400);
    expect(response.body).toContain('<div class="field-error" id="f-firstName-error">Enter your first name.</div>');
    expect(response.body).toContain('id="f-phone-error">Enter the phone number in international format');
    expect(response.body).toContain('id="f-country-error">Enter the two-letter ISO country code');
    expect(response.body).toContain('id="f-profilePictureUrl-error">The picture address must start with https://');
    expect(response.body).toContain('id="f-email-error">Enter an email address like name@example.org.');
    expect(response.body).toContain('aria-describedby="f-phone-hint f-phone-error" aria-invalid="true"');
    expect(formOf(response.body)).toMatchObject({ phone: '555-0123', country: 'Atlantis', city: '&#60;b&#62;Gotham&#60;/b&#62;', email: 'not an address' });
    expect(response.body).not.toContain('<b>Gotham</b>');
    expect((await user(ids.cy)).phone).toBeNull();
    expect(await eventsAbout(ids.cy)).toEqual([]);
  });

  test('odd bodies: missing CSRF refused, duplicated and missing fields read as text, never a 500', async () => {
    const cy = await signIn('furfest', 'cy');
    const form = formOf((await cy.get(profilePath)).body);
    expect((await cy.post(profilePath, { ...form, _csrf: 'forged' })).status).toBe(403);
    const duplicated = await cy.post(profilePath, { ...form, city: ['Elgin', 'Aurora'] });
    expect(duplicated.status).toBe(303);
    expect((await user(ids.cy)).address_city).toBe('Elgin');
    await cy.get(profilePath);
    const empty = await cy.post(profilePath, {});
    expect(empty.status).toBe(409);
    const oversized = await cy.post(profilePath, { ...formOf((await cy.get(profilePath)).body), lastName: 'x'.repeat(5000) });
    expect(oversized.status).toBe(400);
    expect(oversized.body).toContain('Your last name can be at most 100 characters long.');
  });

  test('an edit from an outdated page is refused with 409 and the typed values, not saved over the newer one', async () => {
    const dee = await signIn('furfest', 'dee');
    const tabA = formOf((await dee.get(profilePath)).body);
    const tabB = { ...tabA };
    expect((await dee.post(profilePath, { ...tabA, city: 'Schaumburg' })).status).toBe(303);
    const stale = await dee.post(profilePath, { ...tabB, city: 'Evanston' });
    expect(stale.status).toBe(409);
    expect(stale.body).toContain('Your profile was changed elsewhere');
    expect(formOf(stale.body).city).toBe('Evanston');
    expect((await user(ids.dee)).address_city).toBe('Schaumburg');
    expect(await eventsAbout(ids.dee)).toHaveLength(1);
    // Saving the refreshed form again is a deliberate overwrite, and works.
    expect((await dee.post(profilePath, formOf(stale.body))).status).toBe(303);
    expect((await user(ids.dee)).address_city).toBe('Evanston');
  });

  test('a new email address is used only after the link sent to it is confirmed by the signed-in user', async () => {
    const ada = await signIn('furfest', 'ada');
    const form = formOf((await ada.get(profilePath)).body);
    const before = (await eventsAbout(ids.ada)).length;
    const asked = await ada.post(profilePath, { ...form, email: 'Ada.Lovelace@example.net' });
    expect(asked.headers.location).toBe('/o/furfest/account/profile?done=email-sent');
    const page = await ada.get(asked.headers.location ?? '');
    expect(page.body).toContain('We sent a link to <strong>Ada.Lovelace@example.net</strong>');
    expect(await user(ids.ada)).toMatchObject({ email: 'ada@example.org', email_verified: 1 });
    expect(await eventsAbout(ids.ada)).toHaveLength(before);

    await t.platform.mail.runOnce();
    const mail = smtp.received.find((m) => m.envelopeTo.includes('Ada.Lovelace@example.net'));
    expect(mail?.parsed.subject).toBe('Confirm your new email address for Lakeshore FurFest');
    const link = /https:\/\/\S+\/account\/email\/confirm\?token=\S+/.exec(mail?.parsed.text ?? '')?.[0] ?? '';
    expect(link.startsWith(`${t.baseUrl}/o/furfest/account/email/confirm?token=cev_`)).toBe(true);
    const token = new URL(link).searchParams.get('token') ?? '';
    const stored = await database.db.selectFrom('email_verifications').selectAll().where('user_id', '=', ids.ada).execute();
    expect(stored).toHaveLength(1);
    expect(stored[0]?.token_hash).not.toContain(token);

    // Another user of the instance cannot use it; nor can a visitor without a session.
    const bea = await signIn('furfest', 'bea');
    const foreign = await bea.get(link);
    expect(foreign.status).toBe(404);
    expect(foreign.body).toContain('This link does not work');
    expect((await new WebClient(t.baseUrl).get(link)).status).toBe(303);

    const confirmPage = await ada.get(link);
    expect(confirmPage.status).toBe(200);
    expect(confirmPage.body).toContain('Use <strong>Ada.Lovelace@example.net</strong> as the email address');
    const confirmed = await ada.post('/o/furfest/account/email/confirm', { token });
    expect(confirmed.headers.location).toBe('/o/furfest/account/profile?done=email-changed');
    expect(await user(ids.ada)).toMatchObject({ email: 'Ada.Lovelace@example.net', email_normalized: 'ada.lovelace@example.net', email_verified: 1 });
    const events = await eventsAbout(ids.ada);
    expect(events).toHaveLength(before + 1);
    expect(JSON.parse(events.at(-1)?.data ?? '{}')).toMatchObject({ user: { email: 'Ada.Lovelace@example.net', verified: true } });

    const reused = await ada.get(link);
    expect(reused.status).toBe(410);
    expect(reused.body).toContain('This link has already been used');
    expect((await ada.post('/o/furfest/account/email/confirm', { token })).status).toBe(410);
    expect(await eventsAbout(ids.ada)).toHaveLength(before + 1);
  });

  test('an expired link gets its own page; asking again replaces the earlier link', async () => {
    const cy = await signIn('furfest', 'cy');
    const ask = async (email: string) => {
      const form = formOf((await cy.get(profilePath)).body);
      expect((await cy.post(profilePath, { ...form, email })).headers.location).toBe('/o/furfest/account/profile?done=email-sent');
      await t.platform.mail.runOnce();
      const mail = smtp.received.find((m) => m.envelopeTo.includes(email));
      return new URL(/https:\/\/\S+confirm\?token=\S+/.exec(mail?.parsed.text ?? '')?.[0] ?? '').searchParams.get('token') ?? '';
    };
    const first = await ask('cy.one@example.net');
    const second = await ask('cy.two@example.net');
    expect((await cy.get(`/o/furfest/account/email/confirm?token=${first}`)).status).toBe(404);
    await database.db.updateTable('email_verifications').set({ expires_at: '2000-01-01T00:00:00.000Z' }).where('user_id', '=', ids.cy).execute();
    const expired = await cy.get(`/o/furfest/account/email/confirm?token=${second}`);
    expect(expired.status).toBe(410);
    expect(expired.body).toContain('This link has expired');
    expect((await cy.post('/o/furfest/account/email/confirm', { token: second })).status).toBe(410);
    expect((await user(ids.cy)).email).toBe('cy@example.org');
    expect((await cy.get('/o/furfest/account/email/confirm?token=')).status).toBe(404);
    expect((await cy.get(`/o/furfest/account/email/confirm?token=${'x'.repeat(5000)}`)).status).toBe(404);
  });

  test("an address another account uses is refused at once", async () => {
    const dee = await signIn('furfest', 'dee');
    const form = formOf((await dee.get(profilePath)).body);
    const response = await dee.post(profilePath, { ...form, email: 'BEA@example.org' });
    expect(response.status).toBe(400);
    expect(response.body).toContain('id="f-email-error">Another account here already uses that address.');
  });
});
