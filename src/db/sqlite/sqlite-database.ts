import { mkdirSync } from 'node:fs';
import path from 'node:path';
import SqliteDriver from 'better-sqlite3';
import { Kysely, SqliteDialect, sql } from 'kysely';
import type { Database } from '../dialect.js';
import type { Schema } from '../schema.js';
import { withStatementCache } from './statement-cache.js';

/** The embedded database: one file, WAL, foreign keys enforced. */
export function openSqliteDatabase(file: string): Database {
  if (file !== ':memory:') mkdirSync(path.dirname(file), { recursive: true });
  const driver = new SqliteDriver(file);
  driver.pragma('journal_mode = WAL');
  driver.pragma('foreign_keys = ON');
  // NORMAL is durable across process crashes in WAL mode; FULL costs 10x per commit (docs/performance.md).
  driver.pragma('synchronous = NORMAL');
  // Several processes (server + CLI) may share the file: wait for a lock instead of failing.
  driver.pragma('busy_timeout = 5000');
  // Table statistics for the planner (SQLite's advice for long-lived connections; bounded work):
  // without them it pages a filtered search along the id index instead of looking ids up.
  driver.pragma('optimize = 0x10002');
  const db = new Kysely<Schema>({ dialect: new SqliteDialect({ database: withStatementCache(driver) }) });
  return {
    db,
    dialect: 'sqlite',
    async ping() {
      await sql`select 1`.execute(db);
    },
    async close() {
      await db.destroy();
    },
  };
}
