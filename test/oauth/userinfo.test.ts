/**
 * OpenID Connect sign-in: ID tokens and the userinfo endpoint (`{instance}/oauth/userinfo`), checked
 * by a strict client (oauth4webapi) and over raw HTTP. Checklist C19 (claims only of granted
 * scopes), C24 (userinfo is never stale), D32 (ID token), D33 (no tokens in URLs), D34 (no-store),
 * F43/F44 (tenancy).
 */
import { createPublicKey, verify, type JsonWebKey } from 'node:crypto';
import * as oauth from 'oauth4webapi';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { systemClock } from '../../src/clock.js';
import { findUserProfile } from '../../src/instance/user-profile.js';
import { findAccountClaims, oidcClaimsOf } from '../../src/oauth/account-claims.js';
import { addUser } from '../instance/fixtures.js';
import { request, type SimpleResponse } from '../support/https-client.js';
import { WebClient } from '../support/web-client.js';
import { callbackFor, discoverStrictly, exchangeCode, signInAndAuthorize, strictHttp, type CodeFlowTarget } from './code-flow.js';
import { serviceToken, startOauthWorld, type OauthWorld } from './oauth-world.js';

const REDIRECT = 'https://app.example.com/callback';
const PASSWORD = 'correct horse battery staple';
const PICTURE = 'https://images.example.org/alice.png';

let w: OauthWorld;
let target: CodeFlowTarget;
let alice: number;
beforeAll(async () => {
  w = await startOauthWorld();
  const db = w.database.db;
  await db.updateTable('apps').set({ redirect_uris: JSON.stringify([REDIRECT]) }).where('id', '=', w.apps.oboOnly.appId).execute();
  alice = await addUser(db, w.furfest.orgId, 'alice', PASSWORD, systemClock);
  await db
    .updateTable('users')
    .set({ first_name: 'Alice', last_name: 'Liddell', preferred_name: 'Ally', profile_picture_url: PICTURE, updated_at: '2026-05-01T12:00:00.000Z' })
    .where('id', '=', alice)
    .execute();
  await addUser(db, w.furfest.orgId, 'dora', PASSWORD, systemClock);
  await addUser(db, w.animecon.orgId, 'bob', PASSWORD, systemClock);
  target = { origin: w.t.baseUrl, prefix: '/o/furfest', app: w.apps.oboOnly, redirectUri: REDIRECT, password: PASSWORD };
});
afterAll(async () => {
  await w.t.stop();
});

function userinfo(base: string, token: string, options: { method?: string; query?: string; body?: string; headers?: Record<string, string> } = {}): Promise<SimpleResponse> {
  return request(`${base}/oauth/userinfo${options.query ?? ''}`, {
    method: options.method ?? 'GET',
    headers: { authorization: `Bearer ${token}`, ...options.headers },
    ...(options.body === undefined ? {} : { body: options.body }),
  });
}

/** A fresh browser signs `login` in and authorizes `scope`; the app's access token. */
async function accessToken(login: string, scope: string): Promise<string> {
  return (await signInAndAuthorize(target, new WebClient(w.t.baseUrl), login, scope)).access_token;
}

describe('OpenID Connect with a strict client (oauth4webapi)', () => {
  test('discovery advertises userinfo and the claims; an openid flow gets an ID token whose claims and signature verify; userinfo gives only granted claims', async () => {
    const as = await discoverStrictly(w.furfest.base);
    expect(as.userinfo_endpoint).toBe(`${w.furfest.base}/oauth/userinfo`);
    expect(as.claims_supported).toEqual(expect.arrayContaining(['sub', 'name', 'given_name', 'family_name', 'preferred_username', 'picture', 'updated_at', 'email', 'email_verified']));

    const client: oauth.Client = { client_id: String(w.apps.oboOnly.clientId), id_token_signed_response_alg: 'ES256' };
    const verifier = oauth.generateRandomCodeVerifier();
    const nonce = oauth.generateRandomNonce();
    const state = oauth.generateRandomState();
    const callback = await callbackFor(target, new WebClient(w.t.baseUrl), 'alice', {
      scope: 'openid profile',
      state,
      nonce,
      code_challenge: await oauth.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
    });
    const params = oauth.validateAuthResponse(as, client, callback, state);
    const response = await oauth.authorizationCodeGrantRequest(as, client, oauth.ClientSecretPost(w.apps.oboOnly.secret), params, REDIRECT, verifier, strictHttp);
    const result = await oauth.processAuthorizationCodeResponse(as, client, response, { expectedNonce: nonce, requireIdToken: true });
    const claims = oauth.getValidatedIdTokenClaims(result);
    expect(claims?.iss).toBe(w.furfest.base);
    expect(claims?.aud).toBe(client.client_id);
    expect(claims?.sub).toBe(String(alice));
    expect(claims?.nonce).toBe(nonce);
    // An access token is issued with it, so the profile claims come from userinfo, not the ID token (OIDC Core 5.4).
    expect(claims).not.toHaveProperty('name');

    // The signature, with the instance's published key.
    const idToken = result.id_token ?? '';
    const [header = '', payload = '', signature = ''] = idToken.split('.');
    const { alg, kid } = JSON.parse(Buffer.from(header, 'base64url').toString()) as { alg: string; kid: string };
    expect(alg).toBe('ES256');
    const jwks = (await request(`${w.furfest.base}/oauth/jwks`)).json<{ keys: (JsonWebKey & { kid: string })[] }>();
    const jwk = jwks.keys.find((key) => key.kid === kid);
    expect(jwk).toBeDefined();
    const key = createPublicKey({ key: jwk ?? {}, format: 'jwk' });
    expect(verify('sha256', Buffer.from(`${header}.${payload}`), { key, dsaEncoding: 'ieee-p1363' }, Buffer.from(signature, 'base64url'))).toBe(true);

    const info = await oauth.processUserInfoResponse(as, client, String(alice), await oauth.userInfoRequest(as, client, result.access_token, strictHttp));
    expect(info).toEqual({
      sub: String(alice),
      name: 'Ally',
      given_name: 'Alice',
      family_name: 'Liddell',
      nickname: 'Ally',
      preferred_username: 'alice',
      picture: PICTURE,
      updated_at: Date.parse('2026-05-01T12:00:00.000Z') / 1000,
    });
  });
});

describe('userinfo', () => {
  test('claims follow the granted scopes (C19), answered no-store (D34)', async () => {
    const cases: [string, string[]][] = [
      ['openid', ['sub']],
      ['openid email', ['email', 'email_verified', 'sub']],
      ['openid profile email pii:basic', ['email', 'email_verified', 'family_name', 'given_name', 'name', 'nickname', 'picture', 'preferred_username', 'sub', 'updated_at']],
    ];
    for (const [scope, names] of cases) {
      const response = await userinfo(w.furfest.base, await accessToken('alice', scope));
      expect(response.status, response.body).toBe(200);
      expect(response.headers['cache-control']).toBe('no-store');
      expect(Object.keys(response.json<Record<string, unknown>>()).sort(), scope).toEqual(names);
    }
    const withEmail = (await userinfo(w.furfest.base, await accessToken('alice', 'openid email'))).json<Record<string, unknown>>();
    expect(withEmail).toEqual({ sub: String(alice), email: 'alice@example.org', email_verified: true });
  });

  test('a user without a preferred name or picture: the legal name, and no picture claim', async () => {
    const body = (await userinfo(w.furfest.base, await accessToken('dora', 'openid profile'))).json<Record<string, unknown>>();
    expect(body.name).toBe('dora Tester');
    expect(body).not.toHaveProperty('nickname');
    expect(body).not.toHaveProperty('picture');
  });

  test('POST works too, with the token in the header or the form body', async () => {
    const token = await accessToken('alice', 'openid');
    const posted = await userinfo(w.furfest.base, token, { method: 'POST' });
    expect(posted.status, posted.body).toBe(200);
    const inBody = await request(`${w.furfest.base}/oauth/userinfo`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `access_token=${token}` });
    expect(inBody.status, inBody.body).toBe(200);
    expect(inBody.json<{ sub: string }>().sub).toBe(String(alice));
  });

  test('changes to the account show at once (C24)', async () => {
    const token = await accessToken('alice', 'openid profile');
    await w.database.db.updateTable('users').set({ preferred_name: 'Al' }).where('id', '=', alice).execute();
    try {
      expect((await userinfo(w.furfest.base, token)).json<{ name: string }>().name).toBe('Al');
    } finally {
      await w.database.db.updateTable('users').set({ preferred_name: 'Ally' }).where('id', '=', alice).execute();
    }
  });

  test('a token without openid (ConCat style) is refused with insufficient_scope', async () => {
    const response = await userinfo(w.furfest.base, await accessToken('alice', 'pii:basic'));
    expect(response.status).toBe(403);
    expect(response.json<{ error: string }>().error).toBe('insufficient_scope');
    expect(String(response.headers['www-authenticate'])).toContain('insufficient_scope');
  });

  test('no bearer tokens in the query string (D33); one mechanism at a time', async () => {
    const token = await accessToken('alice', 'openid');
    const inQuery = await request(`${w.furfest.base}/oauth/userinfo?access_token=${token}`);
    expect(inQuery.status).toBe(400);
    expect(inQuery.json<{ error: string }>().error).toBe('invalid_request');
    const both = await userinfo(w.furfest.base, token, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `access_token=${token}` });
    expect(both.status).toBe(400);
  });

  test('missing, malformed, unknown, oversized, service and revoked tokens are refused', async () => {
    const missing = await request(`${w.furfest.base}/oauth/userinfo`);
    expect(missing.status).toBe(401);
    expect(missing.json<{ error: string }>().error).toBe('invalid_token');
    expect(missing.headers['cache-control']).toBe('no-store');
    const malformed = await request(`${w.furfest.base}/oauth/userinfo`, { headers: { authorization: 'Bearer' } });
    expect(malformed.status).toBe(400);
    expect(malformed.json<{ error: string }>().error).toBe('invalid_request');
    for (const token of ['nonsense', 'x'.repeat(5000)]) {
      const response = await userinfo(w.furfest.base, token);
      expect(response.status).toBe(401);
      expect(response.json<{ error: string }>().error).toBe('invalid_token');
    }
    // A service token acts for nobody: not a userinfo token.
    const service = await serviceToken(w.furfest.base, w.apps.service, 'user:read');
    expect((await userinfo(w.furfest.base, service.access_token)).status).toBe(401);

    const token = await accessToken('alice', 'openid');
    const revoked = await request(`${w.furfest.base}/oauth/revoke`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token, client_id: String(w.apps.oboOnly.clientId), client_secret: w.apps.oboOnly.secret }).toString(),
    });
    expect(revoked.status).toBe(200);
    expect((await userinfo(w.furfest.base, token)).status).toBe(401);
  });

  test('an oversized form body is refused, not a crash', async () => {
    const response = await request(`${w.furfest.base}/oauth/userinfo`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `access_token=${'a'.repeat(200_000)}` });
    expect(response.status).toBe(400);
  });

  test('concurrent requests with one token all answer', async () => {
    const token = await accessToken('alice', 'openid profile');
    const responses = await Promise.all(Array.from({ length: 10 }, () => userinfo(w.furfest.base, token)));
    expect(responses.map((r) => r.status)).toEqual(Array.from({ length: 10 }, () => 200));
  });

  test("another instance's userinfo does not know the token (F43)", async () => {
    const token = await accessToken('alice', 'openid profile');
    const response = await userinfo(w.animecon.base, token);
    expect(response.status).toBe(401);
    expect(response.json<{ error: string }>().error).toBe('invalid_token');
  });

  test('a token whose user no longer exists is refused', async () => {
    const carla = await addUser(w.database.db, w.furfest.orgId, 'carla', PASSWORD, systemClock);
    const tokens = await signInAndAuthorize(target, new WebClient(w.t.baseUrl), 'carla', 'openid profile');
    await w.database.db.deleteFrom('web_sessions').where('subject_id', '=', carla).execute();
    await w.database.db.deleteFrom('users').where('id', '=', carla).execute();
    const response = await userinfo(w.furfest.base, tokens.access_token);
    expect(response.status).toBe(401);
  });

  test('the ID token of a raw ConCat-style exchange (form-body secret, no PKCE) carries iss, aud, sub and the nonce', async () => {
    const callback = await callbackFor(target, new WebClient(w.t.baseUrl), 'alice', { scope: 'openid', nonce: 'n-1', state: 'raw' });
    const response = await exchangeCode(target, callback.searchParams.get('code') ?? '');
    expect(response.status, response.body).toBe(200);
    const { id_token: idToken } = response.json<{ id_token?: string }>();
    const payload = JSON.parse(Buffer.from((idToken ?? '').split('.')[1] ?? '', 'base64url').toString()) as Record<string, unknown>;
    expect(payload).toMatchObject({ iss: w.furfest.base, aud: String(w.apps.oboOnly.clientId), sub: String(alice), nonce: 'n-1' });
  });
});

describe('account claims (domain)', () => {
  test('findAccountClaims is tenant-scoped: a user of another instance never resolves (F44)', async () => {
    const db = w.database.db;
    expect((await findAccountClaims(db, w.furfest.orgId, String(alice)))?.preferred_username).toBe('alice');
    expect(await findAccountClaims(db, w.animecon.orgId, String(alice))).toBeUndefined();
    for (const sub of ['', '0', '-1', '01', 'abc', '1e3', '9'.repeat(30)]) expect(await findAccountClaims(db, w.furfest.orgId, sub)).toBeUndefined();
  });

  test('oidcClaimsOf maps the profile to standard claims', async () => {
    const profile = await findUserProfile(w.database.db, w.furfest.orgId, alice);
    if (profile === undefined) throw new Error('alice is missing');
    expect(oidcClaimsOf(profile)).toEqual({
      sub: String(alice),
      name: 'Ally',
      given_name: 'Alice',
      family_name: 'Liddell',
      nickname: 'Ally',
      preferred_username: 'alice',
      picture: PICTURE,
      updated_at: 1777636800,
      email: 'alice@example.org',
      email_verified: true,
    });
  });
});
