import { Migrator, NO_MIGRATIONS, sql } from 'kysely';
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

  it('0017 gives apps revoked before it their revocation record and deletion duties', async () => {
    testDb = await createTestDatabase();
    const database = openDatabase(testDb.url);
    await migrateToLatest(database);
    const migrator = new Migrator({ db: database.db, provider: { getMigrations: () => Promise.resolve(migrations) } });
    expect((await migrator.migrateTo('0016-app-revocation')).error).toBeUndefined();
    const now = '2026-11-01T12:00:00.000Z';
    await sql`insert into orgs (slug, name, uuid, created_at) values ('furfest', 'Fur Fest', 'u1', ${now}), ('animecon', 'Anime Con', 'u2', ${now})`.execute(database.db);
    await sql`insert into developers (email, name, company_name, contact_info, created_at, updated_at) values ('dev@example.net', 'Dev', 'Co', 'mail', ${now}, ${now})`.execute(database.db);
    const developer = await database.db.selectFrom('developers').select('id').executeTakeFirstOrThrow();
    await sql`insert into apps (client_id, developer_id, display_name, description, interested_event_customers, redirect_uris, require_pkce, status, review_note, created_at, updated_at, revoked_at, revoke_reason, deletion_due_at)
      values (4711, ${developer.id}, 'Old App', 'd', '', '[]', 0, 'revoked', '', ${now}, ${now}, ${now}, 'Breach', '2026-12-01T12:00:00.000Z')`.execute(database.db);
    const app = await database.db.selectFrom('apps').select('id').executeTakeFirstOrThrow();
    for (const org of await database.db.selectFrom('orgs').select('id').execute()) {
      await sql`insert into integrations (org_id, app_id, scopes, obo_enabled, status, created_at, updated_at) values (${org.id}, ${app.id}, '[]', 0, 'suspended', ${now}, ${now})`.execute(database.db);
    }

    expect(await migrateToLatest(database)).toContain('0017-revocation-lifecycle');
    const records = await database.db.selectFrom('app_revocations').selectAll().execute();
    expect(records).toMatchObject([{ app_id: app.id, cause: 'operator', reason: 'Breach', revoked_at: now, deletion_due_at: '2026-12-01T12:00:00.000Z', reactivated_at: null }]);
    const duties = await database.db.selectFrom('deletion_duties').select(['org_id', 'status']).execute();
    expect(duties.map((duty) => duty.status)).toEqual(['open', 'open']);
    await database.close();
  });
});
