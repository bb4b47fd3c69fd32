/**
 * The filters of `POST /api/v0/users/search`, read from the (schema-checked) body. The schema
 * has already refused wrong types; what is left here is what a schema cannot say well: turning
 * ids into numbers and reading `updatedSince` as an instant.
 */
import { readIdList, readUpdatedSince } from '../search-filters.js';
import type { UserSearchBody } from './user-schemas.js';

/** The search's filters; null means "not restricted". */
export interface UserFilter {
  roleId: number | null;
  email: string | null;
  /** An empty list matches nobody. */
  userIds: number[] | null;
  /** Stored-timestamp form (UTC ISO-8601 with milliseconds). */
  updatedSince: string | null;
}

export const NO_USER_FILTER: UserFilter = { roleId: null, email: null, userIds: null, updatedSince: null };

export function readUserFilter(filter: UserSearchBody['filter']): UserFilter {
  if (filter === undefined || filter === null) return NO_USER_FILTER;
  return {
    roleId: filter.roleId ?? null,
    email: filter.email ?? null,
    userIds: readIdList(filter.userIds),
    updatedSince: readUpdatedSince(filter.updatedSince, 'filter.updatedSince'),
  };
}
