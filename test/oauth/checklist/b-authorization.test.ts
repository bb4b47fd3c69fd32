/** Security checklist B (oauth-server.md §3): the authorization request and the code. */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { request } from '../../support/https-client.js';
import { WebClient } from '../../support/web-client.js';
import { expectOauthError, postForm } from '../oauth-world.js';
import { type ChecklistWorld, CodeFlow, type CodeTokens, jwtClaims, pkcePair, REDIRECT, startChecklistWorld } from './checklist-world.js';

let w: ChecklistWorld;
let flow: CodeFlow;
beforeAll(async () => {
  w = await startChecklistWorld();
  flow = new CodeFlow(w, w.obo);
});
afterAll(async () => {
  await w.t.stop();
});


/** A browser that is signed in at furfest and has authorized the app for `scope` once. */
async function signedInBrowser(scope: string, login = 'alice'): Promise<{ client: WebClient; tokens: CodeTokens }> {
  const client = new WebClient(w.t.baseUrl);
  const tokens = await flow.tokens({ scope, state: 'setup' }, login, client);
  return { client, tokens };
}

describe('B. authorization request and code', () => {
  test('B6 PKCE: required for an app with "require PKCE"; optional for confidential ConCat clients (deviation)', async () => {
    await w.database.db.updateTable('apps').set({ require_pkce: 1 }).where('id', '=', w.obo.appId).execute();
    try {
      const refused = new URL(flow.location(await new WebClient(w.t.baseUrl).get(flow.authorizeUrl({ state: 'b6' }))));
      expect(refused.searchParams.get('error')).toBe('invalid_request');
      expect(refused.searchParams.get('error_description')).toMatch(/PKCE/);
      expect(refused.searchParams.get('state')).toBe('b6');
      const { verifier, challenge } = pkcePair('b6');
      const code = await flow.code({ scope: 'pii:basic', code_challenge: challenge, code_challenge_method: 'S256' });
      expect((await flow.exchange(code, { code_verifier: verifier })).status).toBe(200);
    } finally {
      await w.database.db.updateTable('apps').set({ require_pkce: 0 }).where('id', '=', w.obo.appId).execute();
    }
    // Without the flag a confidential client may omit PKCE, as ConCat's clients do.
    expect((await flow.exchange(await flow.code({ scope: 'pii:basic', state: 'b6-none' }))).status).toBe(200);
  });

  test('B7 S256 only: code_challenge_method=plain, or a challenge without a method, is invalid_request', async () => {
    const client = new WebClient(w.t.baseUrl);
    await flow.code({ scope: 'pii:basic', state: 'b7-setup' }, 'alice', client);
    const { challenge } = pkcePair('b7');
    const variants: Record<string, string>[] = [{ code_challenge: challenge, code_challenge_method: 'plain' }, { code_challenge: challenge }, { code_challenge: challenge, code_challenge_method: 's256' }];
    for (const params of variants) {
      const page = await flow.browse(client, flow.authorizeUrl({ scope: 'pii:basic', state: 'b7', ...params }));
      const refused = new URL(flow.location(page.response));
      expect(refused.searchParams.get('error'), JSON.stringify(params)).toBe('invalid_request');
      expect(refused.searchParams.get('code')).toBeNull();
    }
    const doc = (await request(`${w.furfest.base}/.well-known/openid-configuration`)).json<{ code_challenge_methods_supported: string[] }>();
    expect(doc.code_challenge_methods_supported).toEqual(['S256']);
  });

  test('B8 PKCE downgrade: a code issued without a challenge refuses a code_verifier; a wrong or missing verifier is refused', async () => {
    const client = new WebClient(w.t.baseUrl);
    const withoutChallenge = await flow.code({ scope: 'pii:basic', state: 'b8' }, 'alice', client);
    expectOauthError(await flow.exchange(withoutChallenge, { code_verifier: pkcePair('b8').verifier }), 400, 'invalid_grant');

    const { verifier, challenge } = pkcePair('b8-right');
    const pkce = { code_challenge: challenge, code_challenge_method: 'S256' };
    expectOauthError(await flow.exchange(await flow.code({ scope: 'pii:basic', ...pkce }, 'alice', client), { code_verifier: pkcePair('b8-wrong').verifier }), 400, 'invalid_grant');
    expectOauthError(await flow.exchange(await flow.code({ scope: 'pii:basic', ...pkce }, 'alice', client)), 400, 'invalid_grant');
    expect((await flow.exchange(await flow.code({ scope: 'pii:basic', ...pkce }, 'alice', client), { code_verifier: verifier })).status).toBe(200);
  });

  test('B9 code reuse: the second exchange is invalid_grant; the first exchange\'s tokens die with it', async () => {
    const code = await flow.code({ scope: 'openid pii:basic', state: 'b9' });
    const first = await flow.exchange(code);
    expect(first.status).toBe(200);
    const tokens = first.json<CodeTokens>();
    const userinfo = (): Promise<{ status: number }> => request(`${w.furfest.base}/oauth/userinfo`, { headers: { authorization: `Bearer ${tokens.access_token}` } });
    expect(await flow.introspect(tokens.access_token)).toMatchObject({ active: true });
    expect((await userinfo()).status).toBe(200);
    expectOauthError(await flow.exchange(code), 400, 'invalid_grant');
    expect(await flow.introspect(tokens.access_token)).toEqual({ active: false });
    expect((await userinfo()).status).toBe(401);
    expect(await flow.introspect(tokens.refresh_token)).toEqual({ active: false });
    expectOauthError(await flow.refresh(tokens.refresh_token), 400, 'invalid_grant');
  });

  test('B10 code lifetime 60 s: stored with a 60 s expiry; still good at 59 s, invalid_grant after 60 s', async () => {
    const client = new WebClient(w.t.baseUrl);
    const code = await flow.code({ scope: 'pii:basic', state: 'b10' }, 'alice', client);
    const stored = await w.database.db
      .selectFrom('oauth_records')
      .select(['created_at', 'expires_at'])
      .where('org_id', '=', w.furfest.orgId)
      .where('model', '=', 'AuthorizationCode')
      .orderBy('created_at', 'desc')
      .orderBy('expires_at', 'desc')
      .executeTakeFirstOrThrow();
    expect(Date.parse(stored.expires_at ?? '') - Date.parse(stored.created_at)).toBe(60_000);
    const later = await flow.code({ scope: 'pii:basic', state: 'b10-late' }, 'alice', client);
    try {
      w.clock.advance(59_000);
      expect((await flow.exchange(code)).status).toBe(200);
      w.clock.advance(2_000);
      expectOauthError(await flow.exchange(later), 400, 'invalid_grant');
    } finally {
      w.clock.set(new Date());
    }
  });

  test('B11 code bound to its client: another app redeeming it gets invalid_grant', async () => {
    const code = await flow.code({ scope: 'pii:basic', state: 'b11' });
    expectOauthError(await flow.exchange(code, {}, w.second), 400, 'invalid_grant');
  });

  test('B12 implicit and ROPC are off: response_type token / id_token token / id_token → unsupported_response_type; password grant refused', async () => {
    for (const responseType of ['token', 'id_token token', 'id_token', 'code id_token', 'code token']) {
      const response = await new WebClient(w.t.baseUrl).get(flow.authorizeUrl({ response_type: responseType, scope: 'openid pii:basic', nonce: 'n', state: 'b12' }));
      expect(response.headers.location, responseType).toBeDefined();
      const target = new URL(flow.location(response));
      expect(`${target.origin}${target.pathname}`).toBe(REDIRECT);
      const answer = new URLSearchParams(target.hash === '' ? target.search : target.hash.slice(1));
      expect(answer.get('error'), responseType).toBe('unsupported_response_type');
      expect(answer.get('access_token')).toBeNull();
      expect(answer.get('state')).toBe('b12');
    }
    expectOauthError(await postForm(`${w.furfest.base}/api/oauth/token`, { grant_type: 'password', username: 'alice', password: 'x', ...flow.credentials() }), 400, 'unsupported_grant_type');
    const doc = (await request(`${w.furfest.base}/.well-known/openid-configuration`)).json<{ response_types_supported: string[]; grant_types_supported: string[]; response_modes_supported?: string[] }>();
    expect(doc.response_types_supported).toEqual(['code']);
    expect(doc.grant_types_supported.sort()).toEqual(['authorization_code', 'client_credentials', 'refresh_token']);
  });

  test('B13 mix-up defence: iss and the exact state on success and on error; discovery says so', async () => {
    const state = 'a b&c=d/é?#';
    const success = await flow.callback(new WebClient(w.t.baseUrl), { scope: 'pii:basic', state });
    expect(success.searchParams.get('code')).not.toBeNull();
    expect(success.searchParams.get('state')).toBe(state);
    expect(success.searchParams.get('iss')).toBe(w.furfest.base);

    const client = new WebClient(w.t.baseUrl);
    const consent = await flow.toConsent(client, { scope: 'pii:phone', state });
    const denied = await flow.decide(client, consent.response, 'deny');
    expect(denied.searchParams.get('error')).toBe('access_denied');
    expect(denied.searchParams.get('state')).toBe(state);
    expect(denied.searchParams.get('iss')).toBe(w.furfest.base);

    const invalid = new URL(flow.location(await client.get(flow.authorizeUrl({ scope: 'pii:basic', state, code_challenge: 'x', code_challenge_method: 'plain' }))));
    expect(invalid.searchParams.get('error')).toBe('invalid_request');
    expect(invalid.searchParams.get('state')).toBe(state);
    expect(invalid.searchParams.get('iss')).toBe(w.furfest.base);

    const doc = (await request(`${w.furfest.base}/.well-known/openid-configuration`)).json<Record<string, unknown>>();
    expect(doc.authorization_response_iss_parameter_supported).toBe(true);
  });

  test('B14 prompt=none without a session → login_required to the app, with state and iss', async () => {
    const response = await new WebClient(w.t.baseUrl).get(flow.authorizeUrl({ scope: 'pii:basic', prompt: 'none', state: 'b14-none' }));
    const callback = new URL(flow.location(response));
    expect(`${callback.origin}${callback.pathname}`).toBe(REDIRECT);
    expect(callback.searchParams.get('error')).toBe('login_required');
    expect(callback.searchParams.get('state')).toBe('b14-none');
    expect(callback.searchParams.get('iss')).toBe(w.furfest.base);
  });

  test('B14 bug: prompt=none answered interaction_required even for a signed-in user with a covering grant; now a code, no page', async () => {
    const { client } = await signedInBrowser('openid pii:basic');
    const page = await flow.browse(client, flow.authorizeUrl({ scope: 'openid pii:basic', prompt: 'none', state: 'b14-silent' }));
    const callback = new URL(flow.location(page.response));
    expect(callback.searchParams.get('error')).toBeNull();
    expect(callback.searchParams.get('code')).not.toBeNull();
    // Without a covering grant, prompt=none cannot show the consent page: consent_required.
    const wider = await flow.browse(client, flow.authorizeUrl({ scope: 'openid pii:basic pii:phone', prompt: 'none', state: 'b14-wider' }));
    expect(new URL(flow.location(wider.response)).searchParams.get('error')).toBe('consent_required');
  });

  // The provider dates a request by the real time, the platform its sign-ins by its (manual)
  // clock: a sign-in counts as made during a request when the platform clock is at or after the
  // request's start. So these tests sign in first with the clock a minute behind.
  test('B14 bug: prompt=login did not ask for the password again; now it does, and the new auth_time is later', async () => {
    w.clock.set(new Date(Date.now() - 60_000));
    try {
      const { client } = await signedInBrowser('openid pii:basic');
      // max_age makes the ID token carry auth_time; a day is no constraint here.
      const first = await flow.browse(client, flow.authorizeUrl({ scope: 'openid pii:basic', max_age: '86400', state: 'b14-first' }));
      const before = jwtClaims((await flow.exchange(new URL(flow.location(first.response)).searchParams.get('code') ?? '')).json<CodeTokens>().id_token).auth_time;
      expect(typeof before).toBe('number');
      const page = await flow.browse(client, flow.authorizeUrl({ scope: 'openid pii:basic', prompt: 'login', max_age: '86400', state: 'b14-login' }));
      expect(new URL(page.url).pathname, 'the password is asked again').toBe(`${flow.prefix}/login`);
      // The user types the password now: after the request started.
      w.clock.set(new Date(Date.now() + 60_000));
      const callback = await flow.follow(client, await flow.signIn(client, page.url));
      expect(callback.searchParams.get('state')).toBe('b14-login');
      const reauthenticated = (await flow.exchange(callback.searchParams.get('code') ?? '')).json<CodeTokens>();
      expect(jwtClaims(reauthenticated.id_token).auth_time).toBeGreaterThan(Number(before));
      // The next request without prompt=login does not ask again.
      const quiet = await flow.browse(client, flow.authorizeUrl({ scope: 'openid pii:basic', state: 'b14-quiet' }));
      expect(new URL(flow.location(quiet.response)).searchParams.get('code')).not.toBeNull();
    } finally {
      w.clock.set(new Date());
    }
  });

  test('B14 bug: max_age was ignored (every sign-in counted as fresh); a sign-in older than max_age now asks for the password again, a recent one does not', async () => {
    w.clock.set(new Date(Date.now() - 60_000));
    try {
      const { client } = await signedInBrowser('openid pii:basic');
      const recent = await flow.browse(client, flow.authorizeUrl({ scope: 'openid pii:basic', max_age: '3600', state: 'b14-recent' }));
      const recentCode = new URL(flow.location(recent.response)).searchParams.get('code');
      expect(recentCode).not.toBeNull();
      const firstAuth = Number(jwtClaims((await flow.exchange(recentCode ?? '')).json<CodeTokens>().id_token).auth_time);
      w.clock.advance(2_000);
      const page = await flow.browse(client, flow.authorizeUrl({ scope: 'openid pii:basic', max_age: '1', state: 'b14-max-age' }));
      expect(new URL(page.url).pathname).toBe(`${flow.prefix}/login`);
      const callback = await flow.follow(client, await flow.signIn(client, page.url));
      const tokens = (await flow.exchange(callback.searchParams.get('code') ?? '')).json<CodeTokens>();
      expect(Number(jwtClaims(tokens.id_token).auth_time)).toBeGreaterThan(firstAuth);
      // max_age=0 (the provider reads it as prompt=login): the password every time, and the
      // sign-in made for the request is enough (no loop back to the login page).
      w.clock.advance(1_000);
      const always = await flow.browse(client, flow.authorizeUrl({ scope: 'openid pii:basic', max_age: '0', state: 'b14-zero' }));
      expect(new URL(always.url).pathname).toBe(`${flow.prefix}/login`);
      w.clock.set(new Date(Date.now() + 60_000));
      const zero = await flow.follow(client, await flow.signIn(client, always.url));
      expect(zero.searchParams.get('code')).not.toBeNull();
    } finally {
      w.clock.set(new Date());
    }
  });

  test('B14 malformed prompt and max_age values are refused with an error to the app, never a 500', async () => {
    const { client } = await signedInBrowser('openid pii:basic');
    const variants: Record<string, string>[] = [{ max_age: 'abc' }, { max_age: '-1' }, { max_age: '1'.repeat(40) }, { prompt: 'none login' }, { prompt: 'bogus' }];
    for (const params of variants) {
      const page = await flow.browse(client, flow.authorizeUrl({ scope: 'openid pii:basic', state: 'b14-bad', ...params }));
      expect(page.response.status, JSON.stringify(params)).toBeLessThan(500);
      const callback = new URL(flow.location(page.response));
      expect(callback.searchParams.get('error'), JSON.stringify(params)).toBe('invalid_request');
      expect(callback.searchParams.get('state')).toBe('b14-bad');
    }
  });

  test('B15 robust parsing: unknown parameters ignored, scope order free, openid without nonce works', async () => {
    const client = new WebClient(w.t.baseUrl);
    const first = await flow.tokens({ scope: 'pii:email openid pii:basic', state: 'b15', unknown_param: 'x', another: '' }, 'alice', client);
    expect(first.scope.split(' ').sort()).toEqual(['openid', 'pii:basic', 'pii:email']);
    expect(first.id_token).toBeDefined();
    expect(jwtClaims(first.id_token)).not.toHaveProperty('nonce');
    // The same scopes in another order are the same grant: no consent page again.
    const again = await flow.browse(client, flow.authorizeUrl({ scope: 'pii:basic pii:email openid', state: 'b15-order' }));
    expect(new URL(flow.location(again.response)).searchParams.get('code')).not.toBeNull();
  });

  test('B16 POST to the authorization endpoint is not offered (deviation): a clear 4xx, never a redirect', async () => {
    const query = new URL(flow.authorizeUrl({ scope: 'pii:basic' })).searchParams.toString();
    const response = await request(`${w.furfest.base}/oauth/authorize`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: query });
    expect(response.status).toBeGreaterThanOrEqual(400);
    expect(response.status).toBeLessThan(500);
    expect(response.headers.location).toBeUndefined();
    const doc = (await request(`${w.furfest.base}/.well-known/openid-configuration`)).json<Record<string, unknown>>();
    expect(doc.authorization_endpoint).toBe(`${w.furfest.base}/oauth/authorize`);
  });
});
