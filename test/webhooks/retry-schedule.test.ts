import { expect, test } from 'vitest';
import { ATTEMPT_DELAYS_MS, nextAttemptAt, parseRetryAfter } from '../../src/webhooks/retry-schedule.js';

test('the Standard Webhooks example schedule: ten attempts over 75 h 35 min 5 s (about 3 days)', () => {
  expect(ATTEMPT_DELAYS_MS).toHaveLength(10);
  expect(ATTEMPT_DELAYS_MS.reduce((sum, delay) => sum + delay, 0)).toBe(((75 * 60 + 35) * 60 + 5) * 1000);
});

test('jitter adds up to 10%, a Retry-After only delays, and after the last attempt there is none', () => {
  const now = new Date('2026-06-01T00:00:00.000Z');
  expect(nextAttemptAt(2, now, { random: () => 0 })?.getTime()).toBe(now.getTime() + 5 * 60_000);
  expect(nextAttemptAt(2, now, { random: () => 0.999 })?.getTime()).toBeLessThan(now.getTime() + 5.5 * 60_000 + 1);
  expect(nextAttemptAt(1, now, { random: () => 0, retryAfterMs: 60_000 })?.getTime()).toBe(now.getTime() + 60_000);
  expect(nextAttemptAt(2, now, { random: () => 0, retryAfterMs: 1_000 })?.getTime()).toBe(now.getTime() + 5 * 60_000);
  expect(nextAttemptAt(ATTEMPT_DELAYS_MS.length, now)).toBeNull();
  expect(parseRetryAfter('120', now)).toBe(120_000);
  expect(parseRetryAfter('Mon, 01 Jun 2026 00:01:00 GMT', now)).toBe(60_000);
  expect(parseRetryAfter('soon', now)).toBeUndefined();
});
