import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import type { Database } from '../../src/db/database.js';
import { createEndpoint, sendTestEvent } from '../../src/webhooks/endpoints.js';
import { startTestPlatform, type TestPlatform } from '../support/platform.js';
import { WebClient } from '../support/web-client.js';
import { insertApp, insertDeveloper, insertIntegration } from '../pages/portal-fixtures.js';

const PASSWORD = 'developer password 1';

describe('developer portal: webhook endpoints, read-only', () => {
  let platform: TestPlatform;
  const clock = new ManualClock(new Date());
  const ids = { aliceApp: 0, bobApp: 0, aliceEndpoint: 0, bobEndpoint: 0, webhookId: '' };

  beforeAll(async () => {
    platform = await startTestPlatform({}, {
      clock,
      beforeListen: async (database: Database) => {
        const db = database.db;
        const alice = await insertDeveloper(db, clock, { email: 'alice@example.net', password: PASSWORD });
        const bob = await insertDeveloper(db, clock, { email: 'bob@example.net', password: PASSWORD });
        ids.aliceApp = (await insertApp(db, clock, alice.id, { name: 'Alice Badges' })).id;
        ids.bobApp = (await insertApp(db, clock, bob.id, { name: 'Bob Schedules' })).id;
        const bigcon = await insertIntegration(database, clock, { slug: 'bigcon', name: 'Big Con', appId: ids.aliceApp, scopes: ['registration:read'], oboEnabled: false });
        const othercon = await insertIntegration(database, clock, { slug: 'othercon', name: 'Other Con', appId: ids.bobApp, scopes: ['registration:read'], oboEnabled: false });
        const integrationOf = async (orgId: number) => (await db.selectFrom('integrations').select('id').where('org_id', '=', orgId).executeTakeFirstOrThrow()).id;
        const settings = { encryptionKey: randomBytes(32), allowPrivateTargets: false };
        const admin = { actor: { type: 'cli' as const }, ip: null };
        const aliceIntegration = await integrationOf(bigcon.orgId);
        ids.aliceEndpoint = (await createEndpoint(db, { orgId: bigcon.orgId, integrationId: aliceIntegration, url: 'https://93.184.215.14/alice-hooks', eventTypes: ['registration-updated'] }, settings, admin, clock)).endpointId;
        ids.bobEndpoint = (await createEndpoint(db, { orgId: othercon.orgId, integrationId: await integrationOf(othercon.orgId), url: 'https://93.184.215.14/bob-hooks', eventTypes: ['registration-updated'] }, settings, admin, clock)).endpointId;
        const messageId = await sendTestEvent(db, { orgId: bigcon.orgId, integrationId: aliceIntegration, endpointId: ids.aliceEndpoint }, admin, clock);
        ids.webhookId = (await db.selectFrom('webhook_messages').select('webhook_id').where('id', '=', messageId).executeTakeFirstOrThrow()).webhook_id;
        await db.insertInto('webhook_attempts').values({ org_id: bigcon.orgId, message_id: messageId, attempted_at: clock.now().toISOString(), status_code: 502, latency_ms: 88, response_excerpt: 'bad gateway from alice' }).execute();
      },
    });
  });
  afterAll(async () => platform.stop());

  async function signedIn(email: string): Promise<WebClient> {
    const client = new WebClient(platform.baseUrl);
    await client.get('/portal/login');
    expect((await client.post('/portal/login', { email, password: PASSWORD, next: '/portal' })).status).toBe(303);
    return client;
  }

  it("shows the developer each integration's endpoints and their delivery log, without secrets or actions", async () => {
    const alice = await signedIn('alice@example.net');
    expect((await alice.get(`/portal/apps/${ids.aliceApp}`)).body).toContain(`href="/portal/apps/${ids.aliceApp}/webhooks"`);
    const list = await alice.get(`/portal/apps/${ids.aliceApp}/webhooks`);
    expect(list.status).toBe(200);
    expect(list.body).toContain('Big Con');
    expect(list.body).toContain('https://93.184.215.14/alice-hooks');
    expect(list.body).toContain('registration-updated');
    expect(list.body).not.toContain('bob-hooks');
    const detail = await alice.get(`/portal/apps/${ids.aliceApp}/webhooks/${ids.aliceEndpoint}`);
    expect(detail.status).toBe(200);
    expect(detail.body).toContain(ids.webhookId);
    expect(detail.body).toContain('HTTP 502');
    expect(detail.body).toContain('bad gateway from alice');
    expect(detail.body).not.toContain('whsec_');
    expect(detail.body).not.toContain('Redeliver');
  });

  it("answers 404 for another developer's app or endpoint, and sends visitors to sign in", async () => {
    const alice = await signedIn('alice@example.net');
    expect((await alice.get(`/portal/apps/${ids.bobApp}/webhooks`)).status).toBe(404);
    expect((await alice.get(`/portal/apps/${ids.bobApp}/webhooks/${ids.bobEndpoint}`)).status).toBe(404);
    expect((await alice.get(`/portal/apps/${ids.aliceApp}/webhooks/${ids.bobEndpoint}`)).status).toBe(404);
    for (const id of ['abc', '0', '-5', '99999999999999999999']) expect((await alice.get(`/portal/apps/${ids.aliceApp}/webhooks/${id}`)).status).toBe(404);
    const bob = await signedIn('bob@example.net');
    const bobs = await bob.get(`/portal/apps/${ids.bobApp}/webhooks`);
    expect(bobs.body).toContain('bob-hooks');
    expect(bobs.body).not.toContain('alice-hooks');
    expect((await bob.get(`/portal/apps/${ids.aliceApp}/webhooks/${ids.aliceEndpoint}`)).status).toBe(404);
    const anonymous = new WebClient(platform.baseUrl);
    expect((await anonymous.get(`/portal/apps/${ids.aliceApp}/webhooks`)).status).toBe(303);
  });
});
