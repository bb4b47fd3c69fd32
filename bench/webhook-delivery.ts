import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { systemClock } from '../src/clock.js';
import { openDatabase, type Database } from '../src/db/database.js';
import { assignRole, removeRole } from '../src/instance/user-roles.js';
import { loadKeyEncryptionKey } from '../src/oauth/signing-keys.js';
import { POLL_INTERVAL_MS } from '../src/webhooks/delivery-worker.js';
import { createEndpoint } from '../src/webhooks/endpoints.js';

/**
 * The webhook scenario: a plain-HTTP receiver in this process, one endpoint of the demo's
 * integration subscribed to role-assigned and role-unassigned, and role changes committed through
 * the domain functions (user-roles.ts) on the server's database while `concat serve` delivers
 * with its own worker. Latency: commit (assignRole resolved) to the request's arrival. Throughput:
 * changes queued while the server is stopped, then delivered after it starts again.
 */
export interface WebhookBenchOptions {
  databaseUrl: string;
  dataDir: string;
  /** Changes measured one by one for latency. */
  latencyChanges: number;
  /** Changes queued for the throughput phase. */
  queuedChanges: number;
  stopServer(): Promise<void>;
  startServer(): Promise<void>;
}

export interface WebhookBenchResult {
  latencyChanges: number;
  /** Commit to arrival. */
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** Commit to the message's creation by the worker's fan-out: the wait for a poll. */
  waitP50Ms: number;
  /** Message creation to arrival: fan-out, signing and the POST. */
  sendP50Ms: number;
  queued: number;
  queueSeconds: number;
  deliveriesPerSecond: number;
  /** Sequential POSTs of a message-sized body to the same receiver, one new connection each (as the worker sends). */
  receiverRequestsPerSecond: number;
  pollIntervalMs: number;
}

interface Arrival {
  at: number;
  webhookId: string;
}

const ORIGIN = { actor: { type: 'cli' as const, id: null }, ip: null };

function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? Number.NaN;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Answers 204 to every POST and keeps each message's arrival time under `event:userId`. */
class Receiver {
  readonly arrivals = new Map<string, Arrival>();
  count = 0;
  #waiters: { count: number; resolve: () => void }[] = [];
  readonly server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const at = Date.now();
      const key = messageKey(Buffer.concat(chunks).toString('utf8'));
      const webhookId = req.headers['webhook-id'];
      if (key !== undefined && typeof webhookId === 'string') this.arrivals.set(key, { at, webhookId });
      this.count += 1;
      this.#waiters = this.#waiters.filter((waiter) => (this.count >= waiter.count ? (waiter.resolve(), false) : true));
      res.writeHead(204).end();
    });
  });

  async listen(): Promise<number> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return (this.server.address() as AddressInfo).port;
  }

  /** Resolves once `count` requests have arrived in all, or rejects after `timeoutMs`. */
  waitFor(count: number, timeoutMs: number): Promise<void> {
    if (this.count >= count) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the receiver had ${this.count} of ${count} requests after ${timeoutMs} ms`)), timeoutMs);
      this.#waiters.push({ count, resolve: () => (clearTimeout(timer), resolve()) });
    });
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

function messageKey(body: string): string | undefined {
  try {
    const parsed: unknown = JSON.parse(body);
    if (typeof parsed !== 'object' || parsed === null || !('event' in parsed) || !('data' in parsed)) return undefined;
    const { event, data } = parsed;
    const user = typeof data === 'object' && data !== null && 'user' in data ? data.user : undefined;
    const id = typeof user === 'object' && user !== null && 'id' in user ? user.id : undefined;
    return typeof event === 'string' && typeof id === 'string' ? `${event}:${id}` : undefined;
  } catch {
    return undefined;
  }
}

/** Sequential POSTs of `body` for `seconds`, each on a new connection; requests per second. */
async function receiverRate(port: number, body: string, seconds: number): Promise<number> {
  const until = Date.now() + seconds * 1000;
  const started = Date.now();
  let done = 0;
  while (Date.now() < until) {
    await new Promise<void>((resolve, reject) => {
      const req = http.request({ host: '127.0.0.1', port, method: 'POST', agent: false, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
        res.resume();
        res.on('end', resolve);
      });
      req.on('error', reject);
      req.end(body);
    });
    done += 1;
  }
  return done / ((Date.now() - started) / 1000);
}

interface Fixture {
  orgId: number;
  roleId: number;
  userIds: number[];
}

/** The demo's integration in the first instance, one of its roles and its users. */
async function fixture(database: Database): Promise<Fixture & { integrationId: number }> {
  const integration = await database.db.selectFrom('integrations').select(['id', 'org_id']).where('status', '=', 'active').orderBy('id').executeTakeFirstOrThrow();
  const role = await database.db.selectFrom('roles').select('id').where('org_id', '=', integration.org_id).orderBy('id').executeTakeFirstOrThrow();
  const users = await database.db.selectFrom('users').select('id').where('org_id', '=', integration.org_id).orderBy('id').execute();
  return { integrationId: integration.id, orgId: integration.org_id, roleId: role.id, userIds: users.map((u) => u.id) };
}

/** Toggles the role of the next user: one committed change, one event. Returns the key its message will arrive under. */
async function change(database: Database, f: Fixture, index: number): Promise<string> {
  const userId = f.userIds[index % f.userIds.length] ?? 0;
  const assigned = await assignRole(database.db, { orgId: f.orgId, userId, roleId: f.roleId, scope: 'global' }, ORIGIN, systemClock);
  if (assigned.ok) return `role-assigned:${userId}`;
  const removed = await removeRole(database.db, { orgId: f.orgId, userId, roleId: f.roleId, scope: 'global' }, ORIGIN, systemClock);
  if (!removed.ok) throw new Error(`could not change the roles of user ${userId}: ${removed.reason}`);
  return `role-unassigned:${userId}`;
}

export async function benchWebhookDelivery(options: WebhookBenchOptions): Promise<WebhookBenchResult> {
  const receiver = new Receiver();
  const port = await receiver.listen();
  const database = openDatabase(options.databaseUrl);
  try {
    const f = await fixture(database);
    if (f.userIds.length < options.latencyChanges) throw new Error(`the webhook scenario needs ${options.latencyChanges} users`);
    await createEndpoint(
      database.db,
      { orgId: f.orgId, integrationId: f.integrationId, url: `http://127.0.0.1:${port}/hook`, eventTypes: ['role-assigned', 'role-unassigned'] },
      { encryptionKey: loadKeyEncryptionKey(options.dataDir), allowPrivateTargets: true },
      { actor: { type: 'cli' }, ip: null },
      systemClock,
    );

    // Latency: changes at random moments (so each meets the poll timer at a random phase), each
    // to a different user so its message is recognised at the receiver.
    const commits = new Map<string, number>();
    for (let i = 0; i < options.latencyChanges; i++) {
      const key = await change(database, f, i);
      commits.set(key, Date.now());
      await sleep(Math.random() * 1000);
    }
    await receiver.waitFor(options.latencyChanges, 30_000);
    const latencies: number[] = [];
    const waits: number[] = [];
    const sends: number[] = [];
    const messages = await database.db.selectFrom('webhook_messages').select(['webhook_id', 'created_at']).execute();
    const createdAt = new Map(messages.map((m) => [m.webhook_id, new Date(m.created_at).getTime()]));
    for (const [key, committed] of commits) {
      const arrival = receiver.arrivals.get(key);
      if (arrival === undefined) throw new Error(`no delivery for ${key}`);
      latencies.push(arrival.at - committed);
      const created = createdAt.get(arrival.webhookId);
      if (created !== undefined) {
        waits.push(created - committed);
        sends.push(arrival.at - created);
      }
    }
    const sample = await database.db.selectFrom('webhook_messages').select('body').executeTakeFirstOrThrow();
    const receiverRequestsPerSecond = await receiverRate(port, sample.body, 2);

    // Throughput: the server stopped, `queuedChanges` committed, then the server started again.
    await options.stopServer();
    const before = receiver.count;
    for (let i = 0; i < options.queuedChanges; i++) await change(database, f, options.latencyChanges + i);
    const restarted = Date.now();
    await options.startServer();
    await receiver.waitFor(before + 1, 60_000);
    const first = Date.now();
    await receiver.waitFor(before + options.queuedChanges, 120_000);
    const last = Date.now();
    const rate = (options.queuedChanges - 1) / Math.max(0.001, (last - first) / 1000);
    return {
      latencyChanges: latencies.length,
      p50Ms: percentile(latencies, 50),
      p99Ms: percentile(latencies, 99),
      maxMs: Math.max(...latencies),
      waitP50Ms: percentile(waits, 50),
      sendP50Ms: percentile(sends, 50),
      queued: options.queuedChanges,
      queueSeconds: (last - restarted) / 1000,
      deliveriesPerSecond: rate,
      receiverRequestsPerSecond,
      pollIntervalMs: POLL_INTERVAL_MS,
    };
  } finally {
    await database.close();
    await receiver.close();
  }
}
