import { spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from '../support/database.js';
import { request } from '../support/https-client.js';
import { freePort } from '../support/platform.js';
import { repoRoot, waitForOutput } from '../support/cli.js';

/**
 * `npm start` runs the compiled build, not the sources: pins the bug where the build lacked the
 * stylesheet (a non-TypeScript file) and crashed on start.
 */
describe('the compiled build', () => {
  // Inside the repository, so the build resolves its packages from node_modules.
  const cacheDir = path.join(repoRoot, 'node_modules/.cache');
  mkdirSync(cacheDir, { recursive: true });
  const outDir = mkdtempSync(path.join(cacheDir, 'concat-build-'));
  afterAll(() => rmSync(outDir, { recursive: true, force: true }));

  it('starts and serves its pages and assets', { timeout: 120_000 }, async () => {
    const tsc = spawnSync(process.execPath, [path.join(repoRoot, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json', '--outDir', outDir], { cwd: repoRoot, encoding: 'utf8' });
    expect(tsc.status, tsc.stdout).toBe(0);
    const testDb = await createTestDatabase();
    const port = await freePort();
    const child = spawn(process.execPath, [path.join(outDir, 'cli/main.js'), 'serve', '--port', String(port)], {
      cwd: repoRoot,
      env: { ...process.env, CONCAT_DATA_DIR: testDb.dataDir, DATABASE_URL: testDb.url, LOG_LEVEL: 'silent' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      await waitForOutput(child, /listening on/);
      expect((await request(`https://localhost:${port}/assets/style.css`)).status).toBe(200);
      expect((await request(`https://localhost:${port}/`)).status).toBe(200);
    } finally {
      child.kill('SIGTERM');
      await once(child, 'exit');
      await testDb.cleanup();
    }
  });
});
