import type { InsertObject, Kysely } from 'kysely';
import type { Schema } from '../db/schema.js';

/**
 * SQLite's limit on bound parameters per statement (SQLITE_MAX_VARIABLE_NUMBER, 32766 since
 * 3.32); PostgreSQL allows 65535, so the smaller limit serves both.
 */
const MAX_BOUND_PARAMETERS = 32_766;

/**
 * Inserts many rows with as few multi-row INSERT statements as the parameter limit allows: one
 * statement per row would make the 100k-user demo take minutes.
 */
export async function insertAll<T extends keyof Schema>(
  db: Kysely<Schema>,
  table: T,
  rows: readonly InsertObject<Schema, T>[],
): Promise<void> {
  const first = rows[0];
  if (first === undefined) return;
  const rowsPerStatement = Math.max(1, Math.floor(MAX_BOUND_PARAMETERS / Object.keys(first).length));
  for (let start = 0; start < rows.length; start += rowsPerStatement) {
    await db
      .insertInto(table)
      .values(rows.slice(start, start + rowsPerStatement))
      .execute();
  }
}
