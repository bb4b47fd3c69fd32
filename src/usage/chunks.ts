/**
 * Long id lists go to the database in parts: both engines cap the number of bound parameters
 * of one statement (SQLite 32766, PostgreSQL 65535), and the console lists every app.
 */
export const IDS_PER_STATEMENT = 500;

export function chunks<T>(items: readonly T[], size = IDS_PER_STATEMENT): T[][] {
  const out: T[][] = [];
  for (let at = 0; at < items.length; at += size) out.push(items.slice(at, at + size));
  return out;
}

/** Rows for every id, fetched a part of the ids at a time. */
export async function fetchByIds<T>(ids: readonly number[], fetch: (part: number[]) => Promise<T[]>): Promise<T[]> {
  const rows: T[] = [];
  for (const part of chunks(ids)) rows.push(...(await fetch(part)));
  return rows;
}
