import { once } from 'node:events';
import https from 'node:https';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrations } from '../../src/db/migrations/index.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { request } from '../support/https-client.js';
import { freePort } from '../support/platform.js';
import { runCli, spawnCli, waitForOutput } from '../support/cli.js';

describe('concat CLI', () => {
  let testDb: TestDatabase;
  let env: NodeJS.ProcessEnv;
  beforeAll(async () => {
    testDb = await createTestDatabase();
    env = { CONCAT_DATA_DIR: testDb.dataDir, DATABASE_URL: testDb.url };
  });
  afterAll(async () => {
    await testDb.cleanup();
  });

  it('lists its commands and explains each one', async () => {
    const overview = await runCli(['--help']);
    expect(overview.code).toBe(0);
    for (const name of ['serve', 'migrate', 'seed', 'create-operator', 'instance create']) expect(overview.stdout).toContain(name);
    const serveHelp = await runCli(['serve', '--help']);
    expect(serveHelp.stdout).toContain('--demo');
    expect(serveHelp.stdout).toContain('CONCAT_DATA_DIR');
    expect(serveHelp.stdout).toContain('DATABASE_URL');
  });

  it('answers a bad flag, a bad command and bad configuration with one line and exit code 2', async () => {
    const badFlag = await runCli(['migrate', '--colour'], env);
    expect(badFlag.code).toBe(2);
    expect(badFlag.stderr.trim().split('\n')).toHaveLength(1);
    expect(badFlag.stderr).toContain("concat migrate: Unknown option '--colour'");
    const badCommand = await runCli(['frobnicate'], env);
    expect(badCommand.code).toBe(2);
    expect(badCommand.stderr.trim()).toBe("concat: unknown command 'frobnicate'. Run 'concat --help' for the list.");
    const badPort = await runCli(['serve'], { ...env, PORT: 'eighty' });
    expect(badPort.code).toBe(2);
    expect(badPort.stderr.trim()).toBe('concat serve: port must be a whole number, got "eighty". Run \'concat serve --help\'.');
  });

  it('migrates, creates an operator and an instance, and reports them as JSON', async () => {
    const migrated = await runCli(['migrate', '--json'], env);
    expect(migrated.code).toBe(0);
    expect(JSON.parse(migrated.stdout)).toEqual({ applied: Object.keys(migrations) });
    expect(JSON.parse((await runCli(['migrate', '--json'], env)).stdout)).toEqual({ applied: [] });

    const operator = await runCli(['create-operator', '--email', 'Ops@Example.org', '--name', 'Ops', '--json'], env);
    expect(operator.code).toBe(0);
    const created = JSON.parse(operator.stdout) as { email: string; password: string };
    expect(created.email).toBe('ops@example.org');
    expect(created.password.length).toBeGreaterThanOrEqual(20);
    const again = await runCli(['create-operator', '--email', 'ops@example.org', '--name', 'Ops'], env);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('an operator with email ops@example.org already exists');
    const weak = await runCli(['create-operator', '--email', 'b@example.org', '--name', 'B', '--password', 'short'], env);
    expect(weak.stderr).toContain('at least 12 characters');

    const instance = await runCli(['instance', 'create', '--slug', 'bigcon', '--name', 'Big Con', '--base-url', '/o/bigcon', '--base-url', 'https://reg.bigcon.test', '--json'], env);
    expect(instance.code).toBe(0);
    const list = JSON.parse((await runCli(['instance', 'list', '--json'], env)).stdout) as { slug: string; baseUrls: string[] }[];
    expect(list).toEqual([expect.objectContaining({ slug: 'bigcon', baseUrls: ['https://localhost:8443/o/bigcon', 'https://reg.bigcon.test'] })]);
  });

  it('serve stops on SIGTERM after finishing the request in flight, then closes the database', async () => {
    const port = await freePort();
    const child = spawnCli(['serve', '--port', String(port)], env);
    await waitForOutput(child, /listening on/);
    expect((await request(`https://localhost:${port}/healthz`)).status).toBe(200);

    // A request whose body is still arriving when the signal comes.
    const inFlight = new Promise<number>((resolve, reject) => {
      const req = https.request({ host: '127.0.0.1', port, path: '/healthz', method: 'POST', rejectUnauthorized: false, headers: { host: `localhost:${port}`, 'content-type': 'application/json', 'content-length': '11' } }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      });
      req.on('error', reject);
      req.write('{"a":');
      setTimeout(() => {
        child.kill('SIGTERM');
        setTimeout(() => req.end('"bcd"}'), 300);
      }, 100);
    });
    const stopped = waitForOutput(child, /database closed/);
    expect(await inFlight).toBe(404);
    await stopped;
    const [code] = (await once(child, 'exit')) as [number | null];
    expect(code).toBe(0);
  });
});
