import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordAudit } from '../../src/audit/audit-log.js';
import { ManualClock } from '../../src/clock.js';
import { hashSecret } from '../../src/security/secrets.js';
import { WebClient } from '../support/web-client.js';
import { PASSWORDS, signedIn, startHousekeepingWorld, type HousekeepingWorld } from './housekeeping-support.js';

describe('Housekeeping', () => {
  let world: HousekeepingWorld;
  let admin: WebClient;

  beforeAll(async () => {
    world = await startHousekeepingWorld();
    admin = await signedIn(world.t, 'furfest', 'admin', PASSWORDS.furfestAdmin);
  });
  afterAll(async () => {
    await world.t.stop();
  });

  const integrationRow = (appId: number, orgId = world.furfest.orgId) =>
    world.database.db.selectFrom('integrations').selectAll().where('org_id', '=', orgId).where('app_id', '=', appId).executeTakeFirst();

  describe('access', () => {
    it('sends visitors without a session to the instance sign-in, remembering where they were going', async () => {
      const anonymous = new WebClient(world.t.baseUrl);
      for (const path of ['/housekeeping', '/housekeeping/integrations', '/housekeeping/apps/new', '/housekeeping/audit']) {
        const response = await anonymous.get(`/o/furfest${path}`);
        expect(response.status).toBe(303);
        expect(response.headers.location).toBe(`/o/furfest/login?next=${encodeURIComponent(path)}`);
      }
    });

    it('shows a readable 403 page to a signed-in user without oauth:manage', async () => {
      const plain = await signedIn(world.t, 'furfest', 'plain', PASSWORDS.plain);
      for (const path of ['/housekeeping', '/housekeeping/integrations', '/housekeeping/integrations/new', '/housekeeping/apps', '/housekeeping/audit']) {
        const response = await plain.get(`/o/furfest${path}`);
        expect(response.status).toBe(403);
        expect(response.headers['content-type']).toMatch(/^text\/html/);
        expect(response.body).toContain('signed in to Lakeshore FurFest as plain');
        expect(response.body).toContain('oauth:manage');
      }
      const post = await plain.post('/o/furfest/housekeeping/integrations', { app: String(world.apps.other.appId), scopes: 'user:read' });
      expect(post.status).toBe(403);
      expect(await integrationRow(world.apps.other.appId)).toBeUndefined();
    });

    it('does not count oauth:manage held only for a past convention', async () => {
      const former = await signedIn(world.t, 'furfest', 'former', PASSWORDS.former);
      expect((await former.get('/o/furfest/housekeeping/integrations')).status).toBe(403);
    });

    it('opens only the audit log to a holder of audit:read', async () => {
      const auditor = await signedIn(world.t, 'furfest', 'auditor', PASSWORDS.auditor);
      const audit = await auditor.get('/o/furfest/housekeeping/audit');
      expect(audit.status).toBe(200);
      expect(audit.body).not.toContain('/housekeeping/integrations"');
      expect((await auditor.get('/o/furfest/housekeeping/integrations')).status).toBe(403);
      expect((await auditor.get('/o/furfest/housekeeping/apps')).status).toBe(403);
    });

    it("gives another instance's admin nothing: neither their cookie nor their session token opens this instance", async () => {
      const animeconAdmin = await signedIn(world.t, 'animecon', 'admin', PASSWORDS.animeconAdmin);
      // The client is path-blind, so it sends the animecon cookie to furfest as well.
      const sent = await animeconAdmin.get('/o/furfest/housekeeping/integrations');
      expect(sent.status).toBe(303);
      expect(sent.headers.location).toMatch(/^\/o\/furfest\/login/);
      // Even the animecon session token under furfest's cookie name is refused.
      const token = animeconAdmin.cookies.get(`__Secure-concat-u${world.animecon.orgId}`);
      expect(token).toBeDefined();
      const forged = new WebClient(world.t.baseUrl);
      forged.cookies.set(`__Secure-concat-u${world.furfest.orgId}`, token ?? '');
      const response = await forged.get('/o/furfest/housekeeping/integrations');
      expect(response.status).toBe(303);
      expect(response.headers.location).toMatch(/^\/o\/furfest\/login/);
      // And furfest's admin sees only furfest in animecon's URLs: nothing.
      expect((await admin.get('/o/animecon/housekeeping')).status).toBe(303);
    });

    it('refuses a form without the CSRF token, or from another origin, and changes nothing', async () => {
      const page = await admin.get('/o/furfest/housekeeping/integrations/new');
      expect(page.status).toBe(200);
      const token = admin.lastCsrf;
      admin.lastCsrf = undefined;
      const missing = await admin.post('/o/furfest/housekeeping/integrations', { app: String(world.apps.other.appId), scopes: 'user:read' });
      expect(missing.status).toBe(403);
      expect(missing.body).toContain('This form has expired');
      const wrong = await admin.post('/o/furfest/housekeeping/integrations', { _csrf: 'x'.repeat(32), app: String(world.apps.other.appId), scopes: 'user:read' });
      expect(wrong.status).toBe(403);
      admin.lastCsrf = token;
      const crossSite = await admin.post('/o/furfest/housekeeping/integrations', { app: String(world.apps.other.appId), scopes: 'user:read' }, { origin: 'https://evil.example' });
      expect(crossSite.status).toBe(403);
      expect(await integrationRow(world.apps.other.appId)).toBeUndefined();
    });

    it('is served only under instances, never on the platform host', async () => {
      expect((await admin.get('/housekeeping')).status).toBe(404);
    });
  });

  describe('integrations', () => {
    it('offers approved apps, those that named this instance first, and never unapproved or foreign ones', async () => {
      const page = await admin.get('/o/furfest/housekeeping/integrations/new');
      expect(page.status).toBe(200);
      const zebra = page.body.indexOf('Zebra Badges');
      const alpha = page.body.indexOf('Alpha Schedules');
      expect(zebra).toBeGreaterThan(0);
      expect(alpha).toBeGreaterThan(zebra);
      expect(page.body).toContain('Apps that named Lakeshore FurFest in their application');
      for (const hidden of ['Waiting App', 'Rejected App', 'Revoked App', 'Animecon Door Tool']) expect(page.body).not.toContain(hidden);
      for (const scope of ['user:read', 'user:roles:update', 'registration:read', 'volunteer:read', 'vendor:read']) expect(page.body).toContain(`value="${scope}"`);
      expect(page.body).toContain("Read users&#39; profiles and their roles");
      expect(page.body).not.toContain('pii:basic');
    });

    it.each([
      ['applied', 'is still waiting for review'],
      ['rejected', 'was not approved'],
      ['revoked', 'has had its credentials revoked'],
      ['animeconOwn', 'Choose an app from the list'],
    ] as const)('refuses to integrate the %s app', async (which, message) => {
      const app = world.apps[which];
      const response = await admin.post('/o/furfest/housekeeping/integrations', { app: String(app.appId), scopes: 'user:read' });
      expect(response.status).toBe(400);
      expect(response.body).toContain(message);
      expect(await integrationRow(app.appId)).toBeUndefined();
    });

    it('refuses scopes outside the service catalog, keeping what was entered', async () => {
      for (const bad of ['pii:basic', 'admin', 'openid']) {
        const response = await admin.post('/o/furfest/housekeeping/integrations', { app: String(world.apps.named.appId), scopes: ['user:read', bad], obo: 'yes' });
        expect(response.status).toBe(400);
        expect(response.body).toContain(`&#34;${bad}&#34; is not a permission`);
        expect(response.body).toMatch(new RegExp(`value="${world.apps.named.appId}" checked`));
        expect(response.body).toContain('value="user:read" checked');
        expect(response.body).toContain('value="yes" checked');
      }
      const noApp = await admin.post('/o/furfest/housekeeping/integrations', { scopes: 'user:read' });
      expect(noApp.status).toBe(400);
      expect(noApp.body).toContain('Choose the app to integrate.');
      expect(await integrationRow(world.apps.named.appId)).toBeUndefined();
    });

    let integrationId: number;

    it('creates an integration, shows it in the list, and audits it with user, instance and address', async () => {
      const response = await admin.post('/o/furfest/housekeeping/integrations', { app: String(world.apps.named.appId), scopes: ['user:read', 'registration:read'], obo: 'yes' });
      expect(response.status).toBe(303);
      const row = await integrationRow(world.apps.named.appId);
      expect(row).toMatchObject({ scopes: '["user:read","registration:read"]', obo_enabled: 1, status: 'active', created_by_user_id: world.furfest.adminId });
      integrationId = row?.id ?? 0;
      expect(response.headers.location).toBe(`/o/furfest/housekeeping/integrations/${integrationId}?done=created`);
      const audit = await world.database.db.selectFrom('audit_log').selectAll().where('action', '=', 'integration.created').where('target_id', '=', String(integrationId)).executeTakeFirstOrThrow();
      expect(audit).toMatchObject({ org_id: world.furfest.orgId, actor_type: 'user', actor_id: String(world.furfest.adminId) });
      expect(audit.ip).toMatch(/127\.0\.0\.1|::1/);

      const list = await admin.get('/o/furfest/housekeeping/integrations');
      expect(list.body).toContain('Zebra Badges');
      expect(list.body).toContain('Zebra Inc');
      expect(list.body).toContain('<code>registration:read</code>');
      const again = await admin.get('/o/furfest/housekeeping/integrations/new');
      expect(again.body).not.toContain('Zebra Badges');
      const twice = await admin.post('/o/furfest/housekeeping/integrations', { app: String(world.apps.named.appId), scopes: 'user:read' });
      expect(twice.status).toBe(400);
      expect(twice.body).toContain('already integrated here');
    });

    it('changes permissions at once: the row holds only the new set', async () => {
      const page = await admin.get(`/o/furfest/housekeeping/integrations/${integrationId}`);
      expect(page.status).toBe(200);
      expect(page.body).toContain('value="registration:read" checked');
      const response = await admin.post(`/o/furfest/housekeeping/integrations/${integrationId}`, { scopes: ['vendor:read', 'user:read'] });
      expect(response.status).toBe(303);
      expect(response.headers.location).toBe(`/o/furfest/housekeeping/integrations/${integrationId}?done=changed`);
      expect(await integrationRow(world.apps.named.appId)).toMatchObject({ scopes: '["user:read","vendor:read"]', obo_enabled: 0 });
      const shown = await admin.get(response.headers.location ?? '');
      expect(shown.body).toContain('Permissions saved');
      const audit = await world.database.db.selectFrom('audit_log').select(['details', 'actor_id', 'org_id']).where('action', '=', 'integration.permissions-changed').where('target_id', '=', String(integrationId)).executeTakeFirstOrThrow();
      expect(audit.org_id).toBe(world.furfest.orgId);
      expect(JSON.parse(audit.details)).toMatchObject({ added: ['vendor:read'], withdrawn: ['registration:read'], oboEnabled: false });

      const bad = await admin.post(`/o/furfest/housekeeping/integrations/${integrationId}`, { scopes: ['vendor:read', 'pii:email'] });
      expect(bad.status).toBe(400);
      expect(bad.body).toContain('is not a permission');
      const nothing = await admin.post(`/o/furfest/housekeeping/integrations/${integrationId}`, {});
      expect(nothing.status).toBe(400);
      expect(nothing.body).toContain('remove the integration');
      expect(await integrationRow(world.apps.named.appId)).toMatchObject({ scopes: '["user:read","vendor:read"]' });
    });

    it("answers 404 for another instance's integration and for ids that are not ids", async () => {
      const animecon = await signedIn(world.t, 'animecon', 'admin', PASSWORDS.animeconAdmin);
      expect((await animecon.get(`/o/animecon/housekeeping/integrations/${integrationId}`)).status).toBe(404);
      const change = await animecon.post(`/o/animecon/housekeeping/integrations/${integrationId}`, { scopes: 'user:roles:update' });
      expect(change.status).toBe(404);
      expect((await animecon.post(`/o/animecon/housekeeping/integrations/${integrationId}/remove`, {})).status).toBe(404);
      expect(await integrationRow(world.apps.named.appId)).toMatchObject({ scopes: '["user:read","vendor:read"]', status: 'active' });
      expect((await admin.get('/o/furfest/housekeeping/integrations/abc')).status).toBe(400);
      expect((await admin.get('/o/furfest/housekeeping/integrations/99999999')).status).toBe(404);
      // Beyond a 32-bit id: a clear 400, not a database error.
      expect((await admin.get('/o/furfest/housekeeping/integrations/9999999999')).status).toBe(400);
      expect((await admin.post('/o/furfest/housekeeping/integrations/9999999999/remove', {})).status).toBe(400);
      const hugeApp = await admin.post('/o/furfest/housekeeping/integrations', { app: '9999999999', scopes: 'user:read' });
      expect(hugeApp.status).toBe(400);
      expect(hugeApp.body).toContain('Choose the app to integrate.');
      const unknownApp = await admin.post('/o/furfest/housekeeping/integrations', { app: '2147483647', scopes: 'user:read' });
      expect(unknownApp.status).toBe(400);
      expect(unknownApp.body).toContain('Choose an app from the list');
    });

    it('removes an integration; adding the app again reactivates it with the new permissions', async () => {
      const removed = await admin.post(`/o/furfest/housekeeping/integrations/${integrationId}/remove`, {});
      expect(removed.status).toBe(303);
      expect(await integrationRow(world.apps.named.appId)).toMatchObject({ status: 'removed' });
      const list = await admin.get(removed.headers.location ?? '');
      expect(list.body).toContain('Integration removed');
      expect(list.body).not.toContain('Zebra Badges');
      expect((await admin.get(`/o/furfest/housekeeping/integrations/${integrationId}`)).status).toBe(404);
      const again = await admin.post('/o/furfest/housekeeping/integrations', { app: String(world.apps.named.appId), scopes: 'volunteer:read' });
      expect(again.status).toBe(303);
      expect(await integrationRow(world.apps.named.appId)).toMatchObject({ id: integrationId, status: 'active', scopes: '["volunteer:read"]', obo_enabled: 0 });
    });
  });

  describe("the organization's own apps", () => {
    it('creates an app and shows its secret exactly once; the database holds only the hash', async () => {
      const form = await admin.get('/o/furfest/housekeeping/apps/new');
      expect(form.status).toBe(200);
      expect(form.body).toContain('<label for="f-redirectUris">');
      const fields = { name: 'Registration Desk', description: 'Our own check-in tool.', redirectUris: 'https://desk.example.org/cb\r\nhttp://localhost:4000/cb', scopes: ['registration:read', 'user:read'], obo: 'yes' };
      const created = await admin.post('/o/furfest/housekeeping/apps', fields);
      expect(created.status).toBe(200);
      expect(created.headers['cache-control']).toBe('no-store');
      const secret = /id="client-secret">(ccs_[\w-]+)</.exec(created.body)?.[1] ?? '';
      const clientId = Number(/id="client-id">(\d+)</.exec(created.body)?.[1]);
      expect(secret).toMatch(/^ccs_[\w-]{43}$/);
      const app = await world.database.db.selectFrom('apps').selectAll().where('client_id', '=', clientId).executeTakeFirstOrThrow();
      expect(app).toMatchObject({ owner_org_id: world.furfest.orgId, developer_id: null, status: 'approved', redirect_uris: '["https://desk.example.org/cb","http://localhost:4000/cb"]' });
      const stored = await world.database.db.selectFrom('app_secrets').selectAll().where('app_id', '=', app.id).execute();
      expect(stored.map((s) => s.secret_hash)).toEqual([hashSecret(secret)]);
      const everything = JSON.stringify([stored, await world.database.db.selectFrom('audit_log').selectAll().execute(), await world.database.db.selectFrom('apps').selectAll().execute()]);
      expect(everything).not.toContain(secret);
      expect(await integrationRow(app.id)).toMatchObject({ scopes: '["user:read","registration:read"]', obo_enabled: 1, status: 'active' });

      // Never again: not in the list, not in the integration page, not on a resubmission.
      const list = await admin.get('/o/furfest/housekeeping/apps');
      expect(list.body).toContain('Registration Desk');
      expect(list.body).toContain(String(clientId));
      expect(list.body).toContain(`…${secret.slice(-4)}`);
      expect(list.body).not.toContain(secret);
      const integration = await integrationRow(app.id);
      expect((await admin.get(`/o/furfest/housekeeping/integrations/${integration?.id ?? 0}`)).body).not.toContain(secret);
      const resubmitted = await admin.post('/o/furfest/housekeeping/apps', fields);
      expect(resubmitted.status).toBe(400);
      expect(resubmitted.body).toContain('already has an app named');
      expect(resubmitted.body).not.toContain('ccs_');
      expect(await world.database.db.selectFrom('apps').select('id').where('owner_org_id', '=', world.furfest.orgId).execute()).toHaveLength(1);
    });

    it('refuses bad redirect URIs with a clear message per field and keeps the values', async () => {
      for (const [uris, message] of [
        ['http://desk.example.org/cb', 'Plain http:// is allowed only on localhost'],
        ['https://*.example.org/cb', 'Wildcards'],
        ['https://desk.example.org/cb#frag', 'fragment'],
        ['https://user:pw@desk.example.org/cb', 'user name or password'],
        ['https://ok.example.org/cb\nftp://files.example.org/', 'Line 2: The ftp: scheme is not allowed'],
      ] as const) {
        const response = await admin.post('/o/furfest/housekeeping/apps', { name: 'Bad Redirects', description: 'Keeps my text', redirectUris: uris, scopes: 'user:read' });
        expect(response.status).toBe(400);
        expect(response.body).toContain(message);
        expect(response.body).toContain('value="Bad Redirects"');
        expect(response.body).toContain('Keeps my text');
        expect(response.body).toContain('aria-invalid="true"');
      }
      const noName = await admin.post('/o/furfest/housekeeping/apps', { name: '', redirectUris: '', scopes: 'admin' });
      expect(noName.status).toBe(400);
      expect(noName.body).toContain('Enter a name for the app.');
      expect(noName.body).toContain('&#34;admin&#34; is not a permission');
      expect(await world.database.db.selectFrom('apps').select('id').where('display_name', '=', 'Bad Redirects').execute()).toEqual([]);
    });
  });

  describe('audit log', () => {
    it("lists only this instance's entries, newest first, a page at a time", async () => {
      const clock = new ManualClock('2026-02-01T00:00:00.000Z');
      for (let i = 0; i < 60; i++) {
        await recordAudit(world.database.db, { orgId: world.furfest.orgId, actor: { type: 'system', id: null }, action: `test.entry-${String(i).padStart(2, '0')}`, target: { type: 'test', id: String(i) } }, clock);
      }
      await recordAudit(world.database.db, { orgId: world.animecon.orgId, actor: { type: 'system', id: null }, action: 'test.animecon-only', target: { type: 'test', id: null } }, clock);
      const first = await admin.get('/o/furfest/housekeeping/audit');
      expect(first.status).toBe(200);
      expect(first.body).not.toContain('test.animecon-only');
      expect(first.body.indexOf('test.entry-59')).toBeLessThan(first.body.indexOf('test.entry-58'));
      expect(first.body).not.toContain('test.entry-09');
      const older = /href="(\/o\/furfest\/housekeeping\/audit\?before=\d+)"/.exec(first.body)?.[1];
      expect(older).toBeDefined();
      const second = await admin.get(older ?? '');
      expect(second.body).toContain('test.entry-09');
      expect(second.body).toContain('integration.created');
      // The admin's own acts name them.
      expect(second.body).toMatch(/<td>admin<\/td>/);
      for (const before of ['abc', '0', '-1', '99999999999']) expect((await admin.get(`/o/furfest/housekeeping/audit?before=${before}`)).status).toBe(400);
    });
  });

  describe('sign-out', () => {
    it('ends the session', async () => {
      const client = await signedIn(world.t, 'furfest', 'admin', PASSWORDS.furfestAdmin);
      const out = await client.post('/o/furfest/logout', {});
      expect(out.status).toBe(303);
      expect((await client.get('/o/furfest/housekeeping')).status).toBe(303);
    });
  });
});
