/**
 * Housekeeping and the revocation lifecycle (issue 8), through HTTP with a clock the test moves:
 * a suspended integration says why, can be re-enabled once the platform approves the app again,
 * and an overdue deletion shows to the org admins of the instance concerned, past the deadline only.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import { approveReactivation, requestReactivation } from '../../src/platform/app-reactivation.js';
import { revokeApp } from '../../src/platform/app-revocation.js';
import { attestDeletion } from '../../src/platform/deletion-duty.js';
import { createIntegration } from '../../src/platform/integrations.js';
import { createOperator } from '../../src/platform/operators.js';
import { addDeveloperApp, addOrg, addUser, grantRole } from '../instance/fixtures.js';
import { startTestPlatform, type TestPlatform } from '../support/platform.js';
import type { WebClient } from '../support/web-client.js';
import { signedIn } from './housekeeping-support.js';

const HOUR = 60 * 60 * 1000;
const DAY = 24 * HOUR;
const CLI = { actor: { type: 'cli' as const }, ip: null };
const PASSWORDS = { furfest: 'furfest admin password', animecon: 'animecon admin password', plain: 'plain user password' };
const publicUrl = new URL('https://platform.example.org');

describe('Housekeeping: suspended integrations and overdue deletions', () => {
  const clock = new ManualClock('2026-06-01T10:00:00.000Z');
  let t: TestPlatform;
  let ids: { furfest: number; animecon: number; appId: number; clientId: number; developerId: number; furfestIntegration: number; animeconIntegration: number; otherIntegration: number };

  beforeAll(async () => {
    let seeded: typeof ids | undefined;
    t = await startTestPlatform({}, {
      clock,
      beforeListen: async (database) => {
        const db = database.db;
        const furfest = await addOrg(database, 'furfest', 'Lakeshore FurFest', clock);
        const animecon = await addOrg(database, 'animecon', 'Harborview Anime Con', clock);
        await grantRole(db, furfest.orgId, await addUser(db, furfest.orgId, 'admin', PASSWORDS.furfest, clock), ['oauth:manage'], clock);
        await grantRole(db, animecon.orgId, await addUser(db, animecon.orgId, 'admin', PASSWORDS.animecon, clock), ['oauth:manage'], clock);
        await addUser(db, furfest.orgId, 'plain', PASSWORDS.plain, clock);
        const app = await addDeveloperApp(db, { name: 'Badge Service', status: 'approved' }, clock);
        const other = await addDeveloperApp(db, { name: 'Schedule Tool', status: 'approved' }, clock);
        const { developer_id: developerId } = await db.selectFrom('apps').select('developer_id').where('id', '=', app.appId).executeTakeFirstOrThrow();
        seeded = {
          furfest: furfest.orgId,
          animecon: animecon.orgId,
          appId: app.appId,
          clientId: app.clientId,
          developerId: developerId ?? 0,
          furfestIntegration: await createIntegration(db, { orgId: furfest.orgId, appId: app.appId, scopes: ['user:read', 'registration:read'], oboEnabled: true }, CLI, clock),
          animeconIntegration: await createIntegration(db, { orgId: animecon.orgId, appId: app.appId, scopes: ['user:read'], oboEnabled: false }, CLI, clock),
          otherIntegration: await createIntegration(db, { orgId: furfest.orgId, appId: other.appId, scopes: ['user:read'], oboEnabled: false }, CLI, clock),
        };
        await createOperator(database, { email: 'ops@example.org', name: 'Olive Ops', password: 'operator-password-1' }, { type: 'system', id: null }, clock);
      },
    });
    if (seeded === undefined) throw new Error('not seeded');
    ids = seeded;
  });
  afterAll(async () => {
    await t.stop();
  });

  const db = () => t.platform.database.db;
  const furfestAdmin = () => signedIn(t, 'furfest', 'admin', PASSWORDS.furfest);
  const animeconAdmin = () => signedIn(t, 'animecon', 'admin', PASSWORDS.animecon);
  const integrationPath = (slug: string, id: number) => `/o/${slug}/housekeeping/integrations/${id}`;
  const statusOf = async (id: number) => (await db().selectFrom('integrations').select('status').where('id', '=', id).executeTakeFirstOrThrow()).status;

  async function page(client: WebClient, path: string): Promise<string> {
    const response = await client.get(path);
    expect(response.status, response.body).toBe(200);
    return response.body;
  }

  it('walks through revocation, the deadline, reactivation and re-enabling', async () => {
    const revocation = await revokeApp(db(), { app: { appId: ids.appId }, reason: 'Breach of the data policy', actor: { type: 'cli' } }, clock);
    let furfest = await furfestAdmin();

    // Suspended, with the reason and date; no re-enable while revoked, and no notice before the deadline.
    const list = await page(furfest, '/o/furfest/housekeeping/integrations');
    expect(list).toContain('<span class="status">app revoked</span>');
    expect(list).toContain('<span class="status">suspended</span>: ConCat revoked the app on <time datetime="2026-06-01T10:00:00.000Z">1 June 2026</time>');
    expect(list).not.toContain('/resume');
    expect(list).not.toContain('Overdue deletion');
    const suspended = await page(furfest, integrationPath('furfest', ids.furfestIntegration));
    expect(suspended).toContain('<h2>Suspended</h2>');
    expect(suspended).toContain('The ConCat team revoked Badge Service on <time datetime="2026-06-01T10:00:00.000Z">1 June 2026</time>.');
    expect(suspended).toContain(`must delete Lakeshore FurFest's event data by <time datetime="${revocation.deletionDueAt}">1 July 2026</time>`);
    expect(suspended).not.toContain('Breach of the data policy');
    expect(suspended).not.toContain('/resume');
    const early = await furfest.post(`${integrationPath('furfest', ids.furfestIntegration)}/resume`, {});
    expect(early.status).toBe(409);
    expect(early.body).toContain('Badge Service has had its credentials revoked, so its integration cannot be re-enabled');
    expect(await statusOf(ids.furfestIntegration)).toBe('suspended');

    // animecon's developer duty is attested; furfest's is not.
    await attestDeletion(db(), { developerId: ids.developerId, appId: ids.appId, revocationId: revocation.revocationId, orgId: ids.animecon, statement: 'All deleted', ip: null }, clock);

    // A minute before the deadline: nothing overdue.
    clock.set(new Date(new Date(revocation.deletionDueAt).getTime() - 60_000));
    furfest = await furfestAdmin();
    expect(await page(furfest, '/o/furfest/housekeeping/integrations')).not.toContain('Overdue deletion');

    // Past it: furfest's admins see the overdue deletion, animecon's see nothing of it.
    clock.set(new Date(new Date(revocation.deletionDueAt).getTime() + HOUR));
    furfest = await furfestAdmin();
    let overdue = await page(furfest, '/o/furfest/housekeeping/integrations');
    expect(overdue).toContain('<h2 class="error">Overdue deletion</h2>');
    expect(overdue).toContain("the developer has not confirmed deleting this event's data by the deadline");
    expect(overdue).toMatch(new RegExp(`<td>Badge Service<br><span class="hint">API ID ${ids.clientId}</span></td>\\s*<td><time datetime="${revocation.deletionDueAt}">1 July 2026</time></td>\\s*<td>less than a day</td>`));
    clock.advance(3 * DAY);
    furfest = await furfestAdmin();
    overdue = await page(furfest, '/o/furfest/housekeeping/integrations');
    expect(overdue).toContain('<td>3 days</td>');
    // Also on the app's own page, but not on another app's.
    expect(await page(furfest, integrationPath('furfest', ids.furfestIntegration))).toContain('Overdue deletion');
    expect(await page(furfest, integrationPath('furfest', ids.otherIntegration))).not.toContain('Overdue deletion');
    const animecon = await animeconAdmin();
    const animeconList = await page(animecon, '/o/animecon/housekeeping/integrations');
    expect(animeconList).not.toContain('Overdue deletion');
    expect(animeconList).toContain('<span class="status">suspended</span>');
    expect(await page(animecon, integrationPath('animecon', ids.animeconIntegration))).toContain("Its developer has confirmed deleting Harborview Anime Con's event data.");
    // A user without the integrations permission sees none of it.
    const plain = await signedIn(t, 'furfest', 'plain', PASSWORDS.plain);
    const refused = await plain.get('/o/furfest/housekeeping/integrations');
    expect(refused.status).toBe(403);
    expect(refused.body).not.toContain('Badge Service');

    // The platform approves the app again: the button appears, with the previous permissions named.
    const requestId = await requestReactivation(db(), { developerId: ids.developerId, appId: ids.appId, message: 'We fixed it', ip: null, publicUrl }, clock);
    const operator = await db().selectFrom('operators').select('id').executeTakeFirstOrThrow();
    await approveReactivation(db(), { operatorId: operator.id, requestId, note: '', ip: null, publicUrl }, clock);
    const resumePath = `${integrationPath('furfest', ids.furfestIntegration)}/resume`;
    const approvedList = await page(furfest, '/o/furfest/housekeeping/integrations');
    expect(approvedList).toContain('ConCat revoked the app on <time datetime="2026-06-01T10:00:00.000Z">1 June 2026</time>; approved again, waiting for you to re-enable it');
    expect(approvedList).toContain(`<form method="post" action="${resumePath}" class="inline">`);
    const ready = await page(furfest, integrationPath('furfest', ids.furfestIntegration));
    expect(ready).toContain('The integration stays suspended until you re-enable it.');
    expect(ready).toContain('Re-enabling restores the permissions below (<code>user:read</code>, <code>registration:read</code>; sign-in allowed)');
    expect(ready).toContain('<button type="submit">Re-enable Badge Service</button>');

    // Another instance's admin cannot reach it; a form without the CSRF token changes nothing.
    expect((await animecon.post(`/o/animecon/housekeeping/integrations/${ids.furfestIntegration}/resume`, {})).status).toBe(404);
    expect((await furfest.post(resumePath, { _csrf: 'forged' })).status).toBe(403);
    expect(await statusOf(ids.furfestIntegration)).toBe('suspended');

    const resumed = await furfest.post(resumePath, {});
    expect(resumed.status, resumed.body).toBe(303);
    expect(resumed.headers.location).toBe(`${integrationPath('furfest', ids.furfestIntegration)}?done=resumed`);
    const after = await page(furfest, String(resumed.headers.location));
    expect(after).toContain('Integration re-enabled with its previous permissions.');
    expect(after).not.toContain('<h2>Suspended</h2>');
    expect(after).toContain('value="registration:read" checked');
    expect(after).toContain('name="obo" value="yes" checked');
    expect(after).not.toContain('Overdue deletion');
    expect(await statusOf(ids.furfestIntegration)).toBe('active');
    expect(await page(furfest, '/o/furfest/housekeeping/integrations')).not.toContain('Overdue deletion');
    // animecon's integration stays suspended until its own admin re-enables it.
    expect(await statusOf(ids.animeconIntegration)).toBe('suspended');
    const audit = await db().selectFrom('audit_log').select(['actor_type', 'ip']).where('org_id', '=', ids.furfest).where('action', '=', 'integration.resumed').execute();
    expect(audit.map((entry) => entry.actor_type)).toEqual(['user']);
    expect(audit[0]?.ip).not.toBeNull();
  });
});
