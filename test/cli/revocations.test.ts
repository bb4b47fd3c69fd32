import { afterAll, beforeAll, expect, test } from 'vitest';
import { systemClock } from '../../src/clock.js';
import { openDatabase } from '../../src/db/database.js';
import { DAY_MS } from '../../src/platform/inactivity.js';
import type { SweepReport } from '../../src/platform/revocation-sweep.js';
import { addDeveloperApp } from '../instance/fixtures.js';
import { runCli } from '../support/cli.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';

let testDb: TestDatabase;
let env: NodeJS.ProcessEnv;
beforeAll(async () => {
  testDb = await createTestDatabase();
  env = { CONCAT_DATA_DIR: testDb.dataDir, DATABASE_URL: testDb.url };
  expect((await runCli(['migrate'], env)).code).toBe(0);
});
afterAll(async () => {
  await testDb.cleanup();
});

/** The calendar day `days` from now, as YYYY-MM-DD. */
const dayFromNow = (days: number) => new Date(Date.now() + days * DAY_MS).toISOString().slice(0, 10);

test('revocations sweep previews a date with --dry-run --json, acts now without it, and refuses --as-of without --dry-run or malformed', async () => {
  const database = openDatabase(testDb.url);
  try {
    const { appId, clientId } = await addDeveloperApp(database.db, { name: 'Dormant Scanner', status: 'approved' }, systemClock);

    const preview = await runCli(['revocations', 'sweep', '--as-of', dayFromNow(340), '--dry-run', '--json'], env);
    expect(preview.code, preview.stderr).toBe(0);
    const report = JSON.parse(preview.stdout) as SweepReport;
    expect(report.asOf).toBe(`${dayFromNow(340)}T00:00:00.000Z`);
    expect(report.warned).toMatchObject([{ appId, clientId, appName: 'Dormant Scanner', daysBefore: 30 }]);
    expect(report.revoked).toEqual([]);
    expect(await database.db.selectFrom('revocation_notices').selectAll().execute()).toEqual([]);
    expect(await database.db.selectFrom('mail_messages').selectAll().execute()).toEqual([]);

    const later = await runCli(['revocations', 'sweep', '--as-of', `${dayFromNow(400)}T12:30:00Z`, '--dry-run'], env);
    expect(later.code, later.stderr).toBe(0);
    expect(later.stdout).toContain('dry run');
    // Never warned: the app would be warned first, and revoked 7 days later.
    expect(later.stdout).toMatch(/Would warn:\n {2}Dormant Scanner \(API ID \d+\): 7 days before revocation on /);

    // Acting happens now only: the app's approval is moved back 400 days instead.
    const refusedForReal = await runCli(['revocations', 'sweep', '--as-of', dayFromNow(400)], env);
    expect(refusedForReal.code).toBe(2);
    expect(refusedForReal.stderr).toContain('use it with --dry-run');
    const approvedAt = new Date(Date.now() - 400 * DAY_MS).toISOString();
    await database.db.updateTable('apps').set({ activated_at: approvedAt, created_at: approvedAt }).where('id', '=', appId).execute();
    const warned = await runCli(['revocations', 'sweep'], env);
    expect(warned.code, warned.stderr).toBe(0);
    expect(warned.stdout).toMatch(/Warned:\n {2}Dormant Scanner/);
    // A week on (the warning was sent 7 days ago): revoked.
    await database.db.updateTable('revocation_notices').set({ sent_at: new Date(Date.now() - 7 * DAY_MS).toISOString() }).where('app_id', '=', appId).execute();
    const swept = await runCli(['revocations', 'sweep'], env);
    expect(swept.code, swept.stderr).toBe(0);
    expect(swept.stdout).toMatch(/Revoked:\n {2}Dormant Scanner/);
    const app = await database.db.selectFrom('apps').select(['status', 'revoke_reason']).where('id', '=', appId).executeTakeFirstOrThrow();
    expect(app.status).toBe('revoked');
    expect(app.revoke_reason).toMatch(/^No activity \(no token issued, API call or webhook acknowledged\) since .*: 400 days$/);
    const mails = await database.db.selectFrom('mail_messages').select('kind').orderBy('id').execute();
    expect(mails).toEqual([{ kind: 'app.inactivity-warning' }, { kind: 'app.revoked' }]);

    for (const bad of ['tomorrow', '2027-02-30', '2027-03-01T12:00']) {
      const refused = await runCli(['revocations', 'sweep', '--as-of', bad, '--dry-run'], env);
      expect(refused.code, bad).toBe(2);
      expect(refused.stderr).toContain('--as-of must be an ISO date');
    }
  } finally {
    await database.close();
  }
});
