import type { Clock } from '../clock.js';
import type { Database } from '../db/database.js';
import { UsageBatch, type UsageEvent } from './usage-batch.js';
import { writeUsageBatch, type WriteSummary } from './usage-writer.js';

/** The subset of pino's logger the recorder writes to. */
export interface UsageLogger {
  warn(details: object, message: string): void;
  error(details: object, message: string): void;
}

export interface UsageRecorderOptions {
  database: Database;
  clock: Clock;
}

const silentLogger: UsageLogger = { warn: () => undefined, error: () => undefined };

function describeError(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Collects usage in memory and writes it in batches: `record` only adds to counters (no I/O on
 * the request path), `flush` writes them all in one transaction, every few seconds while started
 * and once more on `stop`. A flush that fails keeps its counters for the next one. Several
 * processes may record into one PostgreSQL database: their flushes add up (usage-writer.ts).
 */
export class UsageRecorder {
  readonly #database: Database;
  readonly #clock: Clock;
  /** Where flushes started by the timer or stop() report failures (set by start()). */
  #logger: UsageLogger = silentLogger;
  #pending = new UsageBatch();
  /** Flushes run one after another, whether from the timer, a test or stop(). */
  #chain: Promise<unknown> = Promise.resolve();
  #timer: NodeJS.Timeout | null = null;
  #stopped = false;

  constructor(options: UsageRecorderOptions) {
    this.#database = options.database;
    this.#clock = options.clock;
  }

  /** Counts one event at the clock's current time. Ignored once stopped. */
  record(event: UsageEvent): void {
    if (this.#stopped) return;
    this.#pending.add(event, this.#clock.now());
  }

  /** Writes everything recorded so far. Rejects (keeping the counters) if the database refuses. */
  flush(): Promise<WriteSummary> {
    const run = this.#chain.then(() => this.#write());
    this.#chain = run.catch(() => undefined);
    return run;
  }

  /** Flushes every `intervalMs` until stopped, reporting failures to `logger`. */
  start(intervalMs: number, logger: UsageLogger = silentLogger): void {
    if (this.#stopped) throw new Error('the usage recorder was stopped');
    if (this.#timer !== null) return;
    this.#logger = logger;
    this.#timer = setInterval(() => {
      this.flush().catch((error: unknown) => this.#logger.warn({ error: describeError(error) }, 'usage flush failed; will retry'));
    }, intervalMs);
    // The HTTP server keeps the process alive; the flush timer alone should not.
    this.#timer.unref();
  }

  /** Stops the timer and writes what is left. Call after the server stopped taking requests. */
  async stop(): Promise<void> {
    if (this.#timer !== null) clearInterval(this.#timer);
    this.#timer = null;
    try {
      await this.flush();
    } catch (error) {
      this.#logger.error({ error: describeError(error) }, 'usage statistics of the last seconds could not be saved');
    }
    this.#stopped = true;
  }

  async #write(): Promise<WriteSummary> {
    const batch = this.#pending;
    if (batch.isEmpty) return { rows: 0, dropped: 0 };
    this.#pending = new UsageBatch();
    try {
      return await writeUsageBatch(this.#database.db, batch);
    } catch (error) {
      // Nothing was written (one transaction): keep the counters, with what arrived meanwhile.
      batch.merge(this.#pending);
      this.#pending = batch;
      throw error;
    }
  }
}
