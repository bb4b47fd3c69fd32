/** Security checklist D (oauth-server.md §3): tokens. */
import { createHash, createPublicKey, verify } from 'node:crypto';
import * as oauth from 'oauth4webapi';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { systemClock } from '../../../src/clock.js';
import { checkAccessToken } from '../../../src/oauth/token-check.js';
import { request } from '../../support/https-client.js';
import { WebClient } from '../../support/web-client.js';
import { expectOauthError, postForm, serviceToken } from '../oauth-world.js';
import { auditEntries, type ChecklistWorld, CodeFlow, type CodeTokens, jwtClaims, pkcePair, REDIRECT, startChecklistWorld, testFetch } from './checklist-world.js';

let w: ChecklistWorld;
let flow: CodeFlow;
beforeAll(async () => {
  w = await startChecklistWorld();
  flow = new CodeFlow(w, w.obo);
});
afterAll(async () => {
  await w.t.stop();
});

const http = { [oauth.customFetch]: testFetch };

/** Verifies a compact JWS against the instance's JWKS; returns its header. */
async function verifyWithJwks(base: string, jwt: string): Promise<Record<string, unknown>> {
  const [headerPart = '', payloadPart = '', signature = ''] = jwt.split('.');
  const header = JSON.parse(Buffer.from(headerPart, 'base64url').toString('utf8')) as Record<string, unknown>;
  const { keys } = (await request(`${base}/oauth/jwks`)).json<{ keys: (Record<string, string> & { kid: string })[] }>();
  const jwk = keys.find((key) => key.kid === header.kid);
  expect(jwk, 'the signing key is published').toBeDefined();
  const key = createPublicKey({ key: { ...jwk }, format: 'jwk' });
  const valid = verify('sha256', Buffer.from(`${headerPart}.${payloadPart}`), { key, dsaEncoding: 'ieee-p1363' }, Buffer.from(signature, 'base64url'));
  expect(valid, 'the signature verifies').toBe(true);
  return header;
}

describe('D. tokens', () => {
  test('D26 refresh rotation and reuse detection (see also authorization-code.test.ts): the newest refresh token dies with the reused one', async () => {
    const first = await flow.tokens({ scope: 'pii:basic', state: 'd26' });
    const second = (await flow.refresh(first.refresh_token)).json<CodeTokens>();
    expect(second.refresh_token).not.toBe(first.refresh_token);
    expectOauthError(await flow.refresh(first.refresh_token), 400, 'invalid_grant');
    expect(await flow.introspect(second.refresh_token)).toEqual({ active: false });
    expect(await flow.introspect(second.access_token)).toEqual({ active: false });
  });

  test('D27 refresh token bound to its client: another app presenting it gets invalid_grant, and it still works for its own app', async () => {
    const tokens = await flow.tokens({ scope: 'pii:basic', state: 'd27' });
    expectOauthError(await flow.refresh(tokens.refresh_token, {}, w.second), 400, 'invalid_grant');
    expect(await flow.introspect(tokens.refresh_token, w.second)).toEqual({ active: false });
    expect((await flow.refresh(tokens.refresh_token)).status).toBe(200);
  });

  test('D28 refresh cannot widen scope: an extra scope is invalid_scope, a narrower one is allowed', async () => {
    const tokens = await flow.tokens({ scope: 'pii:basic pii:email', state: 'd28' });
    expectOauthError(await flow.refresh(tokens.refresh_token, { scope: 'pii:basic pii:email pii:phone' }), 400, 'invalid_scope');
    const narrower = await flow.refresh(tokens.refresh_token, { scope: 'pii:email' });
    expect(narrower.status, narrower.body).toBe(200);
    const narrowed = narrower.json<CodeTokens>();
    expect(narrowed.scope).toBe('pii:email');
  });

  test('D28 bug: a refresh with a narrower scope left the dropped scopes in the new refresh token (ConCat: they come back only by a new authorization)', async () => {
    const tokens = await flow.tokens({ scope: 'pii:basic pii:email', state: 'd28-bug' });
    const narrowed = (await flow.refresh(tokens.refresh_token, { scope: 'pii:email' })).json<CodeTokens>();
    expect(await flow.introspect(narrowed.refresh_token)).toMatchObject({ active: true, scope: 'pii:email' });
    expectOauthError(await flow.refresh(narrowed.refresh_token, { scope: 'pii:basic' }), 400, 'invalid_scope');
    const unchanged = await flow.refresh(narrowed.refresh_token);
    expect(unchanged.json<CodeTokens>().scope).toBe('pii:email');
  });

  test('D29 refresh tokens only when intended: every sign-in grant gets one without offline_access (ConCat, deviation); client credentials never', async () => {
    const tokens = await flow.tokens({ scope: 'pii:basic', state: 'd29' });
    expect(typeof tokens.refresh_token).toBe('string');
    const service = await postForm(`${w.furfest.base}/api/oauth/token`, { grant_type: 'client_credentials', client_id: String(w.apps.service.clientId), client_secret: w.apps.service.secret });
    expect(service.json<Record<string, unknown>>()).not.toHaveProperty('refresh_token');
  });

  test('D30 access-token TTL is 3600 s (ConCat\'s contract, deviation from 10-15 min); after expiry the token is inactive everywhere', async () => {
    const tokens = await flow.tokens({ scope: 'pii:basic', state: 'd30' });
    expect(tokens.expires_in).toBe(3600);
    expect((await serviceToken(w.furfest.base, w.apps.service)).expires_in).toBe(3600);
    const service = (await serviceToken(w.furfest.base, w.apps.service)).access_token;
    try {
      w.clock.advance(3_599_000);
      expect(await flow.introspect(tokens.access_token)).toMatchObject({ active: true });
      w.clock.advance(2_000);
      expect(await flow.introspect(tokens.access_token)).toEqual({ active: false });
      expect((await checkAccessToken(w.database.db, w.furfest.orgId, tokens.access_token, w.clock)).active).toBe(false);
      expect((await checkAccessToken(w.database.db, w.furfest.orgId, service, w.clock)).active).toBe(false);
      const api = await request(`${w.furfest.base}/api/v0/users/search`, { method: 'POST', headers: { authorization: `Bearer ${service}`, 'content-type': 'application/json' }, body: '{}' });
      expect(api.status).toBe(401);
      // The refresh token outlives the access token (ConCat: refresh tokens do not expire on time).
      expect((await flow.refresh(tokens.refresh_token)).status).toBe(200);
    } finally {
      w.clock.set(new Date());
    }
  });

  test('D31 opaque access tokens (deviation from RFC 9068 JWTs): an ID token presented as an access token is inactive', async () => {
    const tokens = await flow.tokens({ scope: 'openid pii:basic', state: 'd31' });
    expect(tokens.access_token.split('.')).toHaveLength(1);
    const idToken = tokens.id_token ?? '';
    expect(idToken.split('.')).toHaveLength(3);
    // The provider refuses a JWT at introspection outright (unsupported_token_type) rather than
    // answering {active:false}: never active either way.
    const introspected = await postForm(`${w.furfest.base}/oauth/introspect`, { token: idToken, ...flow.credentials() });
    expect(introspected.status).toBe(400);
    expect(introspected.json<Record<string, unknown>>()).toMatchObject({ error: 'unsupported_token_type' });
    expect((await checkAccessToken(w.database.db, w.furfest.orgId, idToken, systemClock)).active).toBe(false);
    const api = await request(`${w.furfest.base}/api/v0/users/search`, { method: 'POST', headers: { authorization: `Bearer ${idToken}`, 'content-type': 'application/json' }, body: '{}' });
    expect(api.status).toBe(401);
    // Another instance does not know the access token at all.
    expect((await checkAccessToken(w.database.db, w.animecon.orgId, tokens.access_token, systemClock)).active).toBe(false);
  });

  test('D32 ID token: a strict client accepts it (iss, aud, azp, nonce, auth_time with max_age); ES256, signed by a published key', async () => {
    const issuer = new URL(w.furfest.base);
    const as = await oauth.processDiscoveryResponse(issuer, await oauth.discoveryRequest(issuer, { algorithm: 'oidc', ...http }));
    expect(as.id_token_signing_alg_values_supported).toEqual(['ES256']);
    const client: oauth.Client = { client_id: String(w.obo.clientId), id_token_signed_response_alg: 'ES256' };
    const { verifier, challenge } = pkcePair('d32');
    const nonce = oauth.generateRandomNonce();
    const state = oauth.generateRandomState();
    const callback = await flow.callback(new WebClient(w.t.baseUrl), { scope: 'openid pii:basic', nonce, state, max_age: '600', code_challenge: challenge, code_challenge_method: 'S256' });
    const params = oauth.validateAuthResponse(as, client, callback, state);
    const response = await oauth.authorizationCodeGrantRequest(as, client, oauth.ClientSecretPost(w.obo.secret), params, REDIRECT, verifier, http);
    const result = await oauth.processAuthorizationCodeResponse(as, client, response, { expectedNonce: nonce, maxAge: 600, requireIdToken: true });
    const claims = oauth.getValidatedIdTokenClaims(result);
    expect(claims?.iss).toBe(w.furfest.base);
    expect(claims?.aud === client.client_id || (Array.isArray(claims?.aud) && claims.aud.length === 1 && claims.aud[0] === client.client_id)).toBe(true);
    if (claims?.azp !== undefined) expect(claims.azp).toBe(client.client_id);
    expect(claims?.nonce).toBe(nonce);
    expect(typeof claims?.auth_time).toBe('number');
    expect(claims?.sub).toBe(String(w.users.alice));
    const header = await verifyWithJwks(w.furfest.base, result.id_token ?? '');
    expect(header.alg).toBe('ES256');
    // at_hash is optional in the code flow and oidc-provider leaves it out; when present it must match.
    const atHash = jwtClaims(result.id_token).at_hash;
    if (atHash !== undefined) expect(atHash).toBe(createHash('sha256').update(result.access_token).digest().subarray(0, 16).toString('base64url'));
  });

  test('D32 alg none is never accepted: an unsigned id_token_hint is refused', async () => {
    const client = new WebClient(w.t.baseUrl);
    const tokens = await flow.tokens({ scope: 'openid pii:basic', state: 'd32-none' }, 'alice', client);
    const claims = Buffer.from(JSON.stringify(jwtClaims(tokens.id_token))).toString('base64url');
    const unsigned = `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url')}.${claims}.`;
    const page = await flow.browse(client, flow.authorizeUrl({ scope: 'openid pii:basic', id_token_hint: unsigned, state: 'd32-hint' }));
    const refused = new URL(flow.location(page.response));
    expect(refused.searchParams.get('error')).toBe('invalid_request');
    expect(refused.searchParams.get('code')).toBeNull();
    // The genuine, signed ID token is accepted as a hint.
    const genuine = await flow.browse(client, flow.authorizeUrl({ scope: 'openid pii:basic', id_token_hint: tokens.id_token ?? '', state: 'd32-genuine' }));
    expect(new URL(flow.location(genuine.response)).searchParams.get('code')).not.toBeNull();
  });

  test('D33 no bearer tokens in URLs: the API refuses ?access_token=', async () => {
    const service = (await serviceToken(w.furfest.base, w.apps.service)).access_token;
    const inQuery = await request(`${w.furfest.base}/api/v0/users/search?access_token=${encodeURIComponent(service)}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(inQuery.status).toBe(401);
    const inHeader = await request(`${w.furfest.base}/api/v0/users/search`, { method: 'POST', headers: { authorization: `Bearer ${service}`, 'content-type': 'application/json' }, body: '{}' });
    expect(inHeader.status).toBe(200);
  });

  test('D34 no caching: token responses (code, refresh, errors) and introspection carry Cache-Control: no-store', async () => {
    const code = await flow.code({ scope: 'pii:basic', state: 'd34' });
    const exchanged = await flow.exchange(code);
    expect(exchanged.headers['cache-control']).toBe('no-store');
    const refreshed = await flow.refresh(exchanged.json<CodeTokens>().refresh_token);
    expect(refreshed.headers['cache-control']).toBe('no-store');
    const failed = await flow.exchange(code);
    expect(failed.status).toBe(400);
    expect(failed.headers['cache-control']).toBe('no-store');
    const introspected = await postForm(`${w.furfest.base}/oauth/introspect`, { token: refreshed.json<CodeTokens>().access_token, ...flow.credentials() });
    expect(introspected.headers['cache-control']).toBe('no-store');
  });

  test('D35 revocation: revoking a refresh token ends it and the access tokens of its grant; audited', async () => {
    const tokens = await flow.tokens({ scope: 'pii:basic', state: 'd35' });
    expect((await flow.revoke(tokens.refresh_token, w.second)).status).toBe(200);
    expect(await flow.introspect(tokens.access_token)).toMatchObject({ active: true });
    expect((await flow.revoke(tokens.refresh_token)).status).toBe(200);
    expect(await flow.introspect(tokens.access_token)).toEqual({ active: false });
    expectOauthError(await flow.refresh(tokens.refresh_token), 400, 'invalid_grant');
    expect((await checkAccessToken(w.database.db, w.furfest.orgId, tokens.access_token, systemClock)).active).toBe(false);
    const revoked = (await auditEntries(w, w.furfest.orgId, 'oauth.token-revoked')).at(-1);
    expect(revoked).toMatchObject({ actor_type: 'app', actor_id: String(w.obo.clientId) });
    expect((await flow.revoke('unknown-token')).status).toBe(200);
  });

  test('D36 introspection: client authentication required; foreign, revoked and expired tokens are only {active:false}', async () => {
    const tokens = await flow.tokens({ scope: 'pii:basic', state: 'd36' });
    // No credentials at all: the provider answers 400 invalid_request (deviation from 401); a
    // client_id without its secret, or a wrong secret, is 401 invalid_client.
    expectOauthError(await postForm(`${w.furfest.base}/oauth/introspect`, { token: tokens.access_token }), 400, 'invalid_request');
    expectOauthError(await postForm(`${w.furfest.base}/oauth/introspect`, { token: tokens.access_token, client_id: String(w.obo.clientId) }), 401, 'invalid_client');
    const wrongSecret = await postForm(`${w.furfest.base}/oauth/introspect`, { token: tokens.access_token, client_id: String(w.obo.clientId), client_secret: 'wrong' });
    expect(wrongSecret.status).toBe(401);
    expect(wrongSecret.body).not.toContain('active');
    expect(await flow.introspect(tokens.access_token, w.second)).toEqual({ active: false });
    expect((await flow.revoke(tokens.access_token)).status).toBe(200);
    expect(await flow.introspect(tokens.access_token)).toEqual({ active: false });
    const later = await flow.tokens({ scope: 'pii:basic', state: 'd36-expired' });
    try {
      w.clock.advance(3_601_000);
      expect(await flow.introspect(later.access_token)).toEqual({ active: false });
    } finally {
      w.clock.set(new Date());
    }
    const live = await flow.tokens({ scope: 'pii:basic', state: 'd36-live' });
    expect(await flow.introspect(live.access_token)).toMatchObject({ active: true, client_id: String(w.obo.clientId), sub: String(w.users.alice), scope: 'pii:basic', iss: w.furfest.base, token_type: 'Bearer' });
  });
});
