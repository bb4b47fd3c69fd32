import { afterAll, beforeAll, expect, it } from 'vitest';
import { postForm, serviceToken, type WorldApp } from '../oauth/oauth-world.js';
import { request } from '../support/https-client.js';
import { startTestPlatform, type TestPlatform } from '../support/platform.js';
import { oneIntegratedApp } from './usage-fixtures.js';

let t: TestPlatform;
let fixture: { app: WorldApp; orgId: number; userId: number } | undefined;

beforeAll(async () => {
  t = await startTestPlatform({ rateLimitApi: '2', rateLimitToken: '2' }, { beforeListen: async (database) => void (fixture = await oneIntegratedApp(database)) });
});
afterAll(async () => t.stop());

it('counts the 429s of the rate limiter for the app it identified, on the API and at the token endpoint', async () => {
  if (fixture === undefined) throw new Error('no fixture');
  const { app, userId } = fixture;
  const base = `${t.baseUrl}/o/furfest`;
  const token = (await serviceToken(base, app)).access_token;
  const statuses: number[] = [];
  for (let i = 0; i < 4; i += 1) statuses.push((await request(`${base}/api/v0/users/${userId}`, { headers: { authorization: `Bearer ${token}` } })).status);
  expect(statuses).toEqual([200, 200, 429, 429]);
  // The token endpoint's own limit, for the app named by HTTP Basic (the form-body request above was
  // anonymous to the limiter): the third is refused before the authorization server sees it.
  const basic = { clientId: app.clientId, secret: app.secret };
  const tokenStatuses: number[] = [];
  for (let i = 0; i < 3; i += 1) tokenStatuses.push((await postForm(`${base}/api/oauth/token`, { grant_type: 'client_credentials' }, basic)).status);
  expect(tokenStatuses).toEqual([200, 200, 429]);
  await t.platform.usage.flush();

  const rows = await t.platform.database.db.selectFrom('usage_requests').select(['endpoint', 'status_class', 'responses', 'rate_limited']).where('app_id', '=', app.appId).orderBy('endpoint').orderBy('status_class').execute();
  expect(rows).toEqual([
    { endpoint: 'GET /api/v0/users/{userId}', status_class: '2xx', responses: 2, rate_limited: 0 },
    { endpoint: 'GET /api/v0/users/{userId}', status_class: '4xx', responses: 2, rate_limited: 2 },
    { endpoint: 'POST /api/oauth/token', status_class: '2xx', responses: 3, rate_limited: 0 },
    { endpoint: 'POST /api/oauth/token', status_class: '4xx', responses: 1, rate_limited: 1 },
  ]);
});
