/**
 * Administrative on-behalf-of scopes (admin:*) act with the user's own permissions, so a user may
 * grant one only while holding the permission it needs, and a token keeps it only as long.
 */
import type { Kysely } from 'kysely';
import type { Schema } from '../db/schema.js';
import { permissionsOf } from '../instance/user-permissions.js';
import { findScope } from './scopes.js';

/** Whether any of the scope names needs a permission of the user. */
function needsUserPermission(names: readonly string[]): boolean {
  return names.some((name) => findScope(name)?.requiredPermission != null);
}

/** The scopes among `names` this user cannot hold in the instance (one query, none without admin scopes). */
export async function scopesUserLacks(db: Kysely<Schema>, orgId: number, userId: number, names: readonly string[]): Promise<string[]> {
  if (!needsUserPermission(names)) return [];
  const held = await permissionsOf(db, orgId, userId);
  return names.filter((name) => {
    const permission = findScope(name)?.requiredPermission;
    return permission != null && !held.includes(permission);
  });
}
