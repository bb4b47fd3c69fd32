import { html, type SafeHtml } from '../html.js';
import { chartSvg, PLOT, yOf, type ChartSeries, type ChartText } from './chart-frame.js';
import { formatNumber, valueScale } from './chart-scale.js';

export interface LineChartInput extends ChartText {
  labels: readonly string[];
  series: readonly ChartSeries[];
  unit: string;
  shortLabel?: (label: string) => string;
}

/** Lines through the labels' values; a missing value (null) breaks the line, and each point names its value on hover. */
export function lineChart(input: LineChartInput): SafeHtml {
  const { labels, series } = input;
  const values = series.flatMap((s) => s.values.filter((v): v is number => v !== null));
  const scale = valueScale(Math.max(0, ...values));
  const step = PLOT.width / Math.max(1, labels.length);
  const xCenter = (index: number): number => PLOT.left + step * (index + 0.5);
  const lines = series.map((s) => {
    const runs: string[][] = [];
    let run: string[] = [];
    s.values.forEach((value, index) => {
      if (value === null) {
        if (run.length > 0) runs.push(run);
        run = [];
      } else run.push(`${xCenter(index).toFixed(2)},${yOf(value, scale).toFixed(2)}`);
    });
    if (run.length > 0) runs.push(run);
    const paths = runs.map((points) => html`<polyline points="${points.join(' ')}" fill="none" stroke="${s.color}" stroke-width="2"${s.dashed === true ? html` stroke-dasharray="6 3"` : ''}/>`);
    const dots = s.values.map((value, index) =>
      value === null
        ? html``
        : html`<circle cx="${xCenter(index).toFixed(2)}" cy="${yOf(value, scale).toFixed(2)}" r="3" fill="${s.color}"><title>${labels[index] ?? ''} · ${s.name}: ${formatNumber(value)} ${input.unit}</title></circle>`,
    );
    return html`<g>${paths}${dots}</g>`;
  });
  return chartSvg(input, { scale, unit: input.unit, labels, xCenter, shortLabel: input.shortLabel ?? ((l) => l), series, plot: html`<g class="lines">${lines}</g>` });
}
