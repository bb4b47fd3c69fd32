import type { Kysely } from 'kysely';
import type { Schema } from '../db/schema.js';
import { loadOptionQuestions, type OptionQuestion } from './option-answers.js';
import { currentConventionId } from './user-roles.js';

/**
 * What the volunteer form of an instance's current convention asks (the departments open to
 * applicants and the convention's volunteer questions) and a user's own application as that
 * form shows it. Reading only; changes are in volunteer-self-service.ts.
 */

/** The preferences an applicant states towards a department; 'assignment' and 'request' are staff's. */
export const PREFERENCE_STATES = ['experience', 'interest', 'avoid'] as const;
export type PreferenceState = (typeof PREFERENCE_STATES)[number];

export interface VolunteerDepartmentChoice {
  id: number;
  name: string;
}

export interface VolunteerForm {
  conventionId: number;
  conventionName: string;
  /** Publicly visible departments: the only ones an applicant sees and may state preferences for. */
  departments: VolunteerDepartmentChoice[];
  questions: OptionQuestion[];
}

export interface OwnVolunteerApplication {
  id: number;
  contactMethods: { name: string; value: string; isPrimary: boolean }[];
  /** Preferences towards the publicly visible departments, by department id. */
  preferences: ReadonlyMap<number, PreferenceState[]>;
  /** Departments staff assigned the application to (shown, never changed by the applicant). */
  assignedDepartments: string[];
  availableBeforeCon: boolean;
  anythingElse: string | null;
  previousConExperience: string | null;
  previousOtherExperience: string | null;
  eventsCanNotMiss: string | null;
  optionValues: string;
  createdAt: string;
  /** The version an edit or a withdrawal must name to be applied. */
  updatedAt: string;
}

/** The current convention's volunteer form, or undefined when the instance has no current convention. */
export async function loadVolunteerForm(db: Kysely<Schema>, orgId: number): Promise<VolunteerForm | undefined> {
  const conventionId = await currentConventionId(db, orgId);
  if (conventionId === null) return undefined;
  const convention = await db.selectFrom('conventions').select('name').where('org_id', '=', orgId).where('id', '=', conventionId).executeTakeFirstOrThrow();
  const departments = await db.selectFrom('departments').select(['id', 'name']).where('org_id', '=', orgId).where('publicly_visible', '=', 1).orderBy('name').orderBy('id').execute();
  return { conventionId, conventionName: convention.name, departments, questions: await loadOptionQuestions(db, orgId, conventionId, 'volunteer') };
}

/** The user's application for the current convention, or undefined when there is none. */
export async function findOwnVolunteerApplication(db: Kysely<Schema>, orgId: number, userId: number): Promise<OwnVolunteerApplication | undefined> {
  const conventionId = await currentConventionId(db, orgId);
  if (conventionId === null) return undefined;
  const row = await db.selectFrom('volunteers').selectAll().where('org_id', '=', orgId).where('convention_id', '=', conventionId).where('user_id', '=', userId).executeTakeFirst();
  if (row === undefined) return undefined;
  const methods = await db.selectFrom('volunteer_contact_methods').select(['name', 'value', 'is_primary']).where('org_id', '=', orgId).where('volunteer_id', '=', row.id).execute();
  methods.sort((a, b) => b.is_primary - a.is_primary || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const states = await db
    .selectFrom('volunteer_departments')
    .innerJoin('departments', (join) => join.onRef('departments.org_id', '=', 'volunteer_departments.org_id').onRef('departments.id', '=', 'volunteer_departments.department_id'))
    .select(['departments.id', 'departments.name', 'departments.publicly_visible', 'volunteer_departments.state'])
    .where('volunteer_departments.org_id', '=', orgId)
    .where('volunteer_departments.volunteer_id', '=', row.id)
    .orderBy('departments.name')
    .execute();
  const preferences = new Map<number, PreferenceState[]>();
  const assignedDepartments: string[] = [];
  for (const state of states) {
    if (state.state === 'assignment') assignedDepartments.push(state.name);
    const preference = PREFERENCE_STATES.find((p) => p === state.state);
    if (preference !== undefined && state.publicly_visible === 1) preferences.set(state.id, [...(preferences.get(state.id) ?? []), preference]);
  }
  return {
    id: row.id,
    contactMethods: methods.map((method) => ({ name: method.name, value: method.value, isPrimary: method.is_primary === 1 })),
    preferences,
    assignedDepartments,
    availableBeforeCon: row.available_before_con === 1,
    anythingElse: row.anything_else,
    previousConExperience: row.previous_con_experience,
    previousOtherExperience: row.previous_other_experience,
    eventsCanNotMiss: row.events_can_not_miss,
    optionValues: row.option_values,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}
