import { afterAll, beforeAll, expect, test } from 'vitest';
import { systemClock } from '../../src/clock.js';
import { openDatabase } from '../../src/db/database.js';
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

test('apps revoke revokes an approved app once, prints JSON, and refuses unknown or malformed client ids', async () => {
  const database = openDatabase(testDb.url);
  try {
    const { appId, clientId } = await addDeveloperApp(database.db, { name: 'CLI Target', status: 'approved' }, systemClock);

    const revoked = await runCli(['apps', 'revoke', String(clientId), '--reason', 'Asked by the event', '--json'], env);
    expect(revoked.code, revoked.stderr).toBe(0);
    const result = JSON.parse(revoked.stdout) as { appId: number; clientId: number; revokedAt: string; deletionDueAt: string; emailed: boolean };
    expect(result).toMatchObject({ appId, clientId, emailed: true });
    expect(new Date(result.deletionDueAt).getTime() - new Date(result.revokedAt).getTime()).toBe(30 * 24 * 60 * 60 * 1000);
    const app = await database.db.selectFrom('apps').select(['status', 'revoke_reason']).where('id', '=', appId).executeTakeFirstOrThrow();
    expect(app).toEqual({ status: 'revoked', revoke_reason: 'Asked by the event' });
    const audit = await database.db.selectFrom('audit_log').select(['actor_type']).where('action', '=', 'app.revoked').where('target_id', '=', String(appId)).execute();
    expect(audit).toEqual([{ actor_type: 'cli' }]);

    const again = await runCli(['apps', 'revoke', String(clientId), '--reason', 'again'], env);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('already revoked');

    const unknown = await runCli(['apps', 'revoke', '999999999', '--reason', 'r', '--json'], env);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('no app with this API ID');
    for (const args of [['apps', 'revoke', 'abc', '--reason', 'r'], ['apps', 'revoke', String(clientId)], ['apps', 'revoke', '--reason', 'r'], ['apps', 'revoke', '1', '2', '--reason', 'r']]) {
      const refused = await runCli(args, env);
      expect(refused.code, args.join(' ')).toBe(2);
    }
  } finally {
    await database.close();
  }
});
