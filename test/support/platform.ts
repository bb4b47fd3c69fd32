import { createServer } from 'node:net';
import { systemClock } from '../../src/clock.js';
import { resolveConfig, type Config, type RawSettings } from '../../src/config.js';
import { seedDemo, type DemoSummary } from '../../src/demo/seed.js';
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

/**
 * Every test client comes from 127.0.0.1 and most send their credentials in the body (anonymous),
 * so the production rate limits would refuse busy test files: limits no test reaches (the limiter
 * still runs on every request). Tests of the limits set low ones.
 */
const UNREACHED = '1000000';
const TEST_RATE_LIMITS: RawSettings = { rateLimitApi: UNREACHED, rateLimitApiAddress: UNREACHED, rateLimitToken: UNREACHED, rateLimitTokenAddress: UNREACHED, rateLimitAnonymous: UNREACHED };

/** Starts the real platform (HTTPS, real database) on a free port with its own data directory. */
export async function startTestPlatform(settings: RawSettings = {}, options: StartOptions = {}, testDb?: TestDatabase): Promise<TestPlatform> {
  const db = testDb ?? (await createTestDatabase());
  const port = await freePort();
  const config = resolveConfig({ port: String(port), dataDir: db.dataDir, databaseUrl: db.url, logLevel: 'silent', ...TEST_RATE_LIMITS, ...settings });
  const platform = await startPlatform(config, { logger: false, webhookDelivery: 'manual', revocationSweep: 'manual', ...options });
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

/** The real platform with the demo seeded (a small first instance unless told), and the demo's logins and app. */
export async function startDemoPlatform(users = 20): Promise<TestPlatform & { demo: DemoSummary }> {
  let demo: DemoSummary | undefined;
  const t = await startTestPlatform({}, {
    beforeListen: async (database) => {
      demo = await seedDemo(database, { publicUrl: new URL('https://localhost'), clock: systemClock, users });
    },
  });
  if (demo === undefined) throw new Error('the demo was not seeded');
  return { ...t, demo };
}
