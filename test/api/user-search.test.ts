import { sql, type CompiledQuery } from 'kysely';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import type { Database } from '../../src/db/database.js';
import { parseIsoTimestamp } from '../../src/api/v0/iso-timestamp.js';
import { NO_USER_FILTER, readUserFilter } from '../../src/api/v0/users/user-filter.js';
import { searchUsers, userSearchQuery } from '../../src/api/v0/users/user-queries.js';
import { roleListQuery } from '../../src/api/v0/roles/role-queries.js';
import { ApiError } from '../../src/http/errors.js';
import { openTestDatabase } from '../support/database.js';
import { addOrg, addUser, grantRole, type FixtureOrg } from '../instance/fixtures.js';

describe('ISO-8601 timestamps in filters', () => {
  test('dates and date-times with or without offset become stored-timestamp text', () => {
    expect(parseIsoTimestamp('2026-03-01')).toBe('2026-03-01T00:00:00.000Z');
    expect(parseIsoTimestamp('2026-03-01T12:30')).toBe('2026-03-01T12:30:00.000Z');
    expect(parseIsoTimestamp('2026-03-01T12:30:15Z')).toBe('2026-03-01T12:30:15.000Z');
    expect(parseIsoTimestamp('2026-03-01T12:30:15.123456Z')).toBe('2026-03-01T12:30:15.123Z');
    expect(parseIsoTimestamp('2026-03-01T12:30:15.5')).toBe('2026-03-01T12:30:15.500Z');
    expect(parseIsoTimestamp('2026-03-01T02:00:00+02:00')).toBe('2026-03-01T00:00:00.000Z');
    expect(parseIsoTimestamp('2026-03-01T00:00:00-0530')).toBe('2026-03-01T05:30:00.000Z');
    expect(parseIsoTimestamp('2024-02-29t00:00:00z')).toBe('2024-02-29T00:00:00.000Z');
    expect(parseIsoTimestamp('0050-01-01')).toBe('0050-01-01T00:00:00.000Z');
  });

  test('anything else is refused, impossible dates included', () => {
    for (const bad of ['', 'now', '2026-3-1', '2026-02-30', '2025-02-29', '2026-13-01', '2026-00-10', '2026-01-01T24:00:00Z', '2026-01-01T10:60Z', '2026-01-01T10:00:61Z', '2026-01-01T10:00:00+25:00', '1767225600', '2026-01-01T10:00:00 UTC']) {
      expect(parseIsoTimestamp(bad), bad).toBeNull();
    }
  });
});

describe('user search filter', () => {
  test('absent or null filters restrict nothing; ids become numbers', () => {
    expect(readUserFilter(undefined)).toEqual(NO_USER_FILTER);
    expect(readUserFilter(null)).toEqual(NO_USER_FILTER);
    expect(readUserFilter({ roleId: 3, email: 'A@b.org', userIds: ['7', 8], updatedSince: '2026-01-01' })).toEqual({ roleId: 3, email: 'A@b.org', userIds: [7, 8], updatedSince: '2026-01-01T00:00:00.000Z' });
  });

  test('an unreadable updatedSince is a validation error naming it', () => {
    expect(() => readUserFilter({ updatedSince: 'last week' })).toThrow(ApiError);
    try {
      readUserFilter({ updatedSince: 'last week' });
    } catch (error) {
      expect(error).toMatchObject({ statusCode: 400, category: 'validation', detail: { fields: [{ field: 'filter.updatedSince' }] } });
    }
  });
});

describe('searchUsers', () => {
  const clock = new ManualClock('2026-06-01T10:00:00.000Z');
  let database: Database;
  let close: () => Promise<void>;
  let furfest: FixtureOrg;
  let ids: number[];

  beforeAll(async () => {
    const opened = await openTestDatabase();
    database = opened.database;
    close = () => opened.close();
    furfest = await addOrg(database, 'furfest', 'Lakeshore FurFest', clock);
    const animecon = await addOrg(database, 'animecon', 'Harborview Anime Con', clock);
    ids = [];
    for (const name of ['ann', 'ben', 'cat', 'dan']) {
      ids.push(await addUser(database.db, furfest.orgId, name, null, clock));
      await addUser(database.db, animecon.orgId, name, null, clock);
    }
  });
  afterAll(async () => {
    await close();
  });

  const search = async (filter: Partial<typeof NO_USER_FILTER>, after: number | null = null, limit = 10) =>
    (await searchUsers(database.db, furfest.orgId, { ...NO_USER_FILTER, ...filter }, { limit, after })).map((row) => row.id);

  test('reads limit + 1 rows of this instance in id order after the key', async () => {
    expect(await search({})).toEqual(ids);
    expect(await search({}, null, 2)).toEqual(ids.slice(0, 3));
    expect(await search({}, ids[1] ?? 0, 1)).toEqual(ids.slice(2, 4));
  });

  test('filters combine; duplicates in userIds do not repeat users', async () => {
    expect(await search({ userIds: [ids[3] ?? 0, ids[0] ?? 0, ids[3] ?? 0] })).toEqual([ids[0], ids[3]]);
    expect(await search({ userIds: [] })).toEqual([]);
    expect(await search({ email: ' BEN@example.org ' })).toEqual([ids[1]]);
    expect(await search({ email: 'ben@example.org', userIds: [ids[0] ?? 0] })).toEqual([]);
    expect(await search({ updatedSince: '2026-06-01T10:00:00.000Z' })).toEqual(ids);
    expect(await search({ updatedSince: '2026-06-01T10:00:00.001Z' })).toEqual([]);
  });

  test('roleId: holders globally or for the current convention only', async () => {
    const [ann = 0, ben = 0, cat = 0] = ids;
    const roleId = await grantRole(database.db, furfest.orgId, ann, [], clock);
    await database.db.insertInto('user_roles').values({ org_id: furfest.orgId, user_id: ben, role_id: roleId, scope: 'convention', convention_id: furfest.currentConventionId, scope_key: String(furfest.currentConventionId), created_at: 'x' }).execute();
    await database.db.insertInto('user_roles').values({ org_id: furfest.orgId, user_id: cat, role_id: roleId, scope: 'convention', convention_id: furfest.pastConventionId, scope_key: String(furfest.pastConventionId), created_at: 'x' }).execute();
    expect(await search({ roleId })).toEqual([ann, ben]);
    expect(await search({ roleId }, ann)).toEqual([ben]);
  });

  /**
   * Expects the query to walk the (org_id, id) unique index of `table` in order, with nothing
   * sorted, so a deep page costs what the first does. PostgreSQL's planner is told to avoid the
   * other plans (a test table is far too small for it to prefer the index on its own): the point
   * is that an index serving the order exists and fits the query. On SQLite the unique constraint's
   * index has a generated name, so its columns are checked instead.
   */
  async function expectKeysetPlan(query: CompiledQuery, table: string): Promise<void> {
    if (database.dialect === 'postgres') {
      const lines = await database.db.transaction().execute(async (trx) => {
        await sql`set local enable_seqscan = off`.execute(trx);
        await sql`set local enable_bitmapscan = off`.execute(trx);
        await sql`set local enable_sort = off`.execute(trx);
        return (await trx.executeQuery<{ 'QUERY PLAN': string }>({ ...query, sql: `explain ${query.sql}` })).rows.map((row) => row['QUERY PLAN']);
      });
      const text = lines.join('\n');
      expect(text, text).not.toMatch(/\bSort\b/);
      expect(text, text).toMatch(new RegExp(`Index (Only )?Scan using ${table}_org_id_unique on ${table}\\b`));
      return;
    }
    const text = (await database.db.executeQuery<{ detail: string }>({ ...query, sql: `explain query plan ${query.sql}` })).rows.map((row) => row.detail).join('\n');
    expect(text, text).not.toMatch(/TEMP B-TREE/);
    const index = new RegExp(`SEARCH ${table} USING (?:COVERING )?INDEX (\\S+) \\(org_id=\\?`).exec(text)?.[1];
    expect(index, text).toBeDefined();
    const columns = await sql<{ name: string }>`select name from pragma_index_info(${index ?? ''}) order by seqno`.execute(database.db);
    expect(columns.rows.map((c) => c.name), text).toEqual(['org_id', 'id']);
  }

  test('pages read an index range in id order: a deep page costs what the first does', async () => {
    for (const after of [null, 1_000_000]) {
      await expectKeysetPlan(userSearchQuery(database.db, furfest.orgId, NO_USER_FILTER, { limit: 100, after }, []).compile(), 'users');
      await expectKeysetPlan(userSearchQuery(database.db, furfest.orgId, { ...NO_USER_FILTER, roleId: 3 }, { limit: 100, after }, ['global', '2']).compile(), 'users');
      await expectKeysetPlan(roleListQuery(database.db, furfest.orgId, { limit: 100, after }).compile(), 'roles');
    }
  });
});
