import { html, type SafeHtml } from '../html.js';
import { formatNumber, type ValueScale } from './chart-scale.js';

/** The drawing area of every chart, in SVG user units; the SVG scales to its container's width. */
export const CHART = { width: 640, height: 260, left: 56, right: 12, top: 28, bottom: 36 } as const;

export const PLOT = {
  left: CHART.left,
  top: CHART.top,
  width: CHART.width - CHART.left - CHART.right,
  height: CHART.height - CHART.top - CHART.bottom,
  bottom: CHART.height - CHART.bottom,
} as const;

/** One series of a chart: its name (legend, tooltips), its colour, and a value per label (null: no value). */
export interface ChartSeries {
  name: string;
  /** A colour that reads on light and dark backgrounds. */
  color: string;
  values: readonly (number | null)[];
  /** Drawn dashed (line charts), so series differ by more than colour. */
  dashed?: boolean;
}

/** The accessible text of a chart: read by screen readers instead of the drawing. */
export interface ChartText {
  /** Unique on the page; ids of the title and description derive from it. */
  id: string;
  title: string;
  description: string;
}

export function yOf(value: number, scale: ValueScale): number {
  return PLOT.bottom - (value / scale.max) * PLOT.height;
}

function round(n: number): number {
  return Math.round(n * 100) / 100;
}

/** Horizontal gridlines with their values, and the unit over the axis. */
function valueAxis(scale: ValueScale, unit: string): SafeHtml {
  const lines = scale.ticks.map((tick) => {
    const y = round(yOf(tick, scale));
    return html`<line x1="${PLOT.left}" x2="${PLOT.left + PLOT.width}" y1="${y}" y2="${y}" stroke="currentColor" stroke-opacity="0.2"/><text x="${PLOT.left - 6}" y="${y + 4}" text-anchor="end">${formatNumber(tick)}</text>`;
  });
  return html`<g class="axis" aria-hidden="true">${lines}<text x="${PLOT.left - 6}" y="${PLOT.top - 14}" text-anchor="end">${unit}</text></g>`;
}

/** Labels under the plot, as many as fit (every n-th, always the last). */
function labelAxis(labels: readonly string[], xCenter: (index: number) => number, short: (label: string) => string): SafeHtml {
  const every = Math.max(1, Math.ceil(labels.length / 8));
  const last = labels.length - 1;
  // Every n-th label, and the last one, leaving out a regular one too close before it.
  const shown = labels.map((label, index) =>
    index === last || (index % every === 0 && last - index >= every) ? html`<text x="${round(xCenter(index))}" y="${PLOT.bottom + 18}" text-anchor="middle">${short(label)}</text>` : html``,
  );
  return html`<g class="axis" aria-hidden="true"><line x1="${PLOT.left}" x2="${PLOT.left + PLOT.width}" y1="${PLOT.bottom}" y2="${PLOT.bottom}" stroke="currentColor" stroke-opacity="0.5"/>${shown}</g>`;
}

/** The legend above the plot: a swatch (dashed for dashed lines) and the name of each series. */
function legend(series: readonly ChartSeries[]): SafeHtml {
  let x = PLOT.left;
  const items = series.map((s) => {
    const item = html`<g transform="translate(${x} 6)"><line x1="0" x2="14" y1="6" y2="6" stroke="${s.color}" stroke-width="6"${s.dashed === true ? html` stroke-dasharray="4 2"` : ''}/><text x="18" y="10">${s.name}</text></g>`;
    x += 30 + s.name.length * 7;
    return item;
  });
  return html`<g class="legend" aria-hidden="true">${items}</g>`;
}

/** The SVG around a plot: accessible name and description, axes, legend. */
export function chartSvg(text: ChartText, parts: { scale: ValueScale; unit: string; labels: readonly string[]; xCenter: (index: number) => number; shortLabel: (label: string) => string; series: readonly ChartSeries[]; plot: SafeHtml }): SafeHtml {
  return html`<svg class="chart-svg" viewBox="0 0 ${CHART.width} ${CHART.height}" role="img" aria-labelledby="${text.id}-title ${text.id}-desc" xmlns="http://www.w3.org/2000/svg" font-size="11" fill="currentColor">
<title id="${text.id}-title">${text.title}</title>
<desc id="${text.id}-desc">${text.description}</desc>
${legend(parts.series)}
${valueAxis(parts.scale, parts.unit)}
${labelAxis(parts.labels, parts.xCenter, parts.shortLabel)}
${parts.plot}
</svg>`;
}
