/**
 * Review of issue 8: the new forms' text fields (revocation reason, attestation statement,
 * reactivation message, the operator's notes) answer a NUL character with a clear 4xx, on both
 * engines; PostgreSQL cannot store one in text, so unchecked it became a 500.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isoTimestamp, ManualClock } from '../../src/clock.js';
import type { Database } from '../../src/db/database.js';
import { requestReactivation } from '../../src/platform/app-reactivation.js';
import { revokeApp } from '../../src/platform/app-revocation.js';
import { createOperator } from '../../src/platform/operators.js';
import { addOrg, type FixtureOrg } from '../instance/fixtures.js';
import { startTestPlatform, type TestPlatform } from '../support/platform.js';
import { WebClient } from '../support/web-client.js';
import { insertApp, insertDeveloper } from '../pages/portal-fixtures.js';

const OPERATOR = { email: 'ops@example.org', password: 'operator password 1' };
const DEVELOPER_PASSWORD = 'developer password 1';
const NUL = 'deleted\u0000everything';

describe('NUL characters in the revocation forms', () => {
  let platform: TestPlatform;
  let database: Database;
  let furfest: FixtureOrg;
  const clock = new ManualClock(new Date());

  beforeAll(async () => {
    platform = await startTestPlatform({}, {
      clock,
      beforeListen: async (db) => {
        await createOperator(db, { email: OPERATOR.email, name: 'Olive Ops', password: OPERATOR.password }, { type: 'system', id: null }, clock);
        furfest = await addOrg(db, 'furfest', 'Fur Fest', clock);
      },
    });
    database = platform.platform.database;
  });
  afterAll(async () => {
    await platform.stop();
  });

  const developerApp = async (name: string) => {
    const developer = await insertDeveloper(database.db, clock, { password: DEVELOPER_PASSWORD });
    const app = await insertApp(database.db, clock, developer.id, { name, status: 'approved' });
    const now = isoTimestamp(clock.now());
    await database.db.insertInto('integrations').values({ org_id: furfest.orgId, app_id: app.id, scopes: '["user:read"]', obo_enabled: 0, status: 'active', created_by_user_id: null, created_at: now, updated_at: now }).execute();
    const portal = new WebClient(platform.baseUrl);
    await portal.get('/portal/login');
    expect((await portal.post('/portal/login', { email: developer.email, password: DEVELOPER_PASSWORD, next: '/portal' })).status).toBe(303);
    return { appId: app.id, developerId: developer.id, portal };
  };
  const statusOf = async (appId: number) => (await database.db.selectFrom('apps').select('status').where('id', '=', appId).executeTakeFirstOrThrow()).status;
  const expect4xx = (status: number) => {
    expect(status).toBeGreaterThanOrEqual(400);
    expect(status).toBeLessThan(500);
  };

  it('portal: the revocation reason, the attestation statement and the reactivation message', async () => {
    const app = await developerApp('Nul Portal');
    await app.portal.get(`/portal/apps/${app.appId}/revoke`);
    expect4xx((await app.portal.post(`/portal/apps/${app.appId}/revoke`, { confirmName: 'Nul Portal', reason: NUL })).status);
    expect(await statusOf(app.appId)).toBe('approved');

    const { revocationId } = await revokeApp(database.db, { app: { appId: app.appId }, reason: 'Stopped', actor: { type: 'cli' } }, clock);
    await app.portal.get(`/portal/apps/${app.appId}`);
    const key = `${revocationId}-${furfest.orgId}`;
    expect4xx((await app.portal.post(`/portal/apps/${app.appId}/revocations/${revocationId}/deletions/${furfest.orgId}`, { [`statement-${key}`]: NUL, [`confirm-${key}`]: 'yes' })).status);
    expect4xx((await app.portal.post(`/portal/apps/${app.appId}/reactivation`, { message: NUL })).status);
  });

  it('console: the revocation reason and the notes of a reactivation decision', async () => {
    const console = new WebClient(platform.baseUrl);
    await console.get('/console/login');
    expect((await console.post('/console/login', { email: OPERATOR.email, password: OPERATOR.password, next: '/console' })).status).toBe(303);

    const app = await developerApp('Nul Console');
    await console.get(`/console/apps/${app.appId}`);
    expect4xx((await console.post(`/console/apps/${app.appId}/revoke`, { revokeReason: NUL, confirm: 'yes' })).status);
    expect(await statusOf(app.appId)).toBe('approved');

    await revokeApp(database.db, { app: { appId: app.appId }, reason: 'Stopped', actor: { type: 'cli' } }, clock);
    const requestId = await requestReactivation(database.db, { developerId: app.developerId, appId: app.appId, message: 'Back again', ip: null, publicUrl: new URL(platform.baseUrl) }, clock);
    await console.get(`/console/apps/${app.appId}`);
    expect4xx((await console.post(`/console/apps/${app.appId}/reactivations/${requestId}/decline`, { declineNote: NUL })).status);
    expect4xx((await console.post(`/console/apps/${app.appId}/reactivations/${requestId}/approve`, { approvalNote: NUL })).status);
    expect(await statusOf(app.appId)).toBe('revoked');
  });
});
