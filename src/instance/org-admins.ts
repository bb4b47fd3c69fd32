import type { Kysely } from 'kysely';
import type { Schema } from '../db/schema.js';

/**
 * The email addresses of an instance's org admins: the users holding `oauth:manage` through a global
 * role or a role of the current convention (the roles that count, as in the permission checks).
 */
export async function orgAdminEmails(db: Kysely<Schema>, orgId: number): Promise<string[]> {
  const admins = await db
    .selectFrom('user_roles')
    .innerJoin('role_permissions', (join) => join.onRef('role_permissions.org_id', '=', 'user_roles.org_id').onRef('role_permissions.role_id', '=', 'user_roles.role_id'))
    .innerJoin('users', (join) => join.onRef('users.org_id', '=', 'user_roles.org_id').onRef('users.id', '=', 'user_roles.user_id'))
    .leftJoin('conventions', (join) => join.onRef('conventions.org_id', '=', 'user_roles.org_id').onRef('conventions.id', '=', 'user_roles.convention_id'))
    .select('users.email')
    .distinct()
    .where('user_roles.org_id', '=', orgId)
    .where('role_permissions.permission', '=', 'oauth:manage')
    .where((eb) => eb.or([eb('user_roles.scope', '=', 'global'), eb('conventions.is_current', '=', 1)]))
    .execute();
  return admins.map((admin) => admin.email).filter((address) => address !== '');
}
