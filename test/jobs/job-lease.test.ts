import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import type { Database } from '../../src/db/database.js';
import { acquireLease, releaseLease } from '../../src/jobs/job-lease.js';
import { openTestDatabase } from '../support/database.js';

describe('job leases', () => {
  let database: Database;
  let close: () => Promise<void>;
  const clock = new ManualClock('2026-05-01T10:00:00.000Z');
  const TTL = 60_000;

  beforeAll(async () => {
    const opened = await openTestDatabase();
    database = opened.database;
    close = () => opened.close();
  });
  afterAll(async () => close());

  it('gives the lease to one of two holders asking at once, renews it for that holder, and lets the other take it once expired', async () => {
    const results = await Promise.all(['a', 'b'].map((holder) => acquireLease(database.db, 'job', holder, TTL, clock)));
    expect(results.filter(Boolean)).toHaveLength(1);
    const [winner, loser] = results[0] === true ? ['a', 'b'] : ['b', 'a'];
    expect(await acquireLease(database.db, 'job', loser, TTL, clock)).toBe(false);
    expect(await acquireLease(database.db, 'job', winner, TTL, clock)).toBe(true);

    clock.advance(TTL - 1);
    expect(await acquireLease(database.db, 'job', loser, TTL, clock)).toBe(false);
    clock.advance(TTL);
    expect(await acquireLease(database.db, 'job', loser, TTL, clock)).toBe(true);
    expect(await acquireLease(database.db, 'job', winner, TTL, clock)).toBe(false);
    // Another job's lease is its own.
    expect(await acquireLease(database.db, 'other-job', winner, TTL, clock)).toBe(true);
  });

  it('is free again once released, and a holder who lost it cannot release it', async () => {
    expect(await acquireLease(database.db, 'released', 'a', TTL, clock)).toBe(true);
    await releaseLease(database.db, 'released', 'b');
    expect(await acquireLease(database.db, 'released', 'b', TTL, clock)).toBe(false);
    await releaseLease(database.db, 'released', 'a');
    expect(await acquireLease(database.db, 'released', 'b', TTL, clock)).toBe(true);
  });
});
