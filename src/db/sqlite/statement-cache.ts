import type BetterSqlite3 from 'better-sqlite3';
import type { SqliteDatabase } from 'kysely';

/** Distinct statements kept prepared; the least recently prepared is dropped beyond it. */
const CACHED_STATEMENTS = 500;
/** Longer SQL is prepared every time: it is a bulk insert or a long `in (…)` list, rarely repeated. */
const MAX_CACHED_SQL_LENGTH = 4000;

/**
 * The better-sqlite3 database as Kysely's SQLite dialect sees it, with prepared statements
 * reused: Kysely prepares every query it runs, and preparing costs more than running the small
 * indexed queries of a request (a token request's were a quarter of its CPU, docs/performance.md).
 * SQLite re-prepares a cached statement by itself after a schema change.
 */
export function withStatementCache(driver: BetterSqlite3.Database): SqliteDatabase {
  const cache = new Map<string, BetterSqlite3.Statement>();
  return {
    close: () => driver.close(),
    prepare(sql) {
      const cached = cache.get(sql);
      // A statement still iterating a result (a streamed query) cannot run again until it ends.
      if (cached !== undefined && !cached.busy) return cached;
      const statement = driver.prepare(sql);
      if (sql.length <= MAX_CACHED_SQL_LENGTH && cached === undefined) {
        if (cache.size >= CACHED_STATEMENTS) {
          const oldest = cache.keys().next();
          if (oldest.done !== true) cache.delete(oldest.value);
        }
        cache.set(sql, statement);
      }
      return statement;
    },
  };
}
