import type { InsertObject } from 'kysely';
import type { RoleScope, Schema } from '../db/schema.js';
import { INSTANCE_PERMISSIONS, type InstancePermission } from '../instance/permissions.js';
import { insertAll } from './insert-all.js';
import {
  currentConvention,
  iso,
  momentBetween,
  requireId,
  type InstanceSeeding,
  type SeededUser,
} from './seed-context.js';
import type { SeededVolunteers } from './volunteers.js';

export const DEMO_ROLES = [
  {
    name: 'admin',
    description: 'Runs the instance: every permission, including integrations in Housekeeping',
    permissions: INSTANCE_PERMISSIONS.map((p) => p.name),
  },
  { name: 'staff', description: 'Convention staff', permissions: ['registration:manage'] },
  { name: 'volunteer-lead', description: 'Leads a volunteer department', permissions: ['volunteer:manage'] },
  { name: 'dealer-liaison', description: 'Reviews dealer applications', permissions: ['dealer:manage'] },
  { name: 'nda-signed', description: 'Has signed the staff non-disclosure agreement', permissions: [] },
] as const satisfies readonly { name: string; description: string; permissions: readonly InstancePermission[] }[];

type DemoRoleName = (typeof DEMO_ROLES)[number]['name'];

export interface SeededStaff {
  roles: number;
  assignments: number;
  departmentLeads: number;
}

/**
 * The roles and who holds them: the org admin (global 'admin'), department leads (from the
 * volunteers assigned there), and a sprinkling of staff, with assignments of both scopes.
 */
export async function seedStaff(
  seeding: InstanceSeeding,
  admin: SeededUser,
  volunteers: SeededVolunteers,
): Promise<SeededStaff> {
  const { db, random, orgId } = seeding;
  const createdAt = iso(admin.person.createdAtMs);
  const roleIds = new Map<DemoRoleName, number>();
  for (const role of DEMO_ROLES) {
    const row = await db
      .insertInto('roles')
      .values({
        org_id: orgId,
        name: role.name,
        description: role.description,
        created_at: createdAt,
        updated_at: createdAt,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    roleIds.set(role.name, row.id);
    await insertAll(
      db,
      'role_permissions',
      role.permissions.map((permission) => ({ org_id: orgId, role_id: row.id, permission })),
    );
  }

  const current = currentConvention(seeding);
  const assignments = new Map<string, InsertObject<Schema, 'user_roles'>>();
  const assign = (user: SeededUser, role: DemoRoleName, conventionId: number | null): void => {
    const scope: RoleScope = conventionId === null ? 'global' : 'convention';
    const scopeKey = conventionId === null ? 'global' : String(conventionId);
    const key = `${user.id}:${role}:${scopeKey}`;
    if (assignments.has(key)) return;
    assignments.set(key, {
      org_id: orgId,
      user_id: user.id,
      role_id: requireId(roleIds, role),
      scope,
      convention_id: conventionId,
      scope_key: scopeKey,
      created_at: iso(momentBetween(seeding, user.person.createdAtMs, seeding.anchorMs)),
    });
  };

  assign(admin, 'admin', null);

  const usersById = new Map(seeding.attendees.map((user) => [user.id, user]));
  const leadRows: InsertObject<Schema, 'department_leads'>[] = [];
  for (const department of seeding.orgCatalog.departments) {
    const assigned = (volunteers.assigned.get(department.id) ?? []).flatMap((id) => usersById.get(id) ?? []);
    const leads = assigned.length > 0 ? assigned.slice(0, 2) : random.sample(seeding.attendees, 1);
    for (const lead of leads) {
      leadRows.push({
        org_id: orgId,
        department_id: department.id,
        user_id: lead.id,
        created_at: iso(momentBetween(seeding, lead.person.createdAtMs, seeding.anchorMs)),
      });
      assign(lead, 'volunteer-lead', current.id);
      assign(lead, 'nda-signed', null);
    }
  }
  await insertAll(db, 'department_leads', leadRows);

  const staff = seeding.attendees.filter(() => random.chance(0.015));
  for (const [index, member] of staff.entries()) {
    assign(member, 'staff', current.id);
    if (random.chance(0.5)) assign(member, 'nda-signed', null);
    for (const past of seeding.conventions.slice(0, -1)) {
      if (random.chance(0.3)) assign(member, 'staff', past.id);
    }
    if (index < 2) assign(member, 'dealer-liaison', current.id);
  }

  await insertAll(db, 'user_roles', [...assignments.values()]);
  return { roles: DEMO_ROLES.length, assignments: assignments.size, departmentLeads: leadRows.length };
}
