import { createServer } from 'node:net';
import { resolveConfig, type Config, type RawSettings } from '../../src/config.js';
import { startPlatform, type RunningPlatform, type StartOptions } from '../../src/main.js';
import { createTestDatabase, type TestDatabase } from './database.js';

export interface TestPlatform {
  platform: RunningPlatform;
  config: Config;
  /** https://localhost:<port> */
  baseUrl: string;
  port: number;
  testDb: TestDatabase;
  stop(): Promise<void>;
}

/** A free TCP port on loopback (released before use: fine for tests on one machine). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Starts the real platform (HTTPS, real database) on a free port with its own data directory. */
export async function startTestPlatform(settings: RawSettings = {}, options: StartOptions = {}, testDb?: TestDatabase): Promise<TestPlatform> {
  const db = testDb ?? (await createTestDatabase());
  const port = await freePort();
  const config = resolveConfig({ port: String(port), dataDir: db.dataDir, databaseUrl: db.url, logLevel: 'silent', ...settings });
  const platform = await startPlatform(config, { logger: false, ...options });
  return {
    platform,
    config,
    baseUrl: `https://localhost:${port}`,
    port,
    testDb: db,
    async stop() {
      await platform.close();
      if (testDb === undefined) await db.cleanup();
    },
  };
}
