import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import type { Database } from '../../src/db/database.js';
import { createInstance, parseBaseUrl } from '../../src/instance/create-instance.js';
import { createInvitation, resendInvitation, withdrawInvitation } from '../../src/platform/invitations.js';
import { createOperator } from '../../src/platform/operators.js';
import { verifyPassword } from '../../src/security/passwords.js';
import { request } from '../support/https-client.js';
import { startTestPlatform, type TestPlatform } from '../support/platform.js';
import { WebClient } from '../support/web-client.js';

const DAY_MS = 86_400_000;

const FORM = {
  name: 'Katherine Johnson',
  companyName: 'Orbit Apps',
  companyWebsite: 'https://orbit.example',
  contactInfo: 'katherine@orbit.example',
  displayName: 'Orbit Check-in',
  description: 'Checks attendees in at the door.',
  eventCustomers: ['bigcon', 'smallcon'],
  otherEventCustomers: 'Moon Con',
  homepageUrl: 'https://orbit.example/checkin',
  privacyUrl: 'https://orbit.example/privacy',
  password: ' a password with spaces ',
  passwordConfirmation: ' a password with spaces ',
};

describe('application form behind an invitation link', () => {
  let platform: TestPlatform;
  let database: Database;
  let origin: string;
  let operatorId: number;
  const clock = new ManualClock(new Date());

  beforeAll(async () => {
    platform = await startTestPlatform({}, {
      clock,
      beforeListen: async (db) => {
        operatorId = (await createOperator(db, { email: 'ops@example.org', name: 'Ops', password: 'operator password 1' }, { type: 'system', id: null }, clock)).id;
        for (const [slug, name] of [['bigcon', 'Big Con'], ['smallcon', 'Small Con']] as const) {
          await createInstance(db, { slug, name, baseUrls: [parseBaseUrl(`/o/${slug}`, new URL('https://localhost'))] }, { type: 'system', id: null }, clock);
        }
      },
    });
    database = platform.platform.database;
    origin = platform.baseUrl;
  });
  afterAll(async () => platform.stop());

  const actor = () => ({ type: 'operator' as const, id: String(operatorId) });
  const invite = async (email: string, note = ''): Promise<{ id: number; path: string }> => {
    const invitation = await createInvitation(database.db, { email, note, operatorId, actor: actor(), publicUrl: platform.config.publicUrl }, clock);
    return { id: invitation.id, path: new URL(invitation.link).pathname };
  };
  const appsOf = async (email: string) => {
    const developer = await database.db.selectFrom('developers').select('id').where('email', '=', email).executeTakeFirst();
    return developer === undefined ? [] : database.db.selectFrom('apps').selectAll().where('developer_id', '=', developer.id).execute();
  };

  it('shows the form with the invited email, the note and the event customers', async () => {
    const { path } = await invite('katherine@orbit.example', 'We met at Big Con');
    const client = new WebClient(origin);
    const page = await client.get(path);
    expect(page.status).toBe(200);
    expect(page.headers['content-security-policy']).toContain("frame-ancestors 'none'");
    expect(page.body).toContain('value="katherine@orbit.example" readonly');
    expect(page.body).toContain('We met at Big Con');
    expect(page.body).toContain('<input type="checkbox" name="eventCustomers" value="bigcon"> Big Con');
    expect(page.body).toContain('<input type="checkbox" name="eventCustomers" value="smallcon"> Small Con');
    for (const label of ['Your name', 'Company name', 'Company website', 'Contact information', 'Application name', 'What it will do', 'Homepage', 'Privacy policy', 'Password', 'Password again']) {
      expect(page.body, label).toMatch(new RegExp(`<label for="f-\\w+">${label}`));
    }
    expect(page.body).toContain('name="_csrf"');
  });

  it('says what is wrong per field, keeps what was typed, and uses nothing', async () => {
    const { path } = await invite('fields@orbit.example');
    const client = new WebClient(origin);
    await client.get(path);
    const response = await client.post(path, { ...FORM, homepageUrl: 'http://orbit.example', companyName: '', eventCustomers: ['smallcon', 'nocon'], passwordConfirmation: 'other' });
    expect(response.status).toBe(400);
    expect(response.body).toContain('<a href="#f-companyName">Enter your company name</a>');
    expect(response.body).toContain('Your application&#39;s homepage must start with https://');
    expect(response.body).toContain('Choose event customers from the list');
    expect(response.body).toContain('The two passwords do not match');
    expect(response.body).toContain('aria-invalid="true"');
    expect(response.body).toContain('value="Katherine Johnson"');
    expect(response.body).toContain('Checks attendees in at the door.</textarea>');
    expect(response.body).toContain('value="smallcon" checked');
    expect(response.body).not.toContain('a password with spaces');
    const invitation = await database.db.selectFrom('invitations').select('used_at').where('email', '=', 'fields@orbit.example').executeTakeFirstOrThrow();
    expect(invitation.used_at).toBeNull();
  });

  it('submits once: the developer and the app exist, and the link is used up', async () => {
    const { path } = await invite('katherine2@orbit.example');
    const client = new WebClient(origin);
    await client.get(path);
    const submitted = await client.post(path, FORM);
    expect(submitted.status).toBe(303);
    expect(submitted.headers.location).toBe('/invitations/submitted');
    const thanks = await client.get('/invitations/submitted');
    expect(thanks.status).toBe(200);
    expect(thanks.body).toContain('/portal/login');

    const [app, ...more] = await appsOf('katherine2@orbit.example');
    expect(more).toEqual([]);
    expect(app).toMatchObject({ display_name: 'Orbit Check-in', status: 'applied' });
    expect(JSON.parse(app?.interested_event_customers ?? '')).toEqual({ instances: ['bigcon', 'smallcon'], other: 'Moon Con' });
    const developer = await database.db.selectFrom('developers').selectAll().where('email', '=', 'katherine2@orbit.example').executeTakeFirstOrThrow();
    // The password is kept exactly as typed, spaces included.
    expect(await verifyPassword(developer.password_hash ?? '', FORM.password)).toBe(true);
    const received = await database.db.selectFrom('mail_messages').select('subject').where('to_address', '=', 'katherine2@orbit.example').where('kind', '=', 'application.received').execute();
    expect(received).toHaveLength(1);

    // Back button, reload, a second click: never a second application.
    const again = await client.get(path);
    expect(again.status).toBe(410);
    expect(again.body).toContain('already submitted');
    expect(again.body).toContain('href="/portal/login"');
    expect(again.body).not.toContain('<form');
    const resubmitted = await client.post(path, FORM);
    expect(resubmitted.status).toBe(410);
    expect(resubmitted.body).toContain('already submitted');
    expect(await appsOf('katherine2@orbit.example')).toHaveLength(1);
  });

  it('creates one application from concurrent submissions', async () => {
    const { path } = await invite('double@orbit.example');
    const client = new WebClient(origin);
    await client.get(path);
    const responses = await Promise.all(Array.from({ length: 4 }, () => client.post(path, FORM)));
    expect(responses.map((r) => r.status).sort()).toEqual([303, 410, 410, 410]);
    expect(await appsOf('double@orbit.example')).toHaveLength(1);
  });

  it('shows a clear page, never the form, for expired, withdrawn, resent, unknown and malformed links', async () => {
    const expired = await invite('expired@orbit.example');
    clock.advance(15 * DAY_MS);
    try {
      const page = await request(`${origin}${expired.path}`, { headers: { accept: 'text/html' } });
      expect(page.status).toBe(410);
      expect(page.body).toContain('This invitation has expired');
      expect(page.body).not.toContain('<form');
    } finally {
      clock.advance(-15 * DAY_MS);
    }

    const withdrawn = await invite('withdrawn@orbit.example');
    await withdrawInvitation(database.db, { invitationId: withdrawn.id, actor: actor() }, clock);
    const withdrawnPage = await request(`${origin}${withdrawn.path}`, { headers: { accept: 'text/html' } });
    expect(withdrawnPage.status).toBe(410);
    expect(withdrawnPage.body).toContain('withdrawn');

    const resent = await invite('resent@orbit.example');
    const fresh = await resendInvitation(database.db, { invitationId: resent.id, actor: actor(), publicUrl: platform.config.publicUrl }, clock);
    expect((await request(`${origin}${resent.path}`, { headers: { accept: 'text/html' } })).status).toBe(404);
    expect((await request(`${origin}${new URL(fresh.link).pathname}`, { headers: { accept: 'text/html' } })).status).toBe(200);

    for (const path of [`/invitations/cci_${'A'.repeat(43)}`, '/invitations/nonsense', '/invitations/%3Cscript%3E']) {
      const page = await request(`${origin}${path}`, { headers: { accept: 'text/html' } });
      expect(page.status, path).toBe(404);
      expect(page.body).toContain('This invitation link is not valid');
    }

    // Posting to a dead link changes nothing either.
    const client = new WebClient(origin);
    await client.get(fresh.link.replace(/^https:\/\/[^/]+/, ''));
    expect((await client.post(withdrawn.path, FORM)).status).toBe(410);
    expect(await appsOf('withdrawn@orbit.example')).toEqual([]);
  });

  it('refuses a submission without the CSRF token or from another site', async () => {
    const { path } = await invite('csrf@orbit.example');
    const client = new WebClient(origin);
    await client.get(path);
    expect((await client.post(path, { ...FORM, _csrf: [] })).status).toBe(403);
    expect((await client.post(path, FORM, { origin: 'https://evil.example' })).status).toBe(403);
    expect((await client.post(path, FORM, { 'sec-fetch-site': 'cross-site' })).status).toBe(403);
    const stranger = new WebClient(origin);
    // A token of its own but no matching cookie: refused.
    expect((await stranger.post(path, { ...FORM, _csrf: client.lastCsrf ?? '' })).status).toBe(403);
    expect(await appsOf('csrf@orbit.example')).toEqual([]);
    expect((await client.post(path, FORM)).status).toBe(303);
  });
});
