import { sql, type Kysely } from 'kysely';
import type { Schema } from '../db/schema.js';
import { isStatusClass } from './endpoint-label.js';
import { addToHistogram } from './latency-histogram.js';
import { emptyFigures, type UsageFigures } from './usage-figures.js';

/** What usage can be grouped by. */
export type UsageDimension = 'day' | 'app_id' | 'org_id' | 'endpoint';

/** Which usage to read: days from `from` to `to` (inclusive, 'YYYY-MM-DD'), of one app and/or one instance or all. */
export interface UsageScope {
  from: string;
  to: string;
  appId?: number;
  orgId?: number;
}

/** One group: its dimension values (by name) and its figures. */
export interface UsageGroup {
  key: Partial<Record<UsageDimension, string | number>>;
  figures: UsageFigures;
}

/** Sums come back as text from PostgreSQL (bigint): read any count as a number. */
function count(value: unknown): number {
  const n = typeof value === 'number' ? value : Number(value);
  return Number.isFinite(n) ? n : 0;
}

function dimensionValue(row: Record<string, unknown>, dimension: UsageDimension): string | number {
  const value = row[dimension];
  if (typeof value === 'string' || typeof value === 'number') return value;
  throw new Error(`usage row without ${dimension}`);
}

/**
 * Usage summed in the database by the given dimensions (none: one group for the whole scope).
 * Three grouped queries, one per table; tokens are not per endpoint, so grouping by endpoint
 * leaves them at zero.
 */
export async function aggregateUsage(db: Kysely<Schema>, scope: UsageScope, dimensions: readonly UsageDimension[]): Promise<UsageGroup[]> {
  const groups = new Map<string, UsageGroup>();
  const groupOf = (row: Record<string, unknown>): UsageFigures => {
    const key: UsageGroup['key'] = {};
    for (const dimension of dimensions) key[dimension] = dimensionValue(row, dimension);
    const id = JSON.stringify(dimensions.map((d) => key[d]));
    let group = groups.get(id);
    if (group === undefined) {
      group = { key, figures: emptyFigures() };
      groups.set(id, group);
    }
    return group.figures;
  };
  const selected = dimensions.map((d) => sql.ref(d));
  const filters = sql.join(
    [
      sql`day >= ${scope.from}`,
      sql`day <= ${scope.to}`,
      ...(scope.appId === undefined ? [] : [sql`app_id = ${scope.appId}`]),
      ...(scope.orgId === undefined ? [] : [sql`org_id = ${scope.orgId}`]),
    ],
    sql` and `,
  );
  const columns = (extra: string[]) => sql.join([...selected, ...extra.map((c) => sql.raw(c))]);
  const groupBy = (extra: string) => sql.join([...selected, sql.ref(extra)]);

  const requests = await sql<Record<string, unknown>>`select ${columns(['status_class', 'sum(responses) as responses', 'sum(rate_limited) as rate_limited'])}
    from usage_requests where ${filters} group by ${groupBy('status_class')}`.execute(db);
  for (const row of requests.rows) {
    const figures = groupOf(row);
    const statusClass = String(row.status_class);
    if (!isStatusClass(statusClass)) continue;
    const responses = count(row.responses);
    figures.responses += responses;
    figures.byClass[statusClass] += responses;
    figures.rateLimited += count(row.rate_limited);
  }

  const latency = await sql<Record<string, unknown>>`select ${columns(['bin', 'sum(responses) as responses'])}
    from usage_latency where ${filters} group by ${groupBy('bin')}`.execute(db);
  for (const row of latency.rows) addToHistogram(groupOf(row).latency, count(row.bin), count(row.responses));

  if (!dimensions.includes('endpoint')) {
    const tokenColumns = selected.length === 0 ? sql`sum(tokens_issued) as tokens_issued` : sql`${sql.join(selected)}, sum(tokens_issued) as tokens_issued`;
    const tokenGroups = selected.length === 0 ? sql`` : sql`group by ${sql.join(selected)}`;
    const tokens = await sql<Record<string, unknown>>`select ${tokenColumns} from usage_tokens where ${filters} ${tokenGroups}`.execute(db);
    // Without dimensions an empty table still yields one row, of a null sum.
    for (const row of tokens.rows) if (row.tokens_issued !== null) groupOf(row).tokensIssued += count(row.tokens_issued);
  }
  return [...groups.values()];
}

/** The last activity per app (`by` 'app_id') or per instance ('org_id') within one app and/or instance, or overall (null). */
export async function lastActivity(db: Kysely<Schema>, scope: { appId?: number; orgId?: number }, by: 'app_id' | 'org_id'): Promise<Map<number, string>> {
  const rows = await db
    .selectFrom('app_activity')
    .select((eb) => [by, eb.fn.max('last_active_at').as('last_active_at')])
    .$if(scope.appId !== undefined, (qb) => qb.where('app_id', '=', scope.appId ?? 0))
    .$if(scope.orgId !== undefined, (qb) => qb.where('org_id', '=', scope.orgId ?? 0))
    .groupBy(by)
    .execute();
  return new Map(rows.map((row) => [row[by], row.last_active_at]));
}
