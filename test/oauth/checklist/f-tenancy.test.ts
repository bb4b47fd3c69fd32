/** Security checklist F (oauth-server.md §3): multi-tenancy, and signing-key rotation. */
import { createPublicKey, verify } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { systemClock } from '../../../src/clock.js';
import { PROVIDER_MAX_AGE_MS } from '../../../src/oauth/providers.js';
import { addSigningKey, loadKeyEncryptionKey, retireSigningKey, SIGNING_KEY_PUBLISH_AHEAD_MS } from '../../../src/oauth/signing-keys.js';
import { checkAccessToken } from '../../../src/oauth/token-check.js';
import { request } from '../../support/https-client.js';
import { WebClient } from '../../support/web-client.js';
import { type ChecklistWorld, CodeFlow, jwtClaims, PASSWORD, REDIRECT, startChecklistWorld } from './checklist-world.js';

let w: ChecklistWorld;
let furfest: CodeFlow;
/** The `service` app signs users in at both instances: the same client_id in both. */
let sharedAtFurfest: CodeFlow;
let sharedAtAnimecon: CodeFlow;
beforeAll(async () => {
  w = await startChecklistWorld();
  const db = w.database.db;
  await db.updateTable('apps').set({ redirect_uris: JSON.stringify([REDIRECT]) }).where('id', '=', w.apps.service.appId).execute();
  await db.updateTable('integrations').set({ obo_enabled: 1 }).where('app_id', '=', w.apps.service.appId).execute();
  furfest = new CodeFlow(w, w.obo);
  sharedAtFurfest = new CodeFlow(w, w.apps.service);
  sharedAtAnimecon = new CodeFlow(w, w.apps.service, w.animecon.base);
});
afterAll(async () => {
  await w.t.stop();
});

function userinfo(base: string, token: string): Promise<{ status: number; body: string }> {
  return request(`${base}/oauth/userinfo`, { headers: { authorization: `Bearer ${token}` } });
}

/** Whether a compact JWS verifies against the instance's published JWKS (false when its key is not there). */
async function verifiesAgainstJwks(base: string, jwt: string): Promise<boolean> {
  const [headerPart = '', payloadPart = '', signature = ''] = jwt.split('.');
  const header = JSON.parse(Buffer.from(headerPart, 'base64url').toString('utf8')) as { kid?: string };
  const { keys } = (await request(`${base}/oauth/jwks`)).json<{ keys: (Record<string, string> & { kid: string })[] }>();
  const jwk = keys.find((key) => key.kid === header.kid);
  if (jwk === undefined) return false;
  return verify('sha256', Buffer.from(`${headerPart}.${payloadPart}`), { key: createPublicKey({ key: { ...jwk }, format: 'jwk' }), dsaEncoding: 'ieee-p1363' }, Buffer.from(signature, 'base64url'));
}

async function publishedKids(base: string): Promise<string[]> {
  return (await request(`${base}/oauth/jwks`)).json<{ keys: { kid: string }[] }>().keys.map((key) => key.kid);
}

function kidOf(jwt: string | undefined): string {
  const [headerPart = ''] = (jwt ?? '').split('.');
  return String((JSON.parse(Buffer.from(headerPart, 'base64url').toString('utf8')) as { kid?: string }).kid);
}

describe('F. multi-tenancy', () => {
  test('F43 token isolation for a sign-in token, same client_id in both instances: introspection, userinfo and revocation elsewhere have no effect', async () => {
    const tokens = await sharedAtFurfest.tokens({ scope: 'openid pii:basic', state: 'f43' });
    expect(await sharedAtAnimecon.introspect(tokens.access_token)).toEqual({ active: false });
    expect(await sharedAtAnimecon.introspect(tokens.refresh_token)).toEqual({ active: false });
    expect((await userinfo(w.animecon.base, tokens.access_token)).status).toBe(401);
    expect((await sharedAtAnimecon.revoke(tokens.refresh_token)).status).toBe(200);
    expect((await sharedAtAnimecon.refresh(tokens.refresh_token)).status).toBe(400);
    expect((await checkAccessToken(w.database.db, w.animecon.orgId, tokens.access_token, systemClock)).active).toBe(false);
    // At home, all of it still works.
    expect(await sharedAtFurfest.introspect(tokens.access_token)).toMatchObject({ active: true });
    expect((await userinfo(w.furfest.base, tokens.access_token)).status).toBe(200);
    expect((await sharedAtFurfest.refresh(tokens.refresh_token)).status).toBe(200);
  });

  test('F44 client isolation: an app of one instance is an unknown client at another, with a local error page', async () => {
    const response = await new WebClient(w.t.baseUrl).get(new CodeFlow(w, w.obo, w.animecon.base).authorizeUrl());
    expect(response.status).toBe(400);
    expect(response.headers.location).toBeUndefined();
  });

  test('F44 account isolation: a user of another instance cannot sign in here, so cannot consent here', async () => {
    const client = new WebClient(w.t.baseUrl);
    const page = await furfest.browse(client, furfest.authorizeUrl({ scope: 'pii:basic', state: 'f44' }));
    expect(new URL(page.url).pathname).toBe('/o/furfest/login');
    const next = new URL(page.url).searchParams.get('next') ?? '';
    for (const login of ['bob', 'bob@example.org']) {
      const refused = await client.post('/o/furfest/login', { login, password: PASSWORD, next });
      expect(refused.status).toBe(401);
    }
    expect(await w.database.db.selectFrom('oauth_records').select('id').where('org_id', '=', w.furfest.orgId).where('account_id', '=', String(w.users.bob)).execute()).toEqual([]);
  });

  test('F45 session cookie isolation: signed in at both instances in one browser, each keeps its own user; cookies are named and scoped per instance', async () => {
    const client = new WebClient(w.t.baseUrl);
    const atFurfest = await sharedAtFurfest.tokens({ scope: 'pii:basic', state: 'f45-a' }, 'alice', client);
    const atAnimecon = await sharedAtAnimecon.tokens({ scope: 'pii:basic', state: 'f45-b' }, 'bob', client);
    expect(await sharedAtFurfest.introspect(atFurfest.access_token)).toMatchObject({ sub: String(w.users.alice) });
    expect(await sharedAtAnimecon.introspect(atAnimecon.access_token)).toMatchObject({ sub: String(w.users.bob) });
    // Signing in at animecon did not replace the furfest session: furfest signs alice in again without a page.
    const again = await sharedAtFurfest.browse(client, sharedAtFurfest.authorizeUrl({ scope: 'pii:basic', state: 'f45-again' }));
    const code = new URL(sharedAtFurfest.location(again.response)).searchParams.get('code') ?? '';
    const tokens = (await sharedAtFurfest.exchange(code)).json<{ access_token: string }>();
    expect(await sharedAtFurfest.introspect(tokens.access_token)).toMatchObject({ sub: String(w.users.alice) });
    const names = [...client.cookies.keys()];
    for (const orgId of [w.furfest.orgId, w.animecon.orgId]) {
      expect(names).toContain(`__Secure-concat-u${orgId}`);
      expect(names).toContain(`_concat_oidc_session_${orgId}`);
    }
  });
});

describe('F47 key rotation', () => {
  test('F47 a new key is published before it signs; old tokens verify until the old key is retired, then fail', async () => {
    const base = w.furfest.base;
    const key = loadKeyEncryptionKey(w.t.config.dataDir);
    const first = await furfest.tokens({ scope: 'openid pii:basic', state: 'f47-1' });
    const [oldKid] = await publishedKids(base);
    expect(kidOf(first.id_token)).toBe(oldKid);
    try {
      w.clock.advance(1_000);
      const newKid = await addSigningKey(w.database.db, w.furfest.orgId, key, w.clock);
      // Providers pick up key changes when rebuilt.
      w.clock.advance(PROVIDER_MAX_AGE_MS + 1_000);
      expect((await publishedKids(base)).sort()).toEqual([oldKid, newKid].sort());
      const published = await furfest.tokens({ scope: 'openid pii:basic', state: 'f47-2' });
      expect(kidOf(published.id_token), 'published, not yet signing').toBe(oldKid);

      w.clock.advance(SIGNING_KEY_PUBLISH_AHEAD_MS);
      const rotated = await furfest.tokens({ scope: 'openid pii:basic', state: 'f47-3' });
      expect(kidOf(rotated.id_token)).toBe(newKid);
      expect(await verifiesAgainstJwks(base, first.id_token ?? '')).toBe(true);
      expect(await verifiesAgainstJwks(base, rotated.id_token ?? '')).toBe(true);

      expect(await retireSigningKey(w.database.db, w.furfest.orgId, oldKid ?? '', w.clock)).toBe(true);
      w.clock.advance(PROVIDER_MAX_AGE_MS + 1_000);
      expect(await publishedKids(base)).toEqual([newKid]);
      expect(await verifiesAgainstJwks(base, first.id_token ?? '')).toBe(false);
      expect(await verifiesAgainstJwks(base, rotated.id_token ?? '')).toBe(true);
      expect(jwtClaims(rotated.id_token).iss).toBe(base);
      // Opaque access tokens do not depend on the signing key.
      expect(await furfest.introspect(rotated.access_token)).toMatchObject({ active: true });
    } finally {
      w.clock.set(new Date());
    }
  });
});
