import { describe, expect, it } from 'vitest';
import { BIN_COUNT, binUpperBoundMs, latencyBin, percentileMs } from '../../src/usage/latency-histogram.js';
import { csvCell, csvDocument } from '../../src/usage/csv-document.js';
import { endpointLabel, statusClassOf } from '../../src/usage/endpoint-label.js';

function histogramOf(latencies: readonly number[]): Map<number, number> {
  const histogram = new Map<number, number>();
  for (const ms of latencies) histogram.set(latencyBin(ms), (histogram.get(latencyBin(ms)) ?? 0) + 1);
  return histogram;
}

describe('latency histogram', () => {
  it('puts every latency in the bin whose upper bound is the first at or above it', () => {
    for (const ms of [0, 0.1, 0.25, 0.26, 1, 1.5, 3, 10, 47.3, 999, 60_000]) {
      const bin = latencyBin(ms);
      expect(binUpperBoundMs(bin)).toBeGreaterThanOrEqual(ms);
      if (bin > 0) expect(binUpperBoundMs(bin - 1)).toBeLessThan(ms);
    }
    // A bound itself belongs to its own bin, not the next one.
    expect(latencyBin(binUpperBoundMs(17))).toBe(17);
    expect(latencyBin(-5)).toBe(0);
    expect(latencyBin(Number.NaN)).toBe(0);
    expect(latencyBin(10 * 60_000)).toBe(BIN_COUNT - 1);
  });

  it('gives percentiles within 19 % above the exact value', () => {
    const latencies = Array.from({ length: 1000 }, (_, i) => 1 + i * 0.37);
    const exact = (q: number) => [...latencies].sort((a, b) => a - b)[Math.ceil(q * latencies.length) - 1] ?? 0;
    for (const q of [0.5, 0.95, 0.99]) {
      const p = percentileMs(histogramOf(latencies), q) ?? 0;
      expect(p).toBeGreaterThanOrEqual(exact(q));
      expect(p).toBeLessThanOrEqual(exact(q) * 1.19);
    }
  });

  it('merges by adding counts: the percentile of two halves is that of the whole', () => {
    const first = Array.from({ length: 300 }, (_, i) => 2 + (i % 40));
    const second = Array.from({ length: 700 }, (_, i) => 80 + (i % 200));
    const merged = histogramOf(first);
    for (const [bin, count] of histogramOf(second)) merged.set(bin, (merged.get(bin) ?? 0) + count);
    const whole = histogramOf([...first, ...second]);
    expect(percentileMs(merged, 0.5)).toBe(percentileMs(whole, 0.5));
    expect(percentileMs(merged, 0.95)).toBe(percentileMs(whole, 0.95));
  });

  it('has no percentile without responses, and the one value with a single response', () => {
    expect(percentileMs(new Map(), 0.5)).toBeNull();
    expect(percentileMs(histogramOf([12]), 0.95)).toBe(binUpperBoundMs(latencyBin(12)));
  });
});

describe('endpoint labels and status classes', () => {
  it('names routes by method and template, never by concrete path', () => {
    expect(endpointLabel('get', '/api/v0/users/:userId')).toBe('GET /api/v0/users/{userId}');
    expect(endpointLabel('PUT', '/api/v0/users/:userId/roles/:roleId')).toBe('PUT /api/v0/users/{userId}/roles/{roleId}');
    expect(endpointLabel('GET', '/files/:name(^\\d+)')).toBe('GET /files/{name}');
    expect(endpointLabel('POST', '/api/oauth/token')).toBe('POST /api/oauth/token');
  });

  it('classes statuses', () => {
    expect([200, 204, 301, 304, 400, 429, 499, 500, 503].map(statusClassOf)).toEqual(['2xx', '2xx', '3xx', '3xx', '4xx', '4xx', '4xx', '5xx', '5xx']);
  });
});

describe('CSV', () => {
  it('quotes what needs quoting and doubles quotes (RFC 4180)', () => {
    expect(csvCell('plain')).toBe('plain');
    expect(csvCell('a,b')).toBe('"a,b"');
    expect(csvCell('say "hi"')).toBe('"say ""hi"""');
    expect(csvCell('two\nlines')).toBe('"two\nlines"');
    expect(csvCell(' padded ')).toBe('" padded "');
    expect(csvCell(null)).toBe('');
    expect(csvCell(12.5)).toBe('12.5');
  });

  it('defuses text a spreadsheet would run as a formula', () => {
    expect(csvCell('=HYPERLINK("https://evil.example")')).toBe(`"'=HYPERLINK(""https://evil.example"")"`);
    expect(csvCell('+1')).toBe("'+1");
    expect(csvCell('-2')).toBe("'-2");
    expect(csvCell('@SUM(A1)')).toBe("'@SUM(A1)");
    expect(csvCell(-2)).toBe('-2');
  });

  it('ends every line with CRLF', () => {
    expect(csvDocument(['a', 'b'], [[1, 'x'], [2, null]])).toBe('a,b\r\n1,x\r\n2,\r\n');
  });
});
