import { afterAll, beforeAll, expect, test } from 'vitest';
import { systemClock } from '../../src/clock.js';
import { checkAccessToken } from '../../src/oauth/token-check.js';
import { changeIntegrationPermissions, removeIntegration } from '../../src/platform/integrations.js';
import { serviceToken, startOauthWorld, type OauthWorld } from './oauth-world.js';
import { storedOboToken } from './stored-obo-token.js';
import { addUser } from '../instance/fixtures.js';

let w: OauthWorld;
beforeAll(async () => {
  w = await startOauthWorld();
});
afterAll(async () => {
  await w.t.stop();
});

const cli = { actor: { type: 'cli' as const }, ip: null };

async function integrationId(orgId: number, appId: number): Promise<number> {
  const row = await w.database.db.selectFrom('integrations').select('id').where('org_id', '=', orgId).where('app_id', '=', appId).executeTakeFirstOrThrow();
  return row.id;
}

test('a service token: the app, no user, its scopes, in this instance only', async () => {
  const token = (await serviceToken(w.furfest.base, w.apps.service)).access_token;
  const check = await checkAccessToken(w.database.db, w.furfest.orgId, token, systemClock);
  expect(check).toMatchObject({ active: true, clientId: w.apps.service.clientId, appId: w.apps.service.appId, userId: null, scopes: ['user:read', 'registration:read'] });
  if (check.active) expect(check.expiresAt * 1000).toBeGreaterThan(Date.now() + 3500_000);
  expect(await checkAccessToken(w.database.db, w.animecon.orgId, token, systemClock)).toEqual({ active: false });
});

test('junk, empty and overlong tokens are inactive', async () => {
  for (const token of ['', 'nope', 'x'.repeat(5000), "' or 1=1 --"]) {
    expect(await checkAccessToken(w.database.db, w.furfest.orgId, token, systemClock)).toEqual({ active: false });
  }
});

test('a permission withdrawn after issuance is gone at the next check (checklist E40)', async () => {
  const token = (await serviceToken(w.furfest.base, w.apps.service)).access_token;
  const id = await integrationId(w.furfest.orgId, w.apps.service.appId);
  await changeIntegrationPermissions(w.database.db, { orgId: w.furfest.orgId, integrationId: id, scopes: ['user:read'], oboEnabled: false }, cli, systemClock);
  expect(await checkAccessToken(w.database.db, w.furfest.orgId, token, systemClock)).toMatchObject({ active: true, scopes: ['user:read'] });
  // Granted again: the token never held more than it asked for, and gets it back.
  await changeIntegrationPermissions(w.database.db, { orgId: w.furfest.orgId, integrationId: id, scopes: ['user:read', 'registration:read'], oboEnabled: false }, cli, systemClock);
  expect(await checkAccessToken(w.database.db, w.furfest.orgId, token, systemClock)).toMatchObject({ active: true, scopes: ['user:read', 'registration:read'] });
});

test('a removed integration makes its tokens inactive at once, and no new token is issued', async () => {
  const token = (await serviceToken(w.furfest.base, w.apps.other)).access_token;
  expect((await checkAccessToken(w.database.db, w.furfest.orgId, token, systemClock)).active).toBe(true);
  await removeIntegration(w.database.db, { orgId: w.furfest.orgId, integrationId: await integrationId(w.furfest.orgId, w.apps.other.appId) }, cli, systemClock);
  expect(await checkAccessToken(w.database.db, w.furfest.orgId, token, systemClock)).toEqual({ active: false });
});

test('an app that is no longer approved has no active token', async () => {
  const token = (await serviceToken(w.animecon.base, w.apps.animeconOnly)).access_token;
  expect((await checkAccessToken(w.database.db, w.animecon.orgId, token, systemClock)).active).toBe(true);
  await w.database.db.updateTable('apps').set({ status: 'revoked' }).where('id', '=', w.apps.animeconOnly.appId).execute();
  expect(await checkAccessToken(w.database.db, w.animecon.orgId, token, systemClock)).toEqual({ active: false });
});

test('an expired token is inactive', async () => {
  const token = (await serviceToken(w.animecon.base, w.apps.service)).access_token;
  const later = { now: () => new Date(Date.now() + 3601_000) };
  expect(await checkAccessToken(w.database.db, w.animecon.orgId, token, later)).toEqual({ active: false });
});

test('bug: a token saved under a grant the user just revoked stayed active at the API; a token whose grant is gone is inactive', async () => {
  const user = { id: await addUser(w.database.db, w.furfest.orgId, 'racer', null, systemClock) };
  const token = await storedOboToken(w.database.db, w.furfest.orgId, w.apps.oboOnly.clientId, user.id, 'pii:basic');
  expect(await checkAccessToken(w.database.db, w.furfest.orgId, token, systemClock)).toMatchObject({ active: true, userId: user.id, scopes: ['pii:basic'] });
  // The revocation deleted the grant; the token record itself survived (saved by a racing refresh).
  await w.database.db.deleteFrom('oauth_records').where('org_id', '=', w.furfest.orgId).where('model', '=', 'Grant').where('account_id', '=', String(user.id)).execute();
  expect(await checkAccessToken(w.database.db, w.furfest.orgId, token, systemClock)).toEqual({ active: false });
});
