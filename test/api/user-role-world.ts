import type { Kysely } from 'kysely';
import { expect } from 'vitest';
import { isoTimestamp, systemClock } from '../../src/clock.js';
import type { Schema } from '../../src/db/schema.js';
import { createSecret } from '../../src/platform/app-credentials.js';
import { addDeveloperApp, addOrg, addUser, type FixtureOrg } from '../instance/fixtures.js';
import { serviceToken, type WorldApp } from '../oauth/oauth-world.js';
import { storedOboToken } from '../oauth/stored-obo-token.js';
import { apiClient, type ApiClient } from '../support/api-client.js';
import type { SimpleResponse } from '../support/https-client.js';
import { startTestPlatform, type TestPlatform } from '../support/platform.js';

/**
 * Two instances (furfest, animecon at /o/<slug>, each with a past and a current convention) and
 * the apps the users and roles tests call with:
 * - `reader`: user:read in both instances;
 * - `manager`: user:read and user:roles:update in furfest, sign-in enabled too (for an OBO token);
 * - `other`: user:read in furfest (another app's cursors);
 * - `registrations`: registration:read only in furfest (a token without user:read).
 */
export interface Instance extends FixtureOrg {
  base: string;
  api: ApiClient;
}

export interface UserRoleWorld {
  t: TestPlatform;
  db: Kysely<Schema>;
  furfest: Instance;
  animecon: Instance;
  apps: Record<'reader' | 'manager' | 'other' | 'registrations', WorldApp>;
}

async function approvedApp(db: Kysely<Schema>, name: string): Promise<WorldApp> {
  const { appId, clientId } = await addDeveloperApp(db, { name, status: 'approved' }, systemClock);
  const { developer_id: developerId } = await db.selectFrom('apps').select('developer_id').where('id', '=', appId).executeTakeFirstOrThrow();
  if (developerId === null) throw new Error('fixture app without developer');
  const issued = await createSecret(db, { developerId, appId, ip: null }, systemClock);
  if (!issued.ok) throw new Error(`no secret: ${issued.reason}`);
  return { appId, clientId, developerId, secret: issued.secret };
}

async function integrate(db: Kysely<Schema>, orgId: number, appId: number, scopes: string[], oboEnabled = false): Promise<void> {
  const now = isoTimestamp(new Date());
  await db
    .insertInto('integrations')
    .values({ org_id: orgId, app_id: appId, scopes: JSON.stringify(scopes), obo_enabled: oboEnabled ? 1 : 0, status: 'active', created_by_user_id: null, created_at: now, updated_at: now })
    .execute();
}

export async function startUserRoleWorld(): Promise<UserRoleWorld> {
  let world: Omit<UserRoleWorld, 't' | 'db'> | undefined;
  const t = await startTestPlatform({}, {
    beforeListen: async (database) => {
      const db = database.db;
      const furfest = await addOrg(database, 'furfest', 'Lakeshore FurFest', systemClock);
      const animecon = await addOrg(database, 'animecon', 'Harborview Anime Con', systemClock);
      const apps = {
        reader: await approvedApp(db, 'Badge Reader'),
        manager: await approvedApp(db, 'Role Manager'),
        other: await approvedApp(db, 'Other Reader'),
        registrations: await approvedApp(db, 'Registration Reader'),
      };
      await integrate(db, furfest.orgId, apps.reader.appId, ['user:read']);
      await integrate(db, animecon.orgId, apps.reader.appId, ['user:read']);
      await integrate(db, furfest.orgId, apps.manager.appId, ['user:read', 'user:roles:update'], true);
      await integrate(db, furfest.orgId, apps.other.appId, ['user:read']);
      await integrate(db, furfest.orgId, apps.registrations.appId, ['registration:read']);
      const instance = (org: FixtureOrg): Instance => ({ ...org, base: '', api: apiClient('') });
      world = { furfest: instance(furfest), animecon: instance(animecon), apps };
    },
  });
  if (world === undefined) throw new Error('the fixtures were not created');
  for (const instance of [world.furfest, world.animecon]) {
    instance.base = `${t.baseUrl}/o/${instance.slug}`;
    instance.api = apiClient(instance.base);
  }
  return { t, db: t.platform.database.db, ...world };
}

/** A client-credentials token of `app` in `instance`. */
export async function tokenFor(instance: Instance, app: WorldApp, scope?: string): Promise<string> {
  return (await serviceToken(instance.base, app, scope)).access_token;
}


/** An on-behalf-of access token of `app` for `userId` (with its grant), as the code flow would store it. */
export function oboToken(db: Kysely<Schema>, instance: Instance, app: WorldApp, userId: number): Promise<string> {
  return storedOboToken(db, instance.orgId, app.clientId, userId, 'pii:basic');
}

export interface UserDetails {
  preferredName?: string | null;
  phone?: string | null;
  emailVerified?: boolean;
  address?: { line1: string; line2: string | null; city: string; state: string; zipcode: string; country: string } | null;
  updatedAt?: string;
  email?: string;
}

/** A user of `instance` (the fixtures' addUser) with the profile details the API shows. */
export async function addApiUser(db: Kysely<Schema>, instance: FixtureOrg, username: string, details: UserDetails = {}): Promise<number> {
  const id = await addUser(db, instance.orgId, username, null, systemClock);
  const address = details.address ?? null;
  await db
    .updateTable('users')
    .set({
      preferred_name: details.preferredName ?? null,
      phone: details.phone ?? null,
      email_verified: details.emailVerified === false ? 0 : 1,
      address_line1: address?.line1 ?? null,
      address_line2: address?.line2 ?? null,
      address_city: address?.city ?? null,
      address_state: address?.state ?? null,
      address_zipcode: address?.zipcode ?? null,
      address_country: address?.country ?? null,
      ...(details.updatedAt === undefined ? {} : { updated_at: details.updatedAt }),
      ...(details.email === undefined ? {} : { email: details.email, email_normalized: details.email.toLowerCase() }),
    })
    .where('id', '=', id)
    .execute();
  return id;
}

/** A role of `instance` with no permissions. */
export async function addRole(db: Kysely<Schema>, instance: FixtureOrg, name: string): Promise<number> {
  const now = isoTimestamp(new Date());
  const row = await db.insertInto('roles').values({ org_id: instance.orgId, name, description: `${name} role`, created_at: now, updated_at: now }).returning('id').executeTakeFirstOrThrow();
  return row.id;
}

/** Gives `userId` the role directly in the database: globally, or for one convention. */
export async function holdRole(db: Kysely<Schema>, instance: FixtureOrg, userId: number, roleId: number, conventionId: number | null): Promise<void> {
  await db
    .insertInto('user_roles')
    .values({ org_id: instance.orgId, user_id: userId, role_id: roleId, scope: conventionId === null ? 'global' : 'convention', convention_id: conventionId, scope_key: conventionId === null ? 'global' : String(conventionId), created_at: isoTimestamp(new Date()) })
    .execute();
}

type ErrorBody = { errors: Record<string, { message: string; fields?: { field: string; message: string }[]; permissions?: string[]; code?: number }> };

/** Expects a ConCat error envelope with this status and category; returns the category's detail. */
export function expectApiError(response: SimpleResponse, status: number, category: string): ErrorBody['errors'][string] {
  expect(response.status, response.body).toBe(status);
  const body = response.json<ErrorBody>();
  expect(Object.keys(body.errors)).toEqual([category]);
  const detail = body.errors[category];
  if (detail === undefined) throw new Error('no error detail');
  return detail;
}

/** Expects a 400 `validation` error naming `field` among its fields. */
export function expectValidationError(response: SimpleResponse, field: string): void {
  const detail = expectApiError(response, 400, 'validation');
  expect(detail.fields?.map((f) => f.field), response.body).toContain(field);
}
