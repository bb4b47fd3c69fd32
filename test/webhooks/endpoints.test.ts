import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isoTimestamp, ManualClock } from '../../src/clock.js';
import type { Database } from '../../src/db/database.js';
import { recordEvent } from '../../src/events/record-event.js';
import { createIntegration, type ChangeOrigin } from '../../src/platform/integrations.js';
import { deliveryLog, pruneDeliveryLog, recoverFailedMessages, redeliverMessage } from '../../src/webhooks/delivery-log.js';
import {
  availableEventTypes,
  changeEndpointEvents,
  createEndpoint,
  decryptEndpointSecrets,
  deleteEndpoint,
  findEndpoint,
  listEndpoints,
  MAX_ENDPOINTS_PER_INTEGRATION,
  parseEndpointEventTypes,
  rotateEndpointSecret,
  sendTestEvent,
  setEndpointEnabled,
  WebhookEndpointInputError,
  WebhookEndpointNotFoundError,
  type EndpointSettings,
  type EndpointTarget,
} from '../../src/webhooks/endpoints.js';
import { checkWebhookTarget, isNonPublicAddress, parseWebhookUrl, resolveWithDns, type ResolveHost } from '../../src/webhooks/target-address.js';
import { openTestDatabase } from '../support/database.js';
import { addDeveloperApp, addOrg, type FixtureOrg } from '../instance/fixtures.js';

const PUBLIC_ADDRESS = '93.184.215.14';
/** A resolver answering from a table, so the tests need no outside DNS. */
const resolveFrom =
  (table: Record<string, string[]>): ResolveHost =>
  (host) => {
    const found = table[host];
    return found === undefined ? Promise.reject(new Error('ENOTFOUND')) : Promise.resolve(found);
  };
const policy = { allowPrivateTargets: false, resolve: resolveFrom({ 'hooks.example.com': [PUBLIC_ADDRESS], 'sneaky.example.com': [PUBLIC_ADDRESS, '10.1.2.3'], 'v6.example.com': ['fd00:ec2::254'] }) };

describe('webhook target addresses', () => {
  it('refuses private, loopback, link-local, unique-local, CGNAT and metadata addresses', () => {
    for (const address of ['127.0.0.1', '10.0.0.5', '172.16.3.4', '192.168.1.1', '169.254.169.254', '100.64.0.1', '0.0.0.0', '224.0.0.1', '255.255.255.255', '::1', '::', 'fe80::1', 'fd00:ec2::254', 'fc00::1', '::ffff:127.0.0.1', '::ffff:7f00:1', '64:ff9b::a00:1', 'ff02::1']) {
      expect(isNonPublicAddress(address), address).toBe(true);
    }
    for (const address of [PUBLIC_ADDRESS, '8.8.8.8', '2606:4700:4700::1111', '::ffff:8.8.8.8']) {
      expect(isNonPublicAddress(address), address).toBe(false);
    }
    expect(isNonPublicAddress('not an address')).toBe(true);
  });

  it('accepts public https URLs only, without credentials or fragment, within the length limit', async () => {
    expect((await checkWebhookTarget('  https://hooks.example.com/concat?x=1 ', policy)).href).toBe('https://hooks.example.com/concat?x=1');
    expect((await checkWebhookTarget(`https://${PUBLIC_ADDRESS}:8443/in`, policy)).href).toBe(`https://${PUBLIC_ADDRESS}:8443/in`);
    expect((await checkWebhookTarget('https://[2606:4700:4700::1111]/in', policy)).hostname).toBe('[2606:4700:4700::1111]');
    const refused = async (url: string) => checkWebhookTarget(url, policy).then(() => 'accepted', (error: unknown) => (error instanceof Error ? error.message : String(error)));
    expect(await refused('http://hooks.example.com/in')).toMatch(/https/);
    expect(await refused('ftp://hooks.example.com/in')).toMatch(/https/);
    expect(await refused('hooks.example.com/in')).toMatch(/full URL/);
    expect(await refused('')).toMatch(/Enter the URL/);
    expect(await refused('https://user:pw@hooks.example.com/in')).toMatch(/user name or password/);
    expect(await refused('https://hooks.example.com/in#x')).toMatch(/fragment/);
    expect(await refused(`https://hooks.example.com/${'a'.repeat(2000)}`)).toMatch(/too long/);
    expect(await refused('https://127.0.0.1/in')).toMatch(/private/);
    expect(await refused('https://0x7f.1/in')).toMatch(/private/); // the URL parser normalizes it to 127.0.0.1
    expect(await refused('https://[::1]/in')).toMatch(/private/);
    expect(await refused('https://[::ffff:169.254.169.254]/latest')).toMatch(/private/);
    expect(await refused('https://[fd00:ec2::254]/in')).toMatch(/private/);
    expect(await refused('https://169.254.169.254/latest/meta-data')).toMatch(/private/);
    expect(await refused('https://localhost/in')).toMatch(/localhost/);
    expect(await refused('https://sneaky.example.com/in')).toMatch(/resolves to a private/);
    expect(await refused('https://v6.example.com/in')).toMatch(/resolves to a private/);
    expect(await refused('https://nowhere.example.com/in')).toMatch(/could not be resolved/);
  });

  it('refuses a name that node:dns resolves to a local address', async () => {
    // The machine's own name resolves (through /etc/hosts) to one of its local addresses.
    const own = hostname();
    expect((await resolveWithDns(own)).every(isNonPublicAddress)).toBe(true);
    await expect(checkWebhookTarget(`https://${own}/in`, { allowPrivateTargets: false })).rejects.toThrow(/resolves to a private/);
    await expect(checkWebhookTarget('https://localhost./in', { allowPrivateTargets: false })).rejects.toThrow(/localhost/);
  });

  it('allows private targets and plain http only with the development setting', async () => {
    expect((await checkWebhookTarget('http://127.0.0.1:4000/in', { allowPrivateTargets: true })).href).toBe('http://127.0.0.1:4000/in');
    expect(() => parseWebhookUrl('ftp://127.0.0.1/in', true)).toThrow(/https/);
    expect(() => parseWebhookUrl('http://u:p@127.0.0.1/in', true)).toThrow(/password/);
  });
});

describe('webhook endpoints', () => {
  const clock = new ManualClock('2026-06-01T10:00:00.000Z');
  const admin: ChangeOrigin = { actor: { type: 'user', userId: 42 }, ip: '203.0.113.5' };
  const encryptionKey = randomBytes(32);
  const settings: EndpointSettings = { encryptionKey, ...policy };
  let database: Database;
  let close: () => Promise<void>;
  let furfest: FixtureOrg;
  let animecon: FixtureOrg;
  let integrationId: number;
  let otherIntegrationId: number;

  beforeAll(async () => {
    const opened = await openTestDatabase();
    database = opened.database;
    close = () => opened.close();
    furfest = await addOrg(database, 'furfest', 'Lakeshore FurFest', clock);
    animecon = await addOrg(database, 'animecon', 'Harborview Anime Con', clock);
    const app = await addDeveloperApp(database.db, { name: 'Badge Printer', status: 'approved' }, clock);
    integrationId = await createIntegration(database.db, { orgId: furfest.orgId, appId: app.appId, scopes: ['registration:read', 'volunteer:read'], oboEnabled: false }, admin, clock);
    otherIntegrationId = await createIntegration(database.db, { orgId: animecon.orgId, appId: app.appId, scopes: ['registration:read'], oboEnabled: false }, admin, clock);
  });
  afterAll(async () => {
    await close();
  });

  const rowOf = (id: number) => database.db.selectFrom('webhook_endpoints').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
  const auditOf = (id: number) => database.db.selectFrom('audit_log').select(['action', 'actor_id', 'ip', 'details']).where('target_type', '=', 'webhook_endpoint').where('target_id', '=', String(id)).orderBy('id').execute();
  const addEvent = () =>
    database.db.transaction().execute((trx) => recordEvent(trx, { orgId: furfest.orgId, type: 'registration-updated', data: { id: 1 }, actor: { type: 'system', id: null }, subject: { type: 'registration', id: '1' } }, clock));

  it('limits the events to what the integration may read', () => {
    // The integration's own lifecycle events need no scope.
    expect(availableEventTypes(['registration:read'])).toEqual(['registration-updated', 'integration-created', 'integration-permissions-changed', 'integration-removed', 'app-revoked']);
    expect(parseEndpointEventTypes(['integration-removed'], [])).toEqual(['integration-removed']);
    expect(parseEndpointEventTypes(['volunteer-updated', 'registration-updated', 'registration-updated'], ['registration:read', 'volunteer:read'])).toEqual(['registration-updated', 'volunteer-updated']);
    expect(() => parseEndpointEventTypes([], ['registration:read'])).toThrow(/at least one/);
    expect(() => parseEndpointEventTypes(['user-updated'], ['registration:read'])).toThrow(/needs the user:read permission/);
    expect(() => parseEndpointEventTypes(['bogus'], ['registration:read'])).toThrow(/not an event type/);
  });

  it('creates an endpoint with a whsec_ secret shown once and stored encrypted, from the newest event on, audited', async () => {
    await addEvent();
    const newest = await addEvent();
    const { endpointId, secret } = await createEndpoint(database.db, { orgId: furfest.orgId, integrationId, url: 'https://hooks.example.com/concat', eventTypes: ['registration-updated'] }, settings, admin, clock);
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(Buffer.from(secret.slice('whsec_'.length), 'base64')).toHaveLength(32);
    const row = await rowOf(endpointId);
    expect(row).toMatchObject({ org_id: furfest.orgId, url: 'https://hooks.example.com/concat', event_types: '["registration-updated"]', status: 'active', last_event_id: newest, previous_secret_encrypted: null });
    expect(row.secret_encrypted).not.toContain(secret.slice(6));
    expect(decryptEndpointSecrets(row, encryptionKey, clock.now())).toEqual([secret]);
    expect(decryptEndpointSecrets(row, randomBytes(32), clock.now())).toEqual([]);
    // Listed and found without the secret.
    const [listed] = await listEndpoints(database.db, furfest.orgId, integrationId);
    expect(listed).toMatchObject({ id: endpointId, eventTypes: ['registration-updated'], status: 'active' });
    expect(JSON.stringify(listed)).not.toContain('whsec_');
    const audited = await auditOf(endpointId);
    expect(audited.map(({ action, actor_id, ip }) => ({ action, actor_id, ip }))).toEqual([{ action: 'webhook_endpoint.created', actor_id: '42', ip: '203.0.113.5' }]);
    expect(audited[0]?.details).toContain('"eventTypes":["registration-updated"]');
  });

  it('refuses bad URLs and out-of-scope events with the field they concern, and unknown integrations', async () => {
    const attempt = (url: string, eventTypes: string[], target = { orgId: furfest.orgId, integrationId }) => createEndpoint(database.db, { ...target, url, eventTypes }, settings, admin, clock);
    await expect(attempt('https://10.0.0.1/in', ['registration-updated'])).rejects.toMatchObject({ name: 'WebhookEndpointInputError', field: 'url' });
    await expect(attempt('https://hooks.example.com/in', ['user-updated'])).rejects.toMatchObject({ field: 'events' });
    await expect(attempt('https://hooks.example.com/in', ['registration-updated'], { orgId: furfest.orgId, integrationId: otherIntegrationId })).rejects.toThrow(WebhookEndpointNotFoundError);
    const local = await createEndpoint(database.db, { orgId: furfest.orgId, integrationId, url: 'http://127.0.0.1:9/in', eventTypes: ['volunteer-updated'] }, { ...settings, allowPrivateTargets: true }, admin, clock);
    expect((await rowOf(local.endpointId)).url).toBe('http://127.0.0.1:9/in');
    await deleteEndpoint(database.db, { orgId: furfest.orgId, integrationId, endpointId: local.endpointId }, admin, clock);
  });

  it('allows at most MAX_ENDPOINTS_PER_INTEGRATION endpoints, also when added at once', async () => {
    const target = { orgId: animecon.orgId, integrationId: otherIntegrationId };
    const results = await Promise.allSettled(
      Array.from({ length: MAX_ENDPOINTS_PER_INTEGRATION + 3 }, (_, n) => createEndpoint(database.db, { ...target, url: `https://hooks.example.com/many/${n}`, eventTypes: ['registration-updated'] }, settings, admin, clock)),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(MAX_ENDPOINTS_PER_INTEGRATION);
    for (const refused of results.filter((r) => r.status === 'rejected')) expect(refused.reason).toBeInstanceOf(WebhookEndpointInputError);
    expect(await listEndpoints(database.db, animecon.orgId, otherIntegrationId)).toHaveLength(MAX_ENDPOINTS_PER_INTEGRATION);
  });

  it('rotates: the new secret signs, and the previous one too for 24 hours', async () => {
    const { endpointId, secret: first } = await createEndpoint(database.db, { orgId: furfest.orgId, integrationId, url: 'https://hooks.example.com/rotate', eventTypes: ['registration-updated'] }, settings, admin, clock);
    const target = { orgId: furfest.orgId, integrationId, endpointId };
    const { secret: second, previousExpiresAt } = await rotateEndpointSecret(database.db, target, encryptionKey, admin, clock);
    expect(second).not.toBe(first);
    expect(previousExpiresAt).toBe('2026-06-02T10:00:00.000Z');
    const row = await rowOf(endpointId);
    expect(decryptEndpointSecrets(row, encryptionKey, clock.now())).toEqual([second, first]);
    expect(decryptEndpointSecrets(row, encryptionKey, new Date('2026-06-02T09:59:59.999Z'))).toEqual([second, first]);
    expect(decryptEndpointSecrets(row, encryptionKey, new Date('2026-06-02T10:00:00.000Z'))).toEqual([second]);
    // A second rotation drops the first secret at once.
    const { secret: third } = await rotateEndpointSecret(database.db, target, encryptionKey, admin, clock);
    expect(decryptEndpointSecrets(await rowOf(endpointId), encryptionKey, clock.now())).toEqual([third, second]);
    expect((await auditOf(endpointId)).map((e) => e.action)).toEqual(['webhook_endpoint.created', 'webhook_endpoint.secret-rotated', 'webhook_endpoint.secret-rotated']);
    expect(JSON.stringify(await auditOf(endpointId))).not.toContain('whsec_');
  });

  it('changes events, disables (cancelling pending messages) and enables from the newest event, deletes', async () => {
    const { endpointId } = await createEndpoint(database.db, { orgId: furfest.orgId, integrationId, url: 'https://hooks.example.com/life', eventTypes: ['registration-updated'] }, settings, admin, clock);
    const target = { orgId: furfest.orgId, integrationId, endpointId };
    expect(await changeEndpointEvents(database.db, target, ['volunteer-assigned', 'registration-updated'], admin, clock)).toEqual(['registration-updated', 'volunteer-assigned']);
    await expect(changeEndpointEvents(database.db, target, ['role-assigned'], admin, clock)).rejects.toThrow(WebhookEndpointInputError);
    const messageId = await sendTestEvent(database.db, target, admin, clock);
    expect(await setEndpointEnabled(database.db, target, false, admin, clock)).toBe(true);
    expect(await setEndpointEnabled(database.db, target, false, admin, clock)).toBe(false);
    expect((await database.db.selectFrom('webhook_messages').select('status').where('id', '=', messageId).executeTakeFirstOrThrow()).status).toBe('cancelled');
    await expect(sendTestEvent(database.db, target, admin, clock)).rejects.toThrow(/Enable the endpoint/);
    const newest = await addEvent();
    expect(await setEndpointEnabled(database.db, target, true, admin, clock)).toBe(true);
    expect(await rowOf(endpointId)).toMatchObject({ status: 'active', disabled_reason: null, last_event_id: newest });
    // Another instance cannot reach it.
    await expect(setEndpointEnabled(database.db, { ...target, orgId: animecon.orgId }, false, admin, clock)).rejects.toThrow(WebhookEndpointNotFoundError);
    await expect(deleteEndpoint(database.db, { ...target, integrationId: otherIntegrationId }, admin, clock)).rejects.toThrow(WebhookEndpointNotFoundError);
    expect((await deleteEndpoint(database.db, target, admin, clock)).url).toBe('https://hooks.example.com/life');
    expect(await findEndpoint(database.db, furfest.orgId, integrationId, endpointId)).toBeUndefined();
    expect(await database.db.selectFrom('webhook_messages').select('id').where('endpoint_id', '=', endpointId).execute()).toEqual([]);
    expect((await auditOf(endpointId)).map((e) => e.action)).toEqual([
      'webhook_endpoint.created',
      'webhook_endpoint.events-changed',
      'webhook_endpoint.test-sent',
      'webhook_endpoint.disabled',
      'webhook_endpoint.enabled',
      'webhook_endpoint.deleted',
    ]);
  });

  describe('delivery log', () => {
    let target: EndpointTarget;
    const attempt = (messageId: number, at: string, statusCode: number | null) =>
      database.db.insertInto('webhook_attempts').values({ org_id: furfest.orgId, message_id: messageId, attempted_at: at, status_code: statusCode, latency_ms: 120, response_excerpt: statusCode === null ? 'connection refused' : 'oops' }).execute();
    const finish = (messageId: number, status: 'failed' | 'delivered', createdAt: string) =>
      database.db.updateTable('webhook_messages').set({ status, attempts: 3, next_attempt_at: null, created_at: createdAt }).where('id', '=', messageId).execute();

    beforeAll(async () => {
      const { endpointId } = await createEndpoint(database.db, { orgId: furfest.orgId, integrationId, url: 'https://hooks.example.com/log', eventTypes: ['registration-updated'] }, settings, admin, clock);
      target = { orgId: furfest.orgId, integrationId, endpointId };
    });

    it('queues a test event as a pending message the worker delivers', async () => {
      const id = await sendTestEvent(database.db, target, admin, clock);
      const message = await database.db.selectFrom('webhook_messages').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
      expect(message).toMatchObject({ endpoint_id: target.endpointId, event_id: null, event_type: 'webhook-test', status: 'pending', attempts: 0, next_attempt_at: '2026-06-01T10:00:00.000Z' });
      expect(message.webhook_id).toMatch(/^msg_/);
      expect(JSON.parse(message.body)).toMatchObject({ event: 'webhook-test', data: { endpointId: target.endpointId } });
    });

    it('lists messages of the last 30 days with their attempts, redelivers one and recovers failed ones', async () => {
      const old = await sendTestEvent(database.db, target, admin, clock);
      await finish(old, 'failed', '2026-04-01T00:00:00.000Z');
      const failed = await sendTestEvent(database.db, target, admin, clock);
      await attempt(failed, '2026-06-01T10:00:01.000Z', 500);
      await attempt(failed, '2026-06-01T10:00:06.000Z', null);
      await finish(failed, 'failed', '2026-06-01T10:00:00.000Z');
      const delivered = await sendTestEvent(database.db, target, admin, clock);
      await finish(delivered, 'delivered', '2026-06-01T10:00:00.000Z');
      const before = await database.db.selectFrom('webhook_messages').select('webhook_id').where('id', '=', failed).executeTakeFirstOrThrow();

      const log = await deliveryLog(database.db, target, clock.now());
      expect(log.map((m) => m.id)).not.toContain(old);
      const entry = log.find((m) => m.id === failed);
      expect(entry).toMatchObject({ status: 'failed', attempts: 3, eventType: 'webhook-test' });
      expect(entry?.log).toEqual([
        { attemptedAt: '2026-06-01T10:00:06.000Z', statusCode: null, latencyMs: 120, responseExcerpt: 'connection refused' },
        { attemptedAt: '2026-06-01T10:00:01.000Z', statusCode: 500, latencyMs: 120, responseExcerpt: 'oops' },
      ]);

      clock.advance(60_000);
      expect(await redeliverMessage(database.db, target, delivered, admin, clock)).toBe(true);
      const again = await database.db.selectFrom('webhook_messages').selectAll().where('id', '=', delivered).executeTakeFirstOrThrow();
      expect(again).toMatchObject({ status: 'pending', attempts: 0, next_attempt_at: isoTimestamp(clock.now()), delivered_at: null });
      expect(await redeliverMessage(database.db, target, delivered, admin, clock)).toBe(false);
      await expect(redeliverMessage(database.db, { ...target, orgId: animecon.orgId }, delivered, admin, clock)).rejects.toThrow(WebhookEndpointNotFoundError);
      await expect(redeliverMessage(database.db, target, 999_999, admin, clock)).rejects.toThrow(/No such message/);

      // Recover: only failed messages since the time given, and never beyond the retention window.
      expect(await recoverFailedMessages(database.db, target, new Date('2026-06-01T10:00:00.001Z'), admin, clock)).toBe(0);
      expect(await recoverFailedMessages(database.db, target, new Date('2020-01-01T00:00:00.000Z'), admin, clock)).toBe(1);
      const recovered = await database.db.selectFrom('webhook_messages').select(['status', 'webhook_id', 'attempts']).where('id', '=', failed).executeTakeFirstOrThrow();
      expect(recovered).toEqual({ status: 'pending', webhook_id: before.webhook_id, attempts: 0 });
      expect((await database.db.selectFrom('webhook_messages').select('status').where('id', '=', old).executeTakeFirstOrThrow()).status).toBe('failed');
      await expect(recoverFailedMessages(database.db, target, new Date('nonsense'), admin, clock)).rejects.toThrow(WebhookEndpointInputError);
      const actions = (await auditOf(target.endpointId)).map((e) => e.action);
      expect(actions).toContain('webhook_endpoint.message-redelivered');
      expect(actions).toContain('webhook_endpoint.failed-recovered');
    });

    it('prunes attempts and finished messages older than 30 days, keeping pending ones', async () => {
      const stale = await sendTestEvent(database.db, target, admin, clock);
      await attempt(stale, '2026-04-01T00:00:05.000Z', 500);
      await finish(stale, 'failed', '2026-04-01T00:00:00.000Z');
      const stalePending = await sendTestEvent(database.db, target, admin, clock);
      await database.db.updateTable('webhook_messages').set({ created_at: '2026-04-01T00:00:00.000Z' }).where('id', '=', stalePending).execute();
      const recent = await sendTestEvent(database.db, target, admin, clock);
      await attempt(recent, isoTimestamp(clock.now()), 204);
      const pruned = await pruneDeliveryLog(database.db, clock.now());
      expect(pruned.messages).toBeGreaterThanOrEqual(2); // this test's stale message and the older one above
      expect(pruned.attempts).toBeGreaterThanOrEqual(1);
      const left = (await database.db.selectFrom('webhook_messages').select('id').where('endpoint_id', '=', target.endpointId).execute()).map((r) => r.id);
      expect(left).toContain(stalePending);
      expect(left).toContain(recent);
      expect(left).not.toContain(stale);
      expect(await database.db.selectFrom('webhook_attempts').select('id').where('message_id', '=', recent).execute()).toHaveLength(1);
    });
  });
});
