import { Migrator, sql, type MigrationResultSet } from 'kysely';
import type { Database } from './dialect.js';
import { migrations } from './migrations/index.js';

export class MigrationError extends Error {
  override name = 'MigrationError';
}

/**
 * Brings the schema to the latest version. Safe to run from several processes at once: Kysely
 * holds a lock (an advisory lock on PostgreSQL) while it migrates.
 * Returns the names of the migrations it applied.
 */
export async function migrateToLatest(database: Database): Promise<string[]> {
  // SQLite has no advisory lock across processes: two processes may both start the same
  // migration; the loser's transaction rolls back, and a second pass finds nothing left to do.
  const attempts = database.dialect === 'sqlite' ? 3 : 1;
  for (let attempt = 1; ; attempt++) {
    try {
      return await migrateOnce(database);
    } catch (error) {
      if (attempt >= attempts) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50 * attempt));
    }
  }
}

async function migrateOnce(database: Database): Promise<string[]> {
  const migrator = new Migrator({
    db: database.db,
    provider: { getMigrations: () => Promise.resolve(migrations) },
    migrationTableSchema: await migrationTableSchema(database),
  });
  const result: MigrationResultSet = await migrator.migrateToLatest();
  if (result.error !== undefined) {
    const failed = result.results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
    const reason = result.error instanceof Error ? result.error.message : 'unknown error';
    throw new MigrationError(`migration ${failed} failed: ${reason}`);
  }
  return (result.results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}

/**
 * Unless told a schema, Kysely looks for its bookkeeping tables in every schema it can see: on a
 * PostgreSQL database that holds other schemas (the tests' schema per file, a shared hosted
 * database) it finds another schema's tables, skips creating its own, and the migration fails.
 */
async function migrationTableSchema(database: Database): Promise<string | undefined> {
  if (database.dialect !== 'postgres') return undefined;
  const { rows } = await sql<{ schema: string }>`select current_schema() as schema`.execute(database.db);
  return rows[0]?.schema;
}
