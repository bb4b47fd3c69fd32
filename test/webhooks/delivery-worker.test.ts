import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import { openDatabase, type Database } from '../../src/db/database.js';
import { ATTEMPT_DELAYS_MS, MAX_ATTEMPTS } from '../../src/webhooks/retry-schedule.js';
import { WebhookDeliveryWorker, type WebhookWorkerOptions } from '../../src/webhooks/delivery-worker.js';
import { GAP_WAIT_MS, settledPrefix } from '../../src/webhooks/fan-out.js';
import { openTestDatabase, type TestDatabase } from '../support/database.js';
import { addEndpoint, addEvent, messages, seedWebhookWorld, startReceiver, type Receiver, type WebhookWorld } from './delivery-fixtures.js';

const DAY = 24 * 3_600_000;

describe('the webhook delivery worker', () => {
  let database: Database;
  let testDb: TestDatabase;
  let close: () => Promise<void>;
  let world: WebhookWorld;
  let receiver: Receiver;
  let clock: ManualClock;

  beforeAll(async () => {
    const opened = await openTestDatabase();
    database = opened.database;
    testDb = opened.testDb;
    close = () => opened.close();
    world = await seedWebhookWorld(database, testDb.dataDir);
  });
  afterAll(async () => close());

  beforeEach(async () => {
    clock = new ManualClock(new Date());
    receiver = await startReceiver();
    // Each test starts with no endpoint: earlier tests' endpoints are removed.
    await database.db.deleteFrom('webhook_endpoints').execute();
    await database.db.deleteFrom('mail_messages').execute();
  });
  afterEach(async () => receiver.close());

  function worker(overrides: Partial<WebhookWorkerOptions> = {}): WebhookDeliveryWorker {
    return new WebhookDeliveryWorker({
      database,
      clock,
      encryptionKey: world.encryptionKey,
      issuerFor: () => Promise.resolve('https://i.example'),
      allowPrivateTargets: true,
      timeoutMs: 2_000,
      random: () => 0,
      ...overrides,
    });
  }

  it('fans out events after the endpoint was made and delivers them in order, once', async () => {
    await addEvent(database, world, 0, clock);
    const endpoint = await addEndpoint(database, world, receiver.url, clock);
    for (const n of [1, 2, 3]) await addEvent(database, world, n, clock);
    const w = worker();
    while ((await w.runOnce()).claimed > 0);
    expect(receiver.received.map((r) => sequenceNumber(r.body))).toEqual([1, 2, 3]);
    expect(JSON.parse(receiver.received[0]?.body ?? '')).toEqual({ event: 'role-assigned', data: { userId: 1, roleId: 1, n: 1 } });
    const rows = await messages(database);
    expect(rows.map((r) => r.status)).toEqual(['delivered', 'delivered', 'delivered']);
    expect(receiver.received.map((r) => r.headers['webhook-id'])).toEqual(rows.map((r) => r.webhook_id));
    // Another round finds nothing new: the cursor moved with the messages.
    expect((await w.runOnce()).fannedOut).toBe(0);
    const attempts = await database.db.selectFrom('webhook_attempts').select(['status_code']).execute();
    expect(attempts.every((a) => a.status_code === 204)).toBe(true);
    expect(endpoint.id).toBeGreaterThan(0);
  });

  it('retries on the Standard Webhooks schedule, never early, then fails the message', async () => {
    await addEndpoint(database, world, receiver.url, clock);
    await addEvent(database, world, 10, clock);
    receiver.answer = () => ({ status: 500 });
    const w = worker();
    await w.runOnce();
    expect(receiver.received).toHaveLength(1);
    for (let attempt = 1; attempt < MAX_ATTEMPTS; attempt += 1) {
      const delay = ATTEMPT_DELAYS_MS[attempt] ?? 0;
      clock.advance(delay - 1);
      await w.runOnce();
      expect(receiver.received).toHaveLength(attempt);
      clock.advance(1);
      await w.runOnce();
      expect(receiver.received).toHaveLength(attempt + 1);
    }
    const [row] = await messages(database);
    expect(row?.status).toBe('failed');
    expect(row?.attempts).toBe(MAX_ATTEMPTS);
    clock.advance(DAY);
    await w.runOnce();
    expect(receiver.received).toHaveLength(MAX_ATTEMPTS);
    // The same webhook-id on every attempt.
    expect(new Set(receiver.received.map((r) => r.headers['webhook-id'])).size).toBe(1);
  });

  it('waits at least as long as a 429 asks', async () => {
    await addEndpoint(database, world, receiver.url, clock);
    await addEvent(database, world, 11, clock);
    receiver.answer = () => ({ status: 429, headers: { 'retry-after': '600' } });
    const w = worker();
    await w.runOnce();
    receiver.answer = () => ({ status: 200 });
    clock.advance(599_000);
    await w.runOnce();
    expect(receiver.received).toHaveLength(1);
    clock.advance(1_000);
    await w.runOnce();
    expect(receiver.received).toHaveLength(2);
    expect((await messages(database)).at(-1)?.status).toBe('delivered');
  });

  it('disables the endpoint on 410 and cancels what it had pending', async () => {
    const endpoint = await addEndpoint(database, world, receiver.url, clock);
    await addEvent(database, world, 12, clock);
    await addEvent(database, world, 13, clock);
    receiver.answer = () => ({ status: 410 });
    await worker().runOnce();
    const row = await database.db.selectFrom('webhook_endpoints').select(['status', 'disabled_reason']).where('id', '=', endpoint.id).executeTakeFirstOrThrow();
    expect(row.status).toBe('disabled');
    const statuses = (await database.db.selectFrom('webhook_messages').select('status').where('endpoint_id', '=', endpoint.id).orderBy('id').execute()).map((m) => m.status);
    expect(statuses).toEqual(['failed', 'cancelled']);
    expect(receiver.received).toHaveLength(1);
    const mail = await database.db.selectFrom('mail_messages').select(['kind', 'to_address']).execute();
    expect(mail.length).toBeGreaterThan(0);
    expect(mail.every((m) => m.kind === 'webhook.disabled')).toBe(true);
  });

  it('does not follow a redirect: a 3xx is a failed attempt', async () => {
    await addEndpoint(database, world, receiver.url, clock);
    await addEvent(database, world, 17, clock);
    receiver.answer = (request) => (request.headers['webhook-id'] === undefined ? { status: 200 } : { status: 307, headers: { location: `${receiver.url}/elsewhere` } });
    await worker().runOnce();
    expect(receiver.received).toHaveLength(1);
    const [attempt] = await database.db.selectFrom('webhook_attempts').select(['status_code']).orderBy('id', 'desc').limit(1).execute();
    expect(attempt?.status_code).toBe(307);
    expect((await messages(database)).at(-1)).toMatchObject({ status: 'pending', attempts: 1 });
  });

  it('counts a receiver that does not answer in time as a failed attempt', async () => {
    await addEndpoint(database, world, receiver.url, clock);
    await addEvent(database, world, 14, clock);
    receiver.answer = () => 'hang';
    await worker({ timeoutMs: 200 }).runOnce();
    const [attempt] = await database.db.selectFrom('webhook_attempts').select(['status_code', 'response_excerpt']).orderBy('id', 'desc').limit(1).execute();
    expect(attempt?.status_code).toBeNull();
    expect(attempt?.response_excerpt).toMatch(/no response within 200 ms/);
    expect((await messages(database)).at(-1)?.status).toBe('pending');
  });

  it('refuses a loopback target without the development setting, and never connects', async () => {
    await addEndpoint(database, world, receiver.url, clock);
    await addEvent(database, world, 15, clock);
    await worker({ allowPrivateTargets: false }).runOnce();
    expect(receiver.received).toHaveLength(0);
    const [attempt] = await database.db.selectFrom('webhook_attempts').select(['response_excerpt']).orderBy('id', 'desc').limit(1).execute();
    expect(attempt?.response_excerpt).toMatch(/https|refused/);
  });

  it('refuses a name that resolves to a private address', async () => {
    const endpoint = await addEndpoint(database, world, 'https://hooks.example.test/x', clock);
    await addEvent(database, world, 16, clock);
    await worker({ allowPrivateTargets: false, resolve: () => Promise.resolve(['10.1.2.3']) }).runOnce();
    const [attempt] = await database.db.selectFrom('webhook_attempts').select(['response_excerpt']).orderBy('id', 'desc').limit(1).execute();
    expect(attempt?.response_excerpt).toMatch(/refused: the host resolves to a private/);
    expect(endpoint.id).toBeGreaterThan(0);
  });

  it('disables an endpoint that failed for 5 days and emails the admins and the developer', async () => {
    const endpoint = await addEndpoint(database, world, receiver.url, clock);
    receiver.answer = () => ({ status: 503 });
    const w = worker();
    for (let day = 0; day <= 5; day += 1) {
      await addEvent(database, world, 100 + day, clock);
      await w.runOnce();
      clock.advance(DAY);
    }
    const row = await database.db.selectFrom('webhook_endpoints').select(['status', 'disabled_reason']).where('id', '=', endpoint.id).executeTakeFirstOrThrow();
    expect(row).toEqual({ status: 'disabled', disabled_reason: 'Every delivery failed for 5 days.' });
    const developer = await database.db.selectFrom('developers').select('email').executeTakeFirstOrThrow();
    const to = (await database.db.selectFrom('mail_messages').select('to_address').execute()).map((m) => m.to_address);
    expect(to).toContain(developer.email);
    expect(to.length).toBeGreaterThan(1);
  });

  it('delivers each message once with two workers on one database', async () => {
    await addEndpoint(database, world, receiver.url, clock);
    await addEndpoint(database, world, receiver.url, clock);
    for (let n = 0; n < 6; n += 1) await addEvent(database, world, 200 + n, clock);
    const second = openDatabase(testDb.url);
    try {
      const a = worker();
      const b = worker({ database: second });
      // On PostgreSQL the two run at once. SQLite connections in one process block the thread while
      // they wait for each other's transaction, so there they take turns (claims still compete).
      for (let round = 0; round < 12; round += 1) {
        if (database.dialect === 'postgres') await Promise.all([a.runOnce(), b.runOnce()]);
        else for (const next of round % 2 === 0 ? [a, b] : [b, a]) await next.runOnce();
      }
    } finally {
      await second.close();
    }
    expect(receiver.received).toHaveLength(12);
    expect(new Set(receiver.received.map((r) => r.headers['webhook-id'])).size).toBe(12);
  });
});

/** The `n` the test put in an event's data. */
function sequenceNumber(body: string): unknown {
  const parsed: unknown = JSON.parse(body);
  if (typeof parsed !== 'object' || parsed === null || !('data' in parsed)) return undefined;
  const data: unknown = parsed.data;
  return typeof data === 'object' && data !== null && 'n' in data ? data.n : undefined;
}

describe('the fan-out cursor', () => {
  const now = new Date('2026-06-01T12:00:00.000Z');
  const at = (msAgo: number): string => new Date(now.getTime() - msAgo).toISOString();

  it('passes contiguous ids at once and waits at a recent gap, which a later commit may fill', () => {
    const events = [
      { id: 5, occurred_at: at(0) },
      { id: 6, occurred_at: at(0) },
      { id: 8, occurred_at: at(1_000) },
    ];
    expect(settledPrefix(events, 4, now).map((e) => e.id)).toEqual([5, 6]);
  });

  it('passes a gap once it is older than GAP_WAIT_MS (a rolled-back id)', () => {
    const events = [
      { id: 5, occurred_at: at(0) },
      { id: 8, occurred_at: at(GAP_WAIT_MS) },
      { id: 9, occurred_at: at(0) },
    ];
    expect(settledPrefix(events, 4, now).map((e) => e.id)).toEqual([5, 8, 9]);
    expect(settledPrefix([{ id: 7, occurred_at: at(0) }], 4, now)).toEqual([]);
  });
});
