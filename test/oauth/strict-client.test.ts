/** The service flow driven by a strict third-party client (oauth4webapi), which rejects non-conforming responses. */
import * as oauth from 'oauth4webapi';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { request } from '../support/https-client.js';
import { startOauthWorld, type OauthWorld } from './oauth-world.js';

let w: OauthWorld;
beforeAll(async () => {
  w = await startOauthWorld();
});
afterAll(async () => {
  await w.t.stop();
});

/** fetch over our test HTTPS client, which trusts the self-signed certificate. */
async function testFetch(url: string, options: { method: string; headers: Record<string, string>; body?: unknown }): Promise<Response> {
  const { body: raw } = options;
  if (raw !== undefined && typeof raw !== 'string' && !(raw instanceof URLSearchParams)) throw new Error('unexpected request body type');
  const body = raw === undefined ? undefined : raw.toString();
  const response = await request(url, { method: options.method, headers: options.headers, ...(body === undefined ? {} : { body }) });
  const headers = new Headers();
  for (const [name, value] of Object.entries(response.headers)) {
    if (typeof value === 'string') headers.set(name, value);
    else if (Array.isArray(value)) for (const item of value) headers.append(name, item);
  }
  return new Response(response.status === 204 ? null : response.body, { status: response.status, headers });
}

const http = { [oauth.customFetch]: testFetch };

async function discover(base: string): Promise<oauth.AuthorizationServer> {
  const issuer = new URL(base);
  return oauth.processDiscoveryResponse(issuer, await oauth.discoveryRequest(issuer, { algorithm: 'oidc', ...http }));
}

test('discovery, client credentials (post and basic), introspection and revocation pass a strict client', async () => {
  const as = await discover(w.furfest.base);
  expect(as.issuer).toBe(w.furfest.base);
  const client: oauth.Client = { client_id: String(w.apps.service.clientId) };

  for (const auth of [oauth.ClientSecretPost(w.apps.service.secret), oauth.ClientSecretBasic(w.apps.service.secret)]) {
    const response = await oauth.clientCredentialsGrantRequest(as, client, auth, { scope: 'user:read' }, http);
    const tokens = await oauth.processClientCredentialsResponse(as, client, response);
    expect(tokens.token_type).toBe('bearer');
    expect(tokens.scope).toBe('user:read');
    expect(tokens.refresh_token).toBeUndefined();

    const introspected = await oauth.processIntrospectionResponse(as, client, await oauth.introspectionRequest(as, client, auth, tokens.access_token, http));
    expect(introspected.active).toBe(true);
    expect(introspected.client_id).toBe(client.client_id);

    await oauth.processRevocationResponse(await oauth.revocationRequest(as, client, auth, tokens.access_token, http));
    const after = await oauth.processIntrospectionResponse(as, client, await oauth.introspectionRequest(as, client, auth, tokens.access_token, http));
    expect(after.active).toBe(false);
  }
});

test('errors reach the strict client as RFC 6749 error responses', async () => {
  const as = await discover(w.furfest.base);
  const client: oauth.Client = { client_id: String(w.apps.service.clientId) };
  const refused = async (secret: string, scope: string): Promise<string> => {
    const response = await oauth.clientCredentialsGrantRequest(as, client, oauth.ClientSecretPost(secret), { scope }, http);
    try {
      await oauth.processClientCredentialsResponse(as, client, response);
    } catch (error) {
      if (error instanceof oauth.ResponseBodyError) return error.error;
      throw error;
    }
    throw new Error('expected an error response');
  };
  expect(await refused('wrong', 'user:read')).toBe('invalid_client');
  expect(await refused(w.apps.service.secret, 'pii:basic')).toBe('invalid_scope');
});
