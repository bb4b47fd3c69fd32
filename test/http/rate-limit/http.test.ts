import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/clock.js';
import { expectOauthError, form, startOauthWorld, type OauthWorld, type TokenResponse, type WorldApp } from '../../oauth/oauth-world.js';
import { expectDocumentedResponse } from '../../support/api-client.js';
import { request, type SimpleResponse } from '../../support/https-client.js';

/**
 * Rate limits and client-authentication lockouts through HTTPS. Requests leave from chosen
 * loopback addresses (127.0.0.x), so one test plays several clients. The platform runs on a
 * manual clock: a test starts a fresh window by moving it one window ahead.
 */
const WINDOW_MS = 60_000;

interface Call {
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  /** The client's address. */
  from?: string;
}

function caller(world: () => OauthWorld) {
  return (base: 'furfest' | 'animecon', path: string, call: Call = {}): Promise<SimpleResponse> => {
    const w = world();
    return request(`${w[base].base}${path}`, {
      method: call.method ?? 'GET',
      headers: call.headers ?? {},
      ...(call.body === undefined ? {} : { body: call.body }),
      connectTo: { host: '127.0.0.1', port: w.t.port },
      tls: { localAddress: call.from ?? '127.0.0.1' },
    });
  };
}

const basic = (app: WorldApp, secret = app.secret): string => `Basic ${Buffer.from(`${app.clientId}:${encodeURIComponent(secret)}`).toString('base64')}`;
const FORM = { 'content-type': 'application/x-www-form-urlencoded' };
const CLIENT_CREDENTIALS = form({ grant_type: 'client_credentials' });
const bodyCredentials = (app: WorldApp, secret = app.secret): string => form({ grant_type: 'client_credentials', client_id: String(app.clientId), client_secret: secret });

function expectRateLimitHeaders(response: SimpleResponse, policy: string): void {
  expect(response.headers['ratelimit-policy']).toBe(policy);
  expect(response.headers.ratelimit).toMatch(/^"[a-z-]+";r=\d+;t=\d+(, "[a-z-]+";r=\d+;t=\d+)*$/);
}

function retryAfterOf(response: SimpleResponse): number {
  const value = Number(response.headers['retry-after']);
  expect(value).toBeGreaterThanOrEqual(1);
  return value;
}

describe('rate limits over HTTPS', () => {
  const clock = new ManualClock(new Date());
  let world: OauthWorld;
  const call = caller(() => world);
  let serviceToken: string;
  let otherToken: string;

  beforeAll(async () => {
    world = await startOauthWorld({
      clock,
      settings: {
        rateLimitWindow: '60',
        rateLimitApi: '3',
        rateLimitApiAddress: '5',
        rateLimitToken: '3',
        rateLimitTokenAddress: '6',
        rateLimitAnonymous: '2',
        clientAuthFailures: '1000',
        clientAuthAddressFailures: '1000',
      },
    });
    const token = async (app: WorldApp): Promise<string> => {
      const response = await call('furfest', '/api/oauth/token', { method: 'POST', headers: { ...FORM, authorization: basic(app) }, body: CLIENT_CREDENTIALS });
      expect(response.status, response.body).toBe(200);
      return response.json<TokenResponse>().access_token;
    };
    serviceToken = await token(world.apps.service);
    otherToken = await token(world.apps.other);
    // The test client validates API responses against the document: load it once now.
    await expectDocumentedResponse(world.furfest.base, 'GET', '/api/v0/roles', await call('furfest', '/api/v0/roles', { headers: { authorization: `Bearer ${serviceToken}` } }));
  });
  afterAll(async () => {
    await world.t.stop();
  });
  beforeEach(() => {
    clock.advance(WINDOW_MS);
  });

  const api = async (path: string, call_: Call): Promise<SimpleResponse> => {
    const response = await call('furfest', path, call_);
    await expectDocumentedResponse(world.furfest.base, call_.method ?? 'GET', path, response);
    return response;
  };

  it('counts API requests per app and instance, then answers 429 with the rateLimit error until the window ends', async () => {
    const auth = { authorization: `Bearer ${serviceToken}` };
    const first = await api('/api/v0/roles', { headers: auth });
    expect(first.status).toBe(200);
    expectRateLimitHeaders(first, '"api";q=3;w=60, "api-address";q=5;w=60');
    expect(first.headers.ratelimit).toMatch(/^"api";r=2;t=\d+, "api-address";r=4;t=\d+$/);
    expect((await api('/api/v0/roles', { headers: auth })).status).toBe(200);
    expect((await api('/api/v0/users/999999', { headers: auth })).status).toBe(404);

    const refused = await api('/api/v0/roles', { headers: auth });
    expect(refused.status).toBe(429);
    const retryAfter = retryAfterOf(refused);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(refused.json()).toEqual({ errors: { rateLimit: { message: expect.stringMatching(/3 requests per 60 s \(api\)/) as unknown, retryAfter } } });
    expect(refused.headers.ratelimit).toMatch(/^"api";r=0;t=\d+/);

    // Another app in the same instance has its own quota (asked from elsewhere, to leave this address's quota alone).
    expect((await api('/api/v0/roles', { headers: { authorization: `Bearer ${otherToken}` }, from: '127.0.0.7' })).status).toBe(200);

    // Retry-After is when the app's window ends: then its whole quota is back.
    clock.advance(retryAfter * 1000);
    const again = await api('/api/v0/roles', { headers: auth });
    expect(again.status).toBe(200);
    expect(again.headers.ratelimit).toMatch(/^"api";r=2;/);
  });

  it('lets exactly the limit through when requests arrive at once', async () => {
    const responses = await Promise.all(Array.from({ length: 10 }, () => call('furfest', '/api/v0/roles', { headers: { authorization: `Bearer ${serviceToken}` } })));
    expect(responses.filter((r) => r.status === 200)).toHaveLength(3);
    expect(responses.filter((r) => r.status === 429)).toHaveLength(7);
  });

  it('limits each client address across apps', async () => {
    const from = '127.0.0.5';
    for (let i = 0; i < 3; i++) expect((await api('/api/v0/roles', { headers: { authorization: `Bearer ${serviceToken}` }, from })).status).toBe(200);
    for (let i = 0; i < 2; i++) expect((await api('/api/v0/roles', { headers: { authorization: `Bearer ${otherToken}` }, from })).status).toBe(200);
    const refused = await api('/api/v0/roles', { headers: { authorization: `Bearer ${otherToken}` }, from });
    expect(refused.status).toBe(429);
    expect(refused.body).toContain('(api-address)');
  });

  it('applies the much stricter anonymous limit to requests naming no client, and says how to be counted', async () => {
    const noAuth = await api('/api/v0/roles', {});
    expect(noAuth.status).toBe(401);
    expectRateLimitHeaders(noAuth, '"anonymous";q=2;w=60');
    // A token we never issued names no client either.
    expect((await api('/api/v0/roles', { headers: { authorization: 'Bearer not-a-token-we-issued' } })).status).toBe(401);
    const refused = await api('/api/v0/roles', { headers: { authorization: 'Basic !!!' } });
    expect(refused.status).toBe(429);
    expect(refused.body).toContain('Authorization header naming your app');
    // The token endpoint with credentials in the body only: anonymous as well, refused the OAuth way.
    const token = await call('furfest', '/api/oauth/token', { method: 'POST', headers: FORM, body: bodyCredentials(world.apps.service) });
    expectOauthError(token, 429, 'temporarily_unavailable');
    retryAfterOf(token);
    expect(token.headers['cache-control']).toBe('no-store');
  });

  it('counts the token endpoint per app, and answers 429 there in RFC 6749 form with Retry-After', async () => {
    const headers = { ...FORM, authorization: basic(world.apps.service) };
    const first = await call('furfest', '/api/oauth/token', { method: 'POST', headers, body: CLIENT_CREDENTIALS });
    expect(first.status, first.body).toBe(200);
    expectRateLimitHeaders(first, '"token";q=3;w=60, "token-address";q=6;w=60');
    expect(first.headers.ratelimit).toMatch(/^"token";r=2;/);
    // Naming the app with `Bearer <client_id>` (ConCat clients send Authorization everywhere) next to
    // body credentials is accepted, and counted for the app from this address.
    const named = await call('furfest', '/api/oauth/token', { method: 'POST', headers: { ...FORM, authorization: `Bearer ${world.apps.service.clientId}` }, body: bodyCredentials(world.apps.service) });
    expect(named.status, named.body).toBe(200);
    expect(named.headers.ratelimit).toMatch(/^"token";r=2;/);
    // A bearer token of the app counts for the app, also on introspection.
    const introspect = await call('furfest', '/oauth/introspect', { method: 'POST', headers: { ...FORM, authorization: `Bearer ${serviceToken}` }, body: form({ token: serviceToken, client_id: String(world.apps.service.clientId), client_secret: world.apps.service.secret }) });
    expect(introspect.status, introspect.body).toBe(200);
    expect(introspect.json<{ active: boolean }>().active).toBe(true);
    expect(introspect.headers.ratelimit).toMatch(/^"token";r=1;/);
    expect((await call('furfest', '/api/oauth/token', { method: 'POST', headers, body: CLIENT_CREDENTIALS })).status).toBe(200);

    const refused = await call('furfest', '/api/oauth/token', { method: 'POST', headers, body: CLIENT_CREDENTIALS });
    expectOauthError(refused, 429, 'temporarily_unavailable');
    expect(refused.json<{ error_description: string }>().error_description).toMatch(/3 requests per 60 s \(token\)/);
    retryAfterOf(refused);
    expect(refused.headers.ratelimit).toMatch(/^"token";r=0;/);
    // The same app in another instance has its own quota there.
    const elsewhere = await call('animecon', '/api/oauth/token', { method: 'POST', headers, body: CLIENT_CREDENTIALS });
    expect(elsewhere.status, elsewhere.body).toBe(200);
  });

  it('does not let an attacker who names another client use up that client’s quota', async () => {
    const attacker = '127.0.0.2';
    const service = world.apps.service;
    // Wrong secrets in the victim's name: counted for (victim, attacker address) only.
    for (let i = 0; i < 3; i++) {
      const guess = await call('furfest', '/api/oauth/token', { method: 'POST', headers: { ...FORM, authorization: basic(service, `wrong-${i}`) }, body: CLIENT_CREDENTIALS, from: attacker });
      expectOauthError(guess, 401, 'invalid_client');
    }
    expectOauthError(await call('furfest', '/api/oauth/token', { method: 'POST', headers: { ...FORM, authorization: basic(service, 'wrong') }, body: CLIENT_CREDENTIALS, from: attacker }), 429, 'temporarily_unavailable');
    // A bare client id in the victim's name on endpoints that need no token: the same.
    for (let i = 0; i < 3; i++) {
      expect((await call('furfest', '/.well-known/openid-configuration', { headers: { authorization: `Bearer ${service.clientId}` }, from: attacker })).status).toBe(200);
    }
    expectOauthError(await call('furfest', '/.well-known/openid-configuration', { headers: { authorization: `Bearer ${service.clientId}` }, from: attacker }), 429, 'temporarily_unavailable');

    // The real client, from its own address, still has its whole quota.
    const real = await call('furfest', '/api/oauth/token', { method: 'POST', headers: { ...FORM, authorization: basic(service) }, body: CLIENT_CREDENTIALS });
    expect(real.status, real.body).toBe(200);
    expect(real.headers.ratelimit).toMatch(/^"token";r=2;/);
    const read = await api('/api/v0/roles', { headers: { authorization: `Bearer ${serviceToken}` } });
    expect(read.status).toBe(200);
    expect(read.headers.ratelimit).toMatch(/^"api";r=2;/);
  });
});

describe('brute force of client secrets', () => {
  const clock = new ManualClock(new Date());
  let world: OauthWorld;
  const call = caller(() => world);
  const tokenRequest = (app: WorldApp, from: string, secret = app.secret): Promise<SimpleResponse> =>
    call('furfest', '/api/oauth/token', { method: 'POST', headers: FORM, body: bodyCredentials(app, secret), from });

  beforeAll(async () => {
    world = await startOauthWorld({ clock, settings: { clientAuthFailures: '3', clientAuthAddressFailures: '6' } });
  });
  afterAll(async () => {
    await world.t.stop();
  });

  it('blocks a client from the address that keeps sending wrong secrets, for a while, and nobody else', async () => {
    const service = world.apps.service;
    expectOauthError(await tokenRequest(service, '127.0.0.1', 'wrong-1'), 401, 'invalid_client');
    expectOauthError(await tokenRequest(service, '127.0.0.1', 'wrong-2'), 401, 'invalid_client');
    const locking = await tokenRequest(service, '127.0.0.1', 'wrong-3');
    expectOauthError(locking, 429, 'temporarily_unavailable');
    expect(retryAfterOf(locking)).toBe(15 * 60);

    // Locked: the right secret is not even checked from there, in the body or in Basic.
    expectOauthError(await tokenRequest(service, '127.0.0.1'), 429, 'temporarily_unavailable');
    const viaBasic = await call('furfest', '/api/oauth/token', { method: 'POST', headers: { ...FORM, authorization: basic(service) }, body: CLIENT_CREDENTIALS });
    expectOauthError(viaBasic, 429, 'temporarily_unavailable');
    expect(retryAfterOf(viaBasic)).toBeLessThanOrEqual(15 * 60);

    // The real client elsewhere, and other clients from that address, are not affected.
    expect((await tokenRequest(service, '127.0.0.2')).status).toBe(200);
    expect((await tokenRequest(world.apps.other, '127.0.0.1')).status).toBe(200);

    const audit = await world.database.db.selectFrom('audit_log').select(['action', 'target_id', 'ip']).where('org_id', '=', world.furfest.orgId).where('action', '=', 'oauth.client-auth-locked').execute();
    expect(audit).toEqual([{ action: 'oauth.client-auth-locked', target_id: String(service.clientId), ip: '127.0.0.1' }]);

    clock.advance(15 * 60_000 + 1000);
    expect((await tokenRequest(service, '127.0.0.1')).status).toBe(200);
  });

  it('blocks an address guessing across clients', async () => {
    const from = '127.0.0.3';
    for (const app of [world.apps.service, world.apps.other, world.apps.oboOnly]) {
      for (let i = 0; i < 2; i++) await tokenRequest(app, from, `wrong-${i}`);
    }
    expectOauthError(await tokenRequest(world.apps.service, from), 429, 'temporarily_unavailable');
    expect((await tokenRequest(world.apps.service, '127.0.0.4')).status).toBe(200);
  });

  it('counts each wrong Basic secret once, also where the authorization server never checks it', async () => {
    const service = world.apps.service;
    const guess = (secret: string, from: string, body = CLIENT_CREDENTIALS): Promise<SimpleResponse> =>
      call('furfest', '/api/oauth/token', { method: 'POST', headers: { ...FORM, authorization: basic(service, secret) }, body, from });

    // At the token endpoint: counted once, though both the rate limiter and the provider see it.
    expectOauthError(await guess('wrong-1', '127.0.0.6'), 401, 'invalid_client');
    expectOauthError(await guess('wrong-2', '127.0.0.6'), 401, 'invalid_client');
    expectOauthError(await guess('wrong-3', '127.0.0.6'), 429, 'temporarily_unavailable');

    // Where nobody else checks the secret: documentation, or a request the provider refuses first.
    const from = '127.0.0.7';
    expect((await call('furfest', '/api/docs/openapi.json', { headers: { authorization: basic(service, 'wrong-1') }, from })).status).toBe(200);
    expectOauthError(await guess('wrong-2', from, bodyCredentials(service)), 400, 'invalid_request');
    const locked = await call('furfest', '/api/docs/openapi.json', { headers: { authorization: basic(service, 'wrong-3') }, from });
    expect(locked.status).toBe(429);
    expect(locked.json<{ errors: { rateLimit: { retryAfter: number } } }>().errors.rateLimit.retryAfter).toBe(15 * 60);
    expectOauthError(await tokenRequest(service, from), 429, 'temporarily_unavailable');
  });
});
