import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isoTimestamp, ManualClock } from '../../src/clock.js';
import type { Database } from '../../src/db/database.js';
import { WebhookDeliveryWorker } from '../../src/webhooks/delivery-worker.js';
import { openTestDatabase } from '../support/database.js';
import { addEndpoint, addEvent, seedWebhookWorld, startReceiver, type Receiver, type WebhookWorld } from './delivery-fixtures.js';

describe('an acknowledged webhook delivery', () => {
  let database: Database;
  let close: () => Promise<void>;
  let world: WebhookWorld;
  let receiver: Receiver;
  let appId: number;
  const clock = new ManualClock('2031-05-01T10:00:00.000Z');

  beforeAll(async () => {
    const opened = await openTestDatabase();
    database = opened.database;
    close = () => opened.close();
    world = await seedWebhookWorld(database, opened.testDb.dataDir);
    receiver = await startReceiver();
    appId = (await database.db.selectFrom('integrations').select('app_id').where('id', '=', world.integrationId).executeTakeFirstOrThrow()).app_id;
  });
  afterAll(async () => {
    await receiver.close();
    await close();
  });

  const lastActive = async () => (await database.db.selectFrom('app_activity').select('last_active_at').where('app_id', '=', appId).where('org_id', '=', world.orgId).executeTakeFirst())?.last_active_at;

  it('counts as activity of the app in that instance; a failed one does not, and an older one never moves it back', async () => {
    const worker = new WebhookDeliveryWorker({ database, clock, encryptionKey: world.encryptionKey, issuerFor: () => Promise.resolve('https://i.example'), allowPrivateTargets: true, timeoutMs: 2_000, random: () => 0 });
    await addEndpoint(database, world, receiver.url, clock);

    receiver.answer = () => ({ status: 500 });
    await addEvent(database, world, 1, clock);
    await worker.runOnce();
    expect(receiver.received).toHaveLength(1);
    const before = await lastActive();
    expect(before === undefined || before < isoTimestamp(clock.now())).toBe(true);

    receiver.answer = () => ({ status: 202 });
    clock.advance(60 * 60_000);
    await worker.runOnce();
    expect(receiver.received).toHaveLength(2);
    expect(await lastActive()).toBe('2031-05-01T11:00:00.000Z');

    // A worker whose clock is behind (another process) delivers next: the later time stays.
    const behind = new ManualClock('2031-05-01T10:30:00.000Z');
    const other = new WebhookDeliveryWorker({ database, clock: behind, encryptionKey: world.encryptionKey, issuerFor: () => Promise.resolve('https://i.example'), allowPrivateTargets: true, timeoutMs: 2_000, random: () => 0 });
    await addEvent(database, world, 2, behind);
    await other.runOnce();
    expect(receiver.received).toHaveLength(3);
    expect(await lastActive()).toBe('2031-05-01T11:00:00.000Z');
  });
});
