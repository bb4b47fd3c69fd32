import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isoTimestamp, ManualClock } from '../../src/clock.js';
import type { Database } from '../../src/db/database.js';
import type { AppStatus } from '../../src/db/schema.js';
import { requestReactivation } from '../../src/platform/app-reactivation.js';
import { revokeApp } from '../../src/platform/app-revocation.js';
import { attestDeletion } from '../../src/platform/deletion-duty.js';
import { createOperator } from '../../src/platform/operators.js';
import { formatUtcDate } from '../../src/platform/revocation-mail.js';
import { startSession } from '../../src/security/web-sessions.js';
import { addOrg, type FixtureOrg } from '../instance/fixtures.js';
import { startSmtpTestServer, type SmtpTestServer } from '../mail/smtp-test-server.js';
import { launchBrowser } from '../support/browser.js';
import { request } from '../support/https-client.js';
import { startTestPlatform, type TestPlatform } from '../support/platform.js';
import { WebClient } from '../support/web-client.js';
import { insertApp, insertDeveloper } from './portal-fixtures.js';

const OPERATOR = { email: 'ops@example.org', password: 'operator password 1' };
const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * The operator console's side of revocation: revoking with a reason, revoked and overdue apps
 * wherever apps are shown, the overdue overview, and deciding reactivation requests. Emails go to
 * a real SMTP server; overdue deadlines come from revocations made with a clock in the past.
 */
describe('console: revocation, deletion duties and reactivation', () => {
  let smtp: SmtpTestServer;
  let platform: TestPlatform;
  let database: Database;
  let origin: string;
  let operatorId = 0;
  let bigcon: FixtureOrg;
  let smallcon: FixtureOrg;
  const clock = new ManualClock(new Date());

  beforeAll(async () => {
    smtp = await startSmtpTestServer();
    platform = await startTestPlatform({ smtpUrl: `smtp://127.0.0.1:${smtp.port}` }, {
      clock,
      beforeListen: async (db) => {
        operatorId = (await createOperator(db, { email: OPERATOR.email, name: 'Olive Ops', password: OPERATOR.password }, { type: 'system', id: null }, clock)).id;
        bigcon = await addOrg(db, 'bigcon', 'Big Con', clock);
        smallcon = await addOrg(db, 'smallcon', 'Small Con', clock);
      },
    });
    database = platform.platform.database;
    origin = platform.baseUrl;
  });
  afterAll(async () => {
    await platform.stop();
    await smtp.close();
  });

  const signedIn = async (): Promise<WebClient> => {
    const client = new WebClient(origin);
    await client.get('/console/login');
    expect((await client.post('/console/login', { email: OPERATOR.email, password: OPERATOR.password, next: '/console' })).status).toBe(303);
    return client;
  };

  /** A developer's app integrated (active) in the given instances. */
  const developerApp = async (name: string, orgs: FixtureOrg[], status: AppStatus = 'approved') => {
    const developer = await insertDeveloper(database.db, clock);
    const app = await insertApp(database.db, clock, developer.id, { name, status });
    const now = isoTimestamp(clock.now());
    for (const org of orgs) {
      await database.db.insertInto('integrations').values({ org_id: org.orgId, app_id: app.id, scopes: '["user:read"]', obo_enabled: 0, status: 'active', created_by_user_id: null, created_at: now, updated_at: now }).execute();
    }
    return { appId: app.id, clientId: app.clientId, developerId: developer.id, email: developer.email, name };
  };

  const statusOf = async (appId: number) => (await database.db.selectFrom('apps').select('status').where('id', '=', appId).executeTakeFirstOrThrow()).status;
  const deliveredTo = async (email: string) => {
    await platform.platform.mail.runOnce();
    return smtp.received.filter((mail) => mail.envelopeTo.includes(email));
  };

  it('revokes an approved app with a reason once confirmed, refuses the rest on the page, and emails the developer the deadline', async () => {
    const app = await developerApp('Badge Printer', [bigcon, smallcon]);
    const client = await signedIn();
    const page = await client.get(`/console/apps/${app.appId}`);
    expect(page.body).toContain(`action="/console/apps/${app.appId}/revoke"`);
    expect(page.body).toContain('<label for="f-revokeReason">Reason for the revocation');
    expect(page.body).toContain('name="confirm" value="yes" required');

    const unconfirmed = await client.post(`/console/apps/${app.appId}/revoke`, { revokeReason: 'Sold attendee data' });
    expect(unconfirmed.status).toBe(400);
    expect(unconfirmed.body).toContain('Confirm that the app stops at once');
    expect(unconfirmed.body).toContain('Sold attendee data</textarea>');
    const empty = await client.post(`/console/apps/${app.appId}/revoke`, { revokeReason: '  ', confirm: 'yes' });
    expect(empty.status).toBe(400);
    expect(empty.body).toContain('Give the reason for the revocation');
    const tooLong = await client.post(`/console/apps/${app.appId}/revoke`, { revokeReason: 'x'.repeat(5001), confirm: 'yes' });
    expect(tooLong.status).toBe(400);
    expect(tooLong.body).toContain('at most 5000 characters');
    const noCsrf = await client.post(`/console/apps/${app.appId}/revoke`, { revokeReason: 'Sold attendee data', confirm: 'yes', _csrf: [] });
    expect(noCsrf.status).toBe(403);
    expect(await statusOf(app.appId)).toBe('approved');

    const revoked = await client.post(`/console/apps/${app.appId}/revoke`, { revokeReason: 'Sold attendee data', confirm: 'yes' });
    expect(revoked.status).toBe(303);
    expect(revoked.headers.location).toBe(`/console/apps/${app.appId}?done=revoked`);
    expect(await statusOf(app.appId)).toBe('revoked');
    const due = formatUtcDate(new Date(clock.now().getTime() + 30 * DAY_MS).toISOString());
    const shown = await client.get(`/console/apps/${app.appId}?done=revoked`);
    for (const text of ['Revoked. The app stopped working at once', '<span class="status">Revoked</span>', 'By the ConCat team (an operator or administrator)', 'Sold attendee data', due, 'Big Con', 'Small Con']) {
      expect(shown.body, text).toContain(text);
    }
    expect(shown.body).not.toContain(`action="/console/apps/${app.appId}/revoke"`);
    expect(shown.body).not.toContain('Overdue');

    const again = await client.post(`/console/apps/${app.appId}/revoke`, { revokeReason: 'Twice', confirm: 'yes' });
    expect(again.status).toBe(409);
    expect(again.body).toContain('Badge Printer is already revoked');
    const applied = await developerApp('Still Applying', [], 'applied');
    const notApproved = await client.post(`/console/apps/${applied.appId}/revoke`, { revokeReason: 'No', confirm: 'yes' });
    expect(notApproved.status).toBe(409);
    expect(notApproved.body).toContain('only approved apps can be revoked');
    expect(notApproved.body).toContain('Only an approved app can be revoked.');

    const audit = await database.db.selectFrom('audit_log').select(['actor_type', 'actor_id', 'details']).where('action', '=', 'app.revoked').where('target_id', '=', String(app.appId)).execute();
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ actor_type: 'operator', actor_id: String(operatorId) });
    expect(audit[0]?.details).toContain('"cause":"operator"');

    const list = await client.get('/console/apps?status=revoked');
    expect(list.body).toContain(`<a href="/console/apps/${app.appId}">Badge Printer</a>`);
    expect(list.body).not.toContain('Still Applying');

    const mails = await deliveredTo(app.email);
    expect(mails).toHaveLength(1);
    expect(mails[0]?.parsed.subject).toBe(`Badge Printer is revoked: delete its event data by ${due}`);
    expect(mails[0]?.parsed.text).toContain('Sold attendee data');
  });

  it('shows overdue deletions on the home page, in the apps list and on the app page, with each instance’s state', async () => {
    const app = await developerApp('Late Deleter', [bigcon, smallcon]);
    const recent = await developerApp('Recently Revoked', [bigcon]);
    // Revoked 40 days ago: the deadline passed 10 days ago. Small Con's data was attested deleted.
    const past = new ManualClock(new Date(clock.now().getTime() - 40 * DAY_MS));
    const revocation = await revokeApp(database.db, { app: { appId: app.appId }, reason: 'No activity for a year', actor: { type: 'system' } }, past);
    past.advance(5 * DAY_MS);
    await attestDeletion(database.db, { developerId: app.developerId, appId: app.appId, revocationId: revocation.revocationId, orgId: smallcon.orgId, statement: 'Dropped the smallcon schema', ip: null }, past);
    await revokeApp(database.db, { app: { appId: recent.appId }, reason: 'Asked by the developer', actor: { type: 'developer', developerId: recent.developerId } }, clock);

    const client = await signedIn();
    const home = await client.get('/console');
    const overdueSection = home.body.slice(home.body.indexOf('<h2>Overdue deletions</h2>'));
    expect(overdueSection).toContain(`<a href="/console/apps/${app.appId}#revocation">Late Deleter</a>`);
    expect(overdueSection).toMatch(/<td>Big Con<\/td><td><time[^>]*>[^<]+<\/time><\/td><td class="num">10<\/td>/);
    expect(overdueSection).not.toContain('<td>Small Con</td>');
    expect(overdueSection).not.toContain('Recently Revoked');

    const overdueList = await client.get('/console/apps?status=overdue');
    expect(overdueList.body).toContain('Late Deleter');
    expect(overdueList.body).not.toContain('Recently Revoked');
    expect(overdueList.body).toContain('<option value="overdue" selected>');
    const all = await client.get('/console/apps');
    expect(all.body).toMatch(/Late Deleter<\/a>.*?<span class="status">Revoked<\/span> <strong class="status danger-text">Overdue<\/strong>/s);

    const detail = await client.get(`/console/apps/${app.appId}`);
    for (const text of ['Automatically, for inactivity', 'No activity for a year', formatUtcDate(revocation.deletionDueAt), 'the deadline has passed', 'Attested', 'Dropped the smallcon schema']) {
      expect(detail.body, text).toContain(text);
    }
    expect(detail.body).toMatch(/<td>Big Con<\/td><td>Open <strong class="status danger-text">Overdue<\/strong><\/td>/);
    // The history shows the attestation once (it is in the platform's log and the instance's), naming the instance.
    expect(detail.body.split('<td>Attested deletion</td>')).toHaveLength(2);
    expect(detail.body).toContain('Small Con: Dropped the smallcon schema');
    expect((await client.get(`/console/apps/${recent.appId}`)).body).toContain('At the developer’s request');
  });

  it('decides reactivation requests: listed on the home page, declined with a note, approved with what follows, both emailed', async () => {
    const app = await developerApp('Comeback Kid', [bigcon]);
    const other = await developerApp('Other Comeback', []);
    const past = new ManualClock(new Date(clock.now().getTime() - 3 * DAY_MS));
    await revokeApp(database.db, { app: { appId: app.appId }, reason: 'Abandoned', actor: { type: 'system' } }, past);
    await revokeApp(database.db, { app: { appId: other.appId }, reason: 'Abandoned', actor: { type: 'system' } }, past);
    const ask = (appId: number, developerId: number, message: string) => requestReactivation(database.db, { developerId, appId, message, ip: null, publicUrl: platform.config.publicUrl }, clock);
    const first = await ask(app.appId, app.developerId, 'We are back for the summer season');
    const otherRequest = await ask(other.appId, other.developerId, 'Us too');

    const client = await signedIn();
    const home = await client.get('/console');
    const requests = home.body.slice(home.body.indexOf('<h2>Reactivation requests</h2>'), home.body.indexOf('<h2>Overdue deletions</h2>'));
    expect(requests).toContain(`<a href="/console/apps/${app.appId}#revocation">Comeback Kid</a>`);
    expect(requests).toContain('We are back for the summer season');
    const page = await client.get(`/console/apps/${app.appId}`);
    expect(page.body).toContain(`action="/console/apps/${app.appId}/reactivations/${first}/approve"`);
    expect(page.body).toContain(`action="/console/apps/${app.appId}/reactivations/${first}/decline"`);

    const base = `/console/apps/${app.appId}/reactivations/${first}`;
    const noNote = await client.post(`${base}/decline`, { declineNote: ' ' });
    expect(noNote.status).toBe(400);
    expect(noNote.body).toContain('Tell the developer why the app stays revoked');
    expect((await client.post(`${base}/decline`, { declineNote: 'Not yet', _csrf: [] })).status).toBe(403);
    // Another app's request, or none, is not this page's to decide.
    expect((await client.post(`/console/apps/${app.appId}/reactivations/${otherRequest}/approve`, {})).status).toBe(404);
    expect((await client.post(`/console/apps/${app.appId}/reactivations/999999/approve`, {})).status).toBe(404);
    expect((await client.post(`/console/apps/${app.appId}/reactivations/x/approve`, {})).status).toBe(404);

    const declined = await client.post(`${base}/decline`, { declineNote: 'First delete the data you still hold' });
    expect(declined.status).toBe(303);
    expect(declined.headers.location).toBe(`/console/apps/${app.appId}?done=reactivation-declined`);
    expect(await statusOf(app.appId)).toBe('revoked');
    const afterDecline = await client.get(`/console/apps/${app.appId}?done=reactivation-declined`);
    expect(afterDecline.body).toContain('Declined. The developer was emailed your note');
    expect(afterDecline.body).toContain('First delete the data you still hold');
    expect(afterDecline.body).not.toContain(`${base}/approve`);
    const late = await client.post(`${base}/approve`, {});
    expect(late.status).toBe(409);
    expect(late.body).toContain('This request was already declined');

    const second = await ask(app.appId, app.developerId, 'Data deleted, please reconsider');
    const approved = await client.post(`/console/apps/${app.appId}/reactivations/${second}/approve`, { approvalNote: 'Welcome back' });
    expect(approved.status).toBe(303);
    expect(await statusOf(app.appId)).toBe('approved');
    const afterApproval = await client.get(`/console/apps/${app.appId}?done=reactivated`);
    for (const text of ['<span class="status">Approved</span>', 'The developer must issue a new secret key', 'Still suspended, waiting for their org admin: Big Con.', 'Earlier revocations', 'Abandoned', 'Welcome back', `action="/console/apps/${app.appId}/revoke"`]) {
      expect(afterApproval.body, text).toContain(text);
    }
    expect((await client.get('/console')).body).not.toContain('Comeback Kid');
    const history = await client.get(`/console/apps/${app.appId}`);
    for (const step of ['Asked for reactivation', 'Declined reactivation', 'Reactivated', 'Olive Ops']) expect(history.body, step).toContain(step);

    const mails = await deliveredTo(app.email);
    const subjects = mails.map((mail) => mail.parsed.subject);
    expect(subjects).toContain('Comeback Kid stays revoked');
    expect(subjects).toContain('Comeback Kid is reactivated');
    expect(mails.find((mail) => mail.parsed.subject === 'Comeback Kid stays revoked')?.parsed.text).toContain('First delete the data you still hold');
    expect(mails.find((mail) => mail.parsed.subject === 'Comeback Kid is reactivated')?.parsed.text).toContain('Welcome back');
  });

  it('is closed to developer sessions', async () => {
    const app = await developerApp('Guarded App', []);
    const { token } = await startSession(database.db, { kind: 'developer', subjectId: operatorId, orgId: 0, ip: null, userAgent: null }, clock);
    const cookie = `__Host-concat-dev=${token}`;
    const page = await request(`${origin}/console/apps/${app.appId}`, { headers: { accept: 'text/html', cookie } });
    expect(page.status).toBe(303);
    expect(page.headers.location).toContain('/console/login');
    const post = await request(`${origin}/console/apps/${app.appId}/revoke`, {
      method: 'POST',
      headers: { accept: 'text/html', cookie, origin, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ revokeReason: 'From the portal', confirm: 'yes' }).toString(),
    });
    expect([303, 403]).toContain(post.status);
    expect(await statusOf(app.appId)).toBe('approved');
  });

  it('in Chromium: an operator revokes an app with a reason and sees it revoked', { timeout: 120_000 }, async () => {
    const app = await developerApp('Browser Badges', [bigcon]);
    const browser = await launchBrowser();
    try {
      const page = await browser.context.newPage();
      await page.goto(`${origin}/console/login`);
      await page.getByLabel('Email').fill(OPERATOR.email);
      await page.getByLabel('Password').fill(OPERATOR.password);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByRole('heading', { name: 'Review queue' }).waitFor();
      await page.getByRole('link', { name: 'Apps' }).click();
      await page.getByRole('link', { name: 'Browser Badges' }).click();
      await page.getByLabel('Reason for the revocation').fill('Breach of the data policy');
      // Without the confirmation the browser does not send the form.
      await page.getByRole('button', { name: 'Revoke Browser Badges' }).click();
      expect(await page.locator('#f-confirm:invalid').count()).toBe(1);
      expect(await statusOf(app.appId)).toBe('approved');
      await page.getByLabel(/I understand that Browser Badges stops working at once/).check();
      await page.getByRole('button', { name: 'Revoke Browser Badges' }).click();
      await page.getByText('Revoked. The app stopped working at once').waitFor();
      expect(await page.locator('h1').innerText()).toContain('Revoked');
      expect(await page.locator('#revocation ~ dl').first().innerText()).toContain('Breach of the data policy');
      expect(await statusOf(app.appId)).toBe('revoked');
      await page.getByRole('link', { name: 'All apps' }).click();
      expect(await page.getByRole('row', { name: /Browser Badges/ }).innerText()).toContain('Revoked');
    } finally {
      await browser.close();
    }
  });
});
