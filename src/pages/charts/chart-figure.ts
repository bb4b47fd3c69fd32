import { html, type SafeHtml } from '../html.js';
import type { ChartText } from './chart-frame.js';
import { formatNumber } from './chart-scale.js';

/** The numbers a chart draws, as a table: a column of labels, then one column per series. */
export interface ChartNumbers {
  labelHeading: string;
  labels: readonly string[];
  columns: readonly { heading: string; values: readonly (number | null)[] }[];
}

/**
 * A chart with its numbers beside it: the SVG (named and described for screen readers) and a
 * table of every value it draws, in a region that scrolls on its own and takes keyboard focus.
 */
export function chartFigure(text: ChartText, svg: SafeHtml, numbers: ChartNumbers): SafeHtml {
  const rows = numbers.labels.map(
    (label, index) => html`<tr><th scope="row">${label}</th>${numbers.columns.map((column) => {
      const value = column.values[index] ?? null;
      return html`<td class="num">${value === null ? '—' : formatNumber(value)}</td>`;
    })}</tr>`,
  );
  return html`<figure class="chart" aria-labelledby="${text.id}-caption">
<figcaption id="${text.id}-caption">${text.title}</figcaption>
<div class="chart-body">
${svg}
<div class="chart-numbers" role="region" aria-label="${text.title}: the numbers" tabindex="0">
<table><thead><tr><th scope="col">${numbers.labelHeading}</th>${numbers.columns.map((column) => html`<th scope="col" class="num">${column.heading}</th>`)}</tr></thead><tbody>${rows}</tbody></table>
</div>
</div>
</figure>`;
}
