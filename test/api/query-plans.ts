import { sql, type CompiledQuery, type Kysely } from 'kysely';
import { expect } from 'vitest';
import type { DialectName } from '../../src/db/database.js';
import type { Schema } from '../../src/db/schema.js';

/**
 * The engine's plan of a query, as text lines. On PostgreSQL, sequential scans and sorts are
 * priced out: a test table is far too small for the planner to prefer an index over sorting a
 * few rows, and what matters is that an index serving the query's range in order exists and
 * fits it (with 100,000 rows it picks that index on its own, see the report of issue 5).
 */
async function planOf(db: Kysely<Schema>, dialect: DialectName, query: CompiledQuery): Promise<string[]> {
  if (dialect === 'sqlite') {
    const result = await db.executeQuery<{ detail: string }>({ ...query, sql: `explain query plan ${query.sql}` });
    return result.rows.map((row) => row.detail);
  }
  return db.transaction().execute(async (trx) => {
    await sql`set local enable_seqscan = off`.execute(trx);
    await sql`set local enable_sort = off`.execute(trx);
    await sql`set local enable_incremental_sort = off`.execute(trx);
    const result = await trx.executeQuery<{ 'QUERY PLAN': string }>({ ...query, sql: `explain ${query.sql}` });
    return result.rows.map((row) => row['QUERY PLAN']);
  });
}

/**
 * Expects a page query to read one range in key order, nothing sorted, so a deep page costs what
 * the first does: the group's index (`index`), or on SQLite also the primary key from the cursor
 * on (its statistics may prefer it for a deep page; that walk starts at the cursor too).
 */
export async function expectRangePlan(db: Kysely<Schema>, dialect: DialectName, query: CompiledQuery, table: string, index: string): Promise<void> {
  const text = (await planOf(db, dialect, query)).join('\n');
  expect(text, text).not.toMatch(/USE TEMP B-TREE|\bSort\b/);
  if (dialect === 'sqlite') {
    expect(text, text).toMatch(new RegExp(`SEARCH ${table} USING (INDEX ${index} \\(org_id=\\?|INTEGER PRIMARY KEY \\(rowid>\\?\\))`));
    expect(text, text).not.toMatch(new RegExp(`SCAN ${table}\\b`));
  } else {
    expect(text, text).toMatch(new RegExp(`Index (Only )?Scan using ${index} on ${table}`));
  }
}
