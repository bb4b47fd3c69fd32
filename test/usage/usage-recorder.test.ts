import { sql } from 'kysely';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import { openDatabase, type Database } from '../../src/db/database.js';
import { binUpperBoundMs, latencyBin } from '../../src/usage/latency-histogram.js';
import { p50Of, p95Of } from '../../src/usage/usage-figures.js';
import { UsageRecorder } from '../../src/usage/usage-recorder.js';
import { usageReport } from '../../src/usage/usage-report.js';
import { addDeveloperApp, addOrg } from '../instance/fixtures.js';
import { openTestDatabase, type TestDatabase } from '../support/database.js';

const ENDPOINT = 'GET /api/v0/users/{userId}';

describe('usage recorder', () => {
  let opened: Awaited<ReturnType<typeof openTestDatabase>>;
  let database: Database;
  let testDb: TestDatabase;
  const clock = new ManualClock('2026-03-10T12:00:00.000Z');
  const ids = { furfest: 0, animecon: 0, app: 0, client: 0, otherApp: 0, otherClient: 0 };

  beforeAll(async () => {
    opened = await openTestDatabase();
    ({ database, testDb } = opened);
    ids.furfest = (await addOrg(database, 'furfest', 'Lakeshore FurFest', clock)).orgId;
    ids.animecon = (await addOrg(database, 'animecon', 'Harborview Anime Con', clock)).orgId;
    const app = await addDeveloperApp(database.db, { name: 'Badge Service', status: 'approved' }, clock);
    const other = await addDeveloperApp(database.db, { name: 'Other Service', status: 'approved' }, clock);
    Object.assign(ids, { app: app.appId, client: app.clientId, otherApp: other.appId, otherClient: other.clientId });
  });
  afterAll(async () => opened.close());
  afterEach(async () => {
    vi.useRealTimers();
    clock.set('2026-03-10T12:00:00.000Z');
    for (const table of ['usage_requests', 'usage_latency', 'usage_tokens', 'app_activity'] as const) await database.db.deleteFrom(table).execute();
  });

  const request = (overrides: Partial<{ clientId: number; orgId: number; endpoint: string; status: number; latencyMs: number; authenticated: boolean }> = {}) => ({
    kind: 'request' as const,
    clientId: ids.client,
    orgId: ids.furfest,
    endpoint: ENDPOINT,
    status: 200,
    latencyMs: 12,
    authenticated: true,
    ...overrides,
  });

  const requestRows = () => database.db.selectFrom('usage_requests').selectAll().orderBy('org_id').orderBy('day').orderBy('endpoint').orderBy('status_class').execute();

  it('keeps counts in memory until a flush, then writes them as one row per key', async () => {
    const recorder = new UsageRecorder({ database, clock });
    for (let i = 0; i < 50; i += 1) recorder.record(request());
    for (let i = 0; i < 3; i += 1) recorder.record(request({ status: 404 }));
    recorder.record(request({ status: 429, authenticated: true }));
    recorder.record(request({ status: 503 }));
    recorder.record({ kind: 'token-issued', clientId: ids.client, orgId: ids.furfest });
    recorder.record({ kind: 'token-issued', clientId: ids.client, orgId: ids.furfest });
    expect(await requestRows()).toEqual([]);

    const written = await recorder.flush();
    expect(written.dropped).toBe(0);
    expect(await requestRows()).toEqual([
      { app_id: ids.app, org_id: ids.furfest, day: '2026-03-10', endpoint: ENDPOINT, status_class: '2xx', responses: 50, rate_limited: 0 },
      { app_id: ids.app, org_id: ids.furfest, day: '2026-03-10', endpoint: ENDPOINT, status_class: '4xx', responses: 4, rate_limited: 1 },
      { app_id: ids.app, org_id: ids.furfest, day: '2026-03-10', endpoint: ENDPOINT, status_class: '5xx', responses: 1, rate_limited: 0 },
    ]);
    const tokens = await database.db.selectFrom('usage_tokens').selectAll().execute();
    expect(tokens).toEqual([{ app_id: ids.app, org_id: ids.furfest, day: '2026-03-10', tokens_issued: 2 }]);
    const latency = await database.db.selectFrom('usage_latency').selectAll().execute();
    expect(latency).toEqual([{ app_id: ids.app, org_id: ids.furfest, day: '2026-03-10', endpoint: ENDPOINT, bin: latencyBin(12), responses: 55 }]);
    // Nothing new: a flush writes nothing.
    expect(await recorder.flush()).toEqual({ rows: 0, dropped: 0 });
  });

  it('adds later flushes to the same rows, splits by UTC day, and keeps the latest activity', async () => {
    const recorder = new UsageRecorder({ database, clock });
    clock.set('2026-03-10T23:59:59.000Z');
    recorder.record(request());
    await recorder.flush();
    recorder.record(request());
    recorder.record(request({ orgId: ids.animecon }));
    await recorder.flush();
    clock.set('2026-03-11T00:00:01.000Z');
    recorder.record(request({ status: 401, authenticated: false }));
    await recorder.flush();

    const rows = await requestRows();
    expect(rows.map((r) => [r.org_id, r.day, r.status_class, r.responses])).toEqual([
      [ids.furfest, '2026-03-10', '2xx', 2],
      [ids.furfest, '2026-03-11', '4xx', 1],
      [ids.animecon, '2026-03-10', '2xx', 1],
    ].sort((a, b) => Number(a[0]) - Number(b[0])));
    // The refused request (no valid token) is not activity: the last activity stays the day before.
    const activity = await database.db.selectFrom('app_activity').selectAll().orderBy('org_id').execute();
    expect(activity).toEqual(
      [
        { app_id: ids.app, org_id: ids.furfest, last_active_at: '2026-03-10T23:59:59.000Z' },
        { app_id: ids.app, org_id: ids.animecon, last_active_at: '2026-03-10T23:59:59.000Z' },
      ].sort((a, b) => a.org_id - b.org_id),
    );

    // An older time flushed later never moves the activity back.
    const late = new UsageRecorder({ database, clock: new ManualClock('2026-03-01T00:00:00.000Z') });
    late.record({ kind: 'activity', clientId: ids.client, orgId: ids.furfest });
    await late.flush();
    const furfest = await database.db.selectFrom('app_activity').select('last_active_at').where('org_id', '=', ids.furfest).executeTakeFirstOrThrow();
    expect(furfest.last_active_at).toBe('2026-03-10T23:59:59.000Z');
  });

  it('computes p50 and p95 from histograms merged across flushes and days', async () => {
    const recorder = new UsageRecorder({ database, clock });
    // 1..100 ms over two days and four flushes.
    for (let ms = 1; ms <= 100; ms += 1) {
      clock.set(ms <= 50 ? '2026-03-09T10:00:00.000Z' : '2026-03-10T10:00:00.000Z');
      recorder.record(request({ latencyMs: ms }));
      if (ms % 25 === 0) await recorder.flush();
    }
    clock.set('2026-03-10T12:00:00.000Z');
    const report = await usageReport(database.db, { appId: ids.app, breakdown: 'instance', alwaysList: [] }, clock);
    expect(report.total.responses).toBe(100);
    expect(p50Of(report.total)).toBe(binUpperBoundMs(latencyBin(50)));
    expect(p95Of(report.total)).toBe(binUpperBoundMs(latencyBin(95)));
    expect(p50Of(report.total)).toBeGreaterThanOrEqual(50);
    expect(p50Of(report.total)).toBeLessThanOrEqual(50 * 1.19);
    const day = report.daily.find((d) => d.day === '2026-03-09');
    expect(day?.figures.responses).toBe(50);
    expect(day === undefined ? null : p95Of(day.figures)).toBe(binUpperBoundMs(latencyBin(48)));
  });

  it('writes what is left when stopped, and ignores what comes after', async () => {
    const recorder = new UsageRecorder({ database, clock });
    recorder.record(request());
    await recorder.stop();
    expect((await requestRows()).map((r) => r.responses)).toEqual([1]);
    recorder.record(request());
    expect(await recorder.flush()).toEqual({ rows: 0, dropped: 0 });
    expect(() => recorder.start(1000)).toThrow(/stopped/);
  });

  it('flushes on its timer while started', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    const recorder = new UsageRecorder({ database, clock });
    recorder.start(30_000);
    recorder.record(request());
    vi.advanceTimersByTime(29_999);
    expect(await requestRows()).toEqual([]);
    vi.advanceTimersByTime(1);
    // The timer's flush is queued first, and flushes run one after another: this waits for it.
    expect(await recorder.flush()).toEqual({ rows: 0, dropped: 0 });
    expect((await requestRows()).map((r) => r.responses)).toEqual([1]);
    await recorder.stop();
  });

  it('keeps the counters of a failed flush and writes them with the next one', async () => {
    const recorder = new UsageRecorder({ database, clock });
    recorder.record(request());
    recorder.record({ kind: 'token-issued', clientId: ids.client, orgId: ids.furfest });
    await sql`alter table usage_tokens rename to usage_tokens_away`.execute(database.db);
    try {
      await expect(recorder.flush()).rejects.toThrow();
    } finally {
      await sql`alter table usage_tokens_away rename to usage_tokens`.execute(database.db);
    }
    // All or nothing: the requests were not written either.
    expect(await requestRows()).toEqual([]);
    recorder.record(request());
    await recorder.flush();
    expect((await requestRows()).map((r) => r.responses)).toEqual([2]);
    expect((await database.db.selectFrom('usage_tokens').select('tokens_issued').executeTakeFirstOrThrow()).tokens_issued).toBe(1);
  });

  it('drops counters of apps or instances that no longer exist instead of failing the batch', async () => {
    const recorder = new UsageRecorder({ database, clock });
    recorder.record(request({ clientId: 9_999_999_999 }));
    recorder.record(request({ orgId: 987_654 }));
    recorder.record(request());
    const written = await recorder.flush();
    expect(written.dropped).toBeGreaterThanOrEqual(2);
    expect((await requestRows()).map((r) => [r.app_id, r.responses])).toEqual([[ids.app, 1]]);
  });

  it('adds up what two recorders on one database write at the same time', async () => {
    const second = openDatabase(testDb.url);
    try {
      const a = new UsageRecorder({ database, clock });
      const b = new UsageRecorder({ database: second, clock });
      for (let round = 0; round < 5; round += 1) {
        for (let i = 0; i < 20; i += 1) {
          a.record(request({ latencyMs: 5 }));
          b.record(request({ latencyMs: 200 }));
          a.record(request({ clientId: ids.otherClient, orgId: ids.animecon, status: 500 }));
          b.record(request({ clientId: ids.otherClient, orgId: ids.animecon, status: 500 }));
          b.record({ kind: 'token-issued', clientId: ids.client, orgId: ids.furfest });
        }
        // PostgreSQL: at the same time. SQLite: one after the other, since two connections of one
        // process cannot wait for each other (better-sqlite3 blocks the thread while it waits for
        // the lock); separate processes do wait, through busy_timeout.
        if (database.dialect === 'postgres') await Promise.all([a.flush(), b.flush()]);
        else for (const recorder of round % 2 === 0 ? [a, b] : [b, a]) await recorder.flush();
      }
      const rows = await requestRows();
      expect(rows.map((r) => [r.app_id, r.org_id, r.status_class, r.responses])).toEqual(
        [
          [ids.app, ids.furfest, '2xx', 200],
          [ids.otherApp, ids.animecon, '5xx', 200],
        ].sort((x, y) => Number(x[1]) - Number(y[1])),
      );
      const report = await usageReport(database.db, { appId: ids.app, breakdown: 'instance', alwaysList: [] }, clock);
      expect(report.total.tokensIssued).toBe(100);
      // Half at 5 ms, half at 200 ms: the median is in the 5 ms bin, p95 in the 200 ms bin.
      expect(p50Of(report.total)).toBe(binUpperBoundMs(latencyBin(5)));
      expect(p95Of(report.total)).toBe(binUpperBoundMs(latencyBin(200)));
    } finally {
      await second.close();
    }
  });
});
