import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import type { Database } from '../../src/db/database.js';
import { createInstance, parseBaseUrl } from '../../src/instance/create-instance.js';
import { submitApplication, type ApplicationInput } from '../../src/platform/developer-applications.js';
import { createInvitation } from '../../src/platform/invitations.js';
import { createOperator } from '../../src/platform/operators.js';
import { startSession } from '../../src/security/web-sessions.js';
import { hashSecret } from '../../src/security/secrets.js';
import { request } from '../support/https-client.js';
import { startTestPlatform, type TestPlatform } from '../support/platform.js';
import { WebClient } from '../support/web-client.js';

const PASSWORD = 'operator password 1';
const INPUT: ApplicationInput = {
  name: 'Grace Hopper',
  companyName: 'Compiler Co',
  companyWebsite: 'https://compiler.example',
  contactInfo: 'grace@compiler.example\n+1 555 0100',
  displayName: 'Queue Counter',
  description: 'Counts the <registration> queue.',
  eventCustomers: ['bigcon'],
  otherEventCustomers: 'Small Con',
  homepageUrl: 'https://compiler.example/queue',
  privacyUrl: 'https://compiler.example/privacy',
  password: 'developer password 1',
  passwordConfirmation: 'developer password 1',
};

describe('operator console', () => {
  let platform: TestPlatform;
  let database: Database;
  let origin: string;
  const clock = new ManualClock(new Date());
  const operatorIds: Record<string, number> = {};

  beforeAll(async () => {
    platform = await startTestPlatform({}, {
      clock,
      beforeListen: async (db) => {
        for (const email of ['ops@example.org', 'throttled@example.org', 'disabled@example.org', 'leaving@example.org']) {
          operatorIds[email] = (await createOperator(db, { email, name: `Op ${email.split('@')[0] ?? ''}`, password: PASSWORD }, { type: 'system', id: null }, clock)).id;
        }
        await db.db.updateTable('operators').set({ disabled_at: clock.now().toISOString() }).where('email', '=', 'disabled@example.org').execute();
        await createInstance(db, { slug: 'bigcon', name: 'Big Con', baseUrls: [parseBaseUrl('/o/bigcon', new URL('https://localhost'))] }, { type: 'system', id: null }, clock);
      },
    });
    database = platform.platform.database;
    origin = platform.baseUrl;
  });
  afterAll(async () => platform.stop());

  const signedIn = async (email = 'ops@example.org'): Promise<WebClient> => {
    const client = new WebClient(origin);
    await client.get('/console/login');
    const response = await client.post('/console/login', { email, password: PASSWORD, next: '/console' });
    expect(response.status).toBe(303);
    return client;
  };

  /** An application made through the domain functions, as the apply page would. */
  const application = async (email: string, displayName: string): Promise<{ appId: number; developerId: number }> => {
    const operatorId = operatorIds['ops@example.org'] ?? 0;
    const invitation = await createInvitation(database.db, { email, operatorId, actor: { type: 'operator', id: String(operatorId) }, publicUrl: platform.config.publicUrl }, clock);
    const token = invitation.link.slice(invitation.link.lastIndexOf('/') + 1);
    const result = await submitApplication(database.db, { token, input: { ...INPUT, displayName }, publicUrl: platform.config.publicUrl }, clock);
    if (result.outcome !== 'submitted') throw new Error(JSON.stringify(result));
    return result;
  };

  describe('sign-in', () => {
    it('sends visitors to the sign-in page, which cannot be framed', async () => {
      const client = new WebClient(origin);
      const home = await client.get('/console/apps?status=applied');
      expect(home.status).toBe(303);
      expect(home.headers.location).toBe('/console/login?next=%2Fconsole%2Fapps%3Fstatus%3Dapplied');
      const login = await client.get('/console/login');
      expect(login.status).toBe(200);
      expect(login.headers['content-security-policy']).toContain("frame-ancestors 'none'");
      expect(login.body).toContain('<label for="f-email">Email');
      expect(login.body).toContain('autocomplete="current-password"');
      expect(login.body).toContain('name="_csrf"');
    });

    it('signs in and returns to the page asked for, never to another site', async () => {
      const client = new WebClient(origin);
      await client.get('/console/login');
      const response = await client.post('/console/login', { email: 'OPS@example.org', password: PASSWORD, next: '/console/developers' });
      expect(response.status).toBe(303);
      expect(response.headers.location).toBe('/console/developers');
      expect(client.cookies.has('__Host-concat-op')).toBe(true);
      expect((await client.get('/console/developers')).status).toBe(200);
      // Already signed in: the sign-in page moves on.
      expect((await client.get('/console/login')).status).toBe(303);

      for (const next of ['//evil.example/', 'https://evil.example/', '/portal', '/\\evil.example']) {
        const other = new WebClient(origin);
        await other.get('/console/login');
        const redirected = await other.post('/console/login', { email: 'ops@example.org', password: PASSWORD, next });
        expect(redirected.headers.location, next).toBe('/console');
      }
      const audit = await database.db.selectFrom('audit_log').select('ip').where('action', '=', 'operator.signed-in').where('actor_id', '=', String(operatorIds['ops@example.org'])).execute();
      expect(audit.length).toBeGreaterThan(0);
    });

    it('refuses a wrong password and keeps the email', async () => {
      const client = new WebClient(origin);
      await client.get('/console/login');
      const response = await client.post('/console/login', { email: 'ops@example.org', password: 'wrong password!' });
      expect(response.status).toBe(401);
      expect(response.body).toContain('The email or password is not right.');
      expect(response.body).toContain('value="ops@example.org"');
      expect(client.cookies.has('__Host-concat-op')).toBe(false);
      const empty = await client.post('/console/login', { email: '', password: '' });
      expect(empty.status).toBe(400);
      expect(empty.body).toContain('Enter your email address');
      expect(empty.body).toContain('Enter your password');
    });

    it('locks an account after repeated failures with a time to try again', async () => {
      const client = new WebClient(origin);
      await client.get('/console/login');
      const statuses: number[] = [];
      for (let i = 0; i < 5; i++) statuses.push((await client.post('/console/login', { email: 'throttled@example.org', password: `wrong ${i} password` })).status);
      expect(statuses).toEqual([401, 401, 401, 401, 429]);
      const locked = await client.post('/console/login', { email: 'throttled@example.org', password: PASSWORD });
      expect(locked.status).toBe(429);
      expect(locked.body).toMatch(/Too many failed sign-ins\. Try again at \d\d:\d\d UTC\./);
      expect(client.cookies.has('__Host-concat-op')).toBe(false);
      const burst = await database.db.selectFrom('audit_log').selectAll().where('action', '=', 'operator.sign-in-locked').executeTakeFirstOrThrow();
      expect(burst.details).toContain('throttled@example.org');
      // After the lock the right password works again.
      clock.advance(16 * 60_000);
      expect((await client.post('/console/login', { email: 'throttled@example.org', password: PASSWORD })).status).toBe(303);
    });

    it('refuses disabled operators, also when disabled after signing in', async () => {
      const client = new WebClient(origin);
      await client.get('/console/login');
      const refused = await client.post('/console/login', { email: 'disabled@example.org', password: PASSWORD });
      expect(refused.status).toBe(403);
      expect(refused.body).toContain('This operator account is disabled.');

      const leaving = await signedIn('leaving@example.org');
      expect((await leaving.get('/console')).status).toBe(200);
      await database.db.updateTable('operators').set({ disabled_at: clock.now().toISOString() }).where('email', '=', 'leaving@example.org').execute();
      const after = await leaving.get('/console');
      expect(after.status).toBe(303);
      expect(after.headers.location).toContain('/console/login');
    });

    it('does not accept a developer session', async () => {
      const developer = await database.db
        .insertInto('developers')
        .values({ email: 'session@example.net', name: 'S', company_name: 'C', company_website: null, contact_info: 'c', password_hash: null, created_at: clock.now().toISOString(), updated_at: clock.now().toISOString() })
        .returning('id')
        .executeTakeFirstOrThrow();
      // A developer whose id equals an operator's must still get nothing.
      const { token } = await startSession(database.db, { kind: 'developer', subjectId: operatorIds['ops@example.org'] ?? developer.id, orgId: 0, ip: null, userAgent: null }, clock);
      for (const cookie of [`__Host-concat-dev=${token}`, `__Host-concat-op=${token}`]) {
        const response = await request(`${origin}/console`, { headers: { accept: 'text/html', cookie } });
        expect(response.status, cookie).toBe(303);
        expect(response.headers.location).toContain('/console/login');
      }
    });

    it('signs out with a POST that carries the CSRF token', async () => {
      const client = await signedIn();
      await client.get('/console');
      expect((await client.post('/console/logout', { _csrf: [] })).status).toBe(403);
      expect((await client.get('/console')).status).toBe(200);
      const out = await client.post('/console/logout', {});
      expect(out.status).toBe(303);
      expect(out.headers.location).toBe('/console/login?signed-out=1');
      expect((await client.get('/console')).status).toBe(303);
    });
  });

  describe('invitations', () => {
    it('creates, lists, resends and withdraws invitations', async () => {
      const client = await signedIn();
      const page = await client.get('/console/invitations');
      expect(page.status).toBe(200);
      expect(page.body).toContain('<label for="f-note">Note to the invitee');

      const bad = await client.post('/console/invitations', { email: 'not an email', note: 'Keep this note' });
      expect(bad.status).toBe(400);
      expect(bad.body).toContain('Enter an email address like name@example.com');
      expect(bad.body).toContain('value="not an email"');
      expect(bad.body).toContain('Keep this note</textarea>');

      const created = await client.post('/console/invitations', { email: 'Invitee@Example.org', note: 'Welcome aboard' });
      expect(created.status).toBe(303);
      expect(created.headers.location).toBe('/console/invitations?done=created');
      const list = await client.get('/console/invitations?done=created');
      expect(list.body).toContain('Invitation sent.');
      expect(list.body).toContain('invitee@example.org');
      expect(list.body).toContain('Pending');
      // Only known keys make a notice.
      expect((await client.get('/console/invitations?done=constructor')).body).not.toContain('role="status"');
      // The list names the invitation; its link is only in the email (readable in the outbox).
      expect(list.body).not.toContain('/invitations/cci_');

      const row = await database.db.selectFrom('invitations').select(['id', 'created_by_operator_id']).where('email', '=', 'invitee@example.org').executeTakeFirstOrThrow();
      expect(row.created_by_operator_id).toBe(operatorIds['ops@example.org']);
      const linkOf = async () => {
        const mails = await database.db.selectFrom('mail_messages').select('text_body').where('to_address', '=', 'invitee@example.org').orderBy('id', 'desc').execute();
        const link = /https:\/\/\S+\/invitations\/(cci_[\w-]+)/.exec(mails[0]?.text_body ?? '');
        if (link?.[1] === undefined) throw new Error('no link in the mail');
        return link[1];
      };
      const firstToken = await linkOf();
      expect((await request(`${origin}/invitations/${firstToken}`, { headers: { accept: 'text/html' } })).status).toBe(200);

      const resent = await client.post(`/console/invitations/${row.id}/resend`, {});
      expect(resent.status).toBe(303);
      const secondToken = await linkOf();
      expect(secondToken).not.toBe(firstToken);
      expect((await request(`${origin}/invitations/${firstToken}`, { headers: { accept: 'text/html' } })).status).toBe(404);
      expect((await request(`${origin}/invitations/${secondToken}`, { headers: { accept: 'text/html' } })).status).toBe(200);

      const withdrawn = await client.post(`/console/invitations/${row.id}/withdraw`, {});
      expect(withdrawn.status).toBe(303);
      expect((await request(`${origin}/invitations/${secondToken}`, { headers: { accept: 'text/html' } })).status).toBe(410);
      const refused = await client.post(`/console/invitations/${row.id}/resend`, {});
      expect(refused.status).toBe(409);
      expect(refused.body).toContain('This invitation was withdrawn; create a new one instead');
      expect((await client.post('/console/invitations/999999/withdraw', {})).status).toBe(404);
      expect((await client.post('/console/invitations/abc/withdraw', {})).status).toBe(404);

      const actions = await database.db.selectFrom('audit_log').select(['action', 'actor_type']).where('target_type', '=', 'invitation').where('target_id', '=', String(row.id)).orderBy('id').execute();
      expect(actions).toEqual([
        { action: 'invitation.created', actor_type: 'operator' },
        { action: 'invitation.resent', actor_type: 'operator' },
        { action: 'invitation.withdrawn', actor_type: 'operator' },
      ]);
    });

    it('refuses a form without the CSRF token or from another site', async () => {
      const client = await signedIn();
      await client.get('/console/invitations');
      const missing = await client.post('/console/invitations', { email: 'csrf@example.org', _csrf: [] });
      expect(missing.status).toBe(403);
      const wrong = await client.post('/console/invitations', { email: 'csrf@example.org', _csrf: 'forged-token' });
      expect(wrong.status).toBe(403);
      const crossSite = await client.post('/console/invitations', { email: 'csrf@example.org' }, { origin: 'https://evil.example' });
      expect(crossSite.status).toBe(403);
      expect(await database.db.selectFrom('invitations').select('id').where('email', '=', 'csrf@example.org').execute()).toEqual([]);
    });
  });

  describe('review', () => {
    it('shows the queue and an application with everything the developer wrote', async () => {
      const { appId } = await application('grace@compiler.example', 'Queue Counter');
      const client = await signedIn();
      const queue = await client.get('/console');
      expect(queue.status).toBe(200);
      expect(queue.body).toContain(`<a href="/console/apps/${appId}">Queue Counter</a>`);
      expect(queue.body).toContain('Waiting for review');

      const detail = await client.get(`/console/apps/${appId}`);
      expect(detail.status).toBe(200);
      for (const text of ['Grace Hopper', 'grace@compiler.example', 'Compiler Co', 'https://compiler.example/queue', 'https://compiler.example/privacy', 'Big Con; Small Con', 'Counts the &#60;registration&#62; queue.', '+1 555 0100', 'Applied']) {
        expect(detail.body, text).toContain(text);
      }
      expect(detail.body).not.toContain('<registration>');
    });

    it('asks for information, approves, rejects, and refuses what is not allowed', async () => {
      const client = await signedIn();
      const { appId, developerId } = await application('review@compiler.example', 'Reviewed App');
      await client.get(`/console/apps/${appId}`);

      const empty = await client.post(`/console/apps/${appId}/request-information`, { message: '   ' });
      expect(empty.status).toBe(400);
      expect(empty.body).toContain('Write what you need to know');
      const asked = await client.post(`/console/apps/${appId}/request-information`, { message: 'Which events?' });
      expect(asked.status).toBe(303);
      expect(asked.headers.location).toBe(`/console/apps/${appId}?done=information-requested`);
      const waiting = await client.get(`/console/apps/${appId}?done=information-requested`);
      expect(waiting.body).toContain('Question sent.');
      expect(waiting.body).toContain('Waiting for developer');
      expect(waiting.body).toContain('Which events?');
      const question = await database.db.selectFrom('mail_messages').select('text_body').where('to_address', '=', 'review@compiler.example').where('kind', '=', 'application.needs-info').executeTakeFirstOrThrow();
      expect(question.text_body).toContain('Which events?');

      const approved = await client.post(`/console/apps/${appId}/approve`, {});
      expect(approved.status).toBe(303);
      const done = await client.get(`/console/apps/${appId}?done=approved`);
      expect(done.body).toContain('Approved');
      expect(done.body).toContain('No review step is open');
      const app = await database.db.selectFrom('apps').select(['status', 'client_id']).where('id', '=', appId).executeTakeFirstOrThrow();
      expect(app.status).toBe('approved');
      expect(await database.db.selectFrom('app_secrets').select('id').where('app_id', '=', appId).execute()).toEqual([]);

      // The portal makes the secret; staff never see it, nor its hash.
      const secret = `ccs_${'s'.repeat(43)}`;
      await database.db.insertInto('app_secrets').values({ app_id: appId, secret_hash: hashSecret(secret), hint: 'zq9Y', created_at: clock.now().toISOString(), expires_at: null, last_used_at: null, revoked_at: null }).execute();
      for (const path of [`/console/apps/${appId}`, '/console/apps', '/console/developers', '/console/audit', '/console']) {
        const body = (await client.get(path)).body;
        expect(body, path).not.toContain(secret);
        expect(body, path).not.toContain(hashSecret(secret));
        expect(body, path).not.toContain('zq9Y');
      }

      const again = await client.post(`/console/apps/${appId}/approve`, {});
      expect(again.status).toBe(409);
      expect(again.body).toContain('Cannot approve this application: it is already approved');
      const rejectApproved = await client.post(`/console/apps/${appId}/reject`, { reason: 'Too late' });
      expect(rejectApproved.status).toBe(409);

      const other = await application('rejectme@compiler.example', 'Rejected App');
      const noReason = await client.post(`/console/apps/${other.appId}/reject`, { reason: '' });
      expect(noReason.status).toBe(400);
      expect(noReason.body).toContain('Write the reason for the rejection');
      expect((await client.post(`/console/apps/${other.appId}/reject`, { reason: 'Out of scope' })).status).toBe(303);
      const approveRejected = await client.post(`/console/apps/${other.appId}/approve`, {});
      expect(approveRejected.status).toBe(409);
      expect(approveRejected.body).toContain('it is rejected');

      const history = await client.get(`/console/apps/${appId}`);
      for (const step of ['Applied', 'Asked for more information', 'Approved', 'Op ops']) expect(history.body, step).toContain(step);
      expect(developerId).toBeGreaterThan(0);
      expect((await client.get('/console/apps/999999')).status).toBe(404);
      expect((await client.get('/console/apps/not-a-number')).status).toBe(404);
      expect((await client.post('/console/apps/999999/approve', {})).status).toBe(404);
    });

    it('lists apps by status and developers with their apps', async () => {
      const client = await signedIn();
      const rejected = await client.get('/console/apps?status=rejected');
      expect(rejected.body).toContain('Rejected App');
      expect(rejected.body).not.toContain('Reviewed App');
      const all = await client.get('/console/apps?status=bogus');
      expect(all.status).toBe(200);
      expect(all.body).toContain('Reviewed App');
      const developers = await client.get('/console/developers');
      expect(developers.body).toContain('review@compiler.example');
      expect(developers.body).toContain('Reviewed App');
    });
  });

  describe('audit log and outbox', () => {
    it('pages the platform audit log, newest first', async () => {
      const now = clock.now().toISOString();
      await database.db.insertInto('audit_log').values(Array.from({ length: 60 }, (_, i) => ({ org_id: null, actor_type: 'system' as const, actor_id: null, action: `test.entry-${i}`, target_type: null, target_id: null, details: '{}', ip: null, created_at: now }))).execute();
      await database.db.insertInto('audit_log').values({ org_id: 1, actor_type: 'system', actor_id: null, action: 'instance.only', target_type: null, target_id: null, details: '{}', ip: null, created_at: now }).execute();
      const client = await signedIn();
      const first = await client.get('/console/audit');
      expect(first.status).toBe(200);
      // The sign-in just now is the newest entry.
      expect(first.body.indexOf('operator.signed-in')).toBeLessThan(first.body.indexOf('test.entry-59'));
      expect(first.body.indexOf('test.entry-59')).toBeLessThan(first.body.indexOf('test.entry-58'));
      expect(first.body).not.toContain('instance.only');
      const older = /href="\/console\/audit\?before=(\d+)"/.exec(first.body);
      expect(older?.[1]).toBeDefined();
      const second = await client.get(`/console/audit?before=${older?.[1] ?? ''}`);
      expect(second.body).toContain('Newest');
      expect(second.body).toContain('test.entry-0<');
      expect(second.body).not.toContain('test.entry-59<');
      expect((await client.get('/console/audit?before=x')).status).toBe(200);
    });

    it('lists the mail outbox and shows one message', async () => {
      const client = await signedIn();
      const list = await client.get('/console/mail');
      expect(list.status).toBe(200);
      expect(list.body).toContain('Your invitation to the ConCat developer program');
      const message = await database.db.selectFrom('mail_messages').select(['id', 'text_body']).where('kind', '=', 'application.approved').executeTakeFirstOrThrow();
      const read = await client.get(`/console/mail/${message.id}`);
      expect(read.status).toBe(200);
      expect(read.body).toContain('Reviewed App is approved');
      expect(read.body).toContain('Create your secret key');
      expect((await client.get('/console/mail/999999')).status).toBe(404);
      expect((await client.get('/console/mail?status=queued')).status).toBe(200);
    });
  });
});
