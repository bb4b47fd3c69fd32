import { createHash } from 'node:crypto';
import { importSPKI, jwtVerify } from 'jose';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { request } from '../support/https-client.js';
import { startTestPlatform, type TestPlatform } from '../support/platform.js';
import { addEndpoint, addEvent, messages, seedWebhookWorld, startReceiver, type Receiver, type WebhookWorld } from './delivery-fixtures.js';

describe('webhook delivery by the running platform', () => {
  let testDb: TestDatabase;
  let receiver: Receiver;
  const clock = new ManualClock(new Date());
  let world: WebhookWorld | undefined;

  beforeAll(async () => {
    testDb = await createTestDatabase();
    receiver = await startReceiver();
  });
  afterAll(async () => {
    await receiver.close();
    await testDb.cleanup();
  });

  async function start(): Promise<TestPlatform> {
    return startTestPlatform({ webhooksAllowPrivateTargets: 'true' }, {
      clock,
      beforeListen: async (database) => {
        world ??= await seedWebhookWorld(database, testDb.dataDir);
      },
    }, testDb);
  }

  it('delivers after a restart what was pending, signed so that both checks pass', async () => {
    receiver.answer = () => ({ status: 500 });
    const first = await start();
    if (world === undefined) throw new Error('not seeded');
    const endpoint = await addEndpoint(first.platform.database, world, receiver.url, clock);
    await addEvent(first.platform.database, world, 1, clock);
    await first.platform.webhooks.runOnce();
    expect((await messages(first.platform.database)).map((m) => m.status)).toEqual(['pending']);
    await first.stop();

    receiver.answer = () => ({ status: 204 });
    clock.advance(10_000);
    const second = await start();
    try {
      await second.platform.webhooks.runOnce();
      expect((await messages(second.platform.database)).map((m) => m.status)).toEqual(['delivered']);
      const delivered = receiver.received.at(-1);
      if (delivered === undefined) throw new Error('nothing received');

      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(delivered.headers)) if (typeof value === 'string') headers[name] = value;
      expect(new Webhook(endpoint.secret).verify(delivered.body, headers)).toEqual({ event: 'role-assigned', data: { userId: 1, roleId: 1, n: 1 } });

      const org = await second.platform.database.db.selectFrom('orgs').select('slug').where('id', '=', world.orgId).executeTakeFirstOrThrow();
      const instanceUrl = `${second.baseUrl}/o/${org.slug}`;
      const keyResponse = await request(`${instanceUrl}/api/webhooks/key`);
      expect(keyResponse.status).toBe(200);
      expect(keyResponse.body).toMatch(/^-----BEGIN PUBLIC KEY-----/);
      const token = (headers.authorization ?? '').replace(/^Bearer /, '');
      const { payload } = await jwtVerify(token, await importSPKI(keyResponse.body, 'RS256'), {
        audience: receiver.url,
        issuer: instanceUrl,
        subject: 'webhook',
        currentDate: clock.now(),
      });
      const body: unknown = JSON.parse(delivered.body);
      expect(typeof body === 'object' && body !== null && 'data' in body ? createHash('sha256').update(JSON.stringify(body.data)).digest('base64') : null).toBe(payload.int);
      expect(delivered.headers['user-agent']).toMatch(/ConCat/);
    } finally {
      await second.stop();
    }
  });
});
