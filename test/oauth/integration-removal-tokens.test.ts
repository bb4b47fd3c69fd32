/**
 * An org admin removing an integration is not a platform revocation, but it ends that
 * integration's tokens at once (issue 8, item 3): its client-credentials tokens, its users'
 * access and refresh tokens and their grants, in that instance only. Adding the app again does
 * not bring any of them back.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/clock.js';
import { createIntegration, removeIntegration } from '../../src/platform/integrations.js';
import { addUser } from '../instance/fixtures.js';
import { request } from '../support/https-client.js';
import { WebClient } from '../support/web-client.js';
import { refresh, signInAndAuthorize, toConsent, type CodeFlowTarget, type CodeTokens } from './code-flow.js';
import { expectOauthError, serviceToken, startOauthWorld, type OauthWorld } from './oauth-world.js';

const REDIRECT = 'https://app.example.com/callback';
const PASSWORD = 'correct horse battery staple';
const CLI = { actor: { type: 'cli' as const }, ip: null };

function searchUsers(base: string, token: string) {
  return request(`${base}/api/v0/users/search`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: '{}' });
}

function currentUser(base: string, token: string) {
  return request(`${base}/api/users/current`, { headers: { authorization: `Bearer ${token}` } });
}

describe('removing an integration ends its tokens', () => {
  let w: OauthWorld;
  let furfest: CodeFlowTarget;
  let animecon: CodeFlowTarget;

  beforeAll(async () => {
    w = await startOauthWorld();
    const db = w.database.db;
    const app = w.apps.service;
    await db.updateTable('apps').set({ redirect_uris: JSON.stringify([REDIRECT]) }).where('id', '=', app.appId).execute();
    await db.updateTable('integrations').set({ obo_enabled: 1 }).where('app_id', '=', app.appId).execute();
    await addUser(db, w.furfest.orgId, 'alice', PASSWORD, systemClock);
    await addUser(db, w.animecon.orgId, 'bob', PASSWORD, systemClock);
    furfest = { origin: w.t.baseUrl, prefix: '/o/furfest', app, redirectUri: REDIRECT, password: PASSWORD };
    animecon = { origin: w.t.baseUrl, prefix: '/o/animecon', app, redirectUri: REDIRECT, password: PASSWORD };
  });
  afterAll(async () => {
    await w.t.stop();
  });

  it("stops the instance's service and on-behalf-of tokens at their next use, keeps the other instance's, and does not revive them when the app is added again", async () => {
    const db = w.database.db;
    const app = w.apps.service;
    const service = await serviceToken(w.furfest.base, app);
    const otherService = await serviceToken(w.animecon.base, app);
    const aliceClient = new WebClient(w.t.baseUrl);
    const alice: CodeTokens = await signInAndAuthorize(furfest, aliceClient, 'alice', 'pii:basic');
    const bob: CodeTokens = await signInAndAuthorize(animecon, new WebClient(w.t.baseUrl), 'bob', 'pii:basic');
    expect((await searchUsers(w.furfest.base, service.access_token)).status).toBe(200);
    expect((await currentUser(w.furfest.base, alice.access_token)).status).toBe(200);
    // With her grant in place, Alice is not asked again.
    expect((await toConsent(furfest, aliceClient, 'alice', { scope: 'pii:basic' })).response.status).toBe(303);

    const integration = await db.selectFrom('integrations').select('id').where('org_id', '=', w.furfest.orgId).where('app_id', '=', app.appId).executeTakeFirstOrThrow();
    await removeIntegration(db, { orgId: w.furfest.orgId, integrationId: integration.id }, CLI, systemClock);

    // None of the tokens has expired, yet each fails at its next use in furfest.
    expect((await searchUsers(w.furfest.base, service.access_token)).status).toBe(401);
    expect((await currentUser(w.furfest.base, alice.access_token)).status).toBe(401);
    // Without an integration the app cannot even authenticate in furfest.
    expectOauthError(await refresh(furfest, alice.refresh_token), 401, 'invalid_client');
    // The same app's tokens in animecon are another integration's: they keep working.
    expect((await searchUsers(w.animecon.base, otherService.access_token)).status).toBe(200);
    expect((await currentUser(w.animecon.base, bob.access_token)).status).toBe(200);
    const bobRefreshed = await refresh(animecon, bob.refresh_token);
    expect(bobRefreshed.status, bobRefreshed.body).toBe(200);

    // Added again: the app works with new tokens, the old ones stay dead.
    await createIntegration(db, { orgId: w.furfest.orgId, appId: app.appId, scopes: ['user:read'], oboEnabled: true }, CLI, systemClock);
    expect((await searchUsers(w.furfest.base, (await serviceToken(w.furfest.base, app)).access_token)).status).toBe(200);
    expect((await searchUsers(w.furfest.base, service.access_token)).status).toBe(401);
    expect((await currentUser(w.furfest.base, alice.access_token)).status).toBe(401);
    expectOauthError(await refresh(furfest, alice.refresh_token), 400, 'invalid_grant');
    // Her grant is gone too: she is asked for consent again.
    const again = await toConsent(furfest, aliceClient, 'alice', { scope: 'pii:basic', state: 'again' });
    expect(again.response.status).toBe(200);
    expect(again.response.body).toContain('<h1>Authorize Badge Service</h1>');
  });
});
