/**
 * Review of issue 8: an org admin re-enabling a suspended integration (or adding the app again)
 * while an operator revokes the app again. Each checked the app was approved, then wrote: the
 * integration came back active under a revoked app, and the new revocation's deletion duty for the
 * instance was released at once. With the app's row locked first, one of the two goes first and
 * the other sees its outcome. PostgreSQL only: SQLite runs one write transaction at a time.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isoTimestamp, ManualClock } from '../../src/clock.js';
import type { Database } from '../../src/db/database.js';
import { approveReactivation, requestReactivation } from '../../src/platform/app-reactivation.js';
import { revokeApp } from '../../src/platform/app-revocation.js';
import { createIntegration, removeIntegration, resumeIntegration } from '../../src/platform/integrations.js';
import { createOperator } from '../../src/platform/operators.js';
import { addDeveloperApp, addOrg, type FixtureOrg } from '../instance/fixtures.js';
import { openTestDatabase, type TestDatabase } from '../support/database.js';

const ADMIN = { actor: { type: 'user' as const, userId: 1 }, ip: '203.0.113.9' };
const publicUrl = new URL('https://platform.example.org');

describe.skipIf(!/^postgres(ql)?:\/\//.test(process.env.DATABASE_URL ?? ''))('re-enabling an integration while the app is revoked again', () => {
  let database: Database;
  let testDb: TestDatabase;
  let close: () => Promise<void>;
  let furfest: FixtureOrg;
  let operatorId: number;
  const clock = new ManualClock('2026-05-01T10:00:00.000Z');

  beforeAll(async () => {
    const opened = await openTestDatabase();
    database = opened.database;
    testDb = opened.testDb;
    close = () => opened.close();
    furfest = await addOrg(database, 'furfest', 'Fur Fest', clock);
    operatorId = (await createOperator(database, { email: 'ops@example.org', name: 'Olive Ops', password: 'operator-password-1' }, { type: 'system', id: null }, clock)).id;
  });
  afterAll(async () => {
    await close();
  });

  /** An app integrated here, revoked and reactivated: its integration waits, suspended, for the admin. */
  async function reactivatedApp(name: string) {
    const app = await addDeveloperApp(database.db, { name, status: 'approved' }, clock);
    const now = isoTimestamp(clock.now());
    const integration = await database.db
      .insertInto('integrations')
      .values({ org_id: furfest.orgId, app_id: app.appId, scopes: '["user:read"]', obo_enabled: 0, status: 'active', created_by_user_id: null, created_at: now, updated_at: now })
      .returning('id')
      .executeTakeFirstOrThrow();
    await revokeApp(database.db, { app: { appId: app.appId }, reason: 'First', actor: { type: 'cli' } }, clock);
    const developer = await database.db.selectFrom('apps').select('developer_id').where('id', '=', app.appId).executeTakeFirstOrThrow();
    const requestId = await requestReactivation(database.db, { developerId: developer.developer_id ?? 0, appId: app.appId, message: 'Back', ip: null, publicUrl }, clock);
    await approveReactivation(database.db, { operatorId, requestId, note: '', ip: null, publicUrl }, clock);
    return { appId: app.appId, integrationId: integration.id };
  }

  /**
   * Runs the admin's change while a second connection holds the integration's row, so that it
   * has read the app (approved) and waits to write; revokes meanwhile; then lets it go on.
   */
  async function interleave(integrationId: number, appId: number, change: () => Promise<unknown>) {
    const holder = new pg.Client({ connectionString: testDb.url });
    // Watches outside any transaction: inside one, pg_stat_activity would stay as first read.
    const watcher = new pg.Client({ connectionString: testDb.url });
    await holder.connect();
    await watcher.connect();
    try {
      await holder.query('begin');
      await holder.query('select id from integrations where id = $1 for update', [integrationId]);
      const holderPid = (await holder.query<{ pid: number }>('select pg_backend_pid() as pid')).rows[0]?.pid;
      // Waiting on the holder, or on one that waits on the holder.
      const waiting = async () => {
        const result = await watcher.query<{ n: string }>(
          `select count(*) as n from pg_stat_activity a where $1 = any(pg_blocking_pids(a.pid))
             or exists (select 1 from pg_stat_activity b where $1 = any(pg_blocking_pids(b.pid)) and b.pid = any(pg_blocking_pids(a.pid)))`,
          [holderPid],
        );
        return Number(result.rows[0]?.n ?? 0);
      };
      const changed = change().then(
        (value) => ({ ok: true as const, value }),
        (error: unknown) => ({ ok: false as const, error }),
      );
      for (let i = 0; (await waiting()) < 1; i += 1) if (i > 5_000) throw new Error('the change never waited on the held row');
      let revokeDone = false;
      const revoked = revokeApp(database.db, { app: { appId }, reason: 'Second', actor: { type: 'cli' } }, clock).finally(() => {
        revokeDone = true;
      });
      // The revocation either completes (nothing stops it) or waits for the change.
      for (let i = 0; !revokeDone && (await waiting()) < 2; i += 1) if (i > 5_000) throw new Error('the revocation neither ended nor waited');
      await holder.query('commit');
      const [revocation, outcome] = await Promise.all([revoked, changed]);
      return { revocation, outcome };
    } finally {
      await holder.end();
      await watcher.end();
    }
  }

  async function stateOf(appId: number, integrationId: number, revocationId: number) {
    const app = await database.db.selectFrom('apps').select('status').where('id', '=', appId).executeTakeFirstOrThrow();
    const integration = await database.db.selectFrom('integrations').select('status').where('id', '=', integrationId).executeTakeFirstOrThrow();
    const duty = await database.db.selectFrom('deletion_duties').select('status').where('revocation_id', '=', revocationId).where('org_id', '=', furfest.orgId).executeTakeFirst();
    return { app: app.status, integration: integration.status, duty: duty?.status };
  }

  it('re-enabling: the revoked app never ends up with an active integration, and its new duty stays open', async () => {
    const { appId, integrationId } = await reactivatedApp('Racer One');
    const { revocation } = await interleave(integrationId, appId, () => resumeIntegration(database.db, { orgId: furfest.orgId, integrationId }, ADMIN, clock));
    expect(await stateOf(appId, integrationId, revocation.revocationId)).toEqual({ app: 'revoked', integration: 'suspended', duty: 'open' });
  });

  it('adding a removed integration again: the same', async () => {
    const { appId, integrationId } = await reactivatedApp('Racer Two');
    await removeIntegration(database.db, { orgId: furfest.orgId, integrationId }, ADMIN, clock);
    const { revocation } = await interleave(integrationId, appId, () => createIntegration(database.db, { orgId: furfest.orgId, appId, scopes: ['user:read'], oboEnabled: false }, ADMIN, clock));
    expect(await stateOf(appId, integrationId, revocation.revocationId)).toEqual({ app: 'revoked', integration: 'suspended', duty: 'open' });
  });
});
