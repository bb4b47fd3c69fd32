import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { ManualClock, systemClock } from '../../src/clock.js';
import type { Database } from '../../src/db/database.js';
import { GRANT_REVOKED_BY_USER, listConnectedApps, revokeConnectedApp } from '../../src/oauth/connected-apps.js';
import { InstanceAdapter } from '../../src/oauth/storage-adapter.js';
import { checkAccessToken } from '../../src/oauth/token-check.js';
import { createOrgApp } from '../../src/platform/org-apps.js';
import { addDeveloperApp, addOrg, addUser, grantRole } from '../instance/fixtures.js';
import { openTestDatabase } from '../support/database.js';
import { request } from '../support/https-client.js';
import { WebClient } from '../support/web-client.js';
import { authorize, isActive, refresh, signInAndAuthorize, toConsent, type CodeFlowTarget } from './code-flow.js';
import { expectOauthError, startOauthWorld, type OauthWorld } from './oauth-world.js';

const YEAR = 365 * 24 * 3600;

describe('connected apps: listing and revoking (domain)', () => {
  const clock = new ManualClock('2026-03-01T10:00:00.000Z');
  let opened: Awaited<ReturnType<typeof openTestDatabase>>;
  let database: Database;
  let furfest: number;
  let animecon: number;
  let alice: number;
  let bob: number;
  let ann: number;
  let badges: number;
  let schedule: number;
  let ownApp: number;

  beforeAll(async () => {
    opened = await openTestDatabase();
    database = opened.database;
    const db = database.db;
    furfest = (await addOrg(database, 'furfest', 'Lakeshore FurFest', clock)).orgId;
    animecon = (await addOrg(database, 'animecon', 'Harborview Anime Con', clock)).orgId;
    alice = await addUser(db, furfest, 'alice', null, clock);
    bob = await addUser(db, furfest, 'bob', null, clock);
    ann = await addUser(db, animecon, 'ann', null, clock);
    badges = (await addDeveloperApp(db, { name: 'Badge Printer', status: 'approved', company: 'Acme Badges' }, clock)).clientId;
    schedule = (await addDeveloperApp(db, { name: 'Accessible Schedule', status: 'approved' }, clock)).clientId;
    ownApp = (await createOrgApp(db, { orgId: furfest, name: 'Con Ops', description: 'Our own tool', redirectUris: ['https://ops.example.org/cb'], scopes: [], oboEnabled: true }, { actor: { type: 'cli' }, ip: null }, clock)).clientId;
  });
  afterAll(async () => {
    await opened.close();
  });
  beforeEach(async () => {
    await database.db.deleteFrom('oauth_records').execute();
    await database.db.deleteFrom('audit_log').execute();
  });

  function adapter(orgId: number, model: string): InstanceAdapter {
    return new InstanceAdapter({ db: database.db, orgId, clock }, model);
  }

  /** A grant as the provider stores it (see interactions.ts: Grant with OIDC scopes). */
  async function grant(orgId: number, userId: number, clientId: number, grantId: string, scope: string, expiresIn = YEAR): Promise<void> {
    const iat = Math.floor(clock.now().getTime() / 1000);
    await adapter(orgId, 'Grant').upsert(grantId, { accountId: String(userId), clientId: String(clientId), openid: { scope }, kind: 'Grant', jti: grantId, iat, exp: iat + expiresIn }, expiresIn);
  }

  async function token(orgId: number, model: 'AccessToken' | 'RefreshToken' | 'AuthorizationCode', id: string, grantId: string, userId: number, clientId: number): Promise<void> {
    await adapter(orgId, model).upsert(id, { grantId, accountId: String(userId), clientId: String(clientId), kind: model, jti: id, scope: 'pii:basic' }, 3600);
  }

  async function exists(orgId: number, model: string, id: string): Promise<boolean> {
    return (await adapter(orgId, model).find(id)) !== undefined;
  }

  test('one entry per app the user authorized in this instance, with its scopes in plain language, first grant and last token', async () => {
    await grant(furfest, alice, badges, 'g-badges-1', 'openid pii:basic');
    await token(furfest, 'AccessToken', 'at-1', 'g-badges-1', alice, badges);
    clock.advance(60_000);
    // The same app again from another browser: a second grant, narrower, with a later token.
    await grant(furfest, alice, badges, 'g-badges-2', 'pii:email admin:ticket:read');
    clock.advance(60_000);
    await token(furfest, 'RefreshToken', 'rt-2', 'g-badges-2', alice, badges);
    const lastToken = clock.now().toISOString();
    await grant(furfest, alice, ownApp, 'g-own', 'pii:basic');
    // Not alice's, or not in this instance: never listed.
    await grant(furfest, bob, schedule, 'g-bob', 'pii:basic');
    await grant(animecon, ann, schedule, 'g-ann', 'pii:basic');
    await grant(animecon, alice, schedule, 'g-same-id-other-instance', 'pii:basic');

    const apps = await listConnectedApps(database.db, { orgId: furfest, userId: alice }, clock);
    expect(apps.map((a) => a.name)).toEqual(['Badge Printer', 'Con Ops']);
    const [badgeApp, own] = apps;
    expect(badgeApp).toMatchObject({ clientId: badges, company: 'Acme Badges', ownedByInstance: false, grantedAt: '2026-03-01T10:00:00.000Z', lastUsedAt: lastToken });
    expect(badgeApp?.developer).toMatch(/^Dev \d+$/);
    expect(badgeApp?.description).toBe('Badge Printer does useful things.');
    expect(badgeApp?.scopes).toEqual([
      { name: 'openid', description: 'Sign you in with your account here', administrative: false },
      { name: 'pii:basic', description: 'See your name, username, date of birth, profile picture, volunteer status, roles and permissions', administrative: false },
      { name: 'pii:email', description: 'See your email address', administrative: false },
      { name: 'admin:ticket:read', description: "Read every attendee's ticket", administrative: true },
    ]);
    expect(own).toMatchObject({ clientId: ownApp, developer: null, company: null, ownedByInstance: true, lastUsedAt: null });

    expect((await listConnectedApps(database.db, { orgId: furfest, userId: bob }, clock)).map((a) => a.clientId)).toEqual([schedule]);
    expect((await listConnectedApps(database.db, { orgId: animecon, userId: ann }, clock)).map((a) => a.clientId)).toEqual([schedule]);
  });

  test('an expired grant is not listed; a grant whose code was never redeemed has not been used yet', async () => {
    await grant(furfest, alice, badges, 'g-short', 'pii:basic', 60);
    await grant(furfest, alice, schedule, 'g-unused', 'pii:basic');
    await token(furfest, 'AuthorizationCode', 'code-1', 'g-unused', alice, schedule);
    clock.advance(61_000);
    const apps = await listConnectedApps(database.db, { orgId: furfest, userId: alice }, clock);
    expect(apps.map((a) => [a.clientId, a.lastUsedAt])).toEqual([[schedule, null]]);
  });

  test('revoking ends every grant, token and code of that app for that user, and is audited; nothing else changes', async () => {
    await grant(furfest, alice, badges, 'g-1', 'pii:basic');
    await grant(furfest, alice, badges, 'g-2', 'pii:email');
    await token(furfest, 'AccessToken', 'at-1', 'g-1', alice, badges);
    await token(furfest, 'RefreshToken', 'rt-1', 'g-1', alice, badges);
    await token(furfest, 'AuthorizationCode', 'code-2', 'g-2', alice, badges);
    // Kept: another app of alice, the same app for bob, the same app and user id in another instance.
    await grant(furfest, alice, schedule, 'g-schedule', 'pii:basic');
    await token(furfest, 'AccessToken', 'at-schedule', 'g-schedule', alice, schedule);
    await grant(furfest, bob, badges, 'g-bob', 'pii:basic');
    await token(furfest, 'AccessToken', 'at-bob', 'g-bob', bob, badges);
    await grant(animecon, alice, badges, 'g-elsewhere', 'pii:basic');
    await token(animecon, 'AccessToken', 'at-elsewhere', 'g-elsewhere', alice, badges);

    expect(await revokeConnectedApp(database.db, { orgId: furfest, userId: alice, clientId: badges, ip: '203.0.113.9' }, clock)).toBe(true);

    for (const [model, id] of [['Grant', 'g-1'], ['Grant', 'g-2'], ['AccessToken', 'at-1'], ['RefreshToken', 'rt-1'], ['AuthorizationCode', 'code-2']] as const) {
      expect(await exists(furfest, model, id), `${model} ${id}`).toBe(false);
    }
    expect(await exists(furfest, 'AccessToken', 'at-schedule')).toBe(true);
    expect(await exists(furfest, 'AccessToken', 'at-bob')).toBe(true);
    expect(await exists(animecon, 'AccessToken', 'at-elsewhere')).toBe(true);
    expect((await listConnectedApps(database.db, { orgId: furfest, userId: alice }, clock)).map((a) => a.clientId)).toEqual([schedule]);

    const audit = await database.db.selectFrom('audit_log').selectAll().execute();
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ org_id: furfest, actor_type: 'user', actor_id: String(alice), action: GRANT_REVOKED_BY_USER, target_type: 'app', target_id: String(badges), ip: '203.0.113.9' });
    expect(JSON.parse(audit[0]?.details ?? '{}')).toEqual({ grants: 2, scopes: ['pii:basic', 'pii:email'] });
  });

  test("another user's app, another instance's, or one never authorized: refused, nothing written", async () => {
    await grant(furfest, bob, badges, 'g-bob', 'pii:basic');
    await grant(animecon, ann, schedule, 'g-ann', 'pii:basic');
    expect(await revokeConnectedApp(database.db, { orgId: furfest, userId: alice, clientId: badges, ip: null }, clock)).toBe(false);
    expect(await revokeConnectedApp(database.db, { orgId: furfest, userId: ann, clientId: schedule, ip: null }, clock)).toBe(false);
    expect(await revokeConnectedApp(database.db, { orgId: animecon, userId: bob, clientId: badges, ip: null }, clock)).toBe(false);
    expect(await revokeConnectedApp(database.db, { orgId: furfest, userId: alice, clientId: 999_999_999_999, ip: null }, clock)).toBe(false);
    expect(await exists(furfest, 'Grant', 'g-bob')).toBe(true);
    expect(await exists(animecon, 'Grant', 'g-ann')).toBe(true);
    expect(await database.db.selectFrom('audit_log').selectAll().execute()).toHaveLength(0);
  });

  test('two simultaneous revocations: one revokes, the other finds nothing left, one audit entry', async () => {
    await grant(furfest, alice, badges, 'g-1', 'pii:basic');
    await token(furfest, 'RefreshToken', 'rt-1', 'g-1', alice, badges);
    const input = { orgId: furfest, userId: alice, clientId: badges, ip: null };
    const results = await Promise.all([revokeConnectedApp(database.db, input, clock), revokeConnectedApp(database.db, input, clock)]);
    expect([...results].sort()).toEqual([false, true]);
    expect(await exists(furfest, 'RefreshToken', 'rt-1')).toBe(false);
    expect(await database.db.selectFrom('audit_log').selectAll().where('action', '=', GRANT_REVOKED_BY_USER).execute()).toHaveLength(1);
  });
});

describe('connected apps page (HTTP)', () => {
  const PASSWORD = 'correct horse battery staple';
  const REDIRECT = 'https://app.example.com/callback';
  let w: OauthWorld;
  let target: CodeFlowTarget;
  let carol: number;

  beforeAll(async () => {
    w = await startOauthWorld();
    target = { origin: w.t.baseUrl, prefix: '/o/furfest', app: w.apps.oboOnly, redirectUri: REDIRECT, password: PASSWORD };
    const db = w.database.db;
    await db.updateTable('apps').set({ redirect_uris: JSON.stringify([REDIRECT]) }).where('id', '=', w.apps.oboOnly.appId).execute();
    await addUser(db, w.furfest.orgId, 'alice', PASSWORD, systemClock);
    await addUser(db, w.furfest.orgId, 'dave', PASSWORD, systemClock);
    carol = await addUser(db, w.furfest.orgId, 'carol', PASSWORD, systemClock);
    await grantRole(db, w.furfest.orgId, carol, ['admin'], systemClock);
    await addUser(db, w.animecon.orgId, 'bob', PASSWORD, systemClock);
  });
  afterAll(async () => {
    await w.t.stop();
  });

  const appsPath = '/o/furfest/account/apps';
  const revokePath = (clientId: number | string, prefix = '/o/furfest') => `${prefix}/account/apps/${clientId}/revoke`;

  async function signedIn(login: string, prefix = '/o/furfest'): Promise<WebClient> {
    const client = new WebClient(w.t.baseUrl);
    await client.get(`${prefix}/login`);
    const response = await client.post(`${prefix}/login`, { login, password: PASSWORD, next: '/account/apps' });
    expect(response.status, response.body).toBe(303);
    return client;
  }

  test('without a session: sent to the instance login, and back to the page after signing in', async () => {
    const client = new WebClient(w.t.baseUrl);
    const page = await client.get(appsPath);
    expect(page.status).toBe(303);
    expect(page.headers.location).toBe('/o/furfest/login?next=%2Faccount%2Fapps');
    await client.get(String(page.headers.location));
    const signIn = await client.post('/o/furfest/login', { login: 'dave', password: PASSWORD, next: '/account/apps' });
    expect(signIn.headers.location).toBe(appsPath);
    const list = await client.get(appsPath);
    expect(list.status).toBe(200);
    expect(list.body).toContain('You have not allowed any app to use your account.');
    // A revocation without a session changes nothing and reveals nothing.
    const anonymous = await new WebClient(w.t.baseUrl).post(revokePath(w.apps.oboOnly.clientId), { _csrf: 'x' });
    expect(anonymous.status).toBe(403);
  });

  test('the instance front page links to the page', async () => {
    const home = await request(`${w.furfest.base}/`);
    expect(home.body).toContain(`href="${appsPath}"`);
  });

  test('lists the app with its developer, scopes, when granted and last used; a user sees only their own', async () => {
    const alice = new WebClient(w.t.baseUrl);
    await signInAndAuthorize(target, alice, 'alice', 'openid pii:basic pii:email');
    const carolClient = new WebClient(w.t.baseUrl);
    await signInAndAuthorize(target, carolClient, 'carol', 'pii:basic admin:ticket:read');

    const page = await alice.get(appsPath);
    expect(page.status).toBe(200);
    expect(page.headers['cache-control']).toBe('no-store');
    expect(String(page.headers['content-security-policy'])).toContain("frame-ancestors 'none'");
    expect(page.body).toContain('<h2 id="app-');
    expect(page.body).toContain('Sign-in Only');
    expect(page.body).toMatch(/By Dev \d+, Company \d+\./);
    expect(page.body).toContain('Sign you in with your account here');
    expect(page.body).toContain('See your email address');
    expect(page.body).toContain('Access given');
    expect(page.body).not.toContain('Not yet');
    expect(page.body).not.toContain('administrative permission');
    expect(page.body).toContain(`action="${revokePath(w.apps.oboOnly.clientId)}"`);

    const carolPage = await carolClient.get(appsPath);
    expect(carolPage.body).toContain("Read every attendee&#39;s ticket");
    expect(carolPage.body).toContain('This is an administrative permission');
    expect(carolPage.body).not.toContain('See your email address');
  });

  test('revoking: confirmation, CSRF, then the tokens die at once, consent is asked again, and it is audited', async () => {
    const alice = new WebClient(w.t.baseUrl);
    const tokens = await signInAndAuthorize(target, alice, 'alice', 'pii:basic pii:email');
    const carolClient = new WebClient(w.t.baseUrl);
    const carolTokens = await signInAndAuthorize(target, carolClient, 'carol', 'pii:basic');
    const clientId = w.apps.oboOnly.clientId;

    const confirmation = await alice.get(revokePath(clientId));
    expect(confirmation.status).toBe(200);
    expect(confirmation.body).toContain('<h1>Revoke Sign-in Only?</h1>');
    expect(confirmation.body).toMatch(/<form method="post" action="[^"]+\/revoke" class="inline"><input type="hidden" name="_csrf"/);

    expect((await alice.post(revokePath(clientId), { _csrf: 'forged' })).status).toBe(403);
    expect((await alice.post(revokePath(clientId), {}, { origin: 'https://evil.example' })).status).toBe(403);
    expect((await alice.post(revokePath(clientId), {}, { 'sec-fetch-site': 'cross-site' })).status).toBe(403);
    expect(await isActive(target, tokens.access_token)).toBe(true);

    const revoked = await alice.post(revokePath(clientId), {});
    expect(revoked.status, revoked.body).toBe(303);
    expect(revoked.headers.location).toBe(`${appsPath}?done=revoked`);
    const after = await alice.get(String(revoked.headers.location));
    expect(after.body).toContain('Access revoked.');
    expect(after.body).not.toContain('Sign-in Only');

    expect(await isActive(target, tokens.access_token)).toBe(false);
    expectOauthError(await refresh(target, tokens.refresh_token), 400, 'invalid_grant');
    expect((await checkAccessToken(w.database.db, w.furfest.orgId, tokens.access_token, systemClock)).active).toBe(false);
    // Carol's grant for the same app is hers: untouched.
    expect(await isActive(target, carolTokens.access_token)).toBe(true);
    expect((await refresh(target, carolTokens.refresh_token)).status).toBe(200);

    const aliceId = (await w.database.db.selectFrom('users').select('id').where('org_id', '=', w.furfest.orgId).where('username', '=', 'alice').executeTakeFirstOrThrow()).id;
    const audit = await w.database.db.selectFrom('audit_log').selectAll().where('action', '=', GRANT_REVOKED_BY_USER).where('actor_id', '=', String(aliceId)).execute();
    expect(audit.length).toBeGreaterThan(0);
    expect(audit.at(-1)).toMatchObject({ org_id: w.furfest.orgId, actor_type: 'user', target_type: 'app', target_id: String(clientId) });
    expect(audit.at(-1)?.ip).not.toBeNull();

    // Revoked already: the same POST again names nothing.
    expect((await alice.post(revokePath(clientId), {})).status).toBe(404);

    // The next authorization asks for consent again, and a new grant is listed again.
    const again = await toConsent(target, alice, 'alice', { scope: 'pii:basic', state: 'again' });
    expect(again.response.status, again.response.body).toBe(200);
    expect(again.response.body).toContain('<h1>Authorize Sign-in Only</h1>');
    const callback = await authorize(target, alice, again.response);
    expect(callback.searchParams.get('code')).not.toBeNull();
    expect((await alice.get(appsPath)).body).toContain('Sign-in Only');
  });

  test("another user's app, another instance's, or a malformed id: 404, nothing revoked", async () => {
    const alice = new WebClient(w.t.baseUrl);
    const tokens = await signInAndAuthorize(target, alice, 'alice', 'pii:basic');
    const clientId = w.apps.oboOnly.clientId;

    const dave = await signedIn('dave');
    await dave.get(appsPath);
    expect((await dave.get(revokePath(clientId))).status).toBe(404);
    expect((await dave.post(revokePath(clientId), {})).status).toBe(404);

    const bob = await signedIn('bob', '/o/animecon');
    await bob.get('/o/animecon/account/apps');
    expect((await bob.post(revokePath(clientId, '/o/animecon'), {})).status).toBe(404);

    for (const id of ['abc', '0', '-1', '1.5', '9'.repeat(40), '%00']) {
      expect((await dave.get(revokePath(id))).status, id).toBe(404);
      expect((await dave.post(revokePath(id), {})).status, id).toBe(404);
    }
    // Longer than any path parameter Fastify accepts: refused before routing.
    expect((await dave.post(revokePath('9'.repeat(5000)), {})).status).toBe(414);
    // An oversized form is refused before anything is read.
    const big = await dave.post(revokePath(clientId), { filler: 'x'.repeat(100_000) });
    expect(big.status).toBe(413);
    expect(await isActive(target, tokens.access_token)).toBe(true);
  });

  test('two revocations at once: one succeeds, the other finds nothing', async () => {
    const alice = new WebClient(w.t.baseUrl);
    await signInAndAuthorize(target, alice, 'alice', 'pii:basic');
    await alice.get(appsPath);
    const path = revokePath(w.apps.oboOnly.clientId);
    const statuses = (await Promise.all([alice.post(path, {}), alice.post(path, {})])).map((r) => r.status).sort();
    expect(statuses).toEqual([303, 404]);
  });
});
