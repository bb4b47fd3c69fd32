/**
 * A user of an instance as apps signing them in see them: their account data (the legacy
 * `/api/users/current` and OpenID Connect claims build on it) and their standing in the instance
 * (roles, permissions, volunteer and department-lead status). Everything is read within one
 * instance: a user of another instance is never found.
 */
import type { Kysely } from 'kysely';
import type { Schema } from '../db/schema.js';
import type { InstancePermission } from './permissions.js';
import { permissionsOf } from './user-permissions.js';

export interface UserAddress {
  line1: string | null;
  line2: string | null;
  city: string | null;
  state: string | null;
  zipcode: string | null;
  /** ISO 3166-1 alpha-2. */
  country: string | null;
}

export interface UserProfile {
  id: number;
  username: string;
  /** Legal names, as on the user's ID. */
  firstName: string;
  lastName: string;
  /** The name the user wants shown instead of the legal one, if any. */
  preferredName: string | null;
  email: string;
  emailVerified: boolean;
  /** E.164. */
  phone: string | null;
  address: UserAddress;
  /** Date of birth, 'YYYY-MM-DD'. */
  bornOn: string | null;
  identityVerified: boolean;
  newsletter: boolean;
  profilePictureUrl: string | null;
  /** ISO-8601 timestamp of the last change to the account. */
  updatedAt: string;
}

export interface UserRole {
  id: number;
  name: string;
}

export interface UserStanding {
  /** Roles held globally or for the instance's current convention, by id. */
  roles: UserRole[];
  permissions: InstancePermission[];
  /** Assigned to at least one department for the current convention. */
  isVolunteer: boolean;
  /** Leads at least one department of the instance. */
  isDepartmentLead: boolean;
}

/** The account data of a user of this instance, or undefined when the instance has no such user. */
export async function findUserProfile(db: Kysely<Schema>, orgId: number, userId: number): Promise<UserProfile | undefined> {
  const row = await db.selectFrom('users').selectAll().where('org_id', '=', orgId).where('id', '=', userId).executeTakeFirst();
  if (row === undefined) return undefined;
  return {
    id: row.id,
    username: row.username,
    firstName: row.first_name,
    lastName: row.last_name,
    preferredName: row.preferred_name,
    email: row.email,
    emailVerified: row.email_verified === 1,
    phone: row.phone,
    address: {
      line1: row.address_line1,
      line2: row.address_line2,
      city: row.address_city,
      state: row.address_state,
      zipcode: row.address_zipcode,
      country: row.address_country,
    },
    bornOn: row.born_at,
    identityVerified: row.identity_verified === 1,
    newsletter: row.newsletter === 1,
    profilePictureUrl: row.profile_picture_url,
    updatedAt: row.updated_at,
  };
}

/** The user's roles here: held globally or for the current convention (past conventions grant nothing). */
export async function currentRolesOf(db: Kysely<Schema>, orgId: number, userId: number): Promise<UserRole[]> {
  const rows = await db
    .selectFrom('user_roles')
    .innerJoin('roles', (join) => join.onRef('roles.org_id', '=', 'user_roles.org_id').onRef('roles.id', '=', 'user_roles.role_id'))
    .leftJoin('conventions', (join) => join.onRef('conventions.org_id', '=', 'user_roles.org_id').onRef('conventions.id', '=', 'user_roles.convention_id'))
    .select(['roles.id', 'roles.name'])
    .distinct()
    .where('user_roles.org_id', '=', orgId)
    .where('user_roles.user_id', '=', userId)
    .where((eb) => eb.or([eb('user_roles.scope', '=', 'global'), eb('conventions.is_current', '=', 1)]))
    .orderBy('roles.id')
    .execute();
  return rows.map((row) => ({ id: row.id, name: row.name }));
}

/** Whether the user is assigned to a department as a volunteer of the current convention. */
async function isAssignedVolunteer(db: Kysely<Schema>, orgId: number, userId: number): Promise<boolean> {
  const row = await db
    .selectFrom('volunteers')
    .innerJoin('conventions', (join) => join.onRef('conventions.org_id', '=', 'volunteers.org_id').onRef('conventions.id', '=', 'volunteers.convention_id'))
    .innerJoin('volunteer_departments', (join) =>
      join.onRef('volunteer_departments.org_id', '=', 'volunteers.org_id').onRef('volunteer_departments.volunteer_id', '=', 'volunteers.id'),
    )
    .select('volunteers.id')
    .where('volunteers.org_id', '=', orgId)
    .where('volunteers.user_id', '=', userId)
    .where('conventions.is_current', '=', 1)
    .where('volunteer_departments.state', '=', 'assignment')
    .limit(1)
    .executeTakeFirst();
  return row !== undefined;
}

async function leadsADepartment(db: Kysely<Schema>, orgId: number, userId: number): Promise<boolean> {
  const row = await db.selectFrom('department_leads').select('department_id').where('org_id', '=', orgId).where('user_id', '=', userId).limit(1).executeTakeFirst();
  return row !== undefined;
}

/** The user's roles, permissions and volunteer standing in this instance. */
export async function userStanding(db: Kysely<Schema>, orgId: number, userId: number): Promise<UserStanding> {
  const [roles, permissions, isVolunteer, isDepartmentLead] = await Promise.all([
    currentRolesOf(db, orgId, userId),
    permissionsOf(db, orgId, userId),
    isAssignedVolunteer(db, orgId, userId),
    leadsADepartment(db, orgId, userId),
  ]);
  return { roles, permissions, isVolunteer, isDepartmentLead };
}
