import { html } from '../html.js';
import { chartSvg, PLOT, yOf, type ChartSeries, type ChartText } from './chart-frame.js';
import { formatNumber, valueScale } from './chart-scale.js';
import type { SafeHtml } from '../html.js';

export interface BarChartInput extends ChartText {
  /** One bar per label (e.g. days), left to right. */
  labels: readonly string[];
  /** Stacked bottom to top, in this order. */
  series: readonly ChartSeries[];
  /** Named over the value axis, e.g. "requests". */
  unit: string;
  /** How a label is written under the axis (e.g. a day as "01-31"). */
  shortLabel?: (label: string) => string;
}

/** Stacked bars, one per label; each segment names its series and value on hover. */
export function barChart(input: BarChartInput): SafeHtml {
  const { labels, series } = input;
  const totals = labels.map((_, i) => series.reduce((sum, s) => sum + (s.values[i] ?? 0), 0));
  // Bars count things: whole-number gridlines.
  const scale = valueScale(Math.max(0, ...totals), { integer: true });
  const band = PLOT.width / Math.max(1, labels.length);
  const barWidth = Math.max(1, band * 0.7);
  const xCenter = (index: number): number => PLOT.left + band * (index + 0.5);
  const bars = labels.map((label, index) => {
    let base = 0;
    const segments = series.map((s) => {
      const value = s.values[index] ?? 0;
      if (value <= 0) return html``;
      const y0 = yOf(base, scale);
      const y1 = yOf(base + value, scale);
      base += value;
      return html`<rect x="${(xCenter(index) - barWidth / 2).toFixed(2)}" y="${y1.toFixed(2)}" width="${barWidth.toFixed(2)}" height="${Math.max(0.5, y0 - y1).toFixed(2)}" fill="${s.color}"><title>${label} · ${s.name}: ${formatNumber(value)}</title></rect>`;
    });
    return html`<g>${segments}</g>`;
  });
  return chartSvg(input, { scale, unit: input.unit, labels, xCenter, shortLabel: input.shortLabel ?? ((l) => l), series, plot: html`<g class="bars">${bars}</g>` });
}
