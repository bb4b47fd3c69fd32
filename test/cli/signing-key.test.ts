import { afterAll, beforeAll, expect, test } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { request } from '../support/https-client.js';
import { runCli } from '../support/cli.js';
import { startTestPlatform } from '../support/platform.js';

let testDb: TestDatabase;
let env: NodeJS.ProcessEnv;
beforeAll(async () => {
  testDb = await createTestDatabase();
  env = { CONCAT_DATA_DIR: testDb.dataDir, DATABASE_URL: testDb.url };
  expect((await runCli(['instance', 'create', '--slug', 'keycon', '--name', 'Key Con', '--base-url', '/o/keycon'], env)).code).toBe(0);
});
afterAll(async () => {
  await testDb.cleanup();
});

interface Key {
  kid: string;
  state: string;
}

async function keys(): Promise<Key[]> {
  const listed = await runCli(['signing-key', 'list', '--org', 'keycon', '--json'], env);
  expect(listed.code, listed.stderr).toBe(0);
  return JSON.parse(listed.stdout) as Key[];
}

test('signing-key rotate adds a published key that does not sign yet; the signing key cannot be retired, the new one can', async () => {
  const t = await startTestPlatform({}, {}, testDb);
  try {
    const jwks = async (): Promise<string[]> => (await request(`${t.baseUrl}/o/keycon/oauth/jwks`)).json<{ keys: { kid: string }[] }>().keys.map((k) => k.kid);
    const [first] = await jwks();
    expect((await keys()).map((k) => [k.kid, k.state])).toEqual([[first, 'signing']]);

    const rotated = await runCli(['signing-key', 'rotate', '--org', 'keycon', '--json'], env);
    expect(rotated.code, rotated.stderr).toBe(0);
    const { kid } = JSON.parse(rotated.stdout) as { kid: string };
    expect((await keys()).map((k) => [k.kid, k.state])).toEqual([[kid, 'published'], [first, 'signing']]);

    const refused = await runCli(['signing-key', 'retire', '--org', 'keycon', '--kid', String(first)], env);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('is the one signing');
    const unknown = await runCli(['signing-key', 'retire', '--org', 'keycon', '--kid', 'nope'], env);
    expect(unknown.code).toBe(2);
    const retired = await runCli(['signing-key', 'retire', '--org', 'keycon', '--kid', kid], env);
    expect(retired.code, retired.stderr).toBe(0);
    expect((await keys()).find((k) => k.kid === kid)?.state).toBe('retired');
    const noOrg = await runCli(['signing-key', 'list', '--org', 'nocon'], env);
    expect(noOrg.code).toBe(2);
  } finally {
    await t.stop();
  }
});
