import type { Kysely } from 'kysely';
import type { Clock } from '../clock.js';
import type { Schema } from '../db/schema.js';
import { fetchByIds } from './chunks.js';
import { csvDocument, type CsvValue } from './csv-document.js';
import { errorsOf, p50Of, p95Of, roundedMs, type UsageFigures } from './usage-figures.js';
import { aggregateUsage } from './usage-queries.js';
import { reportDays } from './usage-report.js';

/** One row per app, instance and day; or per app, instance, day and endpoint. */
export type CsvGranularity = 'day' | 'endpoint';

export function isCsvGranularity(value: string): value is CsvGranularity {
  return value === 'day' || value === 'endpoint';
}

const FIGURE_COLUMNS = ['requests', 'status_2xx', 'status_3xx', 'status_4xx', 'status_5xx', 'errors', 'rate_limited_429'];

function figureCells(figures: UsageFigures): CsvValue[] {
  const c = figures.byClass;
  return [figures.responses, c['2xx'], c['3xx'], c['4xx'], c['5xx'], errorsOf(figures), figures.rateLimited];
}

function latencyCells(figures: UsageFigures): CsvValue[] {
  return [roundedMs(p50Of(figures)), roundedMs(p95Of(figures))];
}

/** The first and last day a CSV of the last REPORT_DAYS days covers, for its file name. */
export function csvPeriod(clock: Clock): { from: string; to: string } {
  const days = reportDays(clock);
  return { from: days[0] ?? '', to: days[days.length - 1] ?? '' };
}

/**
 * The usage of the last REPORT_DAYS days as CSV, for one app, one instance, both, or everything:
 * only rows that had usage, oldest day first. Apps are named by API ID and name, instances by slug.
 */
export async function usageCsv(db: Kysely<Schema>, scope: { appId?: number; orgId?: number }, granularity: CsvGranularity, clock: Clock): Promise<string> {
  const { from, to } = csvPeriod(clock);
  const dimensions = granularity === 'endpoint' ? (['day', 'app_id', 'org_id', 'endpoint'] as const) : (['day', 'app_id', 'org_id'] as const);
  const groups = await aggregateUsage(db, { from, to, ...scope }, dimensions);
  const appIds = [...new Set(groups.map((g) => Number(g.key.app_id)))];
  const orgIds = [...new Set(groups.map((g) => Number(g.key.org_id)))];
  const [apps, orgs] = await Promise.all([
    fetchByIds(appIds, (part) => db.selectFrom('apps').select(['id', 'client_id', 'display_name']).where('id', 'in', part).execute()),
    fetchByIds(orgIds, (part) => db.selectFrom('orgs').select(['id', 'slug']).where('id', 'in', part).execute()),
  ]);
  const appById = new Map(apps.map((a) => [a.id, a]));
  const slugById = new Map(orgs.map((o) => [o.id, o.slug]));
  const rows = groups.map((group) => {
    const app = appById.get(Number(group.key.app_id));
    const leading: CsvValue[] = [String(group.key.day), app?.client_id ?? null, app?.display_name ?? null, slugById.get(Number(group.key.org_id)) ?? null];
    if (granularity === 'endpoint') return [...leading, String(group.key.endpoint), ...figureCells(group.figures), ...latencyCells(group.figures)];
    return [...leading, ...figureCells(group.figures), group.figures.tokensIssued, ...latencyCells(group.figures)];
  });
  // By day, app name, API ID, instance, endpoint.
  const order = granularity === 'endpoint' ? [0, 2, 1, 3, 4] : [0, 2, 1, 3];
  rows.sort((a, b) => {
    for (const i of order) {
      const x = String(a[i] ?? '');
      const y = String(b[i] ?? '');
      if (x !== y) return x < y ? -1 : 1;
    }
    return 0;
  });
  const header =
    granularity === 'endpoint'
      ? ['date', 'api_id', 'app', 'instance', 'endpoint', ...FIGURE_COLUMNS, 'latency_p50_ms', 'latency_p95_ms']
      : ['date', 'api_id', 'app', 'instance', ...FIGURE_COLUMNS, 'tokens_issued', 'latency_p50_ms', 'latency_p95_ms'];
  return csvDocument(header, rows);
}
