import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import type { Database } from '../../src/db/database.js';
import { permissionsOf } from '../../src/instance/user-permissions.js';
import { openTestDatabase } from '../support/database.js';
import { addOrg, addUser, grantRole, type FixtureOrg } from './fixtures.js';

describe('permissionsOf', () => {
  const clock = new ManualClock('2026-06-01T10:00:00.000Z');
  let database: Database;
  let close: () => Promise<void>;
  let a: FixtureOrg;
  let b: FixtureOrg;

  beforeAll(async () => {
    const opened = await openTestDatabase();
    database = opened.database;
    close = () => opened.close();
    a = await addOrg(database, 'alpha', 'Alpha Con', clock);
    b = await addOrg(database, 'beta', 'Beta Con', clock);
  });
  afterAll(async () => {
    await close();
  });

  it('unites the permissions of global roles and roles for the current convention, in catalog order', async () => {
    const user = await addUser(database.db, a.orgId, 'multi', null, clock);
    await grantRole(database.db, a.orgId, user, ['audit:read', 'registration:manage'], clock);
    await grantRole(database.db, a.orgId, user, ['oauth:manage', 'audit:read'], clock, a.currentConventionId);
    expect(await permissionsOf(database.db, a.orgId, user)).toEqual(['oauth:manage', 'audit:read', 'registration:manage']);
  });

  it('ignores roles held only for a past convention, and names outside the catalog', async () => {
    const user = await addUser(database.db, a.orgId, 'former', null, clock);
    await grantRole(database.db, a.orgId, user, ['oauth:manage'], clock, a.pastConventionId);
    await grantRole(database.db, a.orgId, user, ['superpowers'], clock);
    expect(await permissionsOf(database.db, a.orgId, user)).toEqual([]);
  });

  it("never counts another instance's roles", async () => {
    const user = await addUser(database.db, a.orgId, 'admin', null, clock);
    await grantRole(database.db, a.orgId, user, ['admin', 'oauth:manage'], clock);
    const other = await addUser(database.db, b.orgId, 'admin', null, clock);
    expect(await permissionsOf(database.db, b.orgId, other)).toEqual([]);
    // Asking in the wrong instance for a user id of another one finds nothing.
    expect(await permissionsOf(database.db, b.orgId, user)).toEqual([]);
  });
});
