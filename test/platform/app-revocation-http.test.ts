import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock, systemClock } from '../../src/clock.js';
import { approveReactivation, requestReactivation } from '../../src/platform/app-reactivation.js';
import { revokeApp } from '../../src/platform/app-revocation.js';
import { resumeIntegration } from '../../src/platform/integrations.js';
import { createOperator } from '../../src/platform/operators.js';
import { startSmtpTestServer, type SmtpTestServer } from '../mail/smtp-test-server.js';
import { expectOauthError, postForm, serviceToken, startOauthWorld, type OauthWorld } from '../oauth/oauth-world.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { request } from '../support/https-client.js';
import { startTestPlatform, type TestPlatform } from '../support/platform.js';
import { addEndpoint, addEvent, messages, seedWebhookWorld, startReceiver, type Receiver, type WebhookWorld } from '../webhooks/delivery-fixtures.js';

function searchUsers(base: string, token: string) {
  return request(`${base}/api/v0/users/search`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: '{}' });
}

describe('a revoked app, through HTTP', () => {
  let w: OauthWorld;
  let smtp: SmtpTestServer;

  beforeAll(async () => {
    smtp = await startSmtpTestServer();
    w = await startOauthWorld({ settings: { smtpUrl: `smtp://127.0.0.1:${smtp.port}` } });
  });
  afterAll(async () => {
    await w.t.stop();
    await smtp.close();
  });

  it('stops a token issued before the revocation at its next use, refuses the client at the token endpoint, and emails the developer the deadline', async () => {
    const token = await serviceToken(w.furfest.base, w.apps.service);
    const other = await serviceToken(w.furfest.base, w.apps.other);
    expect((await searchUsers(w.furfest.base, token.access_token)).status).toBe(200);

    const revoked = await revokeApp(w.database.db, { app: { clientId: w.apps.service.clientId }, reason: 'Breach of the data policy', actor: { type: 'cli' } }, systemClock);

    // The token has not expired, yet it fails at once, in both instances the app was integrated in.
    expect((await searchUsers(w.furfest.base, token.access_token)).status).toBe(401);
    for (const base of [w.furfest.base, w.animecon.base]) {
      const refused = await postForm(`${base}/api/oauth/token`, { grant_type: 'client_credentials', client_id: String(w.apps.service.clientId), client_secret: w.apps.service.secret });
      expectOauthError(refused, 401, 'invalid_client');
    }
    const secrets = await w.database.db.selectFrom('app_secrets').select('revoked_at').where('app_id', '=', w.apps.service.appId).execute();
    expect(secrets.length).toBeGreaterThan(0);
    expect(secrets.map((secret) => secret.revoked_at)).toEqual(secrets.map(() => revoked.revokedAt));
    // Other apps are untouched.
    expect((await searchUsers(w.furfest.base, other.access_token)).status).toBe(200);

    await w.t.platform.mail.runOnce();
    const developer = await w.database.db.selectFrom('developers').select('email').where('id', '=', w.apps.service.developerId).executeTakeFirstOrThrow();
    const received = smtp.received.filter((mail) => mail.envelopeTo.includes(developer.email));
    expect(received).toHaveLength(1);
    const due = new Intl.DateTimeFormat('en-GB', { timeZone: 'UTC', dateStyle: 'long' }).format(new Date(revoked.deletionDueAt));
    expect(new Date(revoked.deletionDueAt).getTime() - new Date(revoked.revokedAt).getTime()).toBe(30 * 24 * 60 * 60 * 1000);
    expect(received[0]?.parsed.subject).toBe(`Badge Service is revoked: delete its event data by ${due}`);
    expect(received[0]?.parsed.text).toContain(`by ${due}`);
    expect(received[0]?.parsed.text).toContain('Breach of the data policy');
    expect(received[0]?.parsed.text).toContain('Lakeshore FurFest');
    expect(received[0]?.parsed.text).toContain('Harborview Anime Con');
  });
});

describe('webhooks of a revoked app', () => {
  let testDb: TestDatabase;
  let receiver: Receiver;
  let t: TestPlatform;
  let world: WebhookWorld | undefined;
  const clock = new ManualClock(new Date());

  beforeAll(async () => {
    testDb = await createTestDatabase();
    receiver = await startReceiver();
    t = await startTestPlatform({ webhooksAllowPrivateTargets: 'true' }, { clock, beforeListen: async (database) => void (world = await seedWebhookWorld(database, testDb.dataDir)) }, testDb);
  });
  afterAll(async () => {
    await t.stop();
    await receiver.close();
    await testDb.cleanup();
  });

  it('sends nothing more: pending messages are cancelled and later events make none', async () => {
    if (world === undefined) throw new Error('not seeded');
    const database = t.platform.database;
    await addEndpoint(database, world, receiver.url, clock);
    receiver.answer = () => ({ status: 500 });
    await addEvent(database, world, 1, clock);
    await t.platform.webhooks.runOnce();
    expect((await messages(database)).map((m) => m.status)).toEqual(['pending']);
    const before = receiver.received.length;

    const integration = await database.db.selectFrom('integrations').select('app_id').where('id', '=', world.integrationId).executeTakeFirstOrThrow();
    await revokeApp(database.db, { app: { appId: integration.app_id }, reason: 'Inactive', actor: { type: 'cli' } }, clock);

    receiver.answer = () => ({ status: 204 });
    await addEvent(database, world, 2, clock);
    clock.advance(24 * 60 * 60 * 1000);
    await t.platform.webhooks.runOnce();
    // The one message after the revocation is the signed notice of it; no instance data follows.
    const sent = receiver.received.slice(before).map((delivery) => JSON.parse(delivery.body) as { event: string });
    expect(sent.map((body) => body.event)).toEqual(['app-revoked']);
    expect((await messages(database)).map((m) => m.status)).toEqual(['cancelled', 'delivered']);

    // Reactivated and re-enabled: what happened meanwhile is not sent; what happens next is.
    const operator = await createOperator(database, { email: 'ops@example.org', name: 'Olive Ops', password: 'operator-password-1' }, { type: 'system', id: null }, clock);
    const app = await database.db.selectFrom('apps').select('developer_id').where('id', '=', integration.app_id).executeTakeFirstOrThrow();
    const publicUrl = new URL('https://localhost');
    const requestId = await requestReactivation(database.db, { developerId: app.developer_id ?? 0, appId: integration.app_id, message: 'Back in business', ip: null, publicUrl }, clock);
    await approveReactivation(database.db, { operatorId: operator.id, requestId, note: '', ip: null, publicUrl }, clock);
    await addEvent(database, world, 3, clock);
    await t.platform.webhooks.runOnce();
    expect(receiver.received.length).toBe(before + 1);
    await resumeIntegration(database.db, { orgId: world.orgId, integrationId: world.integrationId }, { actor: { type: 'cli' }, ip: null }, clock);
    await addEvent(database, world, 4, clock);
    // In order per endpoint: one message a round.
    await t.platform.webhooks.runOnce();
    await t.platform.webhooks.runOnce();
    const after = receiver.received.slice(before + 1).map((delivery) => JSON.parse(delivery.body) as { event: string; data: { n?: number } });
    expect(after.map((body) => [body.event, body.data.n])).toEqual([
      ['integration-created', undefined],
      ['role-assigned', 4],
    ]);
  });
});
