import { randomBytes } from 'node:crypto';
import path from 'node:path';
import pg from 'pg';

export type Engine = 'sqlite' | 'postgres';

export interface BenchDatabase {
  engine: Engine;
  /** DATABASE_URL of an empty database of its own. */
  url: string;
  drop(): Promise<void>;
}

/**
 * An empty database for one bench run: a SQLite file in the run's data directory, or a schema
 * of its own on the PostgreSQL server `postgresUrl` names (dropped afterwards), so a shared
 * server keeps its other schemas untouched.
 */
export async function createBenchDatabase(engine: Engine, dataDir: string, postgresUrl: string | undefined): Promise<BenchDatabase> {
  if (engine === 'sqlite') return { engine, url: `sqlite:${path.join(dataDir, 'concat.sqlite')}`, drop: () => Promise.resolve() };
  if (postgresUrl === undefined) throw new Error('PostgreSQL needs --postgres-url (or BENCH_POSTGRES_URL)');
  const schema = `bench_${randomBytes(5).toString('hex')}`;
  const admin = new pg.Client({ connectionString: postgresUrl });
  await admin.connect();
  await admin.query(`create schema ${schema}`);
  await admin.end();
  const url = new URL(postgresUrl);
  url.searchParams.set('options', `-c search_path=${schema}`);
  return {
    engine,
    url: url.toString(),
    async drop() {
      const client = new pg.Client({ connectionString: postgresUrl });
      await client.connect();
      await client.query(`drop schema ${schema} cascade`);
      await client.end();
    },
  };
}
