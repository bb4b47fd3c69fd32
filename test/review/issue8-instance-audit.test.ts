/**
 * Review of issue 8: what the revocation lifecycle writes into an instance's audit log, which its
 * org admins read on the Housekeeping audit page. The overdue-deletion entry must not name the
 * other instances the revoked app was integrated in (one customer must not learn another's use of
 * the app), and a developer's attestation must not hand the instance the developer's IP address
 * (the platform's own entry keeps it).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isoTimestamp, ManualClock } from '../../src/clock.js';
import type { Database } from '../../src/db/database.js';
import { revokeApp } from '../../src/platform/app-revocation.js';
import { attestDeletion } from '../../src/platform/deletion-duty.js';
import { DAY_MS } from '../../src/platform/inactivity.js';
import { sweepRevocations } from '../../src/platform/revocation-sweep.js';
import { auditLogPage } from '../../src/pages/housekeeping/audit-entries.js';
import { addDeveloperApp, addOrg, type FixtureOrg } from '../instance/fixtures.js';
import { openTestDatabase } from '../support/database.js';

const settings = { inactivityDays: 365, inactivityWarningDays: [30, 7], publicUrl: new URL('https://platform.example.org') };

describe('the overdue-deletion audit entry of an instance', () => {
  let database: Database;
  let close: () => Promise<void>;
  let furfest: FixtureOrg;
  let animecon: FixtureOrg;
  const clock = new ManualClock('2026-03-01T10:00:00.000Z');

  beforeAll(async () => {
    const opened = await openTestDatabase();
    database = opened.database;
    close = () => opened.close();
    furfest = await addOrg(database, 'furfest', 'Lakeshore FurFest', clock);
    animecon = await addOrg(database, 'animecon', 'Harborview Anime Con', clock);
  });
  afterAll(async () => {
    await close();
  });

  it('names only that instance; the platform entry names all', async () => {
    const app = await addDeveloperApp(database.db, { name: 'Two Events', status: 'approved' }, clock);
    const now = isoTimestamp(clock.now());
    for (const org of [furfest, animecon]) {
      await database.db.insertInto('integrations').values({ org_id: org.orgId, app_id: app.appId, scopes: '["user:read"]', obo_enabled: 0, status: 'active', created_by_user_id: null, created_at: now, updated_at: now }).execute();
    }
    await revokeApp(database.db, { app: { appId: app.appId }, reason: 'Stopped', actor: { type: 'cli' } }, clock);
    clock.set(isoTimestamp(new Date(clock.now().getTime() + 31 * DAY_MS)));
    const report = await sweepRevocations(database.db, settings, clock, { dryRun: false });
    expect(report.overdue.filter((o) => o.appId === app.appId)).toHaveLength(1);

    // What furfest's org admins see in their audit log.
    const furfestEntries = (await auditLogPage(database.db, furfest.orgId, null)).entries.filter((e) => e.action === 'app.deletion-overdue');
    expect(furfestEntries).toHaveLength(1);
    expect(furfestEntries[0]?.details).toContain('furfest');
    expect(furfestEntries[0]?.details).not.toContain('animecon');
    const animeconEntries = (await auditLogPage(database.db, animecon.orgId, null)).entries.filter((e) => e.action === 'app.deletion-overdue');
    expect(animeconEntries[0]?.details).not.toContain('furfest');

    const platform = await database.db.selectFrom('audit_log').select('details').where('org_id', 'is', null).where('action', '=', 'app.deletion-overdue').executeTakeFirstOrThrow();
    expect(JSON.parse(platform.details)).toMatchObject({ openInstances: ['animecon', 'furfest'] });
  });

  it('an attestation: the instance sees who and what, not the developer’s IP address', async () => {
    const app = await addDeveloperApp(database.db, { name: 'Attester', status: 'approved' }, clock);
    const now = isoTimestamp(clock.now());
    await database.db.insertInto('integrations').values({ org_id: furfest.orgId, app_id: app.appId, scopes: '["user:read"]', obo_enabled: 0, status: 'active', created_by_user_id: null, created_at: now, updated_at: now }).execute();
    const { revocationId } = await revokeApp(database.db, { app: { appId: app.appId }, reason: 'Stopped', actor: { type: 'cli' } }, clock);
    const developer = await database.db.selectFrom('apps').select('developer_id').where('id', '=', app.appId).executeTakeFirstOrThrow();
    await attestDeletion(database.db, { developerId: developer.developer_id ?? 0, appId: app.appId, revocationId, orgId: furfest.orgId, statement: 'All gone', ip: '198.51.100.23' }, clock);

    const seen = (await auditLogPage(database.db, furfest.orgId, null)).entries.filter((e) => e.action === 'app.deletion-attested' && e.targetId === String(app.appId));
    expect(seen).toHaveLength(1);
    expect(seen[0]?.details).toContain('All gone');
    expect(seen[0]?.ip).toBeNull();
    const platform = await database.db.selectFrom('audit_log').select('ip').where('org_id', 'is', null).where('action', '=', 'app.deletion-attested').where('target_id', '=', String(app.appId)).executeTakeFirstOrThrow();
    expect(platform.ip).toBe('198.51.100.23');
  });
});
