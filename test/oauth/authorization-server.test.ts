import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { systemClock } from '../../src/clock.js';
import { checkAccessToken } from '../../src/oauth/token-check.js';
import { endSecretOverlap, rotateSecret, listSecrets } from '../../src/platform/app-credentials.js';
import { request } from '../support/https-client.js';
import { expectOauthError, postForm, serviceToken, startOauthWorld, type OauthWorld, type WorldApp } from './oauth-world.js';

let w: OauthWorld;
beforeAll(async () => {
  w = await startOauthWorld();
});
afterAll(async () => {
  await w.t.stop();
});

const tokenUrl = (base: string): string => `${base}/api/oauth/token`;
const credentials = (app: WorldApp, secret = app.secret): Record<string, string> => ({ client_id: String(app.clientId), client_secret: secret });

interface Discovery {
  issuer: string;
  token_endpoint: string;
  authorization_endpoint: string;
  jwks_uri: string;
  revocation_endpoint: string;
  introspection_endpoint: string;
  response_types_supported: string[];
  code_challenge_methods_supported: string[];
  grant_types_supported: string[];
  token_endpoint_auth_methods_supported: string[];
  [key: string]: unknown;
}

describe('discovery (checklist F46, B12, G48)', () => {
  test('each instance publishes its own issuer, exactly its base URL, with every endpoint under it', async () => {
    for (const base of [w.furfest.base, w.animecon.base]) {
      for (const path of ['/.well-known/openid-configuration', '/.well-known/oauth-authorization-server']) {
        const response = await request(`${base}${path}`);
        expect(response.status).toBe(200);
        const doc = response.json<Discovery>();
        expect(doc.issuer).toBe(base);
        for (const key of ['token_endpoint', 'authorization_endpoint', 'jwks_uri', 'revocation_endpoint', 'introspection_endpoint'] as const) {
          expect(doc[key].startsWith(`${base}/`), `${key} ${doc[key]}`).toBe(true);
        }
        expect(doc.token_endpoint).toBe(`${base}/api/oauth/token`);
        expect(doc.authorization_endpoint).toBe(`${base}/oauth/authorize`);
      }
    }
  });

  test('only what works is advertised: code, S256, no implicit or password grant, secret_post and basic', async () => {
    const doc = (await request(`${w.furfest.base}/.well-known/openid-configuration`)).json<Discovery>();
    expect(doc.response_types_supported).toEqual(['code']);
    expect(doc.code_challenge_methods_supported).toEqual(['S256']);
    expect(doc.grant_types_supported).toContain('client_credentials');
    expect(doc.grant_types_supported).not.toContain('implicit');
    expect(doc.grant_types_supported).not.toContain('password');
    expect(doc.token_endpoint_auth_methods_supported.sort()).toEqual(['client_secret_basic', 'client_secret_post']);
    expect(doc).not.toHaveProperty('pushed_authorization_request_endpoint');
    expect(doc).not.toHaveProperty('registration_endpoint');
    expect(doc).not.toHaveProperty('dpop_signing_alg_values_supported');
  });

  test('a spoofed X-Forwarded-Host or -Proto from an untrusted client changes nothing', async () => {
    const plain = (await request(`${w.furfest.base}/.well-known/openid-configuration`)).body;
    const spoofed = await request(`${w.furfest.base}/.well-known/openid-configuration`, {
      headers: { 'x-forwarded-host': 'evil.example', 'x-forwarded-proto': 'http', forwarded: 'host=evil.example;proto=http', 'x-forwarded-for': '203.0.113.9' },
    });
    expect(spoofed.status).toBe(200);
    expect(spoofed.body).toBe(plain);
    expect(spoofed.body).not.toContain('evil.example');
    // Another name of the platform host (a loopback alias) reaches the instance, yet the issuer stays.
    const alias = await request(`https://127.0.0.1:${w.t.port}/o/furfest/.well-known/openid-configuration`);
    expect(alias.status).toBe(200);
    expect(alias.json<Discovery>().issuer).toBe(w.furfest.base);
    expect(alias.json<Discovery>().token_endpoint).toBe(`${w.furfest.base}/api/oauth/token`);
  });

  test('JWKS publishes one public ES256 key per instance, different per instance', async () => {
    const keys = async (base: string) => (await request(`${base}/oauth/jwks`)).json<{ keys: Record<string, string>[] }>().keys;
    const furfest = await keys(w.furfest.base);
    const animecon = await keys(w.animecon.base);
    expect(furfest).toHaveLength(1);
    expect(furfest[0]).toMatchObject({ kty: 'EC', crv: 'P-256', alg: 'ES256', use: 'sig' });
    expect(furfest[0]).not.toHaveProperty('d');
    expect(animecon[0]?.kid).not.toBe(furfest[0]?.kid);
    // The private key is stored encrypted, never in clear.
    const rows = await w.database.db.selectFrom('oauth_signing_keys').select(['private_jwk_encrypted']).execute();
    for (const row of rows) expect(row.private_jwk_encrypted).not.toContain('"d"');
  });
});

describe('client credentials (checklist E37, E40, E41, D29, D34)', () => {
  test('a form-body secret (ConCat style) gets exactly {access_token, token_type, expires_in, scope}, no-store', async () => {
    const response = await postForm(tokenUrl(w.furfest.base), { grant_type: 'client_credentials', ...credentials(w.apps.service), scope: 'user:read' });
    expect(response.status, response.body).toBe(200);
    expect(response.headers['cache-control']).toBe('no-store');
    const body = response.json<Record<string, unknown>>();
    expect(Object.keys(body).sort()).toEqual(['access_token', 'expires_in', 'scope', 'token_type']);
    expect(body).toMatchObject({ token_type: 'Bearer', expires_in: 3600, scope: 'user:read' });
  });

  test('HTTP Basic works too', async () => {
    const response = await postForm(tokenUrl(w.furfest.base), { grant_type: 'client_credentials', scope: 'registration:read' }, { clientId: w.apps.service.clientId, secret: w.apps.service.secret });
    expect(response.status, response.body).toBe(200);
    expect(response.json<Record<string, unknown>>().scope).toBe('registration:read');
  });

  test('no scope requested means every granted permission; several scopes in any order', async () => {
    expect((await serviceToken(w.furfest.base, w.apps.service)).scope).toBe('user:read registration:read');
    expect((await serviceToken(w.furfest.base, w.apps.service, 'registration:read user:read')).scope).toBe('user:read registration:read');
    // The same app holds other permissions in the other instance.
    expect((await serviceToken(w.animecon.base, w.apps.service)).scope).toBe('user:read');
  });

  test('a scope outside the integration, an OBO scope, an OIDC scope or an unknown scope is invalid_scope', async () => {
    for (const [base, scope] of [
      [w.animecon.base, 'registration:read'],
      [w.furfest.base, 'vendor:read'],
      [w.furfest.base, 'user:read pii:basic'],
      [w.furfest.base, 'openid'],
      [w.furfest.base, 'no:such:scope'],
    ] as const) {
      const response = await postForm(tokenUrl(base), { grant_type: 'client_credentials', ...credentials(w.apps.service), scope });
      expectOauthError(response, 400, 'invalid_scope');
    }
  });

  test('wrong secret, unknown client, rejected app, app without integration here: invalid_client (401)', async () => {
    const cases: Record<string, string>[] = [
      credentials(w.apps.service, `${w.apps.service.secret}x`),
      credentials(w.apps.service, w.apps.other.secret),
      { client_id: '1', client_secret: 'whatever' },
      { client_id: 'not-a-number', client_secret: 'whatever' },
      credentials(w.apps.rejected),
      credentials(w.apps.animeconOnly),
    ];
    for (const fields of cases) {
      const response = await postForm(tokenUrl(w.furfest.base), { grant_type: 'client_credentials', ...fields });
      expectOauthError(response, 401, 'invalid_client');
      expect(response.headers['cache-control']).toBe('no-store');
    }
    // Basic with a wrong secret, too.
    const basic = await postForm(tokenUrl(w.furfest.base), { grant_type: 'client_credentials' }, { clientId: w.apps.service.clientId, secret: 'nope' });
    expectOauthError(basic, 401, 'invalid_client');
  });

  test('an app allowed only to sign users in gets no service token', async () => {
    const response = await postForm(tokenUrl(w.furfest.base), { grant_type: 'client_credentials', ...credentials(w.apps.oboOnly) });
    expectOauthError(response, 400, 'unauthorized_client');
  });

  test('both secrets work during a rotation overlap; the old one stops when the overlap ends', async () => {
    const app = w.apps.other;
    const db = w.database.db;
    const [current] = await listSecrets(db, app.appId, systemClock);
    if (current === undefined) throw new Error('no secret');
    const rotated = await rotateSecret(db, { developerId: app.developerId, appId: app.appId, ip: null, expectedCurrentId: current.id }, systemClock);
    if (!rotated.ok) throw new Error(rotated.reason);
    expect((await serviceToken(w.furfest.base, app)).scope).toBe('user:read');
    expect((await serviceToken(w.furfest.base, { ...app, secret: rotated.secret })).scope).toBe('user:read');
    await endSecretOverlap(db, { developerId: app.developerId, appId: app.appId, ip: null }, systemClock);
    expectOauthError(await postForm(tokenUrl(w.furfest.base), { grant_type: 'client_credentials', ...credentials(app) }), 401, 'invalid_client');
    expect((await serviceToken(w.furfest.base, { ...app, secret: rotated.secret })).scope).toBe('user:read');
    // Rotate again and let the overlap run out by time: the previous secret then fails.
    const [second] = await listSecrets(db, app.appId, systemClock);
    if (second === undefined) throw new Error('no secret');
    const third = await rotateSecret(db, { developerId: app.developerId, appId: app.appId, ip: null, expectedCurrentId: second.id }, systemClock);
    if (!third.ok) throw new Error(third.reason);
    expect((await serviceToken(w.furfest.base, { ...app, secret: rotated.secret })).scope).toBe('user:read');
    await db.updateTable('app_secrets').set({ expires_at: new Date(Date.now() - 60_000).toISOString() }).where('app_id', '=', app.appId).where('expires_at', 'is not', null).execute();
    expectOauthError(await postForm(tokenUrl(w.furfest.base), { grant_type: 'client_credentials', ...credentials(app, rotated.secret) }), 401, 'invalid_client');
    expect((await serviceToken(w.furfest.base, { ...app, secret: third.secret })).scope).toBe('user:read');
    w.apps.other = { ...app, secret: third.secret };
  });

  test('secrets are never stored in clear, nor are tokens', async () => {
    const token = await serviceToken(w.furfest.base, w.apps.service);
    const rows = await w.database.db.selectFrom('oauth_records').selectAll().execute();
    for (const row of rows) {
      expect(JSON.stringify(row)).not.toContain(token.access_token);
      expect(JSON.stringify(row)).not.toContain(w.apps.service.secret);
    }
  });
});

describe('malformed requests get RFC 6749 errors, never a 500', () => {
  const url = () => tokenUrl(w.furfest.base);

  test('missing grant_type, unsupported grants, wrong content type, junk bodies', async () => {
    expectOauthError(await postForm(url(), credentials(w.apps.service)), 400, 'invalid_request');
    expectOauthError(await postForm(url(), { grant_type: 'password', username: 'a', password: 'b', ...credentials(w.apps.service) }), 400, 'unsupported_grant_type');
    expectOauthError(await postForm(url(), { grant_type: 'implicit', ...credentials(w.apps.service) }), 400, 'unsupported_grant_type');
    const json = await request(url(), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ grant_type: 'client_credentials', ...credentials(w.apps.service) }) });
    expectOauthError(json, 400, 'invalid_request');
    const none = await request(url(), { method: 'POST', body: 'grant_type=client_credentials' });
    expect(none.status).toBeGreaterThanOrEqual(400);
    expect(none.status).toBeLessThan(500);
    for (const body of ['%%%', 'grant_type=client_credentials&grant_type=client_credentials', '\u0000\u0001', 'a'.repeat(5000)]) {
      const response = await request(url(), { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body });
      expect(response.status, body.slice(0, 20)).toBeGreaterThanOrEqual(400);
      expect(response.status, body.slice(0, 20)).toBeLessThan(500);
      expect(response.json<Record<string, unknown>>()).toHaveProperty('error');
    }
    const get = await request(url());
    expect(get.status).toBeGreaterThanOrEqual(400);
    expect(get.status).toBeLessThan(500);
  });

  test('other methods on the provider paths are 4xx too', async () => {
    const base = w.furfest.base;
    for (const [method, path] of [['HEAD', '/.well-known/openid-configuration'], ['OPTIONS', '/api/oauth/token'], ['POST', '/.well-known/openid-configuration'], ['PUT', '/oauth/introspect'], ['GET', '/oauth/revoke']] as const) {
      const response = await request(`${base}${path}`, { method });
      expect(response.status, `${method} ${path}`).toBeLessThan(500);
      if (method !== 'HEAD') expect(response.status, `${method} ${path}`).toBeGreaterThanOrEqual(400);
    }
  });
});

describe('introspection and revocation (checklist D35, D36, F43)', () => {
  const introspect = (base: string, app: WorldApp, token: string) => postForm(`${base}/oauth/introspect`, { token, ...credentials(app) });
  const revoke = (base: string, app: WorldApp, token: string) => postForm(`${base}/oauth/revoke`, { token, ...credentials(app) });

  test('an app sees its own token active, and only its own', async () => {
    const token = (await serviceToken(w.furfest.base, w.apps.service, 'user:read')).access_token;
    const own = await introspect(w.furfest.base, w.apps.service, token);
    expect(own.status).toBe(200);
    expect(own.headers['cache-control']).toBe('no-store');
    expect(own.json<Record<string, unknown>>()).toMatchObject({ active: true, client_id: String(w.apps.service.clientId), scope: 'user:read', iss: w.furfest.base });
    // No user in a service token (E41): the subject, if any, is the client itself.
    const sub = own.json<Record<string, unknown>>().sub;
    expect(sub === undefined || sub === String(w.apps.service.clientId)).toBe(true);
    const foreign = await introspect(w.furfest.base, w.apps.other, token);
    expect(foreign.json()).toEqual({ active: false });
  });

  test('introspection requires client authentication', async () => {
    const token = (await serviceToken(w.furfest.base, w.apps.service)).access_token;
    const response = await postForm(`${w.furfest.base}/oauth/introspect`, { token });
    expect(response.status).toBeGreaterThanOrEqual(400);
    expect(response.body).not.toContain('"active":true');
  });

  test('a token of instance A is inactive at instance B, even for the same client in both', async () => {
    const token = (await serviceToken(w.furfest.base, w.apps.service, 'user:read')).access_token;
    expect((await introspect(w.animecon.base, w.apps.service, token)).json()).toEqual({ active: false });
    // Revoking it at B does nothing to it at A.
    expect((await revoke(w.animecon.base, w.apps.service, token)).status).toBe(200);
    expect((await introspect(w.furfest.base, w.apps.service, token)).json<Record<string, unknown>>().active).toBe(true);
    // The API's token check agrees.
    expect((await checkAccessToken(w.database.db, w.animecon.orgId, token, systemClock)).active).toBe(false);
    expect((await checkAccessToken(w.database.db, w.furfest.orgId, token, systemClock)).active).toBe(true);
  });

  test("another app's revocation has no effect; the owner's ends the token at once and is audited", async () => {
    const token = (await serviceToken(w.furfest.base, w.apps.service)).access_token;
    const foreign = await revoke(w.furfest.base, w.apps.other, token);
    expect(foreign.status).toBe(200);
    expect((await introspect(w.furfest.base, w.apps.service, token)).json<Record<string, unknown>>().active).toBe(true);
    const own = await revoke(w.furfest.base, w.apps.service, token);
    expect(own.status).toBe(200);
    expect((await introspect(w.furfest.base, w.apps.service, token)).json()).toEqual({ active: false });
    expect((await checkAccessToken(w.database.db, w.furfest.orgId, token, systemClock)).active).toBe(false);
    const audit = await w.database.db.selectFrom('audit_log').selectAll().where('action', '=', 'oauth.token-revoked').where('org_id', '=', w.furfest.orgId).execute();
    expect(audit.length).toBeGreaterThanOrEqual(1);
    expect(audit.at(-1)).toMatchObject({ actor_type: 'app', actor_id: String(w.apps.service.clientId) });
    // An unknown token is still a 200.
    expect((await revoke(w.furfest.base, w.apps.service, 'no-such-token')).status).toBe(200);
  });
});
