/**
 * Volunteer applications as the v0 API shows them (reference §6.4): the current convention's
 * volunteers of the instance, with their contact methods, what they stated about each department
 * (and their assignments), their answers and the user. A page costs a constant number of
 * queries: the rows, then the users, option definitions, contact methods and departments of the
 * whole page.
 */
import type { Kysely } from 'kysely';
import type { Schema, VolunteerDepartmentState } from '../../../db/schema.js';
import type { PageRequest } from '../../pagination/search-page.js';
import { eventOptions, loadOptionDefinitions, parseOptionValues, type EventOption } from '../event-options.js';
import { currentConventionId } from '../instance-scope.js';
import { inKeysetRange, keysetForm } from '../keyset-range.js';
import { loadUserSummaries, type UserSummary } from '../user-summaries.js';

/** The states in the order the API lists them. */
export const DEPARTMENT_STATES: readonly VolunteerDepartmentState[] = ['experience', 'interest', 'avoid', 'assignment', 'request'];

export interface ContactMethod {
  name: string;
  isPrimary: boolean;
  value: string;
}

export interface DepartmentAssignment {
  id: string;
  states: VolunteerDepartmentState[];
  name: string;
}

/** Wire shape: `volunteerSchema`. */
export interface Volunteer {
  createdAt: string;
  updatedAt: string;
  contactMethods: ContactMethod[];
  departments: DepartmentAssignment[];
  user: UserSummary;
  options: EventOption[];
}

/** What a search keeps; null means "not filtered". Filters combine with AND. */
export interface VolunteerFilter {
  userIds: readonly number[] | null;
  /** Stored-timestamp form: updated at or after it. */
  updatedSince: string | null;
}

export const NO_VOLUNTEER_FILTER: VolunteerFilter = { userIds: null, updatedSince: null };

export interface VolunteerRow {
  id: number;
  userId: number;
  optionValues: string;
  createdAt: string;
  updatedAt: string;
}

function volunteerRows(db: Kysely<Schema>, orgId: number) {
  return db
    .selectFrom('volunteers')
    .select(['volunteers.id', 'volunteers.user_id as userId', 'volunteers.option_values as optionValues', 'volunteers.created_at as createdAt', 'volunteers.updated_at as updatedAt'])
    .where('volunteers.org_id', '=', orgId);
}

/**
 * The query of one page: up to `limit + 1` rows after the cursor's key in volunteer id order
 * within the current convention, as one range of the (org_id, convention_id, id) index (see
 * keyset-range.ts). Exported for the query-plan test.
 */
export function volunteerPageQuery(db: Kysely<Schema>, orgId: number, filter: VolunteerFilter, page: PageRequest) {
  let query = volunteerRows(db, orgId);
  if (filter.userIds !== null) query = query.where('volunteers.user_id', 'in', [...filter.userIds]);
  if (filter.updatedSince !== null) query = query.where('volunteers.updated_at', '>=', filter.updatedSince);
  const range = { group: 'volunteers.convention_id', groupValue: currentConventionId(db, orgId), key: 'volunteers.id', after: page.after, rows: page.limit + 1 };
  return inKeysetRange(query, range, keysetForm(db, filter.userIds !== null || filter.updatedSince !== null));
}

/** Up to `limit + 1` rows of the search (the extra one tells the page there is more). */
export async function searchVolunteerRows(db: Kysely<Schema>, orgId: number, filter: VolunteerFilter, page: PageRequest): Promise<VolunteerRow[]> {
  if (filter.userIds?.length === 0) return [];
  return volunteerPageQuery(db, orgId, filter, page).execute();
}

/** A user's volunteer application for the current convention, or undefined (also for another instance's user). */
export async function findUserVolunteer(db: Kysely<Schema>, orgId: number, userId: number): Promise<Volunteer | undefined> {
  const row = await volunteerRows(db, orgId)
    .where('volunteers.convention_id', '=', currentConventionId(db, orgId))
    .where('volunteers.user_id', '=', userId)
    .executeTakeFirst();
  if (row === undefined) return undefined;
  const [volunteer] = await toVolunteers(db, orgId, [row]);
  return volunteer;
}

async function loadContactMethods(db: Kysely<Schema>, orgId: number, volunteerIds: readonly number[]): Promise<ReadonlyMap<number, ContactMethod[]>> {
  if (volunteerIds.length === 0) return new Map();
  const rows = await db
    .selectFrom('volunteer_contact_methods')
    .select(['volunteer_id', 'name', 'value', 'is_primary'])
    .where('org_id', '=', orgId)
    .where('volunteer_id', 'in', [...volunteerIds])
    .execute();
  // Sorted here, not in SQL: both engines then agree on the order of names.
  rows.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const methods = new Map<number, ContactMethod[]>();
  for (const row of rows) {
    const list = methods.get(row.volunteer_id) ?? [];
    list.push({ name: row.name, isPrimary: row.is_primary === 1, value: row.value });
    methods.set(row.volunteer_id, list);
  }
  return methods;
}

async function loadDepartmentAssignments(db: Kysely<Schema>, orgId: number, volunteerIds: readonly number[]): Promise<ReadonlyMap<number, DepartmentAssignment[]>> {
  if (volunteerIds.length === 0) return new Map();
  const rows = await db
    .selectFrom('volunteer_departments')
    .innerJoin('departments', (join) => join.onRef('departments.org_id', '=', 'volunteer_departments.org_id').onRef('departments.id', '=', 'volunteer_departments.department_id'))
    .select(['volunteer_departments.volunteer_id', 'volunteer_departments.state', 'departments.id', 'departments.name'])
    .where('volunteer_departments.org_id', '=', orgId)
    .where('volunteer_departments.volunteer_id', 'in', [...volunteerIds])
    .orderBy('volunteer_departments.volunteer_id')
    .orderBy('departments.id')
    .execute();
  const assignments = new Map<number, DepartmentAssignment[]>();
  for (const row of rows) {
    const list = assignments.get(row.volunteer_id) ?? [];
    const id = String(row.id);
    let assignment = list.find((a) => a.id === id);
    if (assignment === undefined) {
      assignment = { id, states: [], name: row.name };
      list.push(assignment);
    }
    assignment.states.push(row.state);
    assignments.set(row.volunteer_id, list);
  }
  for (const list of assignments.values()) {
    for (const assignment of list) assignment.states.sort((a, b) => DEPARTMENT_STATES.indexOf(a) - DEPARTMENT_STATES.indexOf(b));
  }
  return assignments;
}

/**
 * The API objects of these rows, in their order. A row whose user was deleted between the
 * queries (the application went with it) is left out.
 */
export async function toVolunteers(db: Kysely<Schema>, orgId: number, rows: readonly VolunteerRow[]): Promise<Volunteer[]> {
  const answers = rows.map((row) => parseOptionValues(row.optionValues));
  const volunteerIds = rows.map((row) => row.id);
  const [users, definitions, contactMethods, departments] = await Promise.all([
    loadUserSummaries(db, orgId, rows.map((row) => row.userId)),
    loadOptionDefinitions(db, orgId, answers),
    loadContactMethods(db, orgId, volunteerIds),
    loadDepartmentAssignments(db, orgId, volunteerIds),
  ]);
  const volunteers: Volunteer[] = [];
  rows.forEach((row, index) => {
    const user = users.get(row.userId);
    if (user === undefined) return;
    volunteers.push({
      createdAt: row.createdAt,
      updatedAt: row.updatedAt,
      contactMethods: contactMethods.get(row.id) ?? [],
      departments: departments.get(row.id) ?? [],
      user,
      options: eventOptions(answers[index] ?? new Map(), definitions),
    });
  });
  return volunteers;
}
