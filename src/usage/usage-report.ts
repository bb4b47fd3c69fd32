import type { Kysely } from 'kysely';
import type { Clock } from '../clock.js';
import type { Schema } from '../db/schema.js';
import { fetchByIds } from './chunks.js';
import { utcDay } from './usage-batch.js';
import { addFigures, emptyFigures, type UsageFigures } from './usage-figures.js';
import { aggregateUsage, lastActivity, type UsageScope } from './usage-queries.js';

/** Days the usage pages cover, today (UTC) included. */
export const REPORT_DAYS = 30;

const DAY_MS = 86_400_000;

/** The last `days` UTC days up to today, oldest first. */
export function reportDays(clock: Clock, days = REPORT_DAYS): string[] {
  const today = Date.parse(`${utcDay(clock.now())}T00:00:00.000Z`);
  return Array.from({ length: days }, (_, i) => utcDay(new Date(today - (days - 1 - i) * DAY_MS)));
}

/** A row of the breakdown: an app (seen by an instance or the operators) or an instance (seen by the app's developer). */
export interface UsageBreakdownRow {
  id: number;
  name: string;
  /** The app's API ID, or the instance's slug. */
  detail: string;
  figures: UsageFigures;
  lastActiveAt: string | null;
}

export interface UsageReport {
  days: string[];
  total: UsageFigures;
  /** One entry per day of `days`, days without usage included. */
  daily: { day: string; figures: UsageFigures }[];
  /** Most used first. */
  endpoints: { endpoint: string; figures: UsageFigures }[];
  breakdown: UsageBreakdownRow[];
  lastActiveAt: string | null;
}

export type Breakdown = 'app' | 'instance';

/** What to show besides the groups that had usage: every app integrated in an instance, every instance integrating an app… */
export interface ReportSubject {
  appId?: number;
  orgId?: number;
  breakdown: Breakdown;
  /** Rows listed even without usage in the window (ids of apps or instances, per `breakdown`). */
  alwaysList: readonly number[];
}

async function names(db: Kysely<Schema>, breakdown: Breakdown, ids: readonly number[]): Promise<Map<number, { name: string; detail: string }>> {
  if (breakdown === 'app') {
    const rows = await fetchByIds(ids, (part) => db.selectFrom('apps').select(['id', 'display_name', 'client_id']).where('id', 'in', part).execute());
    return new Map(rows.map((row) => [row.id, { name: row.display_name, detail: String(row.client_id) }]));
  }
  const rows = await fetchByIds(ids, (part) => db.selectFrom('orgs').select(['id', 'name', 'slug']).where('id', 'in', part).execute());
  return new Map(rows.map((row) => [row.id, { name: row.name, detail: row.slug }]));
}

/** The usage of the last REPORT_DAYS days for one app, one instance, one integration (both) or the whole platform. */
export async function usageReport(db: Kysely<Schema>, subject: ReportSubject, clock: Clock): Promise<UsageReport> {
  const days = reportDays(clock);
  const scope: UsageScope = { from: days[0] ?? '', to: days[days.length - 1] ?? '', appId: subject.appId, orgId: subject.orgId };
  const by = subject.breakdown === 'app' ? 'app_id' : 'org_id';
  const [daily, endpoints, groups, activity] = await Promise.all([
    aggregateUsage(db, scope, ['day']),
    aggregateUsage(db, scope, ['endpoint']),
    aggregateUsage(db, scope, [by]),
    lastActivity(db, { appId: subject.appId, orgId: subject.orgId }, by),
  ]);

  const byDay = new Map(daily.map((group) => [String(group.key.day), group.figures]));
  const total = emptyFigures();
  for (const group of daily) addFigures(total, group.figures);

  const figuresById = new Map(groups.map((group) => [Number(group.key[by]), group.figures]));
  const ids = [...new Set([...subject.alwaysList, ...figuresById.keys(), ...activity.keys()])];
  const named = await names(db, subject.breakdown, ids);
  const breakdown = ids.flatMap((id): UsageBreakdownRow[] => {
    const name = named.get(id);
    if (name === undefined) return [];
    return [{ id, ...name, figures: figuresById.get(id) ?? emptyFigures(), lastActiveAt: activity.get(id) ?? null }];
  });
  breakdown.sort((a, b) => b.figures.responses - a.figures.responses || a.name.localeCompare(b.name) || a.id - b.id);

  const activeTimes = [...activity.values()].sort();
  return {
    days,
    total,
    daily: days.map((day) => ({ day, figures: byDay.get(day) ?? emptyFigures() })),
    endpoints: endpoints
      .map((group) => ({ endpoint: String(group.key.endpoint), figures: group.figures }))
      .sort((a, b) => b.figures.responses - a.figures.responses || a.endpoint.localeCompare(b.endpoint)),
    breakdown,
    lastActiveAt: activeTimes[activeTimes.length - 1] ?? null,
  };
}
