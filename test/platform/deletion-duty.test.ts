import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isoTimestamp, ManualClock } from '../../src/clock.js';
import type { Database } from '../../src/db/database.js';
import { revokeApp } from '../../src/platform/app-revocation.js';
import { attestDeletion, DeletionAttestationError, listOverdueDuties, listRevocations, releaseDeletionDuties } from '../../src/platform/deletion-duty.js';
import { addDeveloperApp, addOrg, type FixtureOrg } from '../instance/fixtures.js';
import { openTestDatabase } from '../support/database.js';

const DAY_MS = 24 * 60 * 60 * 1000;

describe('the deletion duty after a revocation', () => {
  let database: Database;
  let close: () => Promise<void>;
  let furfest: FixtureOrg;
  let animecon: FixtureOrg;
  const clock = new ManualClock('2026-05-01T08:00:00.000Z');

  beforeAll(async () => {
    const opened = await openTestDatabase();
    database = opened.database;
    close = () => opened.close();
    furfest = await addOrg(database, 'furfest', 'Fur Fest', clock);
    animecon = await addOrg(database, 'animecon', 'Anime Con', clock);
  });
  afterAll(async () => {
    await close();
  });

  /** An app integrated in both instances, revoked now; with its developer's id. */
  async function revokedApp(name: string) {
    const app = await addDeveloperApp(database.db, { name, status: 'approved' }, clock);
    const now = isoTimestamp(clock.now());
    for (const orgId of [furfest.orgId, animecon.orgId]) {
      await database.db.insertInto('integrations').values({ org_id: orgId, app_id: app.appId, scopes: '["user:read"]', obo_enabled: 0, status: 'active', created_by_user_id: null, created_at: now, updated_at: now }).execute();
    }
    const developer = await database.db.selectFrom('apps').select('developer_id').where('id', '=', app.appId).executeTakeFirstOrThrow();
    const revocation = await revokeApp(database.db, { app: { appId: app.appId }, reason: 'Test', actor: { type: 'cli' } }, clock);
    return { ...app, developerId: developer.developer_id ?? 0, revocationId: revocation.revocationId };
  }

  it('lists each instance as open, then attested with the statement, each with its date', async () => {
    const app = await revokedApp('Attester');
    clock.advance(DAY_MS);
    const first = await attestDeletion(database.db, { developerId: app.developerId, appId: app.appId, revocationId: app.revocationId, orgId: furfest.orgId, statement: '  Dropped the attendees table and its backups  ', ip: '198.51.100.4' }, clock);
    expect(first).toEqual({ remainingOpen: 1 });
    let [record] = await listRevocations(database.db, app.appId, clock);
    expect(record?.duties.map((d) => [d.instanceName, d.status, d.statement])).toEqual([
      ['Anime Con', 'open', ''],
      ['Fur Fest', 'attested', 'Dropped the attendees table and its backups'],
    ]);

    expect(await attestDeletion(database.db, { developerId: app.developerId, appId: app.appId, revocationId: app.revocationId, orgId: animecon.orgId, statement: '', ip: null }, clock)).toEqual({ remainingOpen: 0 });
    [record] = await listRevocations(database.db, app.appId, clock);
    expect(record?.duties.map((d) => [d.status, d.attestedAt])).toEqual([
      ['attested', isoTimestamp(clock.now())],
      ['attested', isoTimestamp(clock.now())],
    ]);

    // Kept in the platform's audit log and in each instance's.
    const audit = await database.db.selectFrom('audit_log').select(['org_id', 'actor_type', 'actor_id']).where('action', '=', 'app.deletion-attested').where('target_id', '=', String(app.appId)).execute();
    expect(audit.map((a) => a.org_id).sort()).toEqual([null, null, furfest.orgId, animecon.orgId].sort());
    expect(audit.every((a) => a.actor_type === 'developer' && a.actor_id === String(app.developerId))).toBe(true);
  });

  it('refuses a second attestation, also two at once, and another developer', async () => {
    const app = await revokedApp('Twice');
    const attempt = () => attestDeletion(database.db, { developerId: app.developerId, appId: app.appId, revocationId: app.revocationId, orgId: furfest.orgId, statement: 'done', ip: null }, clock);
    const results = await Promise.allSettled([attempt(), attempt(), attempt()]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    await expect(attempt()).rejects.toThrow(/already attested/);
    const other = await addDeveloperApp(database.db, { name: 'Other', status: 'approved' }, clock);
    const otherDeveloper = await database.db.selectFrom('apps').select('developer_id').where('id', '=', other.appId).executeTakeFirstOrThrow();
    await expect(attestDeletion(database.db, { developerId: otherDeveloper.developer_id ?? 0, appId: app.appId, revocationId: app.revocationId, orgId: animecon.orgId, statement: '', ip: null }, clock)).rejects.toMatchObject({ notFound: true });
    await expect(attestDeletion(database.db, { developerId: app.developerId, appId: app.appId, revocationId: app.revocationId, orgId: animecon.orgId, statement: 'x'.repeat(2001), ip: null }, clock)).rejects.toBeInstanceOf(DeletionAttestationError);
    const audits = await database.db.selectFrom('audit_log').select('id').where('action', '=', 'app.deletion-attested').where('target_id', '=', String(app.appId)).execute();
    expect(audits).toHaveLength(2);
  });

  it('is overdue only past the deadline with duties open, for operators and for the instance concerned', async () => {
    const app = await revokedApp('Late');
    const due = new Date(clock.now().getTime() + 30 * DAY_MS);
    await attestDeletion(database.db, { developerId: app.developerId, appId: app.appId, revocationId: app.revocationId, orgId: animecon.orgId, statement: '', ip: null }, clock);
    const laterClock = new ManualClock(new Date(due.getTime() - 1));
    expect((await listOverdueDuties(database.db, {}, laterClock)).filter((d) => d.appId === app.appId)).toEqual([]);
    laterClock.set(due);
    const overdue = (await listOverdueDuties(database.db, {}, laterClock)).filter((d) => d.appId === app.appId);
    expect(overdue).toEqual([{ appId: app.appId, clientId: app.clientId, appName: 'Late', revocationId: app.revocationId, deletionDueAt: isoTimestamp(due), orgId: furfest.orgId, instanceName: 'Fur Fest' }]);
    expect((await listOverdueDuties(database.db, { orgId: animecon.orgId }, laterClock)).filter((d) => d.appId === app.appId)).toEqual([]);
    expect((await listOverdueDuties(database.db, { orgId: furfest.orgId }, laterClock)).filter((d) => d.appId === app.appId)).toHaveLength(1);
    const [record] = await listRevocations(database.db, app.appId, laterClock);
    expect(record?.overdue).toBe(true);

    // Released (the org admin re-enabled the integration): no longer overdue, nothing to attest.
    await database.db.transaction().execute((trx) => releaseDeletionDuties(trx, { appId: app.appId, orgId: furfest.orgId }, laterClock));
    expect((await listOverdueDuties(database.db, {}, laterClock)).filter((d) => d.appId === app.appId)).toEqual([]);
    await expect(attestDeletion(database.db, { developerId: app.developerId, appId: app.appId, revocationId: app.revocationId, orgId: furfest.orgId, statement: '', ip: null }, laterClock)).rejects.toThrow(/re-enabled/);
  });
});
