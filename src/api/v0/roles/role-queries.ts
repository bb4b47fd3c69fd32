import type { Kysely } from 'kysely';
import type { Schema } from '../../../db/schema.js';
import type { PageRequest } from '../../pagination/search-page.js';

export interface RoleRow {
  id: number;
  name: string;
}

/** Up to `page.limit + 1` roles of the instance in id order after `page.after` (the (org_id, id) unique index). */
export function roleListQuery(db: Kysely<Schema>, orgId: number, page: PageRequest) {
  let query = db.selectFrom('roles').select(['id', 'name']).where('org_id', '=', orgId);
  if (page.after !== null) query = query.where('id', '>', page.after);
  return query.orderBy('id').limit(page.limit + 1);
}

export async function listRoles(db: Kysely<Schema>, orgId: number, page: PageRequest): Promise<RoleRow[]> {
  return roleListQuery(db, orgId, page).execute();
}
