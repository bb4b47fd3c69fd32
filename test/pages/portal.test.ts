import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import type { Database } from '../../src/db/database.js';
import { findValidSecret } from '../../src/platform/app-credentials.js';
import { createOperator } from '../../src/platform/operators.js';
import { MAX_REDIRECT_URIS_PER_APP } from '../../src/platform/redirect-uris.js';
import { secretMatches } from '../../src/security/secrets.js';
import { startSession } from '../../src/security/web-sessions.js';
import { request, type SimpleResponse } from '../support/https-client.js';
import { startTestPlatform, type TestPlatform } from '../support/platform.js';
import { WebClient } from '../support/web-client.js';
import { insertApp, insertDeveloper, insertIntegration } from './portal-fixtures.js';

const PASSWORD = 'developer password 1';
const SECRET_PATTERN = /ccs_[\w-]{43}/;

describe('developer portal', () => {
  let platform: TestPlatform;
  let database: Database;
  let origin: string;
  const clock = new ManualClock(new Date());
  const ids = {
    alice: 0,
    bob: 0,
    operator: 0,
    approved: 0,
    approvedClientId: 0,
    applied: 0,
    needsInfo: 0,
    rejected: 0,
    revoked: 0,
    bobApp: 0,
  };

  beforeAll(async () => {
    platform = await startTestPlatform({}, {
      clock,
      beforeListen: async (db) => {
        ids.operator = (await createOperator(db, { email: 'ops@example.org', name: 'Op', password: 'operator password 1' }, { type: 'system', id: null }, clock)).id;
        ids.alice = (await insertDeveloper(db.db, clock, { email: 'alice@example.net', password: PASSWORD })).id;
        ids.bob = (await insertDeveloper(db.db, clock, { email: 'bob@example.net', password: PASSWORD })).id;
        await insertDeveloper(db.db, clock, { email: 'nopassword@example.net', password: null });
        await insertDeveloper(db.db, clock, { email: 'locked@example.net', password: PASSWORD });
        const approved = await insertApp(db.db, clock, ids.alice, { status: 'approved', name: 'Badge <Printer>', redirectUris: ['https://printer.example.com/cb'] });
        ids.approved = approved.id;
        ids.approvedClientId = approved.clientId;
        ids.applied = (await insertApp(db.db, clock, ids.alice, { status: 'applied', name: 'Queue Counter' })).id;
        ids.needsInfo = (await insertApp(db.db, clock, ids.alice, { status: 'needs_info', name: 'Schedule Sync', reviewNote: 'Which <events> do you need?' })).id;
        ids.rejected = (await insertApp(db.db, clock, ids.alice, { status: 'rejected', name: 'Scraper', reviewNote: 'Scraping is not allowed.' })).id;
        ids.revoked = (await insertApp(db.db, clock, ids.alice, { status: 'revoked', name: 'Old Thing' })).id;
        ids.bobApp = (await insertApp(db.db, clock, ids.bob, { status: 'approved', name: 'Bob Secret App' })).id;
        await insertIntegration(db, clock, { slug: 'bigcon', name: 'Big Con', appId: approved.id, scopes: ['user:read', 'registration:read'], oboEnabled: true });
        await insertIntegration(db, clock, { slug: 'smallcon', name: 'Small Con', appId: approved.id, scopes: ['vendor:read'], oboEnabled: false, status: 'suspended' });
        await insertIntegration(db, clock, { slug: 'gonecon', name: 'Gone Con', appId: approved.id, scopes: ['user:read'], oboEnabled: true, status: 'removed' });
      },
    });
    database = platform.platform.database;
    origin = platform.baseUrl;
  });
  afterAll(async () => platform.stop());

  async function signedIn(email = 'alice@example.net'): Promise<WebClient> {
    const client = new WebClient(origin);
    await client.get('/portal/login');
    const response = await client.post('/portal/login', { email, password: PASSWORD, next: '/portal' });
    expect(response.status).toBe(303);
    return client;
  }

  async function audit(action: string): Promise<{ actor_type: string; actor_id: string | null; target_id: string | null; details: string; ip: string | null }[]> {
    return database.db.selectFrom('audit_log').select(['actor_type', 'actor_id', 'target_id', 'details', 'ip']).where('action', '=', action).orderBy('id').execute();
  }

  async function appRow(appId: number) {
    return database.db.selectFrom('apps').selectAll().where('id', '=', appId).executeTakeFirstOrThrow();
  }

  describe('sign-in', () => {
    it('sends visitors to the sign-in page, which cannot be framed', async () => {
      const client = new WebClient(origin);
      const home = await client.get(`/portal/apps/${ids.approved}`);
      expect(home.status).toBe(303);
      expect(home.headers.location).toBe(`/portal/login?next=%2Fportal%2Fapps%2F${ids.approved}`);
      const login = await client.get('/portal/login');
      expect(login.status).toBe(200);
      expect(login.headers['content-security-policy']).toContain("frame-ancestors 'none'");
      expect(login.body).toContain('<label for="f-email">Email');
      expect(login.body).toContain('autocomplete="current-password"');
    });

    it('signs in with email and password, case-insensitively, and returns to `next` on the portal only', async () => {
      const client = new WebClient(origin);
      await client.get('/portal/login');
      const response = await client.post('/portal/login', { email: 'Alice@Example.NET', password: PASSWORD, next: `/portal/apps/${ids.approved}` });
      expect(response.status).toBe(303);
      expect(response.headers.location).toBe(`/portal/apps/${ids.approved}`);
      expect(client.cookies.has('__Host-concat-dev')).toBe(true);
      expect((await client.get('/portal')).status).toBe(200);
      expect((await audit('developer.signed-in')).at(-1)).toMatchObject({ actor_type: 'developer', actor_id: String(ids.alice), ip: '127.0.0.1' });

      for (const next of ['https://evil.example/', '//evil.example/', '/console', '/portalx']) {
        const other = new WebClient(origin);
        await other.get('/portal/login');
        const landed = await other.post('/portal/login', { email: 'alice@example.net', password: PASSWORD, next });
        expect(landed.headers.location).toBe('/portal');
      }
    });

    it('refuses a wrong password, an unknown email and a developer without a password alike', async () => {
      for (const [email, password] of [['alice@example.net', 'wrong password 1'], ['nobody@example.net', PASSWORD], ['nopassword@example.net', PASSWORD], ['nopassword@example.net', '']]) {
        const client = new WebClient(origin);
        await client.get('/portal/login');
        const response = await client.post('/portal/login', { email: email ?? '', password: password ?? '' });
        expect(response.status).toBeGreaterThanOrEqual(400);
        expect(response.status).toBeLessThan(500);
        expect(client.cookies.has('__Host-concat-dev')).toBe(false);
        expect(response.body).toContain(`value="${email ?? ''}"`);
      }
      const client = new WebClient(origin);
      await client.get('/portal/login');
      const missing = await client.post('/portal/login', { email: '', password: '' });
      expect(missing.status).toBe(400);
      expect(missing.body).toContain('Enter your email address');
      expect(missing.body).toContain('Enter your password');
    });

    it('locks an account after repeated failures and says when to retry', async () => {
      const client = new WebClient(origin);
      await client.get('/portal/login');
      let last: SimpleResponse | undefined;
      for (let i = 0; i < 5; i++) last = await client.post('/portal/login', { email: 'locked@example.net', password: `wrong ${i}` });
      expect(last?.status).toBe(429);
      expect(last?.body).toMatch(/Too many failed sign-ins\. Try again after .+ UTC/);
      expect(Number(last?.headers['retry-after'])).toBeGreaterThan(0);
      // The right password does not help while locked.
      const locked = await client.post('/portal/login', { email: 'locked@example.net', password: PASSWORD });
      expect(locked.status).toBe(429);
      expect(client.cookies.has('__Host-concat-dev')).toBe(false);
      expect(await audit('developer.sign-in-locked')).toHaveLength(1);
      // Other accounts from the same address still sign in.
      await signedIn('bob@example.net');
      // The lock ends.
      clock.advance(16 * 60_000);
      const after = await client.post('/portal/login', { email: 'locked@example.net', password: PASSWORD });
      expect(after.status).toBe(303);
    });

    it('signs out with a POST, which ends the session', async () => {
      const client = await signedIn();
      const token = client.cookies.get('__Host-concat-dev');
      await client.get('/portal');
      const out = await client.post('/portal/logout', {});
      expect(out.status).toBe(303);
      expect(out.headers.location).toBe('/portal/login?signed-out=1');
      expect(client.cookies.has('__Host-concat-dev')).toBe(false);
      // The old cookie no longer opens the portal.
      const replay = await request(`${origin}/portal`, { headers: { accept: 'text/html', cookie: `__Host-concat-dev=${token ?? ''}` } });
      expect(replay.status).toBe(303);
      expect(await audit('developer.signed-out')).not.toHaveLength(0);
    });

    it('does not accept an operator session', async () => {
      const { token } = await startSession(database.db, { kind: 'operator', subjectId: ids.operator, orgId: 0, ip: null, userAgent: null }, clock);
      for (const cookie of [`__Host-concat-op=${token}`, `__Host-concat-dev=${token}`]) {
        const response = await request(`${origin}/portal`, { headers: { accept: 'text/html', cookie } });
        expect(response.status).toBe(303);
        expect(response.headers.location).toBe('/portal/login?next=%2Fportal');
      }
    });
  });

  describe('apps', () => {
    it('lists only the developer’s own apps, with their status explained', async () => {
      const client = await signedIn();
      const home = await client.get('/portal');
      expect(home.status).toBe(200);
      expect(home.headers['cache-control']).toBe('no-store');
      for (const name of ['Badge &#60;Printer&#62;', 'Queue Counter', 'Schedule Sync', 'Scraper', 'Old Thing']) expect(home.body).toContain(name);
      expect(home.body).not.toContain('Bob Secret App');
      for (const label of ['In review', 'Information needed', 'Approved', 'Not approved', 'Revoked']) expect(home.body).toContain(label);
      expect(home.body).toContain('The reviewer has a question.');
      // The API ID shows once approved.
      expect(home.body).toContain(`<code>${ids.approvedClientId}</code>`);
    });

    it('answers 404 for another developer’s app and for ids that are not apps', async () => {
      const client = await signedIn();
      for (const path of [`/portal/apps/${ids.bobApp}`, '/portal/apps/999999', '/portal/apps/abc', '/portal/apps/0', '/portal/apps/1e3', `/portal/apps/${'9'.repeat(40)}`]) {
        const response = await client.get(path);
        expect(response.status, path).toBe(404);
        expect(response.body).not.toContain('Bob Secret App');
      }
      await client.get('/portal');
      for (const action of ['settings', 'redirect-uris', 'redirect-uris/remove', 'answer', 'secrets', 'secrets/rotate', 'secrets/end-overlap']) {
        const response = await client.post(`/portal/apps/${ids.bobApp}/${action}`, { displayName: 'Hijacked', redirectUri: 'https://evil.example/cb', uri: 'x', answer: 'x', current: '1' });
        expect(response.status, action).toBe(404);
      }
      expect((await appRow(ids.bobApp)).display_name).toBe('Bob Secret App');
      expect(await database.db.selectFrom('app_secrets').select('id').where('app_id', '=', ids.bobApp).execute()).toHaveLength(0);
    });

    it('refuses a form without the CSRF token or from another origin', async () => {
      const client = await signedIn();
      await client.get(`/portal/apps/${ids.approved}`);
      const cookie = [...client.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
      const noToken = await request(`${origin}/portal/apps/${ids.approved}/settings`, {
        method: 'POST',
        headers: { accept: 'text/html', 'content-type': 'application/x-www-form-urlencoded', cookie },
        body: 'displayName=Changed&description=x&homepageUrl=https%3A%2F%2Fa.example%2F&privacyUrl=https%3A%2F%2Fa.example%2Fp',
      });
      expect(noToken.status).toBe(403);
      const crossSite = await client.post(`/portal/apps/${ids.approved}/secrets`, {}, { origin: 'https://evil.example' });
      expect(crossSite.status).toBe(403);
      const wrongToken = await client.post(`/portal/apps/${ids.approved}/redirect-uris`, { _csrf: 'x'.repeat(32), redirectUri: 'https://a.example/cb' });
      expect(wrongToken.status).toBe(403);
      expect((await appRow(ids.approved)).display_name).toBe('Badge <Printer>');
      expect(await database.db.selectFrom('app_secrets').select('id').where('app_id', '=', ids.approved).execute()).toHaveLength(0);
    });

    it('shows the reviewer’s question and takes an answer', async () => {
      const client = await signedIn();
      const page = await client.get(`/portal/apps/${ids.needsInfo}`);
      expect(page.body).toContain('The reviewer asks');
      expect(page.body).toContain('Which &#60;events&#62; do you need?');
      expect(page.body).toContain('<label for="f-answer">Your answer');

      const empty = await client.post(`/portal/apps/${ids.needsInfo}/answer`, { answer: '   ' });
      expect(empty.status).toBe(400);
      expect(empty.body).toContain('Write your answer');
      expect((await appRow(ids.needsInfo)).status).toBe('needs_info');

      const answered = await client.post(`/portal/apps/${ids.needsInfo}/answer`, { answer: 'Only our own <con>.' });
      expect(answered.status).toBe(303);
      expect(answered.headers.location).toBe(`/portal/apps/${ids.needsInfo}?notice=answer-sent`);
      expect((await appRow(ids.needsInfo)).status).toBe('applied');
      const after = await client.get(answered.headers.location ?? '');
      expect(after.body).toContain('your answer was sent to the reviewer');
      expect(after.body).toContain('Only our own &#60;con&#62;.');
      expect(after.body).not.toContain('<label for="f-answer">');
      const mail = await database.db.selectFrom('mail_messages').select(['to_address', 'kind']).where('kind', '=', 'application.answered').execute();
      expect(mail).toEqual([{ to_address: 'ops@example.org', kind: 'application.answered' }]);

      // Answering again (a reload): nothing more happens.
      const again = await client.post(`/portal/apps/${ids.needsInfo}/answer`, { answer: 'Only our own con.' });
      expect(again.status).toBe(303);
      expect(again.headers.location).toBe(`/portal/apps/${ids.needsInfo}?refused=no-question`);
    });

    it('shows the rejection reason and the revocation', async () => {
      const client = await signedIn();
      const rejected = await client.get(`/portal/apps/${ids.rejected}`);
      expect(rejected.body).toContain('Scraping is not allowed.');
      const revoked = await client.get(`/portal/apps/${ids.revoked}`);
      expect(revoked.body).toContain('No activity for a year');
      expect(revoked.body).toContain('A revoked app can no longer be changed.');
      expect(revoked.body).not.toContain('name="displayName"');
    });
  });

  describe('settings', () => {
    it('keeps every value and explains each problem on a validation error', async () => {
      const client = await signedIn();
      await client.get(`/portal/apps/${ids.applied}`);
      const response = await client.post(`/portal/apps/${ids.applied}/settings`, {
        displayName: 'New <Name>',
        description: '',
        homepageUrl: 'http://queue.example.com/',
        privacyUrl: 'https://queue.example.com/privacy',
        logoUrl: 'not a url',
      });
      expect(response.status).toBe(400);
      expect(response.body).toContain('value="New &#60;Name&#62;"');
      expect(response.body).toContain('value="http://queue.example.com/"');
      expect(response.body).toContain('value="not a url"');
      expect(response.body).toContain('Enter what your application does.');
      expect(response.body).toContain('The homepage must start with https://.');
      expect(response.body).toContain('The logo URL must be a full address starting with https://.');
      expect(response.body).toContain('aria-invalid="true"');
      expect((await appRow(ids.applied)).display_name).toBe('Queue Counter');
    });

    it('saves the settings and audits the change', async () => {
      const client = await signedIn();
      await client.get(`/portal/apps/${ids.applied}`);
      const response = await client.post(`/portal/apps/${ids.applied}/settings`, {
        displayName: 'Queue Counter Pro',
        description: 'Counts the queue.',
        homepageUrl: 'https://queue.example.com/',
        privacyUrl: 'https://queue.example.com/privacy',
        logoUrl: 'https://queue.example.com/logo.png',
      });
      expect(response.status).toBe(303);
      expect(response.headers.location).toBe(`/portal/apps/${ids.applied}?notice=settings-saved#settings`);
      expect(await appRow(ids.applied)).toMatchObject({ display_name: 'Queue Counter Pro', description: 'Counts the queue.', logo_url: 'https://queue.example.com/logo.png' });
      const [entry] = await audit('app.settings-updated');
      expect(entry).toMatchObject({ actor_type: 'developer', actor_id: String(ids.alice), target_id: String(ids.applied), ip: '127.0.0.1' });
      const page = await client.get(response.headers.location ?? '');
      expect(page.body).toContain('Settings saved.');
    });

    it('refuses changes to a revoked app', async () => {
      const client = await signedIn();
      await client.get('/portal');
      const response = await client.post(`/portal/apps/${ids.revoked}/settings`, { displayName: 'Revived', description: 'x', homepageUrl: 'https://a.example/', privacyUrl: 'https://a.example/p', logoUrl: '' });
      expect(response.status).toBe(303);
      expect(response.headers.location).toBe(`/portal/apps/${ids.revoked}?refused=not-editable#settings`);
      expect((await appRow(ids.revoked)).display_name).toBe('Old Thing');
    });
  });

  describe('redirect URIs', () => {
    it.each([
      ['http://printer.example.com/cb', 'Plain http:// is allowed only on localhost'],
      ['https://*.printer.example.com/cb', 'Wildcards (*) are not allowed'],
      ['https://printer.example.com/cb#top', 'cannot contain a fragment'],
      ['https://me:pw@printer.example.com/cb', 'cannot contain a user name or password'],
      ['/callback', 'Enter an absolute URL'],
      ['com.example.printer:/cb', 'scheme is not allowed'],
      ['https://printer.example.com/cb', 'already registered'],
    ])('refuses %j and explains why', async (uri, message) => {
      const client = await signedIn();
      await client.get(`/portal/apps/${ids.approved}`);
      const response = await client.post(`/portal/apps/${ids.approved}/redirect-uris`, { redirectUri: uri });
      expect(response.status).toBe(400);
      expect(response.body).toContain(message);
      expect(response.body).toContain(`value="${uri}"`);
      expect(JSON.parse((await appRow(ids.approved)).redirect_uris)).toEqual(['https://printer.example.com/cb']);
    });

    it('adds and removes redirect URIs, audited', async () => {
      const client = await signedIn();
      await client.get(`/portal/apps/${ids.approved}`);
      const added = await client.post(`/portal/apps/${ids.approved}/redirect-uris`, { redirectUri: 'http://localhost:8765/callback' });
      expect(added.status).toBe(303);
      const page = await client.get(added.headers.location ?? '');
      expect(page.body).toContain('Redirect URI added.');
      expect(page.body).toContain('<code>http://localhost:8765/callback</code>');
      const removed = await client.post(`/portal/apps/${ids.approved}/redirect-uris/remove`, { uri: 'http://localhost:8765/callback' });
      expect(removed.status).toBe(303);
      expect(JSON.parse((await appRow(ids.approved)).redirect_uris)).toEqual(['https://printer.example.com/cb']);
      const notThere = await client.post(`/portal/apps/${ids.approved}/redirect-uris/remove`, { uri: 'http://localhost:8765/callback' });
      expect(notThere.headers.location).toBe(`/portal/apps/${ids.approved}?refused=not-registered#redirect-uris`);
      expect((await audit('app.redirect-uri-added')).map((e) => JSON.parse(e.details) as unknown)).toContainEqual({ uri: 'http://localhost:8765/callback' });
      expect((await audit('app.redirect-uri-removed')).map((e) => JSON.parse(e.details) as unknown)).toContainEqual({ uri: 'http://localhost:8765/callback' });
    });

    it('allows redirect URIs before approval, and refuses a 21st', async () => {
      const client = await signedIn();
      const uris = Array.from({ length: MAX_REDIRECT_URIS_PER_APP }, (_, i) => `https://queue.example.com/cb${i}`);
      await database.db.updateTable('apps').set({ redirect_uris: JSON.stringify(uris.slice(1)) }).where('id', '=', ids.applied).execute();
      await client.get(`/portal/apps/${ids.applied}`);
      expect((await client.post(`/portal/apps/${ids.applied}/redirect-uris`, { redirectUri: uris[0] ?? '' })).status).toBe(303);
      const full = await client.get(`/portal/apps/${ids.applied}`);
      expect(full.body).toContain('Remove one to add another');
      const tooMany = await client.post(`/portal/apps/${ids.applied}/redirect-uris`, { redirectUri: 'https://queue.example.com/more' });
      expect(tooMany.status).toBe(400);
      expect(tooMany.body).toContain(`at most ${MAX_REDIRECT_URIS_PER_APP} redirect URIs`);
    });
  });

  describe('credentials', () => {
    it('offers no secret before approval', async () => {
      const client = await signedIn();
      const page = await client.get(`/portal/apps/${ids.applied}`);
      expect(page.body).toContain('gets its API ID and secret key when the application is approved');
      expect(page.body).not.toContain('/secrets');
      const forced = await client.post(`/portal/apps/${ids.applied}/secrets`, {});
      expect(forced.headers.location).toBe(`/portal/apps/${ids.applied}?refused=not-approved#credentials`);
      expect(await database.db.selectFrom('app_secrets').select('id').where('app_id', '=', ids.applied).execute()).toHaveLength(0);
    });

    it('shows a new secret exactly once, stores only its hash, and never emails it', async () => {
      const client = await signedIn();
      const before = await client.get(`/portal/apps/${ids.approved}`);
      expect(before.body).toContain(`<code>${ids.approvedClientId}</code>`);
      expect(before.body).toContain('Create secret key');

      const created = await client.post(`/portal/apps/${ids.approved}/secrets`, {});
      expect(created.status).toBe(200);
      expect(created.headers['cache-control']).toBe('no-store');
      const secret = SECRET_PATTERN.exec(created.body)?.[0] ?? '';
      expect(secret).not.toBe('');
      expect(created.body).toContain('it will not be shown again');

      const rows = await database.db.selectFrom('app_secrets').selectAll().where('app_id', '=', ids.approved).execute();
      expect(rows).toHaveLength(1);
      expect(secretMatches(secret, rows[0]?.secret_hash ?? '')).toBe(true);
      expect(JSON.stringify(rows)).not.toContain(secret);

      const reload = await client.get(`/portal/apps/${ids.approved}`);
      expect(reload.body).not.toContain(secret);
      expect(reload.body).not.toMatch(SECRET_PATTERN);
      expect(reload.body).toContain(`<code>…${secret.slice(-4)}</code>`);
      expect(reload.body).toContain('Rotate secret key');

      // The form sent again (what a browser reload of the response does) makes and shows nothing.
      const resent = await client.post(`/portal/apps/${ids.approved}/secrets`, {});
      expect(resent.status).toBe(303);
      expect(resent.headers.location).toBe(`/portal/apps/${ids.approved}?refused=secret-already-issued#credentials`);
      expect(await database.db.selectFrom('app_secrets').select('id').where('app_id', '=', ids.approved).execute()).toHaveLength(1);

      expect(await findValidSecret(database.db, ids.approvedClientId, secret, clock)).toBe(ids.approved);
      const mails = await database.db.selectFrom('mail_messages').select(['text_body', 'html_body', 'subject']).execute();
      expect(JSON.stringify(mails)).not.toMatch(SECRET_PATTERN);
      const [entry] = await audit('app.secret-created');
      expect(entry?.details).not.toContain(secret.slice(4));
    });

    it('rotates: the new secret shows once, both work during the overlap, ending it stops the old one', async () => {
      const client = await signedIn();
      const page = await client.get(`/portal/apps/${ids.approved}`);
      const current = /name="current" value="(\d+)"/.exec(page.body)?.[1] ?? '';
      expect(current).not.toBe('');
      const oldRow = await database.db.selectFrom('app_secrets').selectAll().where('id', '=', Number(current)).executeTakeFirstOrThrow();

      const rotated = await client.post(`/portal/apps/${ids.approved}/secrets/rotate`, { current });
      expect(rotated.status).toBe(200);
      expect(rotated.headers['cache-control']).toBe('no-store');
      const secret = SECRET_PATTERN.exec(rotated.body)?.[0] ?? '';
      expect(secret).not.toBe('');
      expect(rotated.body).toContain('Your previous secret keeps working for 24 hours');
      expect(rotated.body).toContain('End the overlap now');

      const reload = await client.get(`/portal/apps/${ids.approved}`);
      expect(reload.body).not.toContain(secret);
      expect(reload.body).toContain('Previous: still works until it expires');

      // A resubmission of the rotation form rotates nothing and shows nothing.
      const resent = await client.post(`/portal/apps/${ids.approved}/secrets/rotate`, { current });
      expect(resent.status).toBe(303);
      expect(resent.headers.location).toBe(`/portal/apps/${ids.approved}?refused=secret-already-issued#credentials`);
      const refusedPage = await client.get(resent.headers.location ?? '');
      expect(refusedPage.body).toContain('is not shown again');
      expect(refusedPage.body).not.toMatch(SECRET_PATTERN);

      const rows = await database.db.selectFrom('app_secrets').selectAll().where('app_id', '=', ids.approved).orderBy('id').execute();
      expect(rows).toHaveLength(2);
      expect(rows[0]?.expires_at).not.toBeNull();
      expect(new Date(rows[0]?.expires_at ?? '').getTime() - clock.now().getTime()).toBe(24 * 3_600_000);
      expect(secretMatches(secret, rows[1]?.secret_hash ?? '')).toBe(true);
      expect(rows[0]?.secret_hash).toBe(oldRow.secret_hash);
      const [rotatedEntry] = await audit('app.secret-rotated');
      expect(rotatedEntry).toMatchObject({ actor_type: 'developer', actor_id: String(ids.alice), target_id: String(ids.approved) });
      expect(rotatedEntry?.details).not.toContain(secret.slice(4));

      expect(await findValidSecret(database.db, ids.approvedClientId, secret, clock)).toBe(ids.approved);
      const lastUsed = await client.get(`/portal/apps/${ids.approved}`);
      expect(lastUsed.body).toMatch(/<td>Current<\/td><td><time[^>]*>[^<]*<\/time><\/td><td>Never<\/td><td><time datetime="/);

      const ended = await client.post(`/portal/apps/${ids.approved}/secrets/end-overlap`, {});
      expect(ended.status).toBe(303);
      expect(ended.headers.location).toBe(`/portal/apps/${ids.approved}?notice=overlap-ended#credentials`);
      const afterEnd = await database.db.selectFrom('app_secrets').selectAll().where('id', '=', Number(current)).executeTakeFirstOrThrow();
      expect(afterEnd.revoked_at).not.toBeNull();
      expect(await audit('app.secret-overlap-ended')).toHaveLength(1);
      const endedPage = await client.get(ended.headers.location ?? '');
      expect(endedPage.body).not.toContain('End the overlap now');
      const again = await client.post(`/portal/apps/${ids.approved}/secrets/end-overlap`, {});
      expect(again.headers.location).toBe(`/portal/apps/${ids.approved}?refused=nothing-to-end#credentials`);
    });

    it('lists the instances integrating the app with their permissions and sign-in setting', async () => {
      const client = await signedIn();
      const page = await client.get(`/portal/apps/${ids.approved}`);
      expect(page.body).toContain('Big Con');
      expect(page.body).toContain(`<code class="wrap">${origin}/o/bigcon</code>`);
      expect(page.body).toContain("<code>user:read</code>: Read users&#39; profiles and their roles");
      expect(page.body).toContain('<code>registration:read</code>: Read attendee registrations');
      expect(page.body).toContain('Small Con');
      expect(page.body).toContain('Suspended by the event customer');
      expect(page.body).toContain('<code>vendor:read</code>');
      expect(page.body).toContain('Allowed');
      expect(page.body).toContain('Not allowed');
      expect(page.body).not.toContain('Gone Con');
    });
  });
});
