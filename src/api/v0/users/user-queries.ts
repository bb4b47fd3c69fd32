/**
 * Reading users for the v0 API: one user by id, and the keyset search behind `POST
 * /api/v0/users/search`. Every query is scoped by the instance's org id, and the search walks
 * users in id order after the cursor's key (the (org_id, id) unique index), so a deep page costs
 * what the first one does and users added meanwhile never shift a page.
 */
import type { Kysely, Selectable } from 'kysely';
import type { Schema, UsersTable } from '../../../db/schema.js';
import { normalizeLogin } from '../../../instance/user-accounts.js';
import { currentConventionId, heldScopeKeys } from '../../../instance/user-roles.js';
import type { PageRequest } from '../../pagination/search-page.js';
import type { UserFilter } from './user-filter.js';

/** A user as the API shows it (reference §6.1). */
export interface ApiUser {
  id: string;
  email: string;
  preferredName: string | null;
  firstName: string;
  lastName: string;
  username: string;
  verified: boolean;
  phone: string | null;
  address: {
    addressCity: string | null;
    addressCountry: string | null;
    addressLine1: string | null;
    addressLine2: string | null;
    addressState: string | null;
    addressZipcode: string | null;
  };
}

const USER_COLUMNS = [
  'id',
  'email',
  'preferred_name',
  'first_name',
  'last_name',
  'username',
  'email_verified',
  'phone',
  'address_line1',
  'address_line2',
  'address_city',
  'address_state',
  'address_zipcode',
  'address_country',
] as const;

export type UserRow = Pick<Selectable<UsersTable>, (typeof USER_COLUMNS)[number]>;

export function toApiUser(row: UserRow): ApiUser {
  return {
    id: String(row.id),
    email: row.email,
    preferredName: row.preferred_name,
    firstName: row.first_name,
    lastName: row.last_name,
    username: row.username,
    verified: row.email_verified === 1,
    phone: row.phone,
    address: {
      addressCity: row.address_city,
      addressCountry: row.address_country,
      addressLine1: row.address_line1,
      addressLine2: row.address_line2,
      addressState: row.address_state,
      addressZipcode: row.address_zipcode,
    },
  };
}

export async function findUser(db: Kysely<Schema>, orgId: number, userId: number): Promise<UserRow | undefined> {
  return db.selectFrom('users').select(USER_COLUMNS).where('org_id', '=', orgId).where('id', '=', userId).executeTakeFirst();
}

/**
 * The search's query: up to `page.limit + 1` users matching the filter, in id order after
 * `page.after` (the extra row tells pageOf there is more). `heldKeys` are the `scope_key`s that
 * count as holding a role now (heldScopeKeys), used by `filter.roleId`.
 */
export function userSearchQuery(db: Kysely<Schema>, orgId: number, filter: UserFilter, page: PageRequest, heldKeys: readonly string[]) {
  let query = db.selectFrom('users').select(USER_COLUMNS).where('users.org_id', '=', orgId);
  if (page.after !== null) query = query.where('users.id', '>', page.after);
  if (filter.email !== null) query = query.where('users.email_normalized', '=', normalizeLogin(filter.email));
  if (filter.userIds !== null) query = query.where('users.id', 'in', [...new Set(filter.userIds)]);
  if (filter.updatedSince !== null) query = query.where('users.updated_at', '>=', filter.updatedSince);
  const roleId = filter.roleId;
  if (roleId !== null) {
    query = query.where((eb) =>
      eb.exists(
        eb
          .selectFrom('user_roles')
          .select('user_roles.id')
          .whereRef('user_roles.org_id', '=', 'users.org_id')
          .whereRef('user_roles.user_id', '=', 'users.id')
          .where('user_roles.role_id', '=', roleId)
          .where('user_roles.scope_key', 'in', [...heldKeys]),
      ),
    );
  }
  return query.orderBy('users.id').limit(page.limit + 1);
}

/** Runs the search (see userSearchQuery). */
export async function searchUsers(db: Kysely<Schema>, orgId: number, filter: UserFilter, page: PageRequest): Promise<UserRow[]> {
  if (filter.userIds !== null && filter.userIds.length === 0) return [];
  const heldKeys = filter.roleId === null ? [] : heldScopeKeys(await currentConventionId(db, orgId));
  return userSearchQuery(db, orgId, filter, page, heldKeys).execute();
}
