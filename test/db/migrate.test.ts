import { Migrator, NO_MIGRATIONS } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/db/database.js';
import { migrateToLatest } from '../../src/db/migrate.js';
import { migrations } from '../../src/db/migrations/index.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { SCHEMA_TABLES, existingTables } from './schema-tables.js';

describe('migrations', () => {
  let testDb: TestDatabase | undefined;
  afterEach(async () => {
    await testDb?.cleanup();
  });

  it('apply once on an empty database and are a no-op the second time', async () => {
    testDb = await createTestDatabase();
    const database = openDatabase(testDb.url);
    const first = await migrateToLatest(database);
    expect(first).toContain('0001-initial');
    expect(await migrateToLatest(database)).toEqual([]);
    await database.close();
  });

  it('run safely from two connections at once', async () => {
    testDb = await createTestDatabase();
    const a = openDatabase(testDb.url);
    const b = openDatabase(testDb.url);
    const [ra, rb] = await Promise.all([migrateToLatest(a), migrateToLatest(b)]);
    expect([...ra, ...rb].filter((name) => name === '0001-initial')).toHaveLength(1);
    await a.close();
    await b.close();
  });

  it('create exactly the tables schema.ts declares', async () => {
    testDb = await createTestDatabase();
    const database = openDatabase(testDb.url);
    await migrateToLatest(database);
    expect(await existingTables(database)).toEqual(SCHEMA_TABLES);
    await database.close();
  });

  it('migrate down to nothing, and up again', async () => {
    testDb = await createTestDatabase();
    const database = openDatabase(testDb.url);
    await migrateToLatest(database);
    const migrator = new Migrator({
      db: database.db,
      provider: { getMigrations: () => Promise.resolve(migrations) },
    });
    const down = await migrator.migrateTo(NO_MIGRATIONS);
    expect(down.error).toBeUndefined();
    expect(await existingTables(database)).toEqual([]);
    expect(await migrateToLatest(database)).toContain('0001-initial');
    expect(await existingTables(database)).toEqual(SCHEMA_TABLES);
    await database.close();
  });
});
