import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import type { Database } from '../../src/db/database.js';
import { approveReactivation, declineReactivation, listReactivationRequests } from '../../src/platform/app-reactivation.js';
import { MAX_ATTESTATION_STATEMENT_LENGTH } from '../../src/platform/deletion-duty.js';
import { createOperator } from '../../src/platform/operators.js';
import { formatUtcDate } from '../../src/platform/revocation-mail.js';
import { hashPassword } from '../../src/security/passwords.js';
import { startSmtpTestServer, type SmtpTestServer } from '../mail/smtp-test-server.js';
import { serviceToken, startOauthWorld, type OauthWorld } from '../oauth/oauth-world.js';
import { request } from '../support/https-client.js';
import { WebClient } from '../support/web-client.js';

const PASSWORD = 'developer password 1';
const DAY_MS = 24 * 60 * 60 * 1000;
const SECRET_PATTERN = /ccs_[\w-]{43}/;

function searchUsers(base: string, token: string) {
  return request(`${base}/api/v0/users/search`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: '{}' });
}

/**
 * The developer's side of a revocation through HTTP: revoking their own app after typing its
 * name, the revoked page with its deadline and per-instance duty, attesting deletion, asking for
 * reactivation, and the app after an operator approved it. The world's "Badge Service" is
 * integrated in Lakeshore FurFest and Harborview Anime Con; "Other Service" belongs to another developer.
 */
describe('revocation in the developer portal', () => {
  let smtp: SmtpTestServer;
  let w: OauthWorld;
  let database: Database;
  let origin: string;
  const clock = new ManualClock(new Date());
  let operatorId = 0;
  let developerEmail = '';
  let appId = 0;
  let otherAppId = 0;
  let revocationId = 0;

  beforeAll(async () => {
    smtp = await startSmtpTestServer();
    w = await startOauthWorld({ clock, settings: { smtpUrl: `smtp://127.0.0.1:${smtp.port}` } });
    database = w.database;
    origin = w.t.baseUrl;
    appId = w.apps.service.appId;
    otherAppId = w.apps.other.appId;
    operatorId = (await createOperator(database, { email: 'ops@example.org', name: 'Op', password: 'operator password 1' }, { type: 'system', id: null }, clock)).id;
    const developer = await database.db.selectFrom('developers').select('email').where('id', '=', w.apps.service.developerId).executeTakeFirstOrThrow();
    developerEmail = developer.email;
    // The world's developers have no password: give this one a password to sign in with.
    await database.db.updateTable('developers').set({ password_hash: await hashPassword(PASSWORD) }).where('id', '=', w.apps.service.developerId).execute();
  });
  afterAll(async () => {
    await w.t.stop();
    await smtp.close();
  });

  async function signedIn(): Promise<WebClient> {
    const client = new WebClient(origin);
    await client.get('/portal/login');
    const response = await client.post('/portal/login', { email: developerEmail, password: PASSWORD, next: '/portal' });
    expect(response.status).toBe(303);
    return client;
  }

  async function appRow(id: number) {
    return database.db.selectFrom('apps').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
  }

  async function orgIdOf(slug: string): Promise<number> {
    return (await database.db.selectFrom('orgs').select('id').where('slug', '=', slug).executeTakeFirstOrThrow()).id;
  }

  it('answers 404 for another developer’s app, on every revocation route', async () => {
    const client = await signedIn();
    await client.get('/portal');
    expect((await client.get(`/portal/apps/${otherAppId}/revoke`)).status).toBe(404);
    const posts = [
      [`/portal/apps/${otherAppId}/revoke`, { confirmName: 'Other Service' }],
      [`/portal/apps/${otherAppId}/reactivation`, { message: 'Please' }],
      [`/portal/apps/${otherAppId}/revocations/1/deletions/1`, { 'confirm-1-1': 'yes' }],
    ] as const;
    for (const [path, fields] of posts) {
      const response = await client.post(path, fields);
      expect(response.status, path).toBe(404);
      expect(response.body).not.toContain('Other Service');
    }
    expect((await appRow(otherAppId)).status).toBe('approved');
  });

  it('offers the revocation on an approved app, and the confirmation says plainly what happens', async () => {
    const client = await signedIn();
    const page = await client.get(`/portal/apps/${appId}`);
    expect(page.body).toContain('<h2 id="revoke">Revoke this app</h2>');
    expect(page.body).toContain(`href="/portal/apps/${appId}/revoke"`);

    const confirmation = await client.get(`/portal/apps/${appId}/revoke`);
    expect(confirmation.status).toBe(200);
    expect(confirmation.body).toContain('<h1>Revoke Badge Service?</h1>');
    expect(confirmation.body).toContain('Its secret keys and every access and refresh token it holds stop working, in every event.');
    expect(confirmation.body).toContain('Its integrations are suspended and it receives no more webhooks.');
    expect(confirmation.body).toContain('Harborview Anime Con, Lakeshore FurFest');
    expect(confirmation.body).toContain('within 30 days');
    expect(confirmation.body).toContain(formatUtcDate(new Date(clock.now().getTime() + 30 * DAY_MS).toISOString()));
    expect(confirmation.body).toContain('only the ConCat team can reactivate the app');
    expect(confirmation.body).toContain('<label for="f-confirmName">To confirm, type the app’s name: Badge Service');
    expect(confirmation.body).toContain('name="_csrf"');
  });

  it('refuses a wrong or missing name and a missing CSRF token, and revokes nothing', async () => {
    const client = await signedIn();
    await client.get(`/portal/apps/${appId}/revoke`);
    for (const typed of ['', 'badge service', 'Badge']) {
      const response = await client.post(`/portal/apps/${appId}/revoke`, { confirmName: typed, reason: 'Keep <this>' });
      expect(response.status).toBe(400);
      expect(response.body).toContain('Type the app’s name exactly as shown: Badge Service');
      expect(response.body).toContain('Keep &#60;this&#62;</textarea>');
    }
    const tooLong = await client.post(`/portal/apps/${appId}/revoke`, { confirmName: 'Badge Service', reason: 'x'.repeat(5000) });
    expect(tooLong.status).toBe(400);
    expect(tooLong.body).toMatch(/Your reason must be at most \d+ characters/);

    const cookie = [...client.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    for (const path of ['revoke', 'reactivation', 'revocations/1/deletions/1']) {
      const noToken = await request(`${origin}/portal/apps/${appId}/${path}`, {
        method: 'POST',
        headers: { accept: 'text/html', 'content-type': 'application/x-www-form-urlencoded', cookie, origin },
        body: 'confirmName=Badge+Service&message=x&confirm-1-1=yes',
      });
      expect(noToken.status, path).toBe(403);
      expect(noToken.body).toContain('This form has expired or did not come from this site');
    }
    expect((await appRow(appId)).status).toBe('approved');
  });

  it('revokes with the typed name: the page shows the revoked state, a token from before fails, and the email arrives', async () => {
    const token = await serviceToken(w.furfest.base, w.apps.service);
    expect((await searchUsers(w.furfest.base, token.access_token)).status).toBe(200);

    const client = await signedIn();
    await client.get(`/portal/apps/${appId}/revoke`);
    const revoked = await client.post(`/portal/apps/${appId}/revoke`, { confirmName: 'Badge Service', reason: 'We closed the <company>.' });
    expect(revoked.status).toBe(303);
    expect(revoked.headers.location).toBe(`/portal/apps/${appId}?notice=revoked`);

    const row = await appRow(appId);
    expect(row.status).toBe('revoked');
    expect(row.revoke_reason).toBe("Revoked at the developer's request: We closed the <company>.");
    const revocation = await database.db.selectFrom('app_revocations').selectAll().where('app_id', '=', appId).executeTakeFirstOrThrow();
    revocationId = revocation.id;
    expect(revocation).toMatchObject({ cause: 'developer', actor_type: 'developer', actor_id: String(w.apps.service.developerId) });
    const audit = await database.db.selectFrom('audit_log').select(['actor_type', 'actor_id', 'ip']).where('action', '=', 'app.revoked').execute();
    expect(audit).toEqual([{ actor_type: 'developer', actor_id: String(w.apps.service.developerId), ip: '127.0.0.1' }]);

    // The token was issued before and has not expired: it fails at its next call.
    expect((await searchUsers(w.furfest.base, token.access_token)).status).toBe(401);

    const page = await client.get(revoked.headers.location ?? '');
    expect(page.status).toBe(200);
    const due = formatUtcDate(revocation.deletion_due_at);
    expect(page.body).toContain('The app is revoked. We emailed you what must be deleted');
    expect(page.body).toContain('<h2 id="revoked">Revoked</h2>');
    expect(page.body).toContain('<dt>Cause</dt><dd>At your request</dd>');
    expect(page.body).toContain('<dt>Your reason</dt><dd class="pre-line">We closed the &#60;company&#62;.</dd>');
    expect(page.body).toContain(`<dt>Delete its event data by</dt><dd><time datetime="${revocation.deletion_due_at}">${due}</time>`);
    expect(page.body).not.toContain('Overdue');
    for (const instance of ['Lakeshore FurFest', 'Harborview Anime Con']) {
      expect(page.body).toContain(`I confirm that all event data of ${instance} the app stored is deleted, backups included`);
    }
    expect(page.body.match(/<strong>Open:<\/strong>/g)).toHaveLength(2);
    expect(page.body).toContain('Suspended by the revocation');
    // Nothing of the app can be changed any more, and no secret can be made.
    expect(page.body).not.toContain('name="displayName"');
    expect(page.body).not.toContain('name="redirectUri"');
    expect(page.body).not.toContain(`action="/portal/apps/${appId}/secrets`);
    expect(page.body).not.toContain(`/portal/apps/${appId}/revoke"`);
    expect(page.body).toContain('Ask for reactivation');

    const list = await client.get('/portal');
    expect(list.body).toContain(`delete its event data by <time datetime="${revocation.deletion_due_at}">${due}</time>`);

    await w.t.platform.mail.runOnce();
    const received = smtp.received.filter((mail) => mail.envelopeTo.includes(developerEmail));
    expect(received).toHaveLength(1);
    expect(received[0]?.parsed.subject).toBe(`Badge Service is revoked: delete its event data by ${due}`);
    expect(received[0]?.parsed.text).toContain("Revoked at the developer's request: We closed the <company>.");
    expect(received[0]?.parsed.text).toContain('Lakeshore FurFest');
  });

  it('refuses a second revocation with a clear message', async () => {
    const client = await signedIn();
    const confirmation = await client.get(`/portal/apps/${appId}/revoke`);
    expect(confirmation.status).toBe(303);
    expect(confirmation.headers.location).toBe(`/portal/apps/${appId}?refused=already-revoked`);
    expect((await client.get(confirmation.headers.location ?? '')).body).toContain('This app is already revoked.');
    const again = await client.post(`/portal/apps/${appId}/revoke`, { confirmName: 'Badge Service' });
    expect(again.status).toBe(409);
    expect(again.body).toContain('Badge Service is already revoked');
    expect(await database.db.selectFrom('app_revocations').select('id').where('app_id', '=', appId).execute()).toHaveLength(1);
  });

  it('refuses an attestation without the box or with a too long statement, keeping what was typed', async () => {
    const client = await signedIn();
    await client.get(`/portal/apps/${appId}`);
    const furfest = await orgIdOf('furfest');
    const key = `${revocationId}-${furfest}`;
    const path = `/portal/apps/${appId}/revocations/${revocationId}/deletions/${furfest}`;
    const unticked = await client.post(path, { [`statement-${key}`]: 'All <gone>' });
    expect(unticked.status).toBe(400);
    expect(unticked.body).toContain('Tick the box to confirm that the data is deleted');
    expect(unticked.body).toContain('All &#60;gone&#62;</textarea>');
    const long = await client.post(path, { [`statement-${key}`]: 'x'.repeat(MAX_ATTESTATION_STATEMENT_LENGTH + 1), [`confirm-${key}`]: 'yes' });
    expect(long.status).toBe(400);
    expect(long.body).toContain(`at most ${MAX_ATTESTATION_STATEMENT_LENGTH} characters`);
    const unknown = await client.post(`/portal/apps/${appId}/revocations/${revocationId}/deletions/999999`, { [`confirm-${revocationId}-999999`]: 'yes' });
    expect(unknown.status).toBe(404);
    const duties = await database.db.selectFrom('deletion_duties').select('status').where('revocation_id', '=', revocationId).execute();
    expect(duties.map((duty) => duty.status)).toEqual(['open', 'open']);
  });

  it('shows the app as overdue once the deadline passed with deletions unconfirmed', async () => {
    clock.advance(31 * DAY_MS);
    const client = await signedIn();
    const page = await client.get(`/portal/apps/${appId}`);
    expect(page.body).toContain('<span class="status danger-text">Overdue</span>');
    expect(page.body).toContain('The deadline has passed and not every deletion below is confirmed.');
    expect((await client.get('/portal')).body).toContain('Overdue');
  });

  it('attests the deletion of one instance once, with its statement, audited', async () => {
    const client = await signedIn();
    await client.get(`/portal/apps/${appId}`);
    const furfest = await orgIdOf('furfest');
    const key = `${revocationId}-${furfest}`;
    const path = `/portal/apps/${appId}/revocations/${revocationId}/deletions/${furfest}`;
    const attested = await client.post(path, { [`statement-${key}`]: 'Deleted the database and backups. Invoices kept (tax law).', [`confirm-${key}`]: 'yes' });
    expect(attested.status).toBe(303);
    expect(attested.headers.location).toBe(`/portal/apps/${appId}?notice=deletion-attested#deletion`);
    const page = await client.get(attested.headers.location ?? '');
    expect(page.body).toContain('the deletion is confirmed and kept on record');
    expect(page.body).toContain(`<strong>Attested</strong> on <time datetime="${clock.now().toISOString()}">${formatUtcDate(clock.now().toISOString())}</time>`);
    expect(page.body).toContain('Deleted the database and backups. Invoices kept (tax law).');
    expect(page.body).not.toContain('I confirm that all event data of Lakeshore FurFest');
    expect(page.body).toContain('I confirm that all event data of Harborview Anime Con');
    // One instance is still open and past the deadline.
    expect(page.body).toContain('Overdue');

    const twice = await client.post(path, { [`statement-${key}`]: 'Again', [`confirm-${key}`]: 'yes' });
    expect(twice.status).toBe(409);
    expect(twice.body).toContain('The deletion for Lakeshore FurFest is already attested');
    const audit = await database.db.selectFrom('audit_log').select(['org_id', 'actor_type', 'actor_id']).where('action', '=', 'app.deletion-attested').orderBy('id').execute();
    expect(audit).toEqual([
      { org_id: null, actor_type: 'developer', actor_id: String(w.apps.service.developerId) },
      { org_id: furfest, actor_type: 'developer', actor_id: String(w.apps.service.developerId) },
    ]);
  });

  it('takes a reactivation request once, shows it pending, and emails the operators', async () => {
    const client = await signedIn();
    await client.get(`/portal/apps/${appId}`);
    const empty = await client.post(`/portal/apps/${appId}/reactivation`, { message: '  ' });
    expect(empty.status).toBe(400);
    expect(empty.body).toContain('Tell the ConCat team why the app should work again');

    const asked = await client.post(`/portal/apps/${appId}/reactivation`, { message: 'We reopened <again>.' });
    expect(asked.status).toBe(303);
    expect(asked.headers.location).toBe(`/portal/apps/${appId}?notice=reactivation-requested#reactivation`);
    const page = await client.get(asked.headers.location ?? '');
    expect(page.body).toContain('Your request was sent to the ConCat team.');
    expect(page.body).toContain('is waiting for the ConCat team');
    expect(page.body).toContain('We reopened &#60;again&#62;.');
    expect(page.body).not.toContain('name="message"');

    const twice = await client.post(`/portal/apps/${appId}/reactivation`, { message: 'Please' });
    expect(twice.status).toBe(409);
    expect(twice.body).toContain('A reactivation request for this app is already waiting for the ConCat team');
    expect(await listReactivationRequests(database.db, { appId })).toHaveLength(1);

    await w.t.platform.mail.runOnce();
    const toOperators = smtp.received.filter((mail) => mail.envelopeTo.includes('ops@example.org'));
    expect(toOperators).toHaveLength(1);
    expect(toOperators[0]?.parsed.subject).toBe('Reactivation requested: Badge Service');
    expect(toOperators[0]?.parsed.text).toContain('We reopened <again>.');
  });

  it('shows a declined request with its note, and takes a new one', async () => {
    const [pending] = await listReactivationRequests(database.db, { appId });
    await declineReactivation(database.db, { operatorId, requestId: pending?.id ?? 0, note: 'Attest the deletion first', ip: null, publicUrl: w.t.config.publicUrl }, clock);
    const client = await signedIn();
    const page = await client.get(`/portal/apps/${appId}`);
    expect(page.body).toContain('Earlier reactivation requests');
    expect(page.body).toContain('<strong>Declined</strong>');
    expect(page.body).toContain('Attest the deletion first');
    expect(page.body).toContain('name="message"');
    const asked = await client.post(`/portal/apps/${appId}/reactivation`, { message: 'Second try' });
    expect(asked.status).toBe(303);
  });

  it('after an operator approves: approved, no current secret, a new secret shown once, integrations wait for their admins', async () => {
    const [pending] = await listReactivationRequests(database.db, { appId });
    expect(pending?.status).toBe('pending');
    await approveReactivation(database.db, { operatorId, requestId: pending?.id ?? 0, note: 'Welcome back', ip: null, publicUrl: w.t.config.publicUrl }, clock);

    const client = await signedIn();
    const page = await client.get(`/portal/apps/${appId}`);
    expect(page.body).toContain('<span class="status">Approved</span>');
    expect(page.body).toContain('<h2 id="reactivated">Reactivated</h2>');
    expect(page.body).toContain('Integrations come back only when each event’s admin re-enables them');
    expect(page.body).toContain('until the event’s admins re-enable it');
    expect(page.body).not.toContain('<td>Current</td>');
    expect(page.body).toContain('Create secret key');
    // The open duty of the earlier revocation stays to attest; the history shows the decisions.
    expect(page.body).toContain('I confirm that all event data of Harborview Anime Con');
    expect(page.body).toContain('Welcome back');
    expect(page.body).toContain('<strong>Approved</strong>');

    const created = await client.post(`/portal/apps/${appId}/secrets`, {});
    expect(created.status).toBe(200);
    const secret = SECRET_PATTERN.exec(created.body)?.[0] ?? '';
    expect(secret).not.toBe('');
    const reload = await client.get(`/portal/apps/${appId}`);
    expect(reload.body).not.toContain(secret);
    expect(reload.body).toContain('<td>Current</td>');
    // The old secret stays revoked.
    expect(reload.body).toContain('<td>Ended</td>');
  });
});
