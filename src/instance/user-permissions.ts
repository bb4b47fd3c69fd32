import type { Kysely } from 'kysely';
import type { Schema } from '../db/schema.js';
import { INSTANCE_PERMISSIONS, isInstancePermission, type InstancePermission } from './permissions.js';

/**
 * The permissions a user holds in one instance: the union of the permissions of their roles
 * held globally or for the org's current convention. Roles held only for past conventions grant
 * nothing, and so does everything in another instance. Sorted in catalog order; names a role may
 * still carry from an older catalog are left out.
 */
export async function permissionsOf(db: Kysely<Schema>, orgId: number, userId: number): Promise<InstancePermission[]> {
  const rows = await db
    .selectFrom('user_roles')
    .innerJoin('role_permissions', (join) => join.onRef('role_permissions.org_id', '=', 'user_roles.org_id').onRef('role_permissions.role_id', '=', 'user_roles.role_id'))
    .leftJoin('conventions', (join) => join.onRef('conventions.org_id', '=', 'user_roles.org_id').onRef('conventions.id', '=', 'user_roles.convention_id'))
    .select('role_permissions.permission')
    .distinct()
    .where('user_roles.org_id', '=', orgId)
    .where('user_roles.user_id', '=', userId)
    .where((eb) => eb.or([eb('user_roles.scope', '=', 'global'), eb('conventions.is_current', '=', 1)]))
    .execute();
  const held = new Set(rows.map((r) => r.permission).filter(isInstancePermission));
  return INSTANCE_PERMISSIONS.map((p) => p.name).filter((name) => held.has(name));
}

