/**
 * The instance's volunteer departments with their leads (reference §6.4,
 * `GET /api/v0/volunteers/departments`). Departments belong to the organization, not to one
 * convention. Three queries whatever the number of departments and leads.
 */
import type { Kysely } from 'kysely';
import type { Schema } from '../../../db/schema.js';
import { loadUserSummaries, type UserSummary } from '../user-summaries.js';

/** Wire shape: `departmentSchema`. */
export interface Department {
  id: string;
  name: string;
  email: string;
  publiclyVisible: boolean;
  leads: UserSummary[];
}

export async function listDepartments(db: Kysely<Schema>, orgId: number): Promise<Department[]> {
  const [departments, leads] = await Promise.all([
    db.selectFrom('departments').select(['id', 'name', 'email', 'publicly_visible']).where('org_id', '=', orgId).orderBy('id').execute(),
    db.selectFrom('department_leads').select(['department_id', 'user_id']).where('org_id', '=', orgId).orderBy('department_id').orderBy('user_id').execute(),
  ]);
  const users = await loadUserSummaries(db, orgId, leads.map((lead) => lead.user_id));
  const leadsByDepartment = new Map<number, UserSummary[]>();
  for (const lead of leads) {
    const user = users.get(lead.user_id);
    if (user === undefined) continue;
    leadsByDepartment.set(lead.department_id, [...(leadsByDepartment.get(lead.department_id) ?? []), user]);
  }
  return departments.map((department) => ({
    id: String(department.id),
    name: department.name,
    email: department.email,
    publiclyVisible: department.publicly_visible === 1,
    leads: leadsByDepartment.get(department.id) ?? [],
  }));
}
