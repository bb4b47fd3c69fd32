/**
 * Latency as a histogram of fixed log-scale bins, so percentiles can be computed from counts
 * that simply add up: across requests, flushes, processes and days. Bin `i` holds latencies up to
 * BIN_BASE_MS × 2^(i / BINS_PER_DOUBLING); four bins per doubling keep a percentile within 19 %
 * of the true value. The bins run from 0.25 ms to about 220 s; the last one also takes anything
 * slower.
 */

export const BIN_BASE_MS = 0.25;
export const BINS_PER_DOUBLING = 4;
export const BIN_COUNT = 80;

/** The largest latency bin `bin` holds, in milliseconds. */
export function binUpperBoundMs(bin: number): number {
  return BIN_BASE_MS * 2 ** (bin / BINS_PER_DOUBLING);
}

/** The bin a latency (milliseconds) falls in. */
export function latencyBin(latencyMs: number): number {
  if (!(latencyMs > BIN_BASE_MS)) return 0;
  const bin = Math.ceil(BINS_PER_DOUBLING * Math.log2(latencyMs / BIN_BASE_MS) - 1e-9);
  return Math.min(bin, BIN_COUNT - 1);
}

/** Responses per bin. */
export type LatencyHistogram = ReadonlyMap<number, number>;

/** Adds `count` responses in `bin` to a histogram being built. */
export function addToHistogram(histogram: Map<number, number>, bin: number, count: number): void {
  histogram.set(bin, (histogram.get(bin) ?? 0) + count);
}

/**
 * The `quantile` (0.5 for p50, 0.95 for p95) of the latencies a histogram counts, by nearest
 * rank, reported as the upper bound of its bin (so "p95 ≤ the value shown"). Null when empty.
 */
export function percentileMs(histogram: LatencyHistogram, quantile: number): number | null {
  let total = 0;
  for (const count of histogram.values()) total += count;
  if (total === 0) return null;
  const rank = Math.max(1, Math.ceil(quantile * total));
  let seen = 0;
  for (const bin of [...histogram.keys()].sort((a, b) => a - b)) {
    seen += histogram.get(bin) ?? 0;
    if (seen >= rank) return binUpperBoundMs(bin);
  }
  return binUpperBoundMs(BIN_COUNT - 1);
}
