import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isoTimestamp, ManualClock } from '../../src/clock.js';
import type { Database } from '../../src/db/database.js';
import { revokeApp } from '../../src/platform/app-revocation.js';
import { DAY_MS } from '../../src/platform/inactivity.js';
import { createOperator } from '../../src/platform/operators.js';
import { formatUtcDate } from '../../src/platform/revocation-mail.js';
import { inactivityOutlook } from '../../src/platform/revocation-sweep.js';
import { addOrg, type FixtureOrg } from '../instance/fixtures.js';
import { startTestPlatform, type TestPlatform } from '../support/platform.js';
import { WebClient } from '../support/web-client.js';
import { insertApp, insertDeveloper } from './portal-fixtures.js';

const PASSWORD = 'developer password 1';
const OPERATOR = { email: 'ops@example.org', password: 'operator password 1' };

/** Where an app stands against the inactivity rule, as its developer and the operators see it. */
describe('the inactivity outlook', () => {
  let t: TestPlatform;
  let database: Database;
  let furfest: FixtureOrg;
  let animecon: FixtureOrg;
  const clock = new ManualClock('2026-09-01T10:00:00.000Z');

  beforeAll(async () => {
    t = await startTestPlatform({}, {
      clock,
      beforeListen: async (db) => {
        await createOperator(db, { email: OPERATOR.email, name: 'Olive Ops', password: OPERATOR.password }, { type: 'system', id: null }, clock);
        furfest = await addOrg(db, 'furfest', 'Lakeshore FurFest', clock);
        animecon = await addOrg(db, 'animecon', 'Harborview Anime Con', clock);
      },
    });
    database = t.platform.database;
  });
  afterAll(async () => {
    await t.stop();
  });

  async function approvedApp(name: string) {
    const developer = await insertDeveloper(database.db, clock, { password: PASSWORD });
    const app = await insertApp(database.db, clock, developer.id, { name, status: 'approved' });
    await database.db.updateTable('apps').set({ activated_at: isoTimestamp(clock.now()) }).where('id', '=', app.id).execute();
    return { ...app, developer };
  }

  async function signedIn(path: string, credentials: { email: string; password: string }): Promise<WebClient> {
    const client = new WebClient(t.baseUrl);
    await client.get(`${path}/login`);
    expect((await client.post(`${path}/login`, { ...credentials, next: path })).status).toBe(303);
    return client;
  }

  it('counts from the approval, then from the latest use in any instance; nothing for revoked apps', async () => {
    const app = await approvedApp('Outlook');
    const approvedAt = isoTimestamp(clock.now());
    expect(await inactivityOutlook(database.db, app.id, t.config, clock)).toEqual({ lastActiveAt: null, instances: [], revokeOn: isoTimestamp(new Date(clock.now().getTime() + 365 * DAY_MS)) });

    clock.advance(10 * DAY_MS);
    t.platform.usage.record({ kind: 'token-issued', clientId: app.clientId, orgId: furfest.orgId });
    await t.platform.usage.flush();
    clock.advance(DAY_MS);
    const usedAt = isoTimestamp(clock.now());
    t.platform.usage.record({ kind: 'token-issued', clientId: app.clientId, orgId: animecon.orgId });
    await t.platform.usage.flush();
    const outlook = await inactivityOutlook(database.db, app.id, t.config, clock);
    expect(outlook).toEqual({
      lastActiveAt: usedAt,
      instances: [
        { instanceName: 'Harborview Anime Con', lastActiveAt: usedAt },
        { instanceName: 'Lakeshore FurFest', lastActiveAt: isoTimestamp(new Date(new Date(approvedAt).getTime() + 10 * DAY_MS)) },
      ],
      revokeOn: isoTimestamp(new Date(new Date(usedAt).getTime() + 365 * DAY_MS)),
    });

    // The developer and the operators read the same date.
    const revokeDay = formatUtcDate(outlook?.revokeOn ?? '');
    const portal = await signedIn('/portal', { email: app.developer.email, password: PASSWORD });
    const portalPage = await portal.get(`/portal/apps/${app.id}`);
    expect(portalPage.body).toContain('<h2 id="activity">Activity</h2>');
    expect(portalPage.body).toContain(revokeDay);
    expect(portalPage.body).toContain('You are warned by email 30 and 7 days before.');
    const operator = await signedIn('/console', OPERATOR);
    const consolePage = await operator.get(`/console/apps/${app.id}`);
    expect(consolePage.body).toContain(revokeDay);
    expect(consolePage.body).toContain('Its developer is warned by email 30 and 7 days before.');

    await revokeApp(database.db, { app: { appId: app.id }, reason: 'Test', actor: { type: 'cli' } }, clock);
    expect(await inactivityOutlook(database.db, app.id, t.config, clock)).toBeUndefined();
    expect((await portal.get(`/portal/apps/${app.id}`)).body).not.toContain('<h2 id="activity">');
  });
});
