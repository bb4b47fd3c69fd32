import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/clock.js';
import { revokeApp } from '../../src/platform/app-revocation.js';
import { expectOauthError, postForm, serviceToken, startOauthWorld, type OauthWorld } from '../oauth/oauth-world.js';
import { request } from '../support/https-client.js';
import { startTestPlatform, type TestPlatform } from '../support/platform.js';

function searchUsers(base: string, token: string) {
  return request(`${base}/api/v0/users/search`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: '{}' });
}

// Two server processes on one database (as behind a load balancer): a revocation made anywhere
// holds in both at their next request, though each had used the app (and its provider had
// loaded the client) before.
describe('a revocation with several server processes', () => {
  let w: OauthWorld;
  let second: TestPlatform;

  beforeAll(async () => {
    w = await startOauthWorld();
    second = await startTestPlatform({}, {}, w.t.testDb);
  });
  afterAll(async () => {
    await second.stop();
    await w.t.stop();
  });

  it('ends tokens and client authentication in every process at once', async () => {
    const firstBase = w.furfest.base;
    const secondBase = `${second.baseUrl}/o/furfest`;
    const fromFirst = await serviceToken(firstBase, w.apps.service);
    const fromSecond = await serviceToken(secondBase, w.apps.service);
    for (const base of [firstBase, secondBase]) {
      for (const token of [fromFirst, fromSecond]) expect((await searchUsers(base, token.access_token)).status).toBe(200);
    }

    // Revoked from the command line: a third process.
    await revokeApp(w.database.db, { app: { clientId: w.apps.service.clientId }, reason: 'Leaked secret', actor: { type: 'cli' } }, systemClock);

    for (const base of [firstBase, secondBase]) {
      for (const token of [fromFirst, fromSecond]) expect((await searchUsers(base, token.access_token)).status).toBe(401);
      const refused = await postForm(`${base}/api/oauth/token`, { grant_type: 'client_credentials', client_id: String(w.apps.service.clientId), client_secret: w.apps.service.secret });
      expectOauthError(refused, 401, 'invalid_client');
    }
    // Other apps go on working in both.
    const other = await serviceToken(secondBase, w.apps.other);
    expect((await searchUsers(firstBase, other.access_token)).status).toBe(200);
  });
});
