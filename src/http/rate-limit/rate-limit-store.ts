/**
 * Where request counts live. Limits are fixed windows: a bucket counts the requests made in its
 * current window and starts again at zero when the window ends. Each key's windows are shifted
 * by an offset derived from the key, so clients do not all get their quota back at the same
 * instant (no stampede at the top of every minute).
 *
 * Implementations: `local/` (this process's memory: one server process, SQLite) and `postgres/`
 * (shared through the database: several processes on one PostgreSQL).
 */
import { createHash } from 'node:crypto';

/** One counter a request is charged to. */
export interface Bucket {
  /** Names the counter: what is limited and for whom, e.g. `api:app:3:431000`. */
  key: string;
  /** Requests allowed per window (the caller never passes 0: a limit of 0 means "not limited"). */
  limit: number;
  windowMs: number;
}

/** A bucket after a request was counted. */
export interface BucketCount {
  /** Requests counted in the current window, this one included. */
  count: number;
  /** When the current window ends (ms since the epoch). */
  resetAtMs: number;
}

export interface RateLimitStore {
  /** Counts one request against every bucket, atomically per bucket, and returns their counts in order. */
  hit(buckets: readonly Bucket[], now: Date): Promise<BucketCount[]>;
  /** Writes what is still pending and stops background work. */
  close(): Promise<void>;
}

/** The start of the window `nowMs` falls in, for this key (ms since the epoch). */
export function windowStartOf(key: string, windowMs: number, nowMs: number): number {
  const offset = createHash('sha256').update(key).digest().readUInt32BE(0) % windowMs;
  return Math.floor((nowMs - offset) / windowMs) * windowMs + offset;
}
