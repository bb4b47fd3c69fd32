import { afterAll, beforeAll, expect, test } from 'vitest';
import { apiClient } from '../support/api-client.js';
import { request } from '../support/https-client.js';
import { expectOauthError, postForm, serviceToken, startOauthWorld, type OauthWorld } from '../oauth/oauth-world.js';

// Bug: ids are 32-bit integers in the database. An id beyond that (a 11-digit client_id, user id or
// filter id) reached a query, and PostgreSQL refused the comparison: a 500 instead of "not found".
const HUGE = '99999999999';
let world: OauthWorld;
let token: string;

beforeAll(async () => {
  world = await startOauthWorld();
  token = (await serviceToken(world.furfest.base, world.apps.service)).access_token;
});
afterAll(async () => {
  await world.t.stop();
});

test('bug: a client_id beyond 32 bits answered 500 at the token endpoint; now invalid_client', async () => {
  const response = await postForm(`${world.furfest.base}/api/oauth/token`, { grant_type: 'client_credentials', client_id: HUGE, client_secret: 'x' });
  expectOauthError(response, 401, 'invalid_client');
});

test('bug: a path id beyond 32 bits answered 500; now 404', async () => {
  const api = apiClient(world.furfest.base);
  for (const path of [`/api/v0/users/${HUGE}`, `/api/v0/users/${HUGE}/roles`, `/api/v0/users/${HUGE}/registration`]) {
    const response = await api.get(path, token);
    expect(response.status, `${path}: ${response.body}`).toBe(404);
  }
});

test('bug: a filter id beyond 32 bits answered 500; now it matches nothing', async () => {
  const api = apiClient(world.furfest.base);
  const users = await api.post('/api/v0/users/search', { filter: { userIds: [HUGE, 99999999999] } }, token);
  expect(users.status, users.body).toBe(200);
  expect(users.json()).toMatchObject({ data: [], hasMore: false, nextPage: null });
  const registrations = await api.post('/api/v0/registration/search', { filter: { userIds: [HUGE], productIds: [HUGE] } }, token);
  expect(registrations.status, registrations.body).toBe(200);
  expect(registrations.json()).toMatchObject({ data: [] });
});

test('bug: a page id beyond 32 bits could reach a query; now it is refused before', async () => {
  for (const url of [`${world.t.baseUrl}/portal/apps/${HUGE}`, `${world.furfest.base}/housekeeping/integrations/${HUGE}`, `${world.furfest.base}/account/apps/${HUGE}/revoke`]) {
    const response = await request(url);
    expect(response.status, url).toBeGreaterThanOrEqual(300);
    expect(response.status, url).toBeLessThan(500);
  }
});
