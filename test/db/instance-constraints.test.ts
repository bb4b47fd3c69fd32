import type { Kysely } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Schema } from '../../src/db/schema.js';
import { openTestDatabase } from '../support/database.js';

const AT = '2026-01-01T00:00:00.000Z';

/** Minimal rows, just enough to test what the schema itself enforces. */
const fixtures = {
  async org(db: Kysely<Schema>, slug: string): Promise<number> {
    const row = await db
      .insertInto('orgs')
      .values({ slug, name: slug, uuid: `uuid-${slug}`, created_at: AT })
      .returning('id')
      .executeTakeFirstOrThrow();
    return row.id;
  },
  async convention(db: Kysely<Schema>, orgId: number, slug: string, isCurrent: boolean): Promise<number> {
    const row = await db
      .insertInto('conventions')
      .values({
        org_id: orgId,
        name: slug,
        slug,
        starts_on: '2026-06-01',
        ends_on: '2026-06-03',
        is_current: isCurrent ? 1 : 0,
        created_at: AT,
        updated_at: AT,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    return row.id;
  },
  async user(db: Kysely<Schema>, orgId: number, username: string): Promise<number> {
    const row = await db
      .insertInto('users')
      .values({
        org_id: orgId,
        username,
        username_normalized: username.toLowerCase(),
        first_name: 'First',
        last_name: 'Last',
        preferred_name: null,
        email: `${username}@example.com`,
        email_normalized: `${username}@example.com`.toLowerCase(),
        email_verified: 0,
        phone: null,
        address_line1: null,
        address_line2: null,
        address_city: null,
        address_state: null,
        address_zipcode: null,
        address_country: null,
        born_at: null,
        identity_verified: 0,
        newsletter: 0,
        profile_picture_url: null,
        password_hash: null,
        social_links: '{}',
        created_at: AT,
        updated_at: AT,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    return row.id;
  },
  async product(db: Kysely<Schema>, orgId: number, conventionId: number): Promise<number> {
    const row = await db
      .insertInto('products')
      .values({
        org_id: orgId,
        convention_id: conventionId,
        kind: 'registration',
        name: 'Attendee',
        display_name: null,
        price_cents: 5000,
        sort_order: 0,
        created_at: AT,
        updated_at: AT,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    return row.id;
  },
  async registration(
    db: Kysely<Schema>,
    ids: { orgId: number; conventionId: number; userId: number; productId: number },
  ): Promise<void> {
    await db
      .insertInto('registrations')
      .values({
        org_id: ids.orgId,
        convention_id: ids.conventionId,
        user_id: ids.userId,
        product_id: ids.productId,
        badge_name: 'Badge',
        status: 'paid',
        badge_art_id: null,
        option_values: '{}',
        created_at: AT,
        updated_at: AT,
      })
      .execute();
  },
};

describe('the instance tables', () => {
  let handle: Awaited<ReturnType<typeof openTestDatabase>>;
  let db: Kysely<Schema>;
  beforeEach(async () => {
    handle = await openTestDatabase();
    db = handle.database.db;
  });
  afterEach(async () => {
    await handle.close();
  });

  it('refuse a row that points into another instance', async () => {
    const ours = await fixtures.org(db, 'ours');
    const theirs = await fixtures.org(db, 'theirs');
    const conventionId = await fixtures.convention(db, ours, 'con', true);
    const productId = await fixtures.product(db, ours, conventionId);
    const theirUser = await fixtures.user(db, theirs, 'stranger');
    await expect(
      fixtures.registration(db, { orgId: ours, conventionId, userId: theirUser, productId }),
    ).rejects.toThrow();
    // Claiming the other org does not help either: the convention and product are ours.
    await expect(
      fixtures.registration(db, { orgId: theirs, conventionId, userId: theirUser, productId }),
    ).rejects.toThrow();
    const ourUser = await fixtures.user(db, ours, 'member');
    await fixtures.registration(db, { orgId: ours, conventionId, userId: ourUser, productId });
  });

  it('allow one current convention per instance', async () => {
    const a = await fixtures.org(db, 'a');
    const b = await fixtures.org(db, 'b');
    await fixtures.convention(db, a, 'a-2025', false);
    await fixtures.convention(db, a, 'a-2026', true);
    await fixtures.convention(db, b, 'b-2026', true);
    await expect(fixtures.convention(db, a, 'a-2027', true)).rejects.toThrow();
    await fixtures.convention(db, a, 'a-2027', false);
  });

  it('keep usernames unique per instance, not across instances', async () => {
    const a = await fixtures.org(db, 'a');
    const b = await fixtures.org(db, 'b');
    await fixtures.user(db, a, 'KitFox');
    await expect(fixtures.user(db, a, 'kitfox')).rejects.toThrow();
    await fixtures.user(db, b, 'kitfox');
  });

  it('give a role once globally and once per convention', async () => {
    const orgId = await fixtures.org(db, 'a');
    const con2025 = await fixtures.convention(db, orgId, 'a-2025', false);
    const con2026 = await fixtures.convention(db, orgId, 'a-2026', true);
    const userId = await fixtures.user(db, orgId, 'staffer');
    const role = await db
      .insertInto('roles')
      .values({ org_id: orgId, name: 'staff', description: '', created_at: AT, updated_at: AT })
      .returning('id')
      .executeTakeFirstOrThrow();
    const assign = (conventionId: number | null) =>
      db
        .insertInto('user_roles')
        .values({
          org_id: orgId,
          user_id: userId,
          role_id: role.id,
          scope: conventionId === null ? 'global' : 'convention',
          convention_id: conventionId,
          scope_key: conventionId === null ? 'global' : String(conventionId),
          created_at: AT,
        })
        .execute();
    await assign(null);
    await assign(con2025);
    await assign(con2026);
    await expect(assign(null)).rejects.toThrow();
    await expect(assign(con2026)).rejects.toThrow();
  });

  it('allow one primary contact method per volunteer', async () => {
    const orgId = await fixtures.org(db, 'a');
    const conventionId = await fixtures.convention(db, orgId, 'a-2026', true);
    const userId = await fixtures.user(db, orgId, 'helper');
    const volunteer = await db
      .insertInto('volunteers')
      .values({
        org_id: orgId,
        convention_id: conventionId,
        user_id: userId,
        option_values: '{}',
        available_before_con: 0,
        anything_else: null,
        previous_con_experience: null,
        previous_other_experience: null,
        events_can_not_miss: null,
        created_at: AT,
        updated_at: AT,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    const contact = (name: string, isPrimary: boolean) =>
      db
        .insertInto('volunteer_contact_methods')
        .values({ org_id: orgId, volunteer_id: volunteer.id, name, value: 'x', is_primary: isPrimary ? 1 : 0 })
        .execute();
    await contact('email', true);
    await contact('discord', false);
    await contact('telegram', false);
    await expect(contact('phone', true)).rejects.toThrow();
  });

  it('go away with their instance', async () => {
    const gone = await fixtures.org(db, 'gone');
    const kept = await fixtures.org(db, 'kept');
    for (const orgId of [gone, kept]) {
      const conventionId = await fixtures.convention(db, orgId, 'con', true);
      const productId = await fixtures.product(db, orgId, conventionId);
      const userId = await fixtures.user(db, orgId, 'member');
      await fixtures.registration(db, { orgId, conventionId, userId, productId });
    }
    await db.deleteFrom('orgs').where('id', '=', gone).execute();
    const registrations = await db.selectFrom('registrations').select('org_id').execute();
    const users = await db.selectFrom('users').select('org_id').execute();
    expect(registrations).toEqual([{ org_id: kept }]);
    expect(users).toEqual([{ org_id: kept }]);
  });
});
