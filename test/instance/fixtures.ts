import type { Kysely } from 'kysely';
import { isoTimestamp, type Clock } from '../../src/clock.js';
import type { Database } from '../../src/db/database.js';
import type { AppStatus, Schema } from '../../src/db/schema.js';
import { createInstance, parseBaseUrl } from '../../src/instance/create-instance.js';
import { allocateClientId } from '../../src/platform/client-ids.js';
import { hashPassword } from '../../src/security/passwords.js';
import { revokeApp } from '../../src/platform/app-revocation.js';

/**
 * Small, exact rows for Housekeeping and instance sign-in tests: instances on the platform host
 * at /o/<slug>, users with passwords, roles for the current or a past convention, and developer
 * apps in any review state.
 */

const system = { type: 'system', id: null } as const;

export interface FixtureOrg {
  orgId: number;
  slug: string;
  name: string;
  currentConventionId: number;
  pastConventionId: number;
}

/** An instance at /o/<slug> with a past and a current convention. */
export async function addOrg(database: Database, slug: string, name: string, clock: Clock): Promise<FixtureOrg> {
  const { orgId } = await createInstance(database, { slug, name, baseUrls: [parseBaseUrl(`/o/${slug}`, new URL('https://platform.invalid'))] }, system, clock);
  const now = isoTimestamp(clock.now());
  const convention = (year: number, current: boolean) =>
    database.db
      .insertInto('conventions')
      .values({ org_id: orgId, name: `${name} ${year}`, slug: `${slug}-${year}`, starts_on: `${year}-07-01`, ends_on: `${year}-07-04`, is_current: current ? 1 : 0, created_at: now, updated_at: now })
      .returning('id')
      .executeTakeFirstOrThrow();
  const past = await convention(2025, false);
  const current = await convention(2026, true);
  return { orgId, slug, name, currentConventionId: current.id, pastConventionId: past.id };
}

/** A user of one instance; `password` null makes a user who cannot sign in with a password. */
export async function addUser(db: Kysely<Schema>, orgId: number, username: string, password: string | null, clock: Clock): Promise<number> {
  const now = isoTimestamp(clock.now());
  const email = `${username}@example.org`;
  const row = await db
    .insertInto('users')
    .values({
      org_id: orgId,
      username,
      username_normalized: username.toLowerCase(),
      first_name: username,
      last_name: 'Tester',
      preferred_name: null,
      email,
      email_normalized: email.toLowerCase(),
      email_verified: 1,
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
      password_hash: password === null ? null : await hashPassword(password),
      social_links: '{}',
      created_at: now,
      updated_at: now,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

let roleCounter = 0;

/**
 * Gives a user a new role carrying `permissions`, globally or for one convention. Any string is
 * accepted, so tests can also store names that are not in the permission catalog.
 */
export async function grantRole(db: Kysely<Schema>, orgId: number, userId: number, permissions: readonly string[], clock: Clock, conventionId: number | null = null): Promise<number> {
  const now = isoTimestamp(clock.now());
  roleCounter += 1;
  const role = await db.insertInto('roles').values({ org_id: orgId, name: `role-${roleCounter}`, description: 'test role', created_at: now, updated_at: now }).returning('id').executeTakeFirstOrThrow();
  for (const permission of permissions) await db.insertInto('role_permissions').values({ org_id: orgId, role_id: role.id, permission }).execute();
  await db
    .insertInto('user_roles')
    .values({ org_id: orgId, user_id: userId, role_id: role.id, scope: conventionId === null ? 'global' : 'convention', convention_id: conventionId, scope_key: conventionId === null ? 'global' : String(conventionId), created_at: now })
    .execute();
  return role.id;
}

let developerCounter = 0;

/** A developer's app in the given review state, with its own developer. */
export async function addDeveloperApp(db: Kysely<Schema>, input: { name: string; status: AppStatus; interested?: string; company?: string }, clock: Clock): Promise<{ appId: number; clientId: number }> {
  const now = isoTimestamp(clock.now());
  developerCounter += 1;
  const developer = await db
    .insertInto('developers')
    .values({ email: `dev${developerCounter}-${Date.now()}@example.net`, name: `Dev ${developerCounter}`, company_name: input.company ?? `Company ${developerCounter}`, company_website: null, contact_info: 'mail me', password_hash: null, created_at: now, updated_at: now })
    .returning('id')
    .executeTakeFirstOrThrow();
  const clientId = await allocateClientId(db);
  const app = await db
    .insertInto('apps')
    .values({
      client_id: clientId,
      developer_id: developer.id,
      owner_org_id: null,
      display_name: input.name,
      description: `${input.name} does useful things.`,
      interested_event_customers: input.interested ?? '',
      homepage_url: null,
      privacy_url: null,
      logo_url: null,
      redirect_uris: '[]',
      require_pkce: 0,
      // A revoked app is revoked the one way the platform does it, so it has its record.
      status: input.status === 'revoked' ? 'approved' : input.status,
      review_note: '',
      created_at: now,
      updated_at: now,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  if (input.status === 'revoked') await revokeApp(db, { app: { appId: app.id }, reason: 'Revoked for the test', actor: { type: 'cli' } }, clock);
  return { appId: app.id, clientId };
}
