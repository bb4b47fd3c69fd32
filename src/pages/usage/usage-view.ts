import { barChart } from '../charts/bar-chart.js';
import { chartFigure } from '../charts/chart-figure.js';
import { formatNumber } from '../charts/chart-scale.js';
import { lineChart } from '../charts/line-chart.js';
import { time, wideTable } from '../components.js';
import { html, type SafeHtml } from '../html.js';
import { errorsOf, p50Of, p95Of, roundedMs, type UsageFigures } from '../../usage/usage-figures.js';
import type { UsageBreakdownRow, UsageReport } from '../../usage/usage-report.js';

/** Okabe–Ito colours: told apart with the common colour-vision deficiencies, readable on light and dark. */
const COLORS = { '2xx': '#0072B2', '3xx': '#56B4E9', '4xx': '#E69F00', '5xx': '#D55E00', tokens: '#009E73', p50: '#0072B2', p95: '#CC79A7' } as const;

export interface UsageViewOptions {
  /** The heading of the breakdown table ("Instances", "Apps"), or null to leave it out. */
  breakdownHeading: string | null;
  /** The column naming a breakdown row ("Instance", "App"). */
  breakdownColumn: string;
  /** Where a breakdown row links to (its own usage), or null for no link. */
  breakdownLink: (row: UsageBreakdownRow) => string | null;
  /** The two CSV downloads (per day, per endpoint). */
  csv: { day: string; endpoint: string };
  /** How often the servers write usage (config usageFlushInterval), to say how fresh the numbers are. */
  flushSeconds: number;
}

function shortDay(day: string): string {
  return day.slice(5);
}

function ms(value: number | null): string {
  const rounded = roundedMs(value);
  return rounded === null ? '—' : `${formatNumber(rounded)} ms`;
}

function percent(part: number, whole: number): string {
  return whole === 0 ? '' : ` (${formatNumber(Math.round((part / whole) * 1000) / 10)} %)`;
}

function summary(report: UsageReport): SafeHtml {
  const t = report.total;
  return html`<dl class="usage-summary">
<div><dt>Requests</dt><dd>${formatNumber(t.responses)}</dd></div>
<div><dt>Errors (4xx and 5xx)</dt><dd>${formatNumber(errorsOf(t))}${percent(errorsOf(t), t.responses)}</dd></div>
<div><dt>Rate limited (429)</dt><dd>${formatNumber(t.rateLimited)}</dd></div>
<div><dt>Server errors (5xx)</dt><dd>${formatNumber(t.byClass['5xx'])}</dd></div>
<div><dt>Tokens issued</dt><dd>${formatNumber(t.tokensIssued)}</dd></div>
<div><dt>Latency p50 / p95</dt><dd>${ms(p50Of(t))} / ${ms(p95Of(t))}</dd></div>
<div><dt>Last active</dt><dd>${time(report.lastActiveAt)}</dd></div>
</dl>`;
}

function requestsChart(report: UsageReport): SafeHtml {
  const days = report.days;
  const series = (['2xx', '3xx', '4xx', '5xx'] as const).map((statusClass) => ({ name: statusClass, color: COLORS[statusClass], values: report.daily.map((d) => d.figures.byClass[statusClass]) }));
  const busiest = report.daily.reduce((best, d) => (d.figures.responses > best.figures.responses ? d : best), report.daily[0] ?? { day: '', figures: report.total });
  const text = {
    id: 'usage-requests',
    title: 'Requests per day, by status class',
    description:
      report.total.responses === 0
        ? `No requests from ${days[0] ?? ''} to ${days[days.length - 1] ?? ''}.`
        : `${formatNumber(report.total.responses)} requests from ${days[0] ?? ''} to ${days[days.length - 1] ?? ''}, ${formatNumber(errorsOf(report.total))} of them errors; the busiest day was ${busiest.day} with ${formatNumber(busiest.figures.responses)}.`,
  };
  return chartFigure(text, barChart({ ...text, labels: days, series, unit: 'requests', shortLabel: shortDay }), {
    labelHeading: 'Day (UTC)',
    labels: days,
    columns: [
      { heading: 'Requests', values: report.daily.map((d) => d.figures.responses) },
      ...series.map((s) => ({ heading: s.name, values: s.values })),
      { heading: '429', values: report.daily.map((d) => d.figures.rateLimited) },
    ],
  });
}

function latencyChart(report: UsageReport): SafeHtml {
  const days = report.days;
  const p50 = report.daily.map((d) => roundedMs(p50Of(d.figures)));
  const p95 = report.daily.map((d) => roundedMs(p95Of(d.figures)));
  const text = {
    id: 'usage-latency',
    title: 'Latency per day: median (p50) and 95th percentile (p95)',
    description:
      report.total.responses === 0
        ? 'No requests, so no latency to show.'
        : `Over the period the median response took at most ${ms(p50Of(report.total))} and 95 % of responses at most ${ms(p95Of(report.total))}.`,
  };
  return chartFigure(
    text,
    lineChart({
      ...text,
      labels: days,
      series: [
        { name: 'p50', color: COLORS.p50, values: p50 },
        { name: 'p95', color: COLORS.p95, values: p95, dashed: true },
      ],
      unit: 'ms',
      shortLabel: shortDay,
    }),
    { labelHeading: 'Day (UTC)', labels: days, columns: [{ heading: 'p50 (ms)', values: p50 }, { heading: 'p95 (ms)', values: p95 }] },
  );
}

function tokensChart(report: UsageReport): SafeHtml {
  const days = report.days;
  const values = report.daily.map((d) => d.figures.tokensIssued);
  const text = {
    id: 'usage-tokens',
    title: 'Access tokens issued per day',
    description: `${formatNumber(report.total.tokensIssued)} access tokens issued from ${days[0] ?? ''} to ${days[days.length - 1] ?? ''}.`,
  };
  return chartFigure(text, barChart({ ...text, labels: days, series: [{ name: 'tokens', color: COLORS.tokens, values }], unit: 'tokens', shortLabel: shortDay }), {
    labelHeading: 'Day (UTC)',
    labels: days,
    columns: [{ heading: 'Tokens', values }],
  });
}

function figureCells(figures: UsageFigures): SafeHtml {
  return html`<td class="num">${formatNumber(figures.responses)}</td><td class="num">${formatNumber(errorsOf(figures))}</td><td class="num">${formatNumber(figures.rateLimited)}</td>`;
}

function endpointTable(report: UsageReport): SafeHtml {
  const rows = report.endpoints.map(
    (e) => html`<tr><th scope="row"><code>${e.endpoint}</code></th>${figureCells(e.figures)}<td class="num">${formatNumber(e.figures.byClass['5xx'])}</td><td class="num">${ms(p50Of(e.figures))}</td><td class="num">${ms(p95Of(e.figures))}</td></tr>`,
  );
  return wideTable(
    html`<tr><th scope="col">Endpoint</th><th scope="col" class="num">Requests</th><th scope="col" class="num">Errors</th><th scope="col" class="num">429</th><th scope="col" class="num">5xx</th><th scope="col" class="num">p50</th><th scope="col" class="num">p95</th></tr>`,
    rows,
    'No requests in this period.',
  );
}

function breakdownTable(report: UsageReport, options: UsageViewOptions): SafeHtml {
  const rows = report.breakdown.map((row) => {
    const link = options.breakdownLink(row);
    const name = link === null ? html`${row.name}` : html`<a href="${link}">${row.name}</a>`;
    return html`<tr><th scope="row">${name} <span class="hint">${row.detail}</span></th>${figureCells(row.figures)}<td class="num">${formatNumber(row.figures.tokensIssued)}</td><td class="num">${ms(p95Of(row.figures))}</td><td>${time(row.lastActiveAt)}</td></tr>`;
  });
  return wideTable(
    html`<tr><th scope="col">${options.breakdownColumn}</th><th scope="col" class="num">Requests</th><th scope="col" class="num">Errors</th><th scope="col" class="num">429</th><th scope="col" class="num">Tokens</th><th scope="col" class="num">p95</th><th scope="col">Last active</th></tr>`,
    rows,
    'Nothing to show yet.',
  );
}

/** The usage of the last days: summary, charts with their numbers, endpoints, the breakdown, and the CSV downloads. */
export function usageReportBody(report: UsageReport, options: UsageViewOptions): SafeHtml {
  const first = report.days[0] ?? '';
  const last = report.days[report.days.length - 1] ?? '';
  return html`<p>The last ${report.days.length} days, ${first} to ${last} (UTC days). Requests count once the app is identified: by a valid access token, or at the token endpoint by its API ID. The numbers are saved every ${options.flushSeconds} seconds, so the latest ones may still be missing. Latencies are measured on the server and shown as upper bounds, within 19 %.</p>
${summary(report)}
<p>Download as CSV: <a href="${options.csv.day}" download>per day</a> · <a href="${options.csv.endpoint}" download>per day and endpoint</a></p>
${requestsChart(report)}
${latencyChart(report)}
${tokensChart(report)}
<h2 id="endpoints">By endpoint</h2>
${endpointTable(report)}
${options.breakdownHeading === null ? '' : html`<h2 id="breakdown">${options.breakdownHeading}</h2>
${breakdownTable(report, options)}`}`;
}
