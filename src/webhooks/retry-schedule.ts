/**
 * When a failed webhook message is tried again: the Standard Webhooks schedule (developer-platforms
 * reference §2). The first attempt is immediate; after each failure the next waits the following
 * delay, stretched by up to JITTER so that many messages failing together do not retry together.
 */
const SECOND = 1_000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;

/** The wait before attempt 1, 2, … (attempt 1 is immediate). After the last, the message is failed. */
/** The spec's example schedule: ten attempts over about 3.1 days (Svix stops after eight, ~27.5 h; issue 7 asks for about 3 days). */
export const ATTEMPT_DELAYS_MS: readonly number[] = [0, 5 * SECOND, 5 * MINUTE, 30 * MINUTE, 2 * HOUR, 5 * HOUR, 10 * HOUR, 14 * HOUR, 20 * HOUR, 24 * HOUR];

export const MAX_ATTEMPTS = ATTEMPT_DELAYS_MS.length;

/** Up to this fraction is added to each delay. */
export const JITTER = 0.1;

/** An endpoint whose deliveries have all failed for this long is disabled. */
export const DISABLE_AFTER_FAILING_MS = 5 * 24 * HOUR;

/**
 * The earliest time of the next attempt after `failedAttempts` failures, or null when none is left.
 * A receiver's Retry-After (429) moves it later, never earlier. `random` in [0, 1) gives the jitter.
 */
export function nextAttemptAt(failedAttempts: number, now: Date, options: { retryAfterMs?: number; random?: () => number } = {}): Date | null {
  const delay = ATTEMPT_DELAYS_MS[failedAttempts];
  if (delay === undefined) return null;
  const jittered = delay + Math.floor(delay * JITTER * (options.random ?? Math.random)());
  return new Date(now.getTime() + Math.max(jittered, options.retryAfterMs ?? 0));
}

/** Retry-After as seconds or an HTTP date, in ms from now; undefined when absent or unreadable. */
export function parseRetryAfter(header: string | undefined, now: Date): number | undefined {
  if (header === undefined) return undefined;
  const text = header.trim();
  if (/^\d{1,9}$/.test(text)) return Number(text) * SECOND;
  const date = Date.parse(text);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now.getTime());
}
