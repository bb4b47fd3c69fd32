import type { Kysely } from 'kysely';
import { recordAudit, type AuditEntry } from '../audit/audit-log.js';
import { isoTimestamp, type Clock } from '../clock.js';
import type { RoleScope, Schema } from '../db/schema.js';
import { eventUser, type EventUser } from '../events/event-user.js';
import { recordEvent } from '../events/record-event.js';

/**
 * The roles users hold in an instance, and the changes to them. A role is held either globally
 * (every convention of the organization) or for one convention; "the roles a user holds" are the
 * global ones and those of the org's current convention (assignments for past conventions are
 * history and grant nothing, as in user-permissions.ts). A user may hold the same role both ways:
 * those are two assignments.
 *
 * Changes run in one transaction with their audit entry and their event (`role-assigned`,
 * `role-unassigned`: one per assignment made or ended, none for a refusal). Assignments are
 * unique per (user, role, scope_key), and a change relies on that constraint, not on a prior read, so concurrent changes to
 * the same pair never duplicate a row or fail: of two simultaneous assignments one inserts and the
 * other is told the role is already held; of two removals one deletes and the other finds nothing.
 */

export interface HeldRole {
  roleId: number;
  name: string;
  scope: RoleScope;
}

/** Who made a change (the audit log's actor) and from where. */
export interface RoleChangeOrigin {
  actor: AuditEntry['actor'];
  ip: string | null;
}

export interface RoleAssignment {
  orgId: number;
  userId: number;
  roleId: number;
  scope: RoleScope;
}

export interface RoleRemoval {
  orgId: number;
  userId: number;
  roleId: number;
  /** Remove only the assignment of this scope; null removes both the global and the current convention's. */
  scope: RoleScope | null;
}

export type RoleChangeRefusal = 'user-not-found' | 'role-not-found' | 'already-held' | 'not-held' | 'no-current-convention';

/** The user's roles after the change, or why nothing changed. */
export type RoleChangeResult = { ok: true; roles: HeldRole[] } | { ok: false; reason: RoleChangeRefusal };

/** The id of the org's current convention, or null when it has none. */
export async function currentConventionId(db: Kysely<Schema>, orgId: number): Promise<number | null> {
  const row = await db.selectFrom('conventions').select('id').where('org_id', '=', orgId).where('is_current', '=', 1).executeTakeFirst();
  return row?.id ?? null;
}

/** The `scope_key` values of the assignments that count as held now, given the current convention. */
export function heldScopeKeys(conventionId: number | null): string[] {
  return conventionId === null ? ['global'] : ['global', String(conventionId)];
}

async function userExists(db: Kysely<Schema>, orgId: number, userId: number): Promise<boolean> {
  return (await db.selectFrom('users').select('id').where('org_id', '=', orgId).where('id', '=', userId).executeTakeFirst()) !== undefined;
}

async function roleNamed(db: Kysely<Schema>, orgId: number, roleId: number): Promise<string | undefined> {
  const row = await db.selectFrom('roles').select('name').where('org_id', '=', orgId).where('id', '=', roleId).executeTakeFirst();
  return row?.name;
}

/** The roles a user holds now (global, then the current convention's, by role id), or null for no such user here. */
export async function heldRoles(db: Kysely<Schema>, orgId: number, userId: number): Promise<HeldRole[] | null> {
  if (!(await userExists(db, orgId, userId))) return null;
  const conventionId = await currentConventionId(db, orgId);
  return rolesHeld(db, orgId, userId, conventionId);
}

async function rolesHeld(db: Kysely<Schema>, orgId: number, userId: number, conventionId: number | null): Promise<HeldRole[]> {
  const rows = await db
    .selectFrom('user_roles')
    .innerJoin('roles', (join) => join.onRef('roles.org_id', '=', 'user_roles.org_id').onRef('roles.id', '=', 'user_roles.role_id'))
    .select(['roles.id as roleId', 'roles.name', 'user_roles.scope'])
    .where('user_roles.org_id', '=', orgId)
    .where('user_roles.user_id', '=', userId)
    .where('user_roles.scope_key', 'in', heldScopeKeys(conventionId))
    .orderBy('roles.id')
    .orderBy('user_roles.scope', 'desc')
    .execute();
  return rows.map((row) => ({ roleId: row.roleId, name: row.name, scope: row.scope }));
}

/** Checks the user and role exist in this instance; the user (as events describe them) and the role's name, or the refusal. */
async function resolvePair(trx: Kysely<Schema>, orgId: number, userId: number, roleId: number): Promise<{ ok: true; user: EventUser; roleName: string } | { ok: false; reason: RoleChangeRefusal }> {
  const user = await eventUser(trx, orgId, userId);
  if (user === undefined) return { ok: false, reason: 'user-not-found' };
  const roleName = await roleNamed(trx, orgId, roleId);
  if (roleName === undefined) return { ok: false, reason: 'role-not-found' };
  return { ok: true, user, roleName };
}

/** The event of one assignment made or ended: the user, the role and the scope, as a subscriber needs them. */
async function recordRoleEvent(trx: Kysely<Schema>, type: 'role-assigned' | 'role-unassigned', change: { orgId: number; user: EventUser; roleId: number; roleName: string; scope: RoleScope }, origin: RoleChangeOrigin, clock: Clock): Promise<void> {
  await recordEvent(
    trx,
    { orgId: change.orgId, type, data: { user: change.user, role: { id: String(change.roleId), name: change.roleName }, scope: change.scope }, actor: origin.actor, subject: { type: 'user', id: change.user.id } },
    clock,
  );
}

/**
 * Gives a user a role, globally or for the current convention. Holding the role already in that
 * scope is a refusal (`already-held`); holding it in the other scope is not, since the two
 * assignments mean different things.
 */
export async function assignRole(db: Kysely<Schema>, assignment: RoleAssignment, origin: RoleChangeOrigin, clock: Clock): Promise<RoleChangeResult> {
  const { orgId, userId, roleId, scope } = assignment;
  return db.transaction().execute(async (trx): Promise<RoleChangeResult> => {
    const pair = await resolvePair(trx, orgId, userId, roleId);
    if (!pair.ok) return pair;
    const conventionId = await currentConventionId(trx, orgId);
    if (scope === 'convention' && conventionId === null) return { ok: false, reason: 'no-current-convention' };
    const forConvention = scope === 'convention' ? conventionId : null;
    const inserted = await trx
      .insertInto('user_roles')
      .values({ org_id: orgId, user_id: userId, role_id: roleId, scope, convention_id: forConvention, scope_key: forConvention === null ? 'global' : String(forConvention), created_at: isoTimestamp(clock.now()) })
      .onConflict((oc) => oc.columns(['user_id', 'role_id', 'scope_key']).doNothing())
      .returning('id')
      .executeTakeFirst();
    if (inserted === undefined) return { ok: false, reason: 'already-held' };
    await recordAudit(
      trx,
      { orgId, actor: origin.actor, action: 'user.role-assigned', target: { type: 'user', id: String(userId) }, details: { roleId, roleName: pair.roleName, scope, conventionId: forConvention }, ip: origin.ip },
      clock,
    );
    await recordRoleEvent(trx, 'role-assigned', { orgId, user: pair.user, roleId, roleName: pair.roleName, scope }, origin, clock);
    return { ok: true, roles: await rolesHeld(trx, orgId, userId, conventionId) };
  });
}

/**
 * Takes a role away: the assignment of the given scope, or (scope null) every assignment that
 * counts as held now. Assignments for past conventions are history and stay. Not holding the
 * role is a refusal (`not-held`).
 */
export async function removeRole(db: Kysely<Schema>, removal: RoleRemoval, origin: RoleChangeOrigin, clock: Clock): Promise<RoleChangeResult> {
  const { orgId, userId, roleId, scope } = removal;
  return db.transaction().execute(async (trx): Promise<RoleChangeResult> => {
    const pair = await resolvePair(trx, orgId, userId, roleId);
    if (!pair.ok) return pair;
    const conventionId = await currentConventionId(trx, orgId);
    const keys = heldScopeKeys(conventionId).filter((key) => scope === null || (key === 'global') === (scope === 'global'));
    const removed = keys.length === 0 ? [] : await trx
      .deleteFrom('user_roles')
      .where('org_id', '=', orgId)
      .where('user_id', '=', userId)
      .where('role_id', '=', roleId)
      .where('scope_key', 'in', keys)
      .returning(['scope', 'convention_id'])
      .execute();
    if (removed.length === 0) return { ok: false, reason: 'not-held' };
    for (const row of removed) {
      await recordAudit(
        trx,
        { orgId, actor: origin.actor, action: 'user.role-removed', target: { type: 'user', id: String(userId) }, details: { roleId, roleName: pair.roleName, scope: row.scope, conventionId: row.convention_id }, ip: origin.ip },
        clock,
      );
      await recordRoleEvent(trx, 'role-unassigned', { orgId, user: pair.user, roleId, roleName: pair.roleName, scope: row.scope }, origin, clock);
    }
    return { ok: true, roles: await rolesHeld(trx, orgId, userId, conventionId) };
  });
}
