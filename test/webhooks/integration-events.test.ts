import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import type { Database } from '../../src/db/database.js';
import { SERVICE_SCOPE_NAMES } from '../../src/oauth/scopes.js';
import { changeIntegrationPermissions, createIntegration, removeIntegration } from '../../src/platform/integrations.js';
import { WebhookDeliveryWorker } from '../../src/webhooks/delivery-worker.js';
import { GAP_WAIT_MS } from '../../src/webhooks/fan-out.js';
import { openTestDatabase } from '../support/database.js';
import { addDeveloperApp } from '../instance/fixtures.js';
import { addEndpoint, addEvent, seedWebhookWorld, startReceiver, type Receiver, type WebhookWorld } from './delivery-fixtures.js';

/** Lifecycle events carry no instance data and no scope: they go to the integration they concern, and to no other. */
describe("an integration's lifecycle events", () => {
  const clock = new ManualClock(new Date());
  const cli = { actor: { type: 'cli' as const }, ip: null };
  let database: Database;
  let close: () => Promise<void>;
  let world: WebhookWorld;
  let receiver: Receiver;

  beforeAll(async () => {
    const opened = await openTestDatabase();
    database = opened.database;
    close = () => opened.close();
    world = await seedWebhookWorld(database, opened.testDb.dataDir);
    receiver = await startReceiver();
  });
  afterAll(async () => {
    await receiver.close();
    await close();
  });

  it('go only to the endpoints of the integration they are about; a removed integration still receives its integration-removed, then nothing', async () => {
    const app = await addDeveloperApp(database.db, { name: 'Shift Planner', status: 'approved' }, clock);
    const other = await createIntegration(database.db, { orgId: world.orgId, appId: app.appId, scopes: [...SERVICE_SCOPE_NAMES], oboEnabled: false }, cli, clock);
    const mine = await addEndpoint(database, world, `${receiver.url}?mine`, clock);
    const theirs = await addEndpoint(database, { ...world, integrationId: other }, `${receiver.url}?theirs`, clock);

    const { obo_enabled: obo } = await database.db.selectFrom('integrations').select('obo_enabled').where('id', '=', world.integrationId).executeTakeFirstOrThrow();
    expect(await changeIntegrationPermissions(database.db, { orgId: world.orgId, integrationId: world.integrationId, scopes: [...SERVICE_SCOPE_NAMES], oboEnabled: obo !== 1 }, cli, clock)).toBe(true);
    expect(await changeIntegrationPermissions(database.db, { orgId: world.orgId, integrationId: other, scopes: ['user:read'], oboEnabled: false }, cli, clock)).toBe(true);
    await addEvent(database, world, 1, clock);
    const worker = new WebhookDeliveryWorker({ database, clock, encryptionKey: world.encryptionKey, issuerFor: () => Promise.resolve('https://i.example'), allowPrivateTargets: true, timeoutMs: 2_000, random: () => 0 });
    const deliverAll = async () => {
      clock.advance(GAP_WAIT_MS + 1);
      while ((await worker.runOnce()).claimed > 0);
    };
    await deliverAll();
    await removeIntegration(database.db, { orgId: world.orgId, integrationId: world.integrationId }, cli, clock);
    await addEvent(database, world, 2, clock);
    await deliverAll();

    const sent = await database.db.selectFrom('webhook_messages').select(['endpoint_id', 'event_type', 'body', 'status']).orderBy('id').execute();
    const to = (endpointId: number) => sent.filter((m) => m.endpoint_id === endpointId).map((m) => m.event_type);
    expect(to(mine.id)).toEqual(['integration-permissions-changed', 'role-assigned', 'integration-removed']);
    expect(to(theirs.id)).toEqual(['integration-permissions-changed', 'role-assigned', 'role-assigned']);
    for (const message of sent) {
      if (!message.event_type.startsWith('integration-')) continue;
      const body: unknown = JSON.parse(message.body);
      const owner = message.endpoint_id === mine.id ? world.integrationId : other;
      expect(body).toMatchObject({ event: message.event_type, data: { integration: { id: String(owner) } } });
    }
    // Delivered for real, the removed integration's last event included.
    expect(sent.every((m) => m.status === 'delivered')).toBe(true);
    expect(receiver.received.filter((r) => r.body.includes('"integration-removed"'))).toHaveLength(1);
  });
});
