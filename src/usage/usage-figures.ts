import type { StatusClass } from '../db/schema.js';
import { addToHistogram, percentileMs } from './latency-histogram.js';

/** The numbers of some slice of usage (a day, an endpoint, an app, …): all sums, so slices merge. */
export interface UsageFigures {
  responses: number;
  byClass: Record<StatusClass, number>;
  /** Of the 4xx, answered 429. */
  rateLimited: number;
  tokensIssued: number;
  /** Responses per latency bin (latency-histogram.ts). */
  latency: Map<number, number>;
}

export function emptyFigures(): UsageFigures {
  return { responses: 0, byClass: { '2xx': 0, '3xx': 0, '4xx': 0, '5xx': 0 }, rateLimited: 0, tokensIssued: 0, latency: new Map() };
}

/** Adds `from` into `into`. */
export function addFigures(into: UsageFigures, from: UsageFigures): void {
  into.responses += from.responses;
  for (const statusClass of ['2xx', '3xx', '4xx', '5xx'] as const) into.byClass[statusClass] += from.byClass[statusClass];
  into.rateLimited += from.rateLimited;
  into.tokensIssued += from.tokensIssued;
  for (const [bin, count] of from.latency) addToHistogram(into.latency, bin, count);
}

/** Errors are every response the client did not get what it asked for: 4xx (429 included) and 5xx. */
export function errorsOf(figures: UsageFigures): number {
  return figures.byClass['4xx'] + figures.byClass['5xx'];
}

export function p50Of(figures: UsageFigures): number | null {
  return percentileMs(figures.latency, 0.5);
}

export function p95Of(figures: UsageFigures): number | null {
  return percentileMs(figures.latency, 0.95);
}

/** A latency for people and CSV: one decimal below 10 ms, whole milliseconds above. */
export function roundedMs(ms: number | null): number | null {
  if (ms === null) return null;
  return ms < 10 ? Math.round(ms * 10) / 10 : Math.round(ms);
}
