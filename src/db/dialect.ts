import type { Kysely } from 'kysely';
import type { Schema } from './schema.js';

export type DialectName = 'sqlite' | 'postgres';

/**
 * One open database, whichever engine backs it. Everything above this interface runs the same
 * Kysely queries on both; the few engine differences (DDL types, locking) ask `dialect`.
 */
export interface Database {
  readonly db: Kysely<Schema>;
  readonly dialect: DialectName;
  /** Throws when the database cannot answer a trivial query. Used by /readyz. */
  ping(): Promise<void>;
  /** Waits for running queries, then closes every connection. */
  close(): Promise<void>;
}
