/**
 * Delivers webhook messages. Each round fans out new events into messages (fan-out.ts), then claims
 * the due messages and POSTs each once. All state is in the database (the outbox and the endpoints'
 * cursors), so a stopped or crashed process loses nothing: the next start, here or in another
 * process, carries on. Several workers may share one database: a claim is one conditional UPDATE
 * that only one of them wins (SKIP LOCKED on PostgreSQL), and holds the message for LEASE_MS.
 * Delivery is at least once: a process that dies after the receiver answered but before recording
 * it sends the message again (with the same webhook-id, which receivers use to deduplicate).
 */
import { PollingLoop } from '../jobs/polling-loop.js';
import { instanceIssuer } from '../oauth/providers.js';
import { type Expression, type ExpressionBuilder, type Kysely, type Selectable, type SqlBool } from 'kysely';
import { isoTimestamp, type Clock } from '../clock.js';
import type { Config } from '../config.js';
import type { Database } from '../db/database.js';
import type { Schema, WebhookEndpointsTable, WebhookMessagesTable } from '../db/schema.js';
import { enqueueMail } from '../mail/mail-queue.js';
import { orgAdminEmails } from '../instance/org-admins.js';
import { escapeHtml } from '../pages/html.js';
import { upsertAppActivity } from '../usage/usage-writer.js';
import { loadKeyEncryptionKey } from '../oauth/signing-keys.js';
import { pruneDeliveryLog } from './delivery-log.js';
import { fanOutEvents } from './fan-out.js';
import { DISABLE_AFTER_FAILING_MS, nextAttemptAt, parseRetryAfter } from './retry-schedule.js';
import { decryptWebhookSecret } from './secrets.js';
import { sendWebhook, type SendResult } from './send-webhook.js';
import { signedHeaders } from './signing.js';
import type { ResolveHost } from './target-address.js';
import { instanceWebhookKey } from './webhook-key.js';

/** Longest a receiver may take to answer. */
export const DEFAULT_TIMEOUT_MS = 15_000;
/** How long a claim keeps other workers off a message: well over a send's timeout. */
export const LEASE_MS = 2 * 60_000;
export const BATCH_SIZE = 20;
export const POLL_INTERVAL_MS = 2_000;
/** How often the delivery log is pruned (on the first round, then this often). */
export const PRUNE_INTERVAL_MS = 24 * 3_600_000;

export interface WebhookLogger {
  warn(details: object, message: string): void;
}

export interface WebhookWorkerOptions {
  database: Database;
  clock: Clock;
  /** The data directory's key: decrypts endpoint secrets and the instance's webhook key. */
  encryptionKey: Buffer;
  /** The JWT's `iss` for an instance: its primary base URL. */
  issuerFor: (orgId: number) => Promise<string>;
  allowPrivateTargets: boolean;
  timeoutMs?: number;
  resolve?: ResolveHost;
  /** In [0, 1): the retry jitter. */
  random?: () => number;
  logger?: WebhookLogger;
}

export interface WebhookRunSummary {
  fannedOut: number;
  claimed: number;
  delivered: number;
  retrying: number;
  failed: number;
}

type MessageRow = Selectable<WebhookMessagesTable>;
type EndpointRow = Selectable<WebhookEndpointsTable>;

export class WebhookDeliveryWorker {
  readonly #options: WebhookWorkerOptions;
  readonly #loop: PollingLoop<WebhookRunSummary>;
  #lastPruneAt: number | null = null;

  constructor(options: WebhookWorkerOptions) {
    this.#options = options;
    this.#loop = new PollingLoop({
      name: 'webhook worker',
      round: () => this.#round(),
      more: (summary) => summary.claimed > 0,
      onError: (error) => options.logger?.warn({ error: error instanceof Error ? error.message : String(error) }, 'webhook worker round failed'),
    });
  }

  /** One round: fan out, claim the due messages, send each once. */
  runOnce(): Promise<WebhookRunSummary> {
    return this.#loop.runOnce();
  }

  start(intervalMs = POLL_INTERVAL_MS): void {
    this.#loop.start(intervalMs);
  }

  /** Stops the timer and waits for the round in flight; undelivered messages stay in the database. */
  stop(): Promise<void> {
    return this.#loop.stop();
  }

  async #round(): Promise<WebhookRunSummary> {
    const summary: WebhookRunSummary = { fannedOut: 0, claimed: 0, delivered: 0, retrying: 0, failed: 0 };
    if (this.#loop.stopping) return summary;
    const { database, clock } = this.#options;
    summary.fannedOut = await fanOutEvents(database.db, clock);
    const lease = isoTimestamp(new Date(clock.now().getTime() + LEASE_MS));
    const rows = await this.#claim(lease);
    summary.claimed = rows.length;
    for (const row of rows) summary[await this.#deliver(row, lease)] += 1;
    const now = clock.now();
    if (this.#lastPruneAt === null || now.getTime() - this.#lastPruneAt >= PRUNE_INTERVAL_MS) {
      this.#lastPruneAt = now.getTime();
      await pruneDeliveryLog(database.db, now);
    }
    return summary;
  }

  /**
   * Claims due messages, each the oldest due message of its endpoint, so an endpoint receives its
   * messages in order while they succeed (a newer one waits while an older one is due or being
   * sent). The candidates are a MATERIALIZED CTE so that PostgreSQL runs the LIMIT … SKIP LOCKED
   * once; the UPDATE re-checks that each is still unclaimed, so of two workers only one wins it.
   */
  async #claim(lease: string): Promise<MessageRow[]> {
    const { db, dialect } = this.#options.database;
    const now = isoTimestamp(this.#options.clock.now());
    const rows = await db
      .with(
        (cte) => cte('claimable').materialized(),
        (query) =>
          query
            .selectFrom('webhook_messages as m')
            .select('m.id')
            .where((eb) => isDue(eb, now))
            .where((eb) =>
              eb.not(
                eb.exists(
                  eb
                    .selectFrom('webhook_messages as older')
                    .select('older.id')
                    .whereRef('older.endpoint_id', '=', 'm.endpoint_id')
                    .whereRef('older.id', '<', 'm.id')
                    .where('older.status', '=', 'pending')
                    .where('older.next_attempt_at', '<=', now),
                ),
              ),
            )
            .orderBy('m.id')
            .limit(BATCH_SIZE)
            .$if(dialect === 'postgres', (candidates) => candidates.forUpdate().skipLocked()),
      )
      .updateTable('webhook_messages as m')
      .set({ claimed_until: lease })
      .where('m.id', 'in', (eb) => eb.selectFrom('claimable').select('claimable.id'))
      .where((eb) => isDue(eb, now))
      .returningAll()
      .execute();
    return rows.sort((a, b) => a.id - b.id);
  }

  async #deliver(row: MessageRow, lease: string): Promise<'delivered' | 'retrying' | 'failed'> {
    const { database, clock } = this.#options;
    const endpoint = await database.db
      .selectFrom('webhook_endpoints')
      .innerJoin('integrations', (join) => join.onRef('integrations.org_id', '=', 'webhook_endpoints.org_id').onRef('integrations.id', '=', 'webhook_endpoints.integration_id'))
      .innerJoin('apps', 'apps.id', 'integrations.app_id')
      .selectAll('webhook_endpoints')
      .select(['apps.id as app_id', 'apps.status as app_status'])
      .where('webhook_endpoints.org_id', '=', row.org_id)
      .where('webhook_endpoints.id', '=', row.endpoint_id)
      .executeTakeFirst();
    // A revoked app gets nothing but its `app-revoked` notice, also a message a fan-out made
    // from an endpoint list read just before the revocation (after it cancelled pending ones).
    if (endpoint === undefined || endpoint.status !== 'active' || (endpoint.app_status === 'revoked' && row.event_type !== 'app-revoked')) {
      await this.#finish(row, lease, { status: 'cancelled' });
      return 'failed';
    }
    const started = clock.now();
    let result: SendResult;
    try {
      result = await sendWebhook(endpoint.url, await this.#headers(row, endpoint, started), row.body, {
        allowPrivateTargets: this.#options.allowPrivateTargets,
        timeoutMs: this.#options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
        resolve: this.#options.resolve,
      });
    } catch (error) {
      result = { kind: 'error', message: error instanceof Error ? error.message : String(error) };
    }
    const now = clock.now();
    const attempts = row.attempts + 1;
    await database.db
      .insertInto('webhook_attempts')
      .values({
        org_id: row.org_id,
        message_id: row.id,
        attempted_at: isoTimestamp(started),
        status_code: result.kind === 'response' ? result.statusCode : null,
        latency_ms: Math.max(0, now.getTime() - started.getTime()),
        response_excerpt: result.kind === 'response' ? result.excerpt : result.message,
      })
      .execute();

    if (result.kind === 'response' && result.statusCode >= 200 && result.statusCode < 300) {
      // An acknowledged delivery is a sign of life of the app in this instance (issue 8: inactivity).
      await database.db.transaction().execute(async (trx) => {
        await this.#finish(row, lease, { status: 'delivered', attempts, delivered_at: isoTimestamp(now) }, trx);
        await upsertAppActivity(trx, [{ app_id: endpoint.app_id, org_id: row.org_id, last_active_at: isoTimestamp(now) }]);
      });
      await database.db.updateTable('webhook_endpoints').set({ failing_since: null }).where('id', '=', endpoint.id).where('failing_since', 'is not', null).execute();
      return 'delivered';
    }
    if (result.kind === 'response' && result.statusCode === 410) {
      await this.#finish(row, lease, { status: 'failed', attempts });
      await this.#disable(endpoint, 'The receiver answered 410 Gone.');
      return 'failed';
    }
    const retryAfterMs = result.kind === 'response' && result.statusCode === 429 ? parseRetryAfter(result.retryAfter, now) : undefined;
    const next = nextAttemptAt(attempts, now, { retryAfterMs, random: this.#options.random });
    await this.#finish(row, lease, next === null ? { status: 'failed', attempts } : { status: 'pending', attempts, next_attempt_at: isoTimestamp(next) });
    const failingSince = endpoint.failing_since ?? isoTimestamp(now);
    if (endpoint.failing_since === null) await database.db.updateTable('webhook_endpoints').set({ failing_since: failingSince }).where('id', '=', endpoint.id).where('failing_since', 'is', null).execute();
    if (now.getTime() - new Date(failingSince).getTime() >= DISABLE_AFTER_FAILING_MS) {
      await this.#disable(endpoint, 'Every delivery failed for 5 days.');
      return 'failed';
    }
    return next === null ? 'failed' : 'retrying';
  }

  async #headers(row: MessageRow, endpoint: EndpointRow, now: Date): Promise<Record<string, string>> {
    const { encryptionKey, database, clock } = this.#options;
    const secrets = [decryptWebhookSecret(endpoint.secret_encrypted, encryptionKey)];
    if (endpoint.previous_secret_encrypted !== null && endpoint.previous_secret_expires_at !== null && endpoint.previous_secret_expires_at > isoTimestamp(now)) {
      secrets.push(decryptWebhookSecret(endpoint.previous_secret_encrypted, encryptionKey));
    }
    const key = await instanceWebhookKey(database.db, row.org_id, encryptionKey, clock);
    return signedHeaders({ webhookId: row.webhook_id, body: row.body, secrets, now, jwt: { audience: endpoint.url, issuer: await this.#options.issuerFor(row.org_id), key } });
  }

  /** Records the outcome, only while this worker still holds the claim. */
  async #finish(row: MessageRow, lease: string, changes: { status: MessageRow['status']; attempts?: number; next_attempt_at?: string; delivered_at?: string }, db: Kysely<Schema> = this.#options.database.db): Promise<void> {
    await db
      .updateTable('webhook_messages')
      .set({ ...changes, claimed_until: null })
      .where('id', '=', row.id)
      .where('status', '=', 'pending')
      .where('claimed_until', '=', lease)
      .execute();
  }

  /** Disables the endpoint, cancels what it still had pending, and tells the org's admins and the developer. */
  async #disable(endpoint: EndpointRow, reason: string): Promise<void> {
    const { database, clock } = this.#options;
    const now = isoTimestamp(clock.now());
    await database.db.transaction().execute(async (trx) => {
      const changed = await trx
        .updateTable('webhook_endpoints')
        .set({ status: 'disabled', disabled_reason: reason, updated_at: now })
        .where('id', '=', endpoint.id)
        .where('status', '=', 'active')
        .executeTakeFirst();
      if (Number(changed.numUpdatedRows) === 0) return;
      await trx.updateTable('webhook_messages').set({ status: 'cancelled', claimed_until: null }).where('endpoint_id', '=', endpoint.id).where('status', '=', 'pending').execute();
      for (const to of await notifiedAddresses(trx, endpoint)) {
        const text = `The webhook endpoint ${endpoint.url} was disabled: ${reason}\nFix the receiver, then enable the endpoint again on the integration's page.`;
        await enqueueMail(trx, { kind: 'webhook.disabled', to, subject: 'A webhook endpoint was disabled', text, html: `<p>${escapeHtml(text).replace('\n', '</p><p>')}</p>` }, clock);
      }
    });
    this.#options.logger?.warn({ endpointId: endpoint.id, reason }, 'webhook endpoint disabled');
  }
}

/** The org's admins (holders of oauth:manage, globally or for the current convention) and the app's developer. */
async function notifiedAddresses(db: Database['db'], endpoint: EndpointRow): Promise<string[]> {
  const addresses = await orgAdminEmails(db, endpoint.org_id);
  const developer = await db
    .selectFrom('integrations')
    .innerJoin('apps', 'apps.id', 'integrations.app_id')
    .innerJoin('developers', 'developers.id', 'apps.developer_id')
    .select('developers.email')
    .where('integrations.org_id', '=', endpoint.org_id)
    .where('integrations.id', '=', endpoint.integration_id)
    .executeTakeFirst();
  if (developer !== undefined) addresses.push(developer.email);
  return [...new Set(addresses.filter((address) => address !== ''))];
}

/** Pending, due, and held by no live claim. */
function isDue(eb: ExpressionBuilder<Schema & { m: WebhookMessagesTable }, 'm'>, now: string): Expression<SqlBool> {
  return eb.and([eb('m.status', '=', 'pending'), eb('m.next_attempt_at', '<=', now), eb.or([eb('m.claimed_until', 'is', null), eb('m.claimed_until', '<', now)])]);
}

/** The server's worker (polling unless 'manual'): the JWT issuer is the instance's primary base URL. */
export function startWebhookWorker(
  config: Pick<Config, 'dataDir' | 'publicUrl' | 'webhooksAllowPrivateTargets'>,
  database: Database,
  clock: Clock,
  logger: WebhookLogger,
  delivery: 'automatic' | 'manual',
): WebhookDeliveryWorker {
  const worker = new WebhookDeliveryWorker({
    database,
    clock,
    encryptionKey: loadKeyEncryptionKey(config.dataDir),
    // The issuer its OAuth server names, the instance's base URL; the platform's origin if it has none.
    issuerFor: async (orgId) => (await instanceIssuer(database.db, orgId, config.publicUrl)) ?? config.publicUrl.origin,
    allowPrivateTargets: config.webhooksAllowPrivateTargets,
    logger,
  });
  if (delivery === 'automatic') worker.start();
  return worker;
}
