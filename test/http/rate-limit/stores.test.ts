import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/clock.js';
import { openDatabase, type Database } from '../../../src/db/database.js';
import { LocalRateLimitStore } from '../../../src/http/rate-limit/local/local-store.js';
import { PostgresRateLimitStore } from '../../../src/http/rate-limit/postgres/postgres-store.js';
import { windowStartOf, type Bucket, type RateLimitStore } from '../../../src/http/rate-limit/rate-limit-store.js';
import { openTestDatabase } from '../../support/database.js';

const MINUTE = 60_000;
const bucket = (key: string, limit = 10, windowMs = MINUTE): Bucket => ({ key, limit, windowMs });

async function hits(store: RateLimitStore, b: Bucket, n: number, clock: ManualClock): Promise<number[]> {
  const counts: number[] = [];
  for (let i = 0; i < n; i++) counts.push((await store.hit([b], clock.now()))[0]?.count ?? -1);
  return counts;
}

/** A time at the very start of the key's window, so a test knows how much of the window is left. */
function atWindowStart(key: string, clock: ManualClock, windowMs = MINUTE): void {
  const now = clock.now().getTime();
  clock.set(new Date(windowStartOf(key, windowMs, now) + windowMs));
}

describe('window arithmetic', () => {
  it('gives each key its own fixed windows, offset from the clock minute', () => {
    const now = Date.parse('2026-06-01T10:00:30.000Z');
    const starts = ['a', 'b', 'c', 'd'].map((key) => windowStartOf(key, MINUTE, now));
    for (const start of starts) {
      expect(start).toBeLessThanOrEqual(now);
      expect(start + MINUTE).toBeGreaterThan(now);
    }
    expect(new Set(starts.map((s) => s % MINUTE)).size).toBeGreaterThan(1);
    expect(windowStartOf('a', MINUTE, now)).toBe(windowStartOf('a', MINUTE, starts[0] ?? 0));
  });
});

describe('local store', () => {
  const clock = new ManualClock('2026-06-01T10:00:00.000Z');

  it('counts per key within a window and starts again when it ends', async () => {
    const store = new LocalRateLimitStore();
    const b = bucket('api:app:1:100');
    atWindowStart(b.key, clock);
    const [first] = await store.hit([b], clock.now());
    expect(first).toEqual({ count: 1, resetAtMs: clock.now().getTime() + MINUTE });
    expect(await hits(store, b, 3, clock)).toEqual([2, 3, 4]);
    expect(await hits(store, bucket('api:app:1:200'), 2, clock)).toEqual([1, 2]);
    clock.advance(MINUTE - 1);
    expect(await hits(store, b, 1, clock)).toEqual([5]);
    clock.advance(1);
    expect(await hits(store, b, 1, clock)).toEqual([1]);
  });

  it('counts several buckets of one request at once', async () => {
    const store = new LocalRateLimitStore();
    await store.hit([bucket('a')], clock.now());
    const counts = await store.hit([bucket('a'), bucket('b')], clock.now());
    expect(counts.map((c) => c.count)).toEqual([2, 1]);
  });

  it('keeps at most maxKeys counters, dropping ended windows first', async () => {
    const store = new LocalRateLimitStore({ maxKeys: 10 });
    for (let i = 0; i < 25; i++) await store.hit([bucket(`address:${i}`)], clock.now());
    expect(store.size).toBeLessThanOrEqual(10);
    // The newest counters survive.
    expect(await hits(store, bucket('address:24'), 1, clock)).toEqual([2]);
  });
});

describe('database store', () => {
  let handle: Awaited<ReturnType<typeof openTestDatabase>>;
  let second: Database;
  const clock = new ManualClock('2026-06-01T10:00:00.000Z');
  const stores: PostgresRateLimitStore[] = [];
  const storeOn = (database: Database, localShare: number): PostgresRateLimitStore => {
    const store = new PostgresRateLimitStore(database.db, { localShare, flushIntervalMs: 0, clock });
    stores.push(store);
    return store;
  };
  const rowOf = async (key: string) => handle.database.db.selectFrom('rate_limit_counters').selectAll().where('key', '=', key).executeTakeFirst();

  // One database for the file (each test uses its own keys); a second connection pool on it plays another server process.
  beforeAll(async () => {
    handle = await openTestDatabase();
    second = openDatabase(handle.testDb.url);
  });
  afterAll(async () => {
    await second.close();
    await handle.close();
  });
  beforeEach(() => {
    clock.set('2026-06-01T10:00:00.000Z');
  });
  afterEach(async () => {
    await Promise.all(stores.splice(0).map((store) => store.close()));
  });

  it('counts every hit in the database when it may admit nothing locally, and starts again with the window', async () => {
    const store = storeOn(handle.database, 0);
    const b = bucket('token:app:1:100', 3);
    atWindowStart(b.key, clock);
    expect(await hits(store, b, 4, clock)).toEqual([1, 2, 3, 4]);
    expect((await rowOf(b.key))?.hits).toBe(4);
    clock.advance(MINUTE);
    const [next] = await store.hit([b], clock.now());
    expect(next).toEqual({ count: 1, resetAtMs: clock.now().getTime() + MINUTE });
    expect((await rowOf(b.key))?.hits).toBe(1);
  });

  it('shares one limit between two processes', async () => {
    const a = storeOn(handle.database, 0);
    const b = storeOn(second, 0);
    const limit = bucket('api:app:1:431000', 10);
    expect(await hits(a, limit, 6, clock)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(await hits(b, limit, 4, clock)).toEqual([7, 8, 9, 10]);
    expect(await hits(a, limit, 1, clock)).toEqual([11]);
    expect(await hits(b, limit, 1, clock)).toEqual([12]);
  });

  it('loses no hit when two processes count at the same time', async () => {
    const a = storeOn(handle.database, 0);
    const b = storeOn(second, 0);
    const limit = bucket('anonymous:203.0.113.9', 1000);
    const results = await Promise.all(Array.from({ length: 40 }, (_, i) => (i % 2 === 0 ? a : b).hit([limit, bucket(`other:${i % 3}`, 1000)], clock.now())));
    const counts = results.map((r) => r[0]?.count ?? 0).sort((x, y) => x - y);
    expect(counts).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
    expect((await rowOf(limit.key))?.hits).toBe(40);
  });

  it('admits a small share of the remaining quota without a round trip, and writes it in a batch', async () => {
    const a = storeOn(handle.database, 0.05);
    const limit = bucket('api:app:1:7', 1000);
    atWindowStart(limit.key, clock);
    // 5% of 1000: fifty hits admitted locally, nothing written yet.
    expect(await hits(a, limit, 50, clock)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
    expect(await rowOf(limit.key)).toBeUndefined();
    // The 51st writes all of them at once.
    expect(await hits(a, limit, 1, clock)).toEqual([51]);
    expect((await rowOf(limit.key))?.hits).toBe(51);
    // Then 5% of what is left (949 → 47) before the next write; a flush writes them early.
    await hits(a, limit, 10, clock);
    expect((await rowOf(limit.key))?.hits).toBe(51);
    await a.flush(clock.now());
    expect((await rowOf(limit.key))?.hits).toBe(61);
  });

  it('holds the limit across two batching processes: near it, every hit is written', async () => {
    const a = storeOn(handle.database, 0.05);
    const b = storeOn(second, 0.05);
    const limit = bucket('api:app:1:8', 100);
    atWindowStart(limit.key, clock);
    let admitted = 0;
    for (let i = 0; i < 200; i++) {
      const [count] = await (i % 2 === 0 ? a : b).hit([limit], clock.now());
      if ((count?.count ?? 0) <= limit.limit) admitted += 1;
    }
    // Each process admits at most 5% of the remaining quota unseen by the other: 5 of 100 here.
    expect(admitted).toBeGreaterThanOrEqual(100);
    expect(admitted).toBeLessThanOrEqual(105);
    await Promise.all([a.flush(clock.now()), b.flush(clock.now())]);
    expect((await rowOf(limit.key))?.hits).toBe(200);
  });

  it('ignores a late write for a window that has already been replaced', async () => {
    const ahead = storeOn(handle.database, 0);
    const behind = storeOn(second, 0);
    const limit = bucket('token:address:198.51.100.1', 10);
    atWindowStart(limit.key, clock);
    const late = clock.now();
    clock.advance(MINUTE);
    expect(await hits(ahead, limit, 2, clock)).toEqual([1, 2]);
    // A process whose clock lags still writes into the previous window: the newer count stays.
    const [stale] = await behind.hit([limit], late);
    expect(stale?.count).toBe(2);
    expect(await hits(ahead, limit, 1, clock)).toEqual([3]);
  });

  it('drops hits of ended windows and prunes their rows', async () => {
    const a = storeOn(handle.database, 0.5);
    const limit = bucket('anonymous:192.0.2.1', 100);
    atWindowStart(limit.key, clock);
    await hits(a, limit, 3, clock);
    await a.flush(clock.now());
    expect((await rowOf(limit.key))?.hits).toBe(3);
    clock.advance(MINUTE + 1);
    await a.flush(clock.now());
    // Rows of ended windows are pruned at most every 5 minutes.
    clock.advance(5 * MINUTE);
    await a.flush(clock.now());
    expect(await rowOf(limit.key)).toBeUndefined();
  });
});
