/**
 * Counts a request in its buckets and decides: allowed while every bucket is within its limit.
 * Refused requests are counted too, so a client that ignores 429 stays refused until its window
 * ends. The outcome is advertised with the IETF RateLimit header fields
 * (draft-ietf-httpapi-ratelimit-headers): `RateLimit-Policy` lists each policy's quota `q` and
 * window `w` (seconds), `RateLimit` the remaining quota `r` and the seconds `t` until it resets.
 */
import type { PolicyBucket } from './rate-limit-policy.js';
import type { RateLimitStore } from './rate-limit-store.js';

export interface PolicyState {
  policy: string;
  limit: number;
  windowSeconds: number;
  remaining: number;
  /** Seconds until the window ends (at least 1). */
  resetSeconds: number;
  exceeded: boolean;
}

export interface RateLimitDecision {
  allowed: boolean;
  states: PolicyState[];
  /** Seconds to wait before a retry can succeed (refusals only). */
  retryAfterSeconds: number | null;
  /** The first policy exceeded (refusals only). */
  refusedBy: PolicyState | null;
}

export async function countRequest(store: RateLimitStore, buckets: readonly PolicyBucket[], now: Date): Promise<RateLimitDecision> {
  const counts = buckets.length === 0 ? [] : await store.hit(buckets, now);
  const states = buckets.map((bucket, index): PolicyState => {
    const count = counts[index]?.count ?? 0;
    const resetAtMs = counts[index]?.resetAtMs ?? now.getTime();
    return {
      policy: bucket.policy,
      limit: bucket.limit,
      windowSeconds: Math.ceil(bucket.windowMs / 1000),
      remaining: Math.max(0, bucket.limit - count),
      resetSeconds: Math.max(1, Math.ceil((resetAtMs - now.getTime()) / 1000)),
      exceeded: count > bucket.limit,
    };
  });
  const exceeded = states.filter((state) => state.exceeded);
  return {
    allowed: exceeded.length === 0,
    states,
    retryAfterSeconds: exceeded.length === 0 ? null : Math.max(...exceeded.map((state) => state.resetSeconds)),
    refusedBy: exceeded[0] ?? null,
  };
}

/** The `RateLimit-Policy` and `RateLimit` header values, or null when nothing was limited. */
export function rateLimitHeaders(states: readonly PolicyState[]): { 'ratelimit-policy': string; ratelimit: string } | null {
  if (states.length === 0) return null;
  return {
    'ratelimit-policy': states.map((s) => `"${s.policy}";q=${s.limit};w=${s.windowSeconds}`).join(', '),
    ratelimit: states.map((s) => `"${s.policy}";r=${s.remaining};t=${s.resetSeconds}`).join(', '),
  };
}
