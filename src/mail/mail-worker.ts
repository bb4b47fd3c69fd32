import { PollingLoop } from '../jobs/polling-loop.js';
import type { Expression, ExpressionBuilder, Selectable, SqlBool } from 'kysely';
import addressparser from 'nodemailer/lib/addressparser';
import { isoTimestamp, type Clock } from '../clock.js';
import type { Database } from '../db/database.js';
import type { MailMessagesTable, Schema } from '../db/schema.js';
import type { Config } from '../config.js';
import { createMailTransport } from './create-mail-transport.js';
import { oneLine, type DeliveryResult, type MailMessage, type MailTransport } from './mail-transport.js';

// ---------------------------------------------------------------------------------------------
// Delivery policy: every timing of the mail queue is here.

const SECOND = 1_000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;

/** Wait after the 1st, 2nd, … failed attempt before the next one. */
export const RETRY_DELAYS_MS: readonly number[] = [30 * SECOND, 2 * MINUTE, 10 * MINUTE, 30 * MINUTE, HOUR];

/** Wait between attempts once RETRY_DELAYS_MS is used up. */
export const RETRY_INTERVAL_MS = HOUR;

/**
 * Attempts before a message is marked failed. With the delays above, the last attempt comes
 * 23 h 42.5 min after the first: a message survives an SMTP outage of about a day.
 */
export const MAX_ATTEMPTS = 28;

/** Messages one worker claims at a time. */
export const BATCH_SIZE = 10;

/**
 * Longest a single send may take before it is aborted and counted as a failed attempt. The SMTP
 * transport's own timeouts (10 s to connect, 10 s for the greeting) normally end it sooner.
 */
export const SEND_TIMEOUT_MS = 30 * SECOND;

/**
 * How long a claim keeps other processes off a message. A process that dies mid-batch leaves
 * its messages to others after this long. A worker starts a send only while at least
 * SEND_TIMEOUT_MS of its lease is left, so a live worker never loses a message it is sending.
 */
export const LEASE_MS = 2 * MINUTE;

/** How often a running worker looks for due messages. */
export const POLL_INTERVAL_MS = 5 * SECOND;

/** Delay before the attempt that follows the given number of failed attempts. */
export function retryDelayMs(failedAttempts: number): number {
  return RETRY_DELAYS_MS[failedAttempts - 1] ?? RETRY_INTERVAL_MS;
}

// ---------------------------------------------------------------------------------------------

/** The subset of pino's logger the worker writes to. */
export interface MailLogger {
  info(details: object, message: string): void;
  warn(details: object, message: string): void;
  error(details: object, message: string): void;
}

export interface MailWorkerOptions {
  database: Database;
  /** The worker owns it: `stop()` closes it. */
  transport: MailTransport;
  /** The From header of every message (config `mailFrom`); its domain also names the Message-IDs. */
  from: string;
  clock: Clock;
  logger?: MailLogger;
  /** Messages claimed per round; BATCH_SIZE unless a test wants rounds to interleave. */
  batchSize?: number;
}

/** What one round did. */
export interface MailRunSummary {
  /** Messages this worker claimed. */
  claimed: number;
  sent: number;
  /** Failed this time, queued for another attempt. */
  retrying: number;
  /** Failed for good: refused permanently, or MAX_ATTEMPTS used up. */
  failed: number;
  /** Claimed but handed back unsent, because the worker is stopping or its lease ran short. */
  released: number;
}

type MailRow = Selectable<MailMessagesTable>;
type Outcome = 'sent' | 'retrying' | 'failed';

const silentLogger: MailLogger = { info: () => undefined, warn: () => undefined, error: () => undefined };

/**
 * Delivers the `mail_messages` queue. Several workers (one per process, on one PostgreSQL
 * database or one SQLite file) may run at once: each message is claimed by one of them with a
 * conditional UPDATE that sets a lease, so it is sent once. Delivery is at least once: a process
 * that dies after the server accepted a message but before recording it sends it again once the
 * lease lapses (with the same Message-ID).
 */
export class MailWorker {
  readonly #database: Database;
  readonly #transport: MailTransport;
  readonly #from: string;
  readonly #messageIdDomain: string;
  readonly #clock: Clock;
  readonly #logger: MailLogger;
  readonly #batchSize: number;
  /** Rounds run one after another, whether from the timer, wake() or a direct runOnce(). */
  readonly #loop: PollingLoop<MailRunSummary>;

  constructor(options: MailWorkerOptions) {
    this.#database = options.database;
    this.#transport = options.transport;
    this.#from = options.from;
    this.#messageIdDomain = senderDomain(options.from);
    this.#clock = options.clock;
    this.#logger = options.logger ?? silentLogger;
    this.#batchSize = options.batchSize ?? BATCH_SIZE;
    this.#loop = new PollingLoop({
      name: 'mail worker',
      round: () => this.#round(),
      more: (summary) => summary.claimed >= this.#batchSize,
      onError: (error) => this.#logger.warn({ error: describeError(error) }, 'mail worker round failed'),
    });
  }

  /** Claims the due messages (up to a batch) and tries each once. */
  runOnce(): Promise<MailRunSummary> {
    return this.#loop.runOnce();
  }

  /** Runs a round now and then every `intervalMs`; right away again while a full batch came back. */
  start(intervalMs = POLL_INTERVAL_MS): void {
    this.#loop.start(intervalMs);
  }

  /** Runs a round soon, e.g. right after a message was queued, instead of at the next tick (only once started). */
  wake(): void {
    this.#loop.wake();
  }

  /**
   * Stops the timer, lets the send in flight finish, hands the rest of its batch back to the
   * queue, and closes the transport. Queued messages stay in the database for the next start.
   */
  async stop(): Promise<void> {
    await this.#loop.stop();
    await this.#transport.close();
  }

  async #round(): Promise<MailRunSummary> {
    const summary: MailRunSummary = { claimed: 0, sent: 0, retrying: 0, failed: 0, released: 0 };
    if (this.#loop.stopping) return summary;
    const leaseEnd = this.#clock.now().getTime() + LEASE_MS;
    const lease = isoTimestamp(new Date(leaseEnd));
    const rows = await this.#claim(lease);
    summary.claimed = rows.length;
    for (const [index, row] of rows.entries()) {
      if (this.#loop.stopping || this.#clock.now().getTime() + SEND_TIMEOUT_MS > leaseEnd) {
        summary.released = await this.#release(rows.slice(index), lease);
        break;
      }
      summary[await this.#deliver(row, lease)] += 1;
    }
    return summary;
  }

  /**
   * One statement claims up to a batch of due messages by setting their lease, and returns
   * them. It re-checks that each message is still due and unleased, so of two processes that
   * chose the same row only one gets it: SQLite runs writes one at a time, and PostgreSQL
   * re-evaluates the WHERE clause on a row another transaction changed meanwhile. On PostgreSQL,
   * SKIP LOCKED also lets concurrent workers pick different rows instead of queueing on the same.
   * The candidates are a MATERIALIZED CTE because PostgreSQL may otherwise run a LIMIT … SKIP
   * LOCKED subquery once per row of the UPDATE and claim far more than a batch.
   */
  async #claim(lease: string): Promise<MailRow[]> {
    const { db, dialect } = this.#database;
    const now = isoTimestamp(this.#clock.now());
    const rows = await db
      .with(
        (cte) => cte('claimable').materialized(),
        (query) =>
          query
            .selectFrom('mail_messages')
            .select('id')
            .where((eb) => isDue(eb, now))
            .orderBy('next_attempt_at')
            .orderBy('id')
            .limit(this.#batchSize)
            .$if(dialect === 'postgres', (candidates) => candidates.forUpdate().skipLocked()),
      )
      .updateTable('mail_messages')
      .set({ leased_until: lease })
      .where('id', 'in', (eb) => eb.selectFrom('claimable').select('claimable.id'))
      .where((eb) => isDue(eb, now))
      .returningAll()
      .execute();
    // RETURNING gives no order; send the oldest due first.
    return rows.sort((a, b) => a.next_attempt_at.localeCompare(b.next_attempt_at) || a.id - b.id);
  }

  async #deliver(row: MailRow, lease: string): Promise<Outcome> {
    let result: DeliveryResult;
    try {
      result = await this.#transport.send(this.#message(row), AbortSignal.timeout(SEND_TIMEOUT_MS));
    } catch (error) {
      return this.#recordFailure(row, lease, describeError(error), false);
    }
    if (!result.accepted) return this.#recordFailure(row, lease, oneLine(result.detail), true);
    // Recorded even if the lease was lost meanwhile: the message is out, and must not go again.
    await this.#database.db
      .updateTable('mail_messages')
      .set({ status: 'sent', sent_at: isoTimestamp(this.#clock.now()), attempts: row.attempts + 1, leased_until: null })
      .where('id', '=', row.id)
      .where('status', '=', 'queued')
      .execute();
    this.#logger.info({ mailId: row.id, kind: row.kind, transport: this.#transport.name, detail: result.detail }, 'mail sent');
    return 'sent';
  }

  async #recordFailure(row: MailRow, lease: string, error: string, permanent: boolean): Promise<Outcome> {
    const attempts = row.attempts + 1;
    const giveUp = permanent || attempts >= MAX_ATTEMPTS;
    const nextAttemptAt = giveUp ? row.next_attempt_at : isoTimestamp(new Date(this.#clock.now().getTime() + retryDelayMs(attempts)));
    await this.#database.db
      .updateTable('mail_messages')
      .set({ status: giveUp ? 'failed' : 'queued', attempts, last_error: error, next_attempt_at: nextAttemptAt, leased_until: null })
      .where('id', '=', row.id)
      .where('status', '=', 'queued')
      // Only while this worker still holds the claim; otherwise the record belongs to whoever took over.
      .where('leased_until', '=', lease)
      .execute();
    const details = { mailId: row.id, kind: row.kind, transport: this.#transport.name, attempts, error };
    if (giveUp) {
      this.#logger.error(details, permanent ? 'mail refused; not retrying' : 'mail delivery failed; giving up');
      return 'failed';
    }
    this.#logger.warn({ ...details, nextAttemptAt }, 'mail delivery failed; will retry');
    return 'retrying';
  }

  /** Hands claimed messages back unchanged, so the next round, here or elsewhere, takes them at once. */
  async #release(rows: MailRow[], lease: string): Promise<number> {
    if (rows.length === 0) return 0;
    const result = await this.#database.db
      .updateTable('mail_messages')
      .set({ leased_until: null })
      .where(
        'id',
        'in',
        rows.map((row) => row.id),
      )
      .where('leased_until', '=', lease)
      .executeTakeFirst();
    return Number(result.numUpdatedRows);
  }

  #message(row: MailRow): MailMessage {
    const queuedAt = new Date(row.created_at);
    return {
      from: this.#from,
      to: row.to_address,
      subject: row.subject,
      text: row.text_body,
      html: row.html_body,
      // Stable across retries and unique across databases that reuse ids (a reinstall, a restored backup).
      messageId: `<mail-${row.id}.${queuedAt.getTime()}@${this.#messageIdDomain}>`,
      date: queuedAt,
    };
  }
}

/** Queued, its time has come, and no live claim holds it. */
function isDue(eb: ExpressionBuilder<Schema, 'mail_messages'>, now: string): Expression<SqlBool> {
  return eb.and([
    eb('status', '=', 'queued'),
    eb('next_attempt_at', '<=', now),
    eb.or([eb('leased_until', 'is', null), eb('leased_until', '<', now)]),
  ]);
}

/** The transport's failures are already one safe line; anything else (the database, a bug) is made one. */
function describeError(error: unknown): string {
  return oneLine(error instanceof Error ? error.message : String(error)) || 'unknown error';
}

/** The domain of the sender address, for Message-IDs; `localhost` when the address has none. */
function senderDomain(from: string): string {
  const address = addressparser(from, { flatten: true })[0]?.address ?? '';
  const at = address.lastIndexOf('@');
  return at === -1 || at === address.length - 1 ? 'localhost' : address.slice(at + 1);
}

/** The server's worker: the transport the configuration names, polling every POLL_INTERVAL_MS. */
export function startMailWorker(config: Pick<Config, 'smtpUrl' | 'dataDir' | 'mailFrom'>, database: Database, clock: Clock, logger: MailLogger): MailWorker {
  const worker = new MailWorker({ database, transport: createMailTransport(config), from: config.mailFrom, clock, logger });
  worker.start();
  return worker;
}
