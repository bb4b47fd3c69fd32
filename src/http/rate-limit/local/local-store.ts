/**
 * Counts in this process's memory: exact and free, but only right when one server process
 * serves the database (the SQLite deployment). Memory is bounded: ended windows are swept, and
 * past `maxKeys` the oldest counters are dropped (a flood of fresh addresses can then reset
 * some counts, which beats running out of memory).
 */
import { windowStartOf, type Bucket, type BucketCount, type RateLimitStore } from '../rate-limit-store.js';

interface Counter {
  windowStartMs: number;
  windowMs: number;
  count: number;
}

/** Counters kept at most. */
const DEFAULT_MAX_KEYS = 100_000;

export class LocalRateLimitStore implements RateLimitStore {
  readonly #counters = new Map<string, Counter>();
  readonly #maxKeys: number;

  constructor(options: { maxKeys?: number } = {}) {
    this.#maxKeys = options.maxKeys ?? DEFAULT_MAX_KEYS;
  }

  hit(buckets: readonly Bucket[], now: Date): Promise<BucketCount[]> {
    const nowMs = now.getTime();
    const counts = buckets.map((bucket) => {
      const windowStartMs = windowStartOf(bucket.key, bucket.windowMs, nowMs);
      let counter = this.#counters.get(bucket.key);
      if (counter === undefined || counter.windowStartMs !== windowStartMs || counter.windowMs !== bucket.windowMs) {
        counter = { windowStartMs, windowMs: bucket.windowMs, count: 0 };
        // Re-inserted, so the Map's order stays "least recently started window first".
        this.#counters.delete(bucket.key);
        this.#counters.set(bucket.key, counter);
      }
      counter.count += 1;
      return { count: counter.count, resetAtMs: windowStartMs + bucket.windowMs };
    });
    if (this.#counters.size > this.#maxKeys) this.#sweep(nowMs);
    return Promise.resolve(counts);
  }

  close(): Promise<void> {
    this.#counters.clear();
    return Promise.resolve();
  }

  /** Counters currently kept (for tests and metrics). */
  get size(): number {
    return this.#counters.size;
  }

  #sweep(nowMs: number): void {
    for (const [key, counter] of this.#counters) {
      if (counter.windowStartMs + counter.windowMs <= nowMs) this.#counters.delete(key);
    }
    // Down to 90%, so a full store does not sweep on every request.
    const target = Math.floor(this.#maxKeys * 0.9);
    for (const key of this.#counters.keys()) {
      if (this.#counters.size <= target) break;
      this.#counters.delete(key);
    }
  }
}
