import { describe, expect, it } from 'vitest';
import { formatNumber, valueScale } from '../../src/pages/charts/chart-scale.js';
import { barChart } from '../../src/pages/charts/bar-chart.js';
import { lineChart } from '../../src/pages/charts/line-chart.js';

describe('chart scale', () => {
  it('rounds the axis up to a round maximum in round steps', () => {
    expect(valueScale(87)).toEqual({ max: 100, ticks: [0, 25, 50, 75, 100] });
    expect(valueScale(1730)).toEqual({ max: 2000, ticks: [0, 500, 1000, 1500, 2000] });
    expect(valueScale(0.37)).toEqual({ max: 0.4, ticks: [0, 0.1, 0.2, 0.3, 0.4] });
    expect(valueScale(0)).toEqual({ max: 1, ticks: [0, 1] });
  });

  it('steps counts by whole numbers', () => {
    expect(valueScale(1, { integer: true })).toEqual({ max: 1, ticks: [0, 1] });
    expect(valueScale(9, { integer: true })).toEqual({ max: 10, ticks: [0, 2, 4, 6, 8, 10] });
    expect(valueScale(3, { integer: true })).toEqual({ max: 3, ticks: [0, 1, 2, 3] });
  });

  it('writes numbers with separators and few decimals', () => {
    expect(formatNumber(1234567)).toBe('1,234,567');
    expect(formatNumber(6.789)).toBe('6.79');
    expect(formatNumber(12.34)).toBe('12.3');
  });
});

describe('charts', () => {
  const text = { id: 'c', title: 'Requests <per> day', description: 'A & B' };

  it('draw an accessible SVG with escaped text and a bar segment per non-zero value', () => {
    const svg = barChart({ ...text, labels: ['2026-01-01', '2026-01-02'], series: [{ name: '2xx', color: '#0072B2', values: [3, 0] }, { name: '4xx', color: '#E69F00', values: [1, 2] }], unit: 'requests' }).value;
    expect(svg).toContain('role="img" aria-labelledby="c-title c-desc"');
    expect(svg).toContain('<title id="c-title">Requests &#60;per&#62; day</title>');
    expect(svg).toContain('<desc id="c-desc">A &#38; B</desc>');
    expect(svg.match(/<rect /g)).toHaveLength(3);
    expect(svg).toContain('<title>2026-01-02 · 4xx: 2</title>');
  });

  it('break lines where a value is missing', () => {
    const svg = lineChart({ ...text, labels: ['a', 'b', 'c', 'd'], series: [{ name: 'p50', color: '#000', values: [1, null, 2, 3] }], unit: 'ms' }).value;
    expect(svg.match(/<polyline /g)).toHaveLength(2);
    expect(svg.match(/<circle /g)).toHaveLength(3);
  });
});
