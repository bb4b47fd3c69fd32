import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { systemClock } from '../../src/clock.js';
import { checkAccessToken } from '../../src/oauth/token-check.js';
import type { SimpleResponse } from '../support/https-client.js';
import { WebClient } from '../support/web-client.js';
import { addUser, grantRole } from '../instance/fixtures.js';
import { browse as flowBrowse, decide as flowDecide, location as flowLocation, toConsent as flowToConsent, type CodeFlowTarget, type CodeTokens } from './code-flow.js';
import { expectOauthError, postForm, startOauthWorld, type OauthWorld, type WorldApp } from './oauth-world.js';

const REDIRECT = 'https://app.example.com/callback';
const PASSWORD = 'correct horse battery staple';

let w: OauthWorld;
let app: WorldApp;
let target: CodeFlowTarget;
beforeAll(async () => {
  w = await startOauthWorld();
  app = w.apps.oboOnly;
  target = { origin: w.t.baseUrl, prefix: '/o/furfest', app, redirectUri: REDIRECT, password: PASSWORD };
  await w.database.db.updateTable('apps').set({ redirect_uris: JSON.stringify([REDIRECT]) }).where('id', '=', app.appId).execute();
  await addUser(w.database.db, w.furfest.orgId, 'alice', PASSWORD, systemClock);
  await addUser(w.database.db, w.animecon.orgId, 'bob', PASSWORD, systemClock);
  const carol = await addUser(w.database.db, w.furfest.orgId, 'carol', PASSWORD, systemClock);
  await grantRole(w.database.db, w.furfest.orgId, carol, ['admin'], systemClock);
});
afterAll(async () => {
  await w.t.stop();
});

function authorizeUrl(params: Record<string, string> = {}): string {
  const query = new URLSearchParams({ client_id: String(app.clientId), response_type: 'code', redirect_uri: REDIRECT, scope: 'pii:basic pii:email', state: 'st-123', ...params });
  return `${w.furfest.base}/oauth/authorize?${query.toString()}`;
}

function location(response: SimpleResponse): string {
  return flowLocation(target, response);
}

/** GETs `url` and follows redirects on our own origin; returns the last response and its URL. */
function browse(client: WebClient, url: string): Promise<{ response: SimpleResponse; url: string }> {
  return flowBrowse(target, client, url);
}

/** Authorize → (login) → consent page. Returns the consent page response and its URL. */
function toConsent(client: WebClient, params: Record<string, string> = {}, login = 'alice'): Promise<{ response: SimpleResponse; url: string }> {
  return flowToConsent(target, client, login, { scope: 'pii:basic pii:email', state: 'st-123', ...params });
}

function actionOf(body: string, name: 'confirm' | 'deny'): string {
  const match = new RegExp(`action="([^"]+/${name})"`).exec(body);
  expect(match, body).not.toBeNull();
  return match?.[1] ?? '';
}

/** Posts the consent form and follows to the app's redirect; returns the callback URL. */
function decide(client: WebClient, consent: SimpleResponse, name: 'confirm' | 'deny'): Promise<URL> {
  return flowDecide(target, client, consent, name);
}

function exchange(code: string, extra: Record<string, string> = {}): Promise<SimpleResponse> {
  return postForm(`${w.furfest.base}/api/oauth/token`, {
    grant_type: 'authorization_code',
    code,
    client_id: String(app.clientId),
    client_secret: app.secret,
    redirect_uri: REDIRECT,
    scope: 'pii:basic pii:email',
    ...extra,
  });
}

describe('authorization code flow (ConCat style)', () => {
  test('authorize → login → consent → code → token, with form-body secret, no PKCE, extra fields', async () => {
    const client = new WebClient(w.t.baseUrl);
    const consent = await toConsent(client);
    expect(consent.response.status, consent.response.body).toBe(200);
    expect(consent.url).toContain('/o/furfest/oauth/interaction/');
    const body = consent.response.body;
    expect(body).toContain('Sign-in Only');
    expect(body).toContain('See your email address');
    expect(body).toContain('app.example.com');
    expect(body).toContain('Lakeshore FurFest');
    expect(body).not.toContain('class="danger"');
    const csp = String(consent.response.headers['content-security-policy']);
    expect(csp).toContain("frame-ancestors 'none'");
    // The consent POST ends at the app's redirect_uri: only that origin is added to form-action.
    expect(csp).toContain("form-action 'self' https://app.example.com;");
    expect(consent.response.headers['x-frame-options']).toBe('SAMEORIGIN');

    const callback = await decide(client, consent.response, 'confirm');
    expect(`${callback.origin}${callback.pathname}`).toBe(REDIRECT);
    expect(callback.searchParams.get('state')).toBe('st-123');
    expect(callback.searchParams.get('iss')).toBe(w.furfest.base);
    const code = callback.searchParams.get('code') ?? '';
    expect(code).not.toBe('');

    const response = await exchange(code);
    expect(response.status, response.body).toBe(200);
    const tokens = response.json<CodeTokens>();
    expect(tokens.token_type).toBe('Bearer');
    expect(tokens.scope.split(' ').sort()).toEqual(['pii:basic', 'pii:email']);
    expect(tokens.expires_in).toBeGreaterThan(0);
    expect(typeof tokens.access_token).toBe('string');
    expect(typeof tokens.refresh_token).toBe('string');
    expect(Object.keys(tokens).sort()).toEqual(['access_token', 'expires_in', 'refresh_token', 'scope', 'token_type']);
    // The API's token check sees the user and the granted scopes.
    const alice = await w.database.db.selectFrom('users').select('id').where('username', '=', 'alice').executeTakeFirstOrThrow();
    const checked = await checkAccessToken(w.database.db, w.furfest.orgId, tokens.access_token, systemClock);
    expect(checked.active && checked.userId).toBe(alice.id);
    expect(checked.active && [...checked.scopes].sort()).toEqual(['pii:basic', 'pii:email']);
    expect((await checkAccessToken(w.database.db, w.animecon.orgId, tokens.access_token, systemClock)).active).toBe(false);

    // Single use: the second exchange fails, and the grant is revoked with it.
    expectOauthError(await exchange(code), 400, 'invalid_grant');
    expectOauthError(await postForm(`${w.furfest.base}/api/oauth/token`, { grant_type: 'refresh_token', refresh_token: tokens.refresh_token, client_id: String(app.clientId), client_secret: app.secret }), 400, 'invalid_grant');
    const introspected = await postForm(`${w.furfest.base}/oauth/introspect`, { token: tokens.access_token, client_id: String(app.clientId), client_secret: app.secret });
    expect(introspected.json<{ active: boolean }>().active).toBe(false);

    const audit = await w.database.db.selectFrom('audit_log').select('action').where('org_id', '=', w.furfest.orgId).where('action', '=', 'oauth.consent-given').execute();
    expect(audit.length).toBeGreaterThan(0);
  });

  test('a repeat request for the same or fewer scopes skips consent; more scopes asks again', async () => {
    const client = new WebClient(w.t.baseUrl);
    const first = await toConsent(client, { scope: 'pii:basic pii:email' });
    const callback = await decide(client, first.response, 'confirm');
    expect(callback.searchParams.get('code')).not.toBeNull();

    const again = await browse(client, authorizeUrl({ scope: 'pii:basic', state: 'again' }));
    const skipped = new URL(location(again.response));
    expect(skipped.searchParams.get('code')).not.toBeNull();
    expect(skipped.searchParams.get('state')).toBe('again');

    const wider = await browse(client, authorizeUrl({ scope: 'pii:basic pii:phone', state: 'wider' }));
    expect(wider.response.status).toBe(200);
    expect(wider.response.body).toContain('See your phone number');
  });

  test('deny → access_denied with state and iss', async () => {
    const client = new WebClient(w.t.baseUrl);
    const consent = await toConsent(client, { state: 'deny-me' });
    const callback = await decide(client, consent.response, 'deny');
    expect(callback.searchParams.get('error')).toBe('access_denied');
    expect(callback.searchParams.get('state')).toBe('deny-me');
    expect(callback.searchParams.get('iss')).toBe(w.furfest.base);
    expect(callback.searchParams.get('code')).toBeNull();
  });

  test('an administrative scope the user lacks → invalid_request back to the app', async () => {
    const client = new WebClient(w.t.baseUrl);
    const page = await toConsent(client, { scope: 'pii:basic admin:ticket:read', state: 'adm' });
    const callback = new URL(location(page.response));
    expect(callback.searchParams.get('error')).toBe('invalid_request');
    expect(callback.searchParams.get('state')).toBe('adm');
  });

  test('unknown client or unregistered redirect_uri → an error page here, never a redirect', async () => {
    const client = new WebClient(w.t.baseUrl);
    const cases: Record<string, string>[] = [{ client_id: '999999' }, { redirect_uri: 'https://evil.example/cb' }, { client_id: String(w.apps.service.clientId) }];
    for (const params of cases) {
      const response = await client.get(authorizeUrl(params));
      expect(response.status, response.body).toBeGreaterThanOrEqual(400);
      expect(response.headers.location).toBeUndefined();
      expect(response.body).toContain('cannot be completed');
    }
  });

  test('PKCE: S256 enforced when sent, plain refused', async () => {
    const client = new WebClient(w.t.baseUrl);
    const verifier = 'a'.repeat(43);
    const { createHash } = await import('node:crypto');
    const challenge = createHash('sha256').update(verifier).digest('base64url');
    const consent = await toConsent(client, { code_challenge: challenge, code_challenge_method: 'S256', scope: 'pii:basic con:read' });
    const callback = await decide(client, consent.response, 'confirm');
    const code = callback.searchParams.get('code') ?? '';
    expectOauthError(await exchange(code, { code_verifier: 'b'.repeat(43) }), 400, 'invalid_grant');

    const consent2 = await browse(client, authorizeUrl({ code_challenge: challenge, code_challenge_method: 'S256', scope: 'pii:basic con:read', state: 'p2' }));
    const code2 = new URL(location(consent2.response)).searchParams.get('code') ?? '';
    expect((await exchange(code2, { code_verifier: verifier })).status).toBe(200);

    const plain = await browse(client, authorizeUrl({ code_challenge: verifier, code_challenge_method: 'plain', state: 'p3' }));
    const refused = new URL(location(plain.response));
    expect(refused.searchParams.get('error')).toBe('invalid_request');
  });

  test('refresh: rotates every time, narrower scope allowed, wider refused, reuse revokes the grant', async () => {
    const client = new WebClient(w.t.baseUrl);
    const consent = await toConsent(client, { scope: 'pii:basic pii:email pii:address' });
    const callback = await decide(client, consent.response, 'confirm');
    const first = (await exchange(callback.searchParams.get('code') ?? '')).json<CodeTokens>();
    const refresh = (token: string, scope?: string): Promise<SimpleResponse> =>
      postForm(`${w.furfest.base}/api/oauth/token`, { grant_type: 'refresh_token', refresh_token: token, client_id: String(app.clientId), client_secret: app.secret, ...(scope === undefined ? {} : { scope }) });

    const second = await refresh(first.refresh_token, 'pii:basic');
    expect(second.status, second.body).toBe(200);
    const secondTokens = second.json<CodeTokens>();
    expect(secondTokens.refresh_token).not.toBe(first.refresh_token);
    expect(secondTokens.scope).toBe('pii:basic');
    expectOauthError(await refresh(secondTokens.refresh_token, 'pii:basic pii:phone'), 400, 'invalid_scope');

    const third = await refresh(secondTokens.refresh_token);
    expect(third.status, third.body).toBe(200);
    const thirdTokens = third.json<CodeTokens>();

    // The used one again: invalid_grant, and everything of the grant dies.
    expectOauthError(await refresh(secondTokens.refresh_token), 400, 'invalid_grant');
    expectOauthError(await refresh(thirdTokens.refresh_token), 400, 'invalid_grant');
    const introspected = await postForm(`${w.furfest.base}/oauth/introspect`, { token: thirdTokens.access_token, client_id: String(app.clientId), client_secret: app.secret });
    expect(introspected.json<{ active: boolean }>().active).toBe(false);
    const audit = await w.database.db.selectFrom('audit_log').select('details').where('org_id', '=', w.furfest.orgId).where('action', '=', 'oauth.token-reuse-detected').execute();
    expect(audit.some((row) => row.details.includes('refresh token'))).toBe(true);
    expect(audit.some((row) => row.details.includes('authorization code'))).toBe(true);
  });

  test('administrative scopes are marked, and the Authorize button is a danger one, for a user who holds admin', async () => {
    const client = new WebClient(w.t.baseUrl);
    const consent = await toConsent(client, { scope: 'pii:basic admin:ticket:read', state: 'carol' }, 'carol');
    expect(consent.response.status, consent.response.body).toBe(200);
    expect(consent.response.body).toContain('This is an administrative permission');
    expect(consent.response.body).toMatch(/<button type="submit" class="danger">Authorize<\/button>/);
    const callback = await decide(client, consent.response, 'confirm');
    expect(callback.searchParams.get('code')).not.toBeNull();
  });

  test('the consent form checks CSRF', async () => {
    const client = new WebClient(w.t.baseUrl);
    const consent = await toConsent(client, { scope: 'con:read', state: 'csrf' });
    const refused = await client.post(actionOf(consent.response.body, 'confirm'), { _csrf: 'forged' });
    expect(refused.status).toBe(403);
  });

  test('an app that requires PKCE gets invalid_request without it', async () => {
    await w.database.db.updateTable('apps').set({ require_pkce: 1 }).where('id', '=', app.appId).execute();
    try {
      const client = new WebClient(w.t.baseUrl);
      const response = await client.get(authorizeUrl({ state: 'pkce' }));
      const callback = new URL(location(response));
      expect(callback.searchParams.get('error')).toBe('invalid_request');
      expect(callback.searchParams.get('state')).toBe('pkce');
    } finally {
      await w.database.db.updateTable('apps').set({ require_pkce: 0 }).where('id', '=', app.appId).execute();
    }
  });

  test('who signs in follows the instance session: after switching users, the code is for the new one', async () => {
    const client = new WebClient(w.t.baseUrl);
    const first = await toConsent(client, { scope: 'pii:basic', state: 'u1' });
    await decide(client, first.response, 'confirm');
    const loginPage = await client.get('/o/furfest/login');
    expect(loginPage.status).toBe(303); // signed in: the login page sends us on
    const signedOut = await client.post('/o/furfest/logout', {}, {});
    expect(signedOut.status).toBe(303);
    await client.get('/o/furfest/login');
    const second = await toConsent(client, { scope: 'pii:basic', state: 'u2' }, 'carol');
    expect(second.response.status, second.response.body).toBe(200);
    const callback = await decide(client, second.response, 'confirm');
    const tokens = (await exchange(callback.searchParams.get('code') ?? '')).json<CodeTokens>();
    const introspected = await postForm(`${w.furfest.base}/oauth/introspect`, { token: tokens.access_token, client_id: String(app.clientId), client_secret: app.secret });
    const carol = await w.database.db.selectFrom('users').select('id').where('username', '=', 'carol').executeTakeFirstOrThrow();
    expect(introspected.json<{ sub: string }>().sub).toBe(String(carol.id));
  });

  test('a user signed in to another instance is not signed in here', async () => {
    const client = new WebClient(w.t.baseUrl);
    const signIn = await client.get('/o/animecon/login');
    expect(signIn.status).toBe(200);
    expect((await client.post('/o/animecon/login', { login: 'bob', password: PASSWORD, next: '/' })).status).toBe(303);
    const page = await browse(client, authorizeUrl({ state: 'bob' }));
    expect(new URL(page.url).pathname).toBe('/o/furfest/login');
  });

  test('an unknown or finished interaction shows an error page here', async () => {
    const client = new WebClient(w.t.baseUrl);
    const consent = await toConsent(client, { scope: 'con:read', state: 'done' });
    await decide(client, consent.response, 'confirm');
    const again = await client.get(new URL(consent.url).pathname);
    expect(again.status).toBe(400);
    expect(again.headers.location).toBeUndefined();
    expect((await client.get('/o/furfest/oauth/interaction/nonsense')).status).toBe(400);
  });
});
