/**
 * Review of issue 8: once an app is revoked, its webhook endpoints receive the final `app-revoked`
 * notice and nothing more. An org admin may still take permissions away from the suspended
 * integration, or remove it; those lifecycle events must not reach the revoked app's URL.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { isoTimestamp, ManualClock } from '../../src/clock.js';
import type { Database } from '../../src/db/database.js';
import { revokeApp } from '../../src/platform/app-revocation.js';
import { changeIntegrationPermissions, removeIntegration } from '../../src/platform/integrations.js';
import { WebhookDeliveryWorker } from '../../src/webhooks/delivery-worker.js';
import { messageBody, newWebhookId } from '../../src/webhooks/fan-out.js';
import { openTestDatabase, type TestDatabase } from '../support/database.js';
import { addEndpoint, addEvent, seedWebhookWorld, startReceiver, type Receiver, type WebhookWorld } from '../webhooks/delivery-fixtures.js';

const ADMIN = { actor: { type: 'user' as const, userId: 1 }, ip: '203.0.113.9' };

describe('webhooks of a revoked app', () => {
  let database: Database;
  let testDb: TestDatabase;
  let close: () => Promise<void>;
  let world: WebhookWorld;
  let receiver: Receiver;
  const clock = new ManualClock(new Date());

  beforeAll(async () => {
    const opened = await openTestDatabase();
    database = opened.database;
    testDb = opened.testDb;
    close = () => opened.close();
    world = await seedWebhookWorld(database, testDb.dataDir);
  });
  let appId: number;
  beforeEach(async () => {
    receiver = await startReceiver();
    // Each test starts with the app approved, its integration active, and no endpoint.
    appId = (await database.db.selectFrom('integrations').select('app_id').where('id', '=', world.integrationId).executeTakeFirstOrThrow()).app_id;
    await database.db.deleteFrom('webhook_endpoints').execute();
    await database.db.updateTable('apps').set({ status: 'approved' }).where('id', '=', appId).execute();
    await database.db.updateTable('integrations').set({ status: 'active' }).where('id', '=', world.integrationId).execute();
  });
  afterEach(async () => {
    await receiver.close();
  });
  afterAll(async () => {
    await close();
  });

  const worker = () => new WebhookDeliveryWorker({ database, clock, encryptionKey: world.encryptionKey, issuerFor: () => Promise.resolve('https://i.example'), allowPrivateTargets: true, timeoutMs: 2_000, random: () => 0 });
  const events = () => receiver.received.map((r) => (JSON.parse(r.body) as { event: string }).event);

  /**
   * The fan-out reads the endpoints and their integration's status once, then makes each
   * endpoint's messages in a transaction of its own: a revocation committed in between (its
   * cancelling of pending messages included) leaves a message of data made afterwards for the
   * revoked app. That outcome is set up here directly; the worker must not deliver it.
   */
  it('do not get a data message made by a fan-out that read the endpoint before the revocation', async () => {
    const endpoint = await addEndpoint(database, world, receiver.url, clock);
    const eventId = await addEvent(database, world, 1, clock);
    await revokeApp(database.db, { app: { appId }, reason: 'Stopped', actor: { type: 'cli' } }, clock);
    const now = isoTimestamp(clock.now());
    await database.db
      .insertInto('webhook_messages')
      .values({ org_id: world.orgId, endpoint_id: endpoint.id, event_id: eventId, webhook_id: newWebhookId(), event_type: 'role-assigned', body: messageBody('role-assigned', '{"userId":1}'), status: 'pending', attempts: 0, next_attempt_at: now, claimed_until: null, created_at: now, delivered_at: null })
      .execute();
    const w = worker();
    while ((await w.runOnce()).claimed > 0);
    expect(events()).not.toContain('role-assigned');
    expect(events()).toEqual(['app-revoked']);
  });

  it('get the app-revoked notice, then nothing: not a permission change, not the removal', async () => {
    const w = worker();
    const deliverAll = async () => {
      while ((await w.runOnce()).claimed > 0);
    };
    await addEndpoint(database, world, receiver.url, clock);
    const integration = await database.db.selectFrom('integrations').select(['app_id', 'scopes']).where('id', '=', world.integrationId).executeTakeFirstOrThrow();
    await revokeApp(database.db, { app: { appId: integration.app_id }, reason: 'Stopped', actor: { type: 'cli' } }, clock);
    await deliverAll();
    expect(events()).toEqual(['app-revoked']);

    // The org admin takes a permission away while the app is revoked (allowed), then removes it.
    const scopes = (JSON.parse(integration.scopes) as string[]).slice(1);
    expect(await changeIntegrationPermissions(database.db, { orgId: world.orgId, integrationId: world.integrationId, scopes, oboEnabled: false }, ADMIN, clock)).toBe(true);
    await removeIntegration(database.db, { orgId: world.orgId, integrationId: world.integrationId }, ADMIN, clock);
    await deliverAll();
    expect(events()).toEqual(['app-revoked']);
  });
});
