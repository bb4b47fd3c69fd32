/** Security checklist E (oauth-server.md §3): client authentication and service tokens. */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { request } from '../../support/https-client.js';
import { expectOauthError, postForm, serviceToken } from '../oauth-world.js';
import { type ChecklistWorld, CodeFlow, startChecklistWorld } from './checklist-world.js';

let w: ChecklistWorld;
let flow: CodeFlow;
beforeAll(async () => {
  w = await startChecklistWorld();
  flow = new CodeFlow(w, w.obo);
});
afterAll(async () => {
  await w.t.stop();
});

const tokenUrl = (): string => `${w.furfest.base}/api/oauth/token`;

/** A JWT-shaped client assertion (unsigned: it must be refused before any signature matters). */
function clientAssertion(clientId: string): string {
  const part = (value: object): string => Buffer.from(JSON.stringify(value)).toString('base64url');
  const now = Math.floor(Date.now() / 1000);
  return `${part({ alg: 'HS256', typ: 'JWT' })}.${part({ iss: clientId, sub: clientId, aud: tokenUrl(), jti: 'e38', iat: now, exp: now + 60 })}.c2ln`;
}

describe('E. client authentication and service tokens', () => {
  test('E37 hashed secrets (see authorization-server.test.ts): neither the secret nor its token is stored in clear', async () => {
    const token = await serviceToken(w.furfest.base, w.apps.service);
    const secrets = await w.database.db.selectFrom('app_secrets').selectAll().where('app_id', '=', w.apps.service.appId).execute();
    expect(secrets.length).toBeGreaterThan(0);
    for (const row of secrets) expect(JSON.stringify(row)).not.toContain(w.apps.service.secret);
    const records = await w.database.db.selectFrom('oauth_records').select(['id', 'payload']).execute();
    for (const row of records) expect(`${row.id} ${row.payload}`).not.toContain(token.access_token);
  });

  test('E38 private_key_jwt is not offered (deviation: apps hold a secret, as on ConCat); a client assertion is refused', async () => {
    const doc = (await request(`${w.furfest.base}/.well-known/openid-configuration`)).json<{ token_endpoint_auth_methods_supported: string[] }>();
    expect(doc.token_endpoint_auth_methods_supported.sort()).toEqual(['client_secret_basic', 'client_secret_post']);
    const clientId = String(w.apps.service.clientId);
    const response = await postForm(tokenUrl(), {
      grant_type: 'client_credentials',
      client_id: clientId,
      client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
      client_assertion: clientAssertion(clientId),
    });
    expectOauthError(response, 401, 'invalid_client');
  });

  test('E39 authentication method pinned: no secret (none), two methods at once, or a secret in the query are refused', async () => {
    const clientId = String(w.apps.service.clientId);
    expectOauthError(await postForm(tokenUrl(), { grant_type: 'client_credentials', client_id: clientId }), 401, 'invalid_client');
    expectOauthError(await postForm(tokenUrl(), { grant_type: 'client_credentials', client_id: clientId, client_secret: '' }), 401, 'invalid_client');
    const both = await postForm(tokenUrl(), { grant_type: 'client_credentials', client_id: clientId, client_secret: w.apps.service.secret }, { clientId: w.apps.service.clientId, secret: w.apps.service.secret });
    expectOauthError(both, 400, 'invalid_request');
    const inQuery = await request(`${tokenUrl()}?client_secret=${encodeURIComponent(w.apps.service.secret)}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'client_credentials', client_id: clientId }).toString(),
    });
    expectOauthError(inQuery, 401, 'invalid_client');
    // The two methods every app may use (issue 4: ConCat clients post the secret; Basic is accepted too).
    expect((await serviceToken(w.furfest.base, w.apps.service)).access_token).not.toBe('');
    const basic = await postForm(tokenUrl(), { grant_type: 'client_credentials' }, { clientId: w.apps.service.clientId, secret: w.apps.service.secret });
    expect(basic.status, basic.body).toBe(200);
  });

  test('E39 the code flow authenticates the same way: a code exchange without the secret is invalid_client', async () => {
    const code = await flow.code({ scope: 'pii:basic', state: 'e39' });
    const response = await postForm(tokenUrl(), { grant_type: 'authorization_code', code, client_id: String(w.obo.clientId), redirect_uri: 'https://app.test/cb' });
    expectOauthError(response, 401, 'invalid_client');
    // The code was not used up by the refused request.
    expect((await flow.exchange(code)).status).toBe(200);
  });

  test('E40 admin-granted permissions only (see authorization-server.test.ts, token-check.test.ts): an ungranted scope is invalid_scope', async () => {
    expectOauthError(await postForm(tokenUrl(), { grant_type: 'client_credentials', scope: 'volunteer:read', ...flow.credentials(w.apps.service) }), 400, 'invalid_scope');
  });

  test('E41 no user in service tokens: introspection names no user, and the user-only endpoint refuses them', async () => {
    const token = (await serviceToken(w.furfest.base, w.apps.service)).access_token;
    const introspected = await flow.introspect(token, w.apps.service);
    expect(introspected.active).toBe(true);
    expect(introspected.sub === undefined || introspected.sub === String(w.apps.service.clientId)).toBe(true);
    const current = await request(`${w.furfest.base}/api/users/current`, { headers: { authorization: `Bearer ${token}` } });
    expect(current.status).toBe(403);
    // An on-behalf-of token reaches it.
    const user = await flow.tokens({ scope: 'pii:basic', state: 'e41' });
    const own = await request(`${w.furfest.base}/api/users/current`, { headers: { authorization: `Bearer ${user.access_token}` } });
    expect(own.status, own.body).toBe(200);
  });
});
