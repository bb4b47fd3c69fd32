import type { Kysely } from 'kysely';
import { isRowId } from '../db/row-id.js';
import type { Schema } from '../db/schema.js';
import { chunks, fetchByIds } from './chunks.js';
import type { UsageBatch } from './usage-batch.js';

export interface WriteSummary {
  /** Rows inserted or added to, over the four tables. */
  rows: number;
  /** Counters dropped because their app or instance no longer exists. */
  dropped: number;
}

/** Orders rows by their key, so concurrent writers on PostgreSQL lock rows in the same order and never deadlock. */
function byKey<T>(key: (row: T) => readonly (string | number)[]): (a: T, b: T) => number {
  return (a, b) => {
    const ka = key(a);
    const kb = key(b);
    for (let i = 0; i < ka.length; i += 1) {
      const x = ka[i] ?? '';
      const y = kb[i] ?? '';
      if (x < y) return -1;
      if (x > y) return 1;
    }
    return 0;
  };
}

async function appIdsByClientId(db: Kysely<Schema>, clientIds: readonly number[]): Promise<Map<number, number>> {
  const rows = await fetchByIds(clientIds, (part) => db.selectFrom('apps').select(['id', 'client_id']).where('client_id', 'in', part).execute());
  return new Map(rows.map((row) => [row.client_id, row.id]));
}

async function existingOrgIds(db: Kysely<Schema>, orgIds: readonly number[]): Promise<Set<number>> {
  const rows = await fetchByIds(orgIds, (part) => db.selectFrom('orgs').select('id').where('id', 'in', part).execute());
  return new Set(rows.map((row) => row.id));
}

/** An app's last activity in one instance, as stored in app_activity. */
export interface AppActivityRow {
  app_id: number;
  org_id: number;
  last_active_at: string;
}

/**
 * Records activity: each row's time becomes its (app, instance) last activity unless a later one
 * is already stored, so writers in any order (usage flushes, webhook deliveries, several
 * processes) only ever move it forward. Pass the caller's transaction, and rows sorted by key
 * (so concurrent writers on PostgreSQL lock rows in the same order).
 */
export async function upsertAppActivity(db: Kysely<Schema>, rows: readonly AppActivityRow[]): Promise<void> {
  for (const part of chunks(rows)) {
    await db
      .insertInto('app_activity')
      .values(part)
      .onConflict((oc) =>
        oc.columns(['app_id', 'org_id']).doUpdateSet((eb) => ({
          // ISO-8601 UTC text sorts as time; CASE works alike on both engines (greatest/max differ).
          last_active_at: eb
            .case()
            .when('excluded.last_active_at', '>', eb.ref('app_activity.last_active_at'))
            .then(eb.ref('excluded.last_active_at'))
            .else(eb.ref('app_activity.last_active_at'))
            .end(),
        })),
      )
      .execute();
  }
}

/**
 * Adds a batch to the stored counters in one transaction: every counter is an upsert that adds
 * to the row of its key (activity keeps the later time), so batches from several processes, or
 * several flushes of one, add up. All or nothing: on failure the caller keeps the batch and
 * tries again later. Counters of an app or instance deleted meanwhile are dropped.
 *
 * Apps and instances are looked up before the transaction, so it only writes: on SQLite a
 * transaction that read first cannot take the write lock once another process has written
 * (SQLITE_BUSY_SNAPSHOT, not retried), while one that starts with a write waits its turn. An app
 * deleted between the two fails the transaction; the retry no longer finds it and drops it.
 */
export async function writeUsageBatch(db: Kysely<Schema>, batch: UsageBatch): Promise<WriteSummary> {
  if (batch.isEmpty) return { rows: 0, dropped: 0 };
  const counters = [...batch.requests.values(), ...batch.latency.values(), ...batch.tokens.values(), ...batch.activity.values()];
  const clientIds = [...new Set(counters.map((c) => c.clientId))].filter(isRowId).sort((a, b) => a - b);
  const orgIds = [...new Set(counters.map((c) => c.orgId))].filter(isRowId).sort((a, b) => a - b);

  const apps = await appIdsByClientId(db, clientIds);
  const orgs = await existingOrgIds(db, orgIds);
  let dropped = 0;
  const resolve = <T extends { clientId: number; orgId: number }, R>(items: Iterable<T>, row: (item: T, appId: number) => R): R[] => {
    const out: R[] = [];
    for (const item of items) {
      const appId = apps.get(item.clientId);
      if (appId === undefined || !orgs.has(item.orgId)) dropped += 1;
      else out.push(row(item, appId));
    }
    return out;
  };
  const requests = resolve(batch.requests.values(), (c, appId) => ({ app_id: appId, org_id: c.orgId, day: c.day, endpoint: c.endpoint, status_class: c.statusClass, responses: c.responses, rate_limited: c.rateLimited }));
  const latency = resolve(batch.latency.values(), (c, appId) => ({ app_id: appId, org_id: c.orgId, day: c.day, endpoint: c.endpoint, bin: c.bin, responses: c.responses }));
  const tokens = resolve(batch.tokens.values(), (c, appId) => ({ app_id: appId, org_id: c.orgId, day: c.day, tokens_issued: c.tokensIssued }));
  const activity = resolve(batch.activity.values(), (c, appId): AppActivityRow => ({ app_id: appId, org_id: c.orgId, last_active_at: c.lastActiveAt }));
  requests.sort(byKey((r) => [r.app_id, r.org_id, r.day, r.endpoint, r.status_class]));
  latency.sort(byKey((r) => [r.app_id, r.org_id, r.day, r.endpoint, r.bin]));
  tokens.sort(byKey((r) => [r.app_id, r.org_id, r.day]));
  activity.sort(byKey((r) => [r.app_id, r.org_id]));

  return db.transaction().execute(async (trx) => {
    for (const part of chunks(requests)) {
      await trx
        .insertInto('usage_requests')
        .values(part)
        .onConflict((oc) =>
          oc.columns(['app_id', 'org_id', 'day', 'endpoint', 'status_class']).doUpdateSet((eb) => ({
            responses: eb('usage_requests.responses', '+', eb.ref('excluded.responses')),
            rate_limited: eb('usage_requests.rate_limited', '+', eb.ref('excluded.rate_limited')),
          })),
        )
        .execute();
    }
    for (const part of chunks(latency)) {
      await trx
        .insertInto('usage_latency')
        .values(part)
        .onConflict((oc) => oc.columns(['app_id', 'org_id', 'day', 'endpoint', 'bin']).doUpdateSet((eb) => ({ responses: eb('usage_latency.responses', '+', eb.ref('excluded.responses')) })))
        .execute();
    }
    for (const part of chunks(tokens)) {
      await trx
        .insertInto('usage_tokens')
        .values(part)
        .onConflict((oc) => oc.columns(['app_id', 'org_id', 'day']).doUpdateSet((eb) => ({ tokens_issued: eb('usage_tokens.tokens_issued', '+', eb.ref('excluded.tokens_issued')) })))
        .execute();
    }
    await upsertAppActivity(trx, activity);
    return { rows: requests.length + latency.length + tokens.length + activity.length, dropped };
  });
}
