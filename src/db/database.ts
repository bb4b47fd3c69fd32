import type { Database } from './dialect.js';
import { openPostgresDatabase } from './postgres/postgres-database.js';
import { openSqliteDatabase } from './sqlite/sqlite-database.js';

export type { Database, DialectName } from './dialect.js';

/** Opens the database a checked `databaseUrl` (see config.ts) names. */
export function openDatabase(databaseUrl: string): Database {
  if (databaseUrl.startsWith('sqlite:')) return openSqliteDatabase(databaseUrl.slice('sqlite:'.length));
  return openPostgresDatabase(databaseUrl);
}
