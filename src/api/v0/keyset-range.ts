/**
 * The WHERE and ORDER BY of one search page over a group of rows (the current convention's
 * registrations, an instance's dealers): the group's rows after the cursor's key, in key order,
 * read as one range of the index ending in (group, key), so a page deep in the list costs what the
 * first page costs.
 *
 * The two engines need the range written differently:
 * - SQLite seeks `group = g AND key > k` on the index, but cannot seek a row comparison after an
 *   equality (it would scan the group from its start). The first page has no `key > 0`: with
 *   table statistics, that bound alone makes the primary key look like the better walk;
 * - PostgreSQL, given `group = g`, prefers walking the primary key in key order and filtering
 *   (it assumes matching rows are spread evenly), which reads every older group's rows before the
 *   first page. Written as the row comparison `(group, key) > (g, k) AND group <= g`, ordered by
 *   (group, key), only the group's index serves the order, and it seeks straight to the cursor.
 *   A search filtered on a column with its own index (a list of user ids, "updated since") keeps
 *   the equality: then the planner rightly starts from that index and sorts the few matches.
 */
import { PostgresAdapter, sql, type Expression, type Kysely, type SelectQueryBuilder } from 'kysely';
import type { Schema } from '../../db/schema.js';

export type KeysetForm = 'equality' | 'row-comparison';

/** Which form of the range suits the database; `indexedFilter` when the search filters on a column with its own index. */
export function keysetForm(db: Kysely<Schema>, indexedFilter: boolean): KeysetForm {
  return db.getExecutor().adapter instanceof PostgresAdapter && !indexedFilter ? 'row-comparison' : 'equality';
}

export interface KeysetRange {
  /** The grouping column, e.g. `registrations.convention_id`. */
  group: string;
  /** The group's value: a number or a scalar subquery. */
  groupValue: Expression<unknown> | number;
  /** The key column, e.g. `registrations.id`. */
  key: string;
  /** The cursor's key; null for the first page. */
  after: number | null;
  /** Rows to read (a page's limit + 1). */
  rows: number;
}

/** The query restricted to the range and ordered by it, reading `range.rows` rows. */
export function inKeysetRange<DB, TB extends keyof DB, O>(query: SelectQueryBuilder<DB, TB, O>, range: KeysetRange, form: KeysetForm): SelectQueryBuilder<DB, TB, O> {
  const group = sql.ref(range.group);
  const key = sql.ref(range.key);
  const value = typeof range.groupValue === 'number' ? sql.val(range.groupValue) : sql`(${range.groupValue})`;
  let bounded: SelectQueryBuilder<DB, TB, O>;
  if (form === 'row-comparison') {
    bounded = query.where(sql<boolean>`(${group}, ${key}) > (${value}, ${range.after ?? 0})`).where(sql<boolean>`${group} <= ${value}`);
  } else {
    bounded = query.where(sql<boolean>`${group} = ${value}`);
    if (range.after !== null) bounded = bounded.where(sql<boolean>`${key} > ${range.after}`);
  }
  return bounded.orderBy(group).orderBy(key).limit(range.rows);
}
