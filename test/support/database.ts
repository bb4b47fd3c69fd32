import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { openDatabase, type Database } from '../../src/db/database.js';
import { migrateToLatest } from '../../src/db/migrate.js';

export interface TestDatabase {
  /** A DATABASE_URL that names this test's own, empty database. */
  url: string;
  /** The data directory that goes with it (also holds the SQLite file). */
  dataDir: string;
  cleanup(): Promise<void>;
}

/**
 * A fresh database for one test file: a SQLite file in a temporary directory, or, when the
 * environment's DATABASE_URL names PostgreSQL, a schema of its own on that server (dropped after).
 */
export async function createTestDatabase(): Promise<TestDatabase> {
  const base = process.env.DATABASE_URL;
  // Anything but unset, sqlite: or postgres:// is a mistake (e.g. a script's stray output captured
  // into the variable): refused, so a PostgreSQL run never passes quietly on SQLite.
  if (base !== undefined && base !== '' && !base.startsWith('sqlite:') && !/^postgres(ql)?:\/\//.test(base)) {
    throw new Error(`DATABASE_URL must be unset, sqlite:… or postgres://…, got ${JSON.stringify(base.slice(0, 60))}`);
  }
  const dataDir = mkdtempSync(path.join(tmpdir(), 'concat-test-'));
  if (base === undefined || !/^postgres(ql)?:\/\//.test(base)) {
    return {
      url: `sqlite:${path.join(dataDir, 'concat.sqlite')}`,
      dataDir,
      cleanup: () => Promise.resolve(rmSync(dataDir, { recursive: true, force: true })),
    };
  }
  const schema = `t_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: base });
  await admin.connect();
  await admin.query(`create schema ${schema}`);
  await admin.end();
  const url = new URL(base);
  url.searchParams.set('options', `-c search_path=${schema}`);
  return {
    url: url.toString(),
    dataDir,
    async cleanup() {
      const client = new pg.Client({ connectionString: base });
      await client.connect();
      await client.query(`drop schema ${schema} cascade`);
      await client.end();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** A fresh database, opened and migrated, for tests that call domain functions directly. */
export async function openTestDatabase(): Promise<{ database: Database; testDb: TestDatabase; close(): Promise<void> }> {
  const testDb = await createTestDatabase();
  const database = openDatabase(testDb.url);
  await migrateToLatest(database);
  return {
    database,
    testDb,
    async close() {
      await database.close();
      await testDb.cleanup();
    },
  };
}
