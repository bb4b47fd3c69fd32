/**
 * Counts shared through the database, so limits hold across every server process on one
 * PostgreSQL database. One row per bucket (`rate_limit_counters`) holds the count of its current
 * fixed window; a write is one atomic multi-row upsert that adds to the count (or restarts it
 * when the window has moved on) and returns the new totals.
 *
 * Not every request pays a round trip. Each process may admit, without writing, a small share
 * (`localShare`, 5% by default) of the quota it last saw remaining; those hits are written in
 * batches, every `flushIntervalMs` and whenever the share is used up. Far from the limit most
 * requests cost no database work; near it the share rounds down to nothing, so every request is
 * counted in the database before it is answered and the limit holds exactly, except for hits
 * other processes admitted locally and have not written yet: at most `localShare` of the
 * remaining quota per process, for at most one flush interval. With four processes and the
 * defaults, a bucket can overshoot by at most 15% of its limit, and only within a second of a
 * burst. The SQL is portable, so the same store also runs (in tests) on SQLite.
 *
 * Window boundaries come from each process's clock: keep the servers' clocks synchronized (NTP);
 * a skew of s seconds shifts a window's end by s seconds between processes.
 */
import { sql, type Kysely } from 'kysely';
import { isoTimestamp, systemClock, type Clock } from '../../../clock.js';
import type { Schema } from '../../../db/schema.js';
import { windowStartOf, type Bucket, type BucketCount, type RateLimitStore } from '../rate-limit-store.js';

export interface PostgresStoreOptions {
  /** Share of the remaining quota a process may admit between writes (0 writes every request). */
  localShare?: number;
  /** How often locally admitted hits are written (0: only when a share is used up or on close). */
  flushIntervalMs?: number;
  /** Counters kept in memory at most (those with hits still to write are never dropped). */
  maxKeys?: number;
  /** The clock of background flushes (requests pass their own time). */
  clock?: Clock;
  /** Where failed background flushes are reported. */
  onError?: (error: unknown) => void;
}

/** What this process knows about one bucket's current window. */
interface Counter {
  windowStartMs: number;
  windowMs: number;
  /** The window's count in the database when this process last wrote or read it. */
  shared: number;
  /** Hits admitted here and not written yet. */
  pending: number;
}

interface Write {
  key: string;
  counter: Counter;
  delta: number;
}

const PRUNE_INTERVAL_MS = 5 * 60_000;

export class PostgresRateLimitStore implements RateLimitStore {
  readonly #counters = new Map<string, Counter>();
  readonly #localShare: number;
  readonly #maxKeys: number;
  readonly #clock: Clock;
  readonly #timer: NodeJS.Timeout | undefined;
  #flushing: Promise<void> = Promise.resolve();
  readonly #onError: (error: unknown) => void;
  #lastPruneMs = 0;

  constructor(
    private readonly db: Kysely<Schema>,
    options: PostgresStoreOptions = {},
  ) {
    this.#localShare = options.localShare ?? 0.05;
    this.#maxKeys = options.maxKeys ?? 100_000;
    this.#clock = options.clock ?? systemClock;
    const interval = options.flushIntervalMs ?? 1000;
    const onError = options.onError ?? (() => undefined);
    this.#onError = onError;
    if (interval > 0) {
      this.#timer = setInterval(() => {
        this.flush().catch(onError);
      }, interval);
      this.#timer.unref();
    }
  }

  async hit(buckets: readonly Bucket[], now: Date): Promise<BucketCount[]> {
    const nowMs = now.getTime();
    const counts: BucketCount[] = [];
    const writes = new Map<string, Write & { indexes: number[] }>();
    buckets.forEach((bucket, index) => {
      const counter = this.#counterOf(bucket, nowMs);
      const resetAtMs = counter.windowStartMs + counter.windowMs;
      const localBudget = Math.floor((bucket.limit - counter.shared) * this.#localShare);
      if (counter.pending + 1 <= localBudget) {
        counter.pending += 1;
        counts[index] = { count: counter.shared + counter.pending, resetAtMs };
        return;
      }
      const write = writes.get(bucket.key);
      if (write !== undefined) {
        write.delta += 1;
        write.indexes.push(index);
      } else {
        writes.set(bucket.key, { key: bucket.key, counter, delta: counter.pending + 1, indexes: [index] });
      }
      counter.pending = 0;
      counts[index] = { count: 0, resetAtMs };
    });
    if (writes.size > 0) {
      const totals = await this.#write([...writes.values()]);
      for (const write of writes.values()) {
        const total = totals.get(write.key) ?? write.delta;
        for (const index of write.indexes) {
          const slot = counts[index];
          if (slot !== undefined) slot.count = total;
        }
      }
    }
    if (this.#counters.size > this.#maxKeys) this.#evict(nowMs);
    return counts;
  }

  /** Writes every locally admitted hit now, and forgets windows that have ended. */
  flush(now: Date = this.#clock.now()): Promise<void> {
    // One flush at a time: a slow database must not pile up overlapping writes.
    const run = this.#flushing.then(() => this.#flushNow(now.getTime()));
    this.#flushing = run.catch(() => undefined);
    return run;
  }

  /** Stops the timer and writes what is left; a failed last write is reported, never thrown (shutdown must go on). */
  async close(): Promise<void> {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    await this.flush().catch(this.#onError);
  }

  async #flushNow(nowMs: number): Promise<void> {
    const writes: Write[] = [];
    for (const [key, counter] of this.#counters) {
      if (counter.windowStartMs + counter.windowMs <= nowMs) {
        // Hits of an ended window no longer limit anything.
        this.#counters.delete(key);
      } else if (counter.pending > 0) {
        writes.push({ key, counter, delta: counter.pending });
        counter.pending = 0;
      }
    }
    if (writes.length > 0) await this.#write(writes);
    if (nowMs - this.#lastPruneMs >= PRUNE_INTERVAL_MS) {
      this.#lastPruneMs = nowMs;
      await this.db.deleteFrom('rate_limit_counters').where('expires_at', '<=', isoTimestamp(new Date(nowMs))).execute();
    }
  }

  #counterOf(bucket: Bucket, nowMs: number): Counter {
    const windowStartMs = windowStartOf(bucket.key, bucket.windowMs, nowMs);
    const known = this.#counters.get(bucket.key);
    if (known !== undefined && known.windowStartMs === windowStartMs && known.windowMs === bucket.windowMs) return known;
    const counter: Counter = { windowStartMs, windowMs: bucket.windowMs, shared: 0, pending: 0 };
    // Re-inserted, so the Map's order stays "least recently started window first" for eviction.
    this.#counters.delete(bucket.key);
    this.#counters.set(bucket.key, counter);
    return counter;
  }

  /**
   * Adds the deltas in one statement and returns the windows' new totals. Keys are written in
   * sorted order, so two processes writing overlapping sets lock rows in the same order (no deadlock).
   */
  async #write(writes: Write[]): Promise<Map<string, number>> {
    const sorted = [...writes].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    let rows: { key: string; hits: number }[];
    try {
      rows = await this.db
        .insertInto('rate_limit_counters')
        .values(
          sorted.map(({ key, counter, delta }) => ({
            key,
            window_started_at: isoTimestamp(new Date(counter.windowStartMs)),
            hits: delta,
            expires_at: isoTimestamp(new Date(counter.windowStartMs + counter.windowMs)),
          })),
        )
        .onConflict((oc) =>
          oc.column('key').doUpdateSet({
            // Same window: add. A newer window: start again. An older one (a late write): ignore it.
            hits: sql<number>`case
              when rate_limit_counters.window_started_at = excluded.window_started_at then rate_limit_counters.hits + excluded.hits
              when rate_limit_counters.window_started_at < excluded.window_started_at then excluded.hits
              else rate_limit_counters.hits end`,
            window_started_at: sql<string>`case when rate_limit_counters.window_started_at < excluded.window_started_at
              then excluded.window_started_at else rate_limit_counters.window_started_at end`,
            expires_at: sql<string>`case when rate_limit_counters.window_started_at < excluded.window_started_at
              then excluded.expires_at else rate_limit_counters.expires_at end`,
          }),
        )
        .returning(['key', 'hits'])
        .execute();
    } catch (error) {
      // Not written: keep the hits to write with the next batch.
      for (const { counter, delta } of sorted) counter.pending += delta;
      throw error;
    }
    const totals = new Map<string, number>();
    for (const row of rows) totals.set(row.key, row.hits);
    for (const { key, counter } of sorted) {
      const total = totals.get(key);
      if (total !== undefined) counter.shared = Math.max(counter.shared, total);
    }
    return totals;
  }

  /** Drops the oldest counters with nothing left to write, down to 90% of the cap. */
  #evict(nowMs: number): void {
    const target = Math.floor(this.#maxKeys * 0.9);
    for (const [key, counter] of this.#counters) {
      if (this.#counters.size <= target) break;
      if (counter.pending === 0 || counter.windowStartMs + counter.windowMs <= nowMs) this.#counters.delete(key);
    }
  }
}
