import type { Kysely } from 'kysely';
import { recordAudit, type AuditEntry } from '../audit/audit-log.js';
import { isoTimestamp, type Clock } from '../clock.js';
import type { Schema } from '../db/schema.js';
import { isUniqueViolation } from '../db/unique-violation.js';
import { eventUser } from '../events/event-user.js';
import { eventVolunteer, type EventVolunteer } from '../events/event-volunteer.js';
import { recordEvent } from '../events/record-event.js';
import { checkOptionAnswers, loadOptionQuestions, type RawAnswer } from './option-answers.js';
import { PREFERENCE_STATES, type PreferenceState } from './volunteer-application.js';
import { nextVersion } from './user-profile-changes.js';
import { currentConventionId } from './user-roles.js';

/**
 * A signed-in user's own volunteer application for the current convention: submitting it,
 * changing it and withdrawing it. Each validates, writes, audits and records exactly one event
 * (`volunteer-submitted`, `volunteer-updated`, `volunteer-deleted`, payload {volunteer, user} as
 * ConCat's §9) in one transaction; a refusal or a change that changes nothing records nothing.
 *
 * The applicant states preferences (experience, interest, avoid) towards publicly visible
 * departments only; staff's states ('assignment', 'request') and preferences towards hidden
 * departments are never touched by an edit. Edits and withdrawals name the `updatedAt` they were
 * made from and are refused as stale once someone saved meanwhile (see nextVersion).
 */

export interface ContactMethodInput {
  name: string;
  value: string;
}

/** The application as submitted; text fields '' for "no answer". */
export interface VolunteerApplicationInput {
  contactMethods: readonly ContactMethodInput[];
  /** The name of the contact method to prefer. */
  primaryContactMethod: string;
  /** Department id → the preferences stated towards it. */
  preferences: ReadonlyMap<number, readonly PreferenceState[]>;
  availableBeforeCon: boolean;
  anythingElse: string;
  previousConExperience: string;
  previousOtherExperience: string;
  eventsCanNotMiss: string;
  /** Option definition id → answer. */
  options: ReadonlyMap<number, RawAnswer>;
}

export interface VolunteerChangeOrigin {
  actor: AuditEntry['actor'];
  ip: string | null;
}

/**
 * Problems by field: 'contactMethods', 'primaryContactMethod', 'departments', the free-text
 * field names, and `option-<id>` for a question.
 */
export type VolunteerErrors = Record<string, string>;

export type VolunteerRefusal =
  | { ok: false; reason: 'invalid'; errors: VolunteerErrors }
  /** No current convention, or (edit, withdraw) no application of the user's for it. */
  | { ok: false; reason: 'not-found' }
  /** Submitting while an application exists already. */
  | { ok: false; reason: 'exists' }
  | { ok: false; reason: 'stale' };

export type VolunteerChangeResult = { ok: true; changed: boolean; volunteer: EventVolunteer } | VolunteerRefusal;
export type VolunteerWithdrawalResult = { ok: true } | Exclude<VolunteerRefusal, { reason: 'invalid' | 'exists' }>;

export const CONTACT_METHODS_MAX = 10;
const CONTACT_NAME = /^[a-z0-9][a-z0-9 ._+-]{0,31}$/;
const CONTACT_VALUE_MAX = 200;
const FREE_TEXT_MAX = 2000;

function hasControlCharacter(value: string, allowNewlines: boolean): boolean {
  return [...value].some((char) => {
    const code = char.charCodeAt(0);
    if (allowNewlines && (char === '\n' || char === '\r' || char === '\t')) return false;
    return code < 0x20 || (code >= 0x7f && code <= 0x9f);
  });
}

/** The application's rows as stored: compared with the stored state to tell a no-op. */
interface Validated {
  columns: { option_values: string; available_before_con: number; anything_else: string | null; previous_con_experience: string | null; previous_other_experience: string | null; events_can_not_miss: string | null };
  contactMethods: { name: string; value: string; is_primary: number }[];
  preferences: { department_id: number; state: PreferenceState }[];
}

async function validate(trx: Kysely<Schema>, orgId: number, conventionId: number, input: VolunteerApplicationInput): Promise<{ ok: true; validated: Validated; visibleDepartments: number[] } | { ok: false; errors: VolunteerErrors }> {
  const errors: VolunteerErrors = {};

  const contactMethods: Validated['contactMethods'] = [];
  const methods = input.contactMethods.filter((method) => method.name.trim() !== '' || method.value.trim() !== '');
  if (methods.length === 0) errors.contactMethods = 'Add at least one way to contact you, e.g. email and your address.';
  else if (methods.length > CONTACT_METHODS_MAX) errors.contactMethods = `Add at most ${CONTACT_METHODS_MAX} ways to contact you.`;
  else {
    for (const method of methods) {
      const name = method.name.trim().toLowerCase();
      const value = method.value.trim();
      if (!CONTACT_NAME.test(name)) errors.contactMethods = 'Name each contact method with up to 32 letters, digits, spaces, dots, dashes or pluses, e.g. email, discord, telegram.';
      else if (value === '') errors.contactMethods = `Enter your ${name} address or handle.`;
      else if (value.length > CONTACT_VALUE_MAX || hasControlCharacter(value, false)) errors.contactMethods = `Your ${name} address or handle can be at most ${CONTACT_VALUE_MAX} characters, without control characters.`;
      else if (contactMethods.some((m) => m.name === name)) errors.contactMethods = `List ${name} only once.`;
      if (errors.contactMethods !== undefined) break;
      contactMethods.push({ name, value, is_primary: 0 });
    }
    const primary = contactMethods.find((method) => method.name === input.primaryContactMethod.trim().toLowerCase());
    if (errors.contactMethods === undefined) {
      if (primary === undefined) errors.primaryContactMethod = 'Choose which of your contact methods we should use first.';
      else primary.is_primary = 1;
    }
  }

  const visible = await trx.selectFrom('departments').select('id').where('org_id', '=', orgId).where('publicly_visible', '=', 1).execute();
  const visibleDepartments = visible.map((department) => department.id);
  const preferences: Validated['preferences'] = [];
  for (const [departmentId, states] of input.preferences) {
    if (!visibleDepartments.includes(departmentId)) {
      errors.departments = 'One of the departments chosen is not open to volunteers here. Reload the form.';
      break;
    }
    const unique = PREFERENCE_STATES.filter((state) => states.includes(state));
    if (unique.includes('interest') && unique.includes('avoid')) {
      errors.departments = 'A department cannot be both one you are interested in and one to avoid.';
      break;
    }
    for (const state of unique) preferences.push({ department_id: departmentId, state });
  }

  const free = (field: keyof VolunteerApplicationInput & ('anythingElse' | 'previousConExperience' | 'previousOtherExperience' | 'eventsCanNotMiss'), label: string): string | null => {
    const value = input[field].trim();
    if (value.length > FREE_TEXT_MAX) errors[field] = `${label} can be at most ${FREE_TEXT_MAX} characters long.`;
    else if (hasControlCharacter(value, true)) errors[field] = `${label} contains characters that cannot be used.`;
    return value === '' ? null : value;
  };
  const columnsText = {
    anything_else: free('anythingElse', 'Anything else'),
    previous_con_experience: free('previousConExperience', 'Your experience at conventions'),
    previous_other_experience: free('previousOtherExperience', 'Your other experience'),
    events_can_not_miss: free('eventsCanNotMiss', 'Events you cannot miss'),
  };

  const answers = checkOptionAnswers(await loadOptionQuestions(trx, orgId, conventionId, 'volunteer'), input.options);
  if (!answers.ok) for (const [id, error] of Object.entries(answers.errors)) errors[`option-${id}`] = error;

  if (Object.keys(errors).length > 0 || !answers.ok) return { ok: false, errors };
  contactMethods.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  preferences.sort((a, b) => a.department_id - b.department_id || a.state.localeCompare(b.state));
  return {
    ok: true,
    visibleDepartments,
    validated: { columns: { option_values: JSON.stringify(answers.values), available_before_con: input.availableBeforeCon ? 1 : 0, ...columnsText }, contactMethods, preferences },
  };
}

/** The stored application in the form `validate` produces, to tell whether an edit changes anything. */
async function storedState(trx: Kysely<Schema>, orgId: number, volunteerId: number, visibleDepartments: readonly number[]): Promise<Omit<Validated, 'columns'>> {
  const contactMethods = await trx.selectFrom('volunteer_contact_methods').select(['name', 'value', 'is_primary']).where('org_id', '=', orgId).where('volunteer_id', '=', volunteerId).execute();
  contactMethods.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const rows = await trx.selectFrom('volunteer_departments').select(['department_id', 'state']).where('org_id', '=', orgId).where('volunteer_id', '=', volunteerId).execute();
  const preferences: Validated['preferences'] = [];
  for (const row of rows) {
    const state = PREFERENCE_STATES.find((s) => s === row.state);
    if (state !== undefined && visibleDepartments.includes(row.department_id)) preferences.push({ department_id: row.department_id, state });
  }
  preferences.sort((a, b) => a.department_id - b.department_id || a.state.localeCompare(b.state));
  return { contactMethods, preferences };
}

/** Replaces the contact methods and the applicant's preferences towards visible departments. */
async function writeChildren(trx: Kysely<Schema>, orgId: number, volunteerId: number, validated: Validated, visibleDepartments: readonly number[], clock: Clock): Promise<void> {
  await trx.deleteFrom('volunteer_contact_methods').where('org_id', '=', orgId).where('volunteer_id', '=', volunteerId).execute();
  await trx.insertInto('volunteer_contact_methods').values(validated.contactMethods.map((method) => ({ org_id: orgId, volunteer_id: volunteerId, ...method }))).execute();
  if (visibleDepartments.length > 0) {
    await trx
      .deleteFrom('volunteer_departments')
      .where('org_id', '=', orgId)
      .where('volunteer_id', '=', volunteerId)
      .where('state', 'in', [...PREFERENCE_STATES])
      .where('department_id', 'in', [...visibleDepartments])
      .execute();
  }
  const now = isoTimestamp(clock.now());
  if (validated.preferences.length > 0) {
    await trx.insertInto('volunteer_departments').values(validated.preferences.map((p) => ({ org_id: orgId, volunteer_id: volunteerId, department_id: p.department_id, state: p.state, created_at: now }))).execute();
  }
}

async function recordVolunteerEvent(trx: Kysely<Schema>, type: 'volunteer-submitted' | 'volunteer-updated' | 'volunteer-deleted', orgId: number, userId: number, volunteer: EventVolunteer, origin: VolunteerChangeOrigin, clock: Clock): Promise<void> {
  const user = await eventUser(trx, orgId, userId);
  if (user === undefined) throw new Error(`user ${userId} vanished inside a change of their volunteer application`);
  await recordEvent(trx, { orgId, type, data: { volunteer, user }, actor: origin.actor, subject: { type: 'user', id: String(userId) } }, clock);
}

async function audit(trx: Kysely<Schema>, action: 'volunteer.submitted' | 'volunteer.updated' | 'volunteer.withdrawn', orgId: number, userId: number, volunteerId: number, origin: VolunteerChangeOrigin, clock: Clock): Promise<void> {
  // The id only: the application holds personal data, and the audit log outlives it.
  await recordAudit(trx, { orgId, actor: origin.actor, action, target: { type: 'user', id: String(userId) }, details: { volunteerId }, ip: origin.ip }, clock);
}

async function committedVolunteer(trx: Kysely<Schema>, orgId: number, volunteerId: number): Promise<EventVolunteer> {
  const volunteer = await eventVolunteer(trx, orgId, volunteerId);
  if (volunteer === undefined) throw new Error(`volunteer ${volunteerId} vanished inside its own change`);
  return volunteer;
}

export interface VolunteerSubmission {
  orgId: number;
  userId: number;
  application: VolunteerApplicationInput;
}

/** Submits the user's application for the current convention (one exists already: 'exists'). */
export async function submitVolunteerApplication(db: Kysely<Schema>, submission: VolunteerSubmission, origin: VolunteerChangeOrigin, clock: Clock): Promise<VolunteerChangeResult> {
  const { orgId, userId } = submission;
  try {
    return await db.transaction().execute(async (trx): Promise<VolunteerChangeResult> => {
      const conventionId = await currentConventionId(trx, orgId);
      if (conventionId === null) return { ok: false, reason: 'not-found' };
      const user = await trx.selectFrom('users').select('id').where('org_id', '=', orgId).where('id', '=', userId).executeTakeFirst();
      if (user === undefined) return { ok: false, reason: 'not-found' };
      const existing = await trx.selectFrom('volunteers').select('id').where('org_id', '=', orgId).where('convention_id', '=', conventionId).where('user_id', '=', userId).executeTakeFirst();
      if (existing !== undefined) return { ok: false, reason: 'exists' };
      const checked = await validate(trx, orgId, conventionId, submission.application);
      if (!checked.ok) return { ok: false, reason: 'invalid', errors: checked.errors };
      const now = isoTimestamp(clock.now());
      // The unique (convention, user) index decides between two simultaneous submissions.
      const row = await trx
        .insertInto('volunteers')
        .values({ org_id: orgId, convention_id: conventionId, user_id: userId, ...checked.validated.columns, created_at: now, updated_at: now })
        .returning('id')
        .executeTakeFirstOrThrow();
      await writeChildren(trx, orgId, row.id, checked.validated, checked.visibleDepartments, clock);
      await audit(trx, 'volunteer.submitted', orgId, userId, row.id, origin, clock);
      const volunteer = await committedVolunteer(trx, orgId, row.id);
      await recordVolunteerEvent(trx, 'volunteer-submitted', orgId, userId, volunteer, origin, clock);
      return { ok: true, changed: true, volunteer };
    });
  } catch (error) {
    if (isUniqueViolation(error)) return { ok: false, reason: 'exists' };
    throw error;
  }
}

export interface VolunteerUpdate extends VolunteerSubmission {
  /** The application's `updatedAt` as the editor last saw it. */
  expectedUpdatedAt: string;
}

async function ownApplication(trx: Kysely<Schema>, orgId: number, userId: number) {
  const conventionId = await currentConventionId(trx, orgId);
  if (conventionId === null) return undefined;
  return trx.selectFrom('volunteers').selectAll().where('org_id', '=', orgId).where('convention_id', '=', conventionId).where('user_id', '=', userId).executeTakeFirst();
}

/** Changes the user's application; unchanged: `changed: false` and no event. */
export async function updateVolunteerApplication(db: Kysely<Schema>, update: VolunteerUpdate, origin: VolunteerChangeOrigin, clock: Clock): Promise<VolunteerChangeResult> {
  const { orgId, userId } = update;
  return db.transaction().execute(async (trx): Promise<VolunteerChangeResult> => {
    const current = await ownApplication(trx, orgId, userId);
    if (current === undefined) return { ok: false, reason: 'not-found' };
    if (current.updated_at !== update.expectedUpdatedAt) return { ok: false, reason: 'stale' };
    const checked = await validate(trx, orgId, current.convention_id, update.application);
    if (!checked.ok) return { ok: false, reason: 'invalid', errors: checked.errors };
    const { validated, visibleDepartments } = checked;
    const stored = await storedState(trx, orgId, current.id, visibleDepartments);
    const columnNames = Object.keys(validated.columns) as (keyof Validated['columns'])[];
    const unchanged =
      columnNames.every((column) => validated.columns[column] === current[column]) &&
      JSON.stringify(stored.contactMethods) === JSON.stringify(validated.contactMethods) &&
      JSON.stringify(stored.preferences) === JSON.stringify(validated.preferences);
    if (unchanged) return { ok: true, changed: false, volunteer: await committedVolunteer(trx, orgId, current.id) };
    // Conditional on the version read above, and before any other write: a concurrent change that committed in between makes this match nothing.
    const updated = await trx
      .updateTable('volunteers')
      .set({ ...validated.columns, updated_at: nextVersion(current.updated_at, clock) })
      .where('org_id', '=', orgId)
      .where('id', '=', current.id)
      .where('updated_at', '=', update.expectedUpdatedAt)
      .executeTakeFirst();
    if (updated.numUpdatedRows === 0n) return { ok: false, reason: 'stale' };
    await writeChildren(trx, orgId, current.id, validated, visibleDepartments, clock);
    await audit(trx, 'volunteer.updated', orgId, userId, current.id, origin, clock);
    const volunteer = await committedVolunteer(trx, orgId, current.id);
    await recordVolunteerEvent(trx, 'volunteer-updated', orgId, userId, volunteer, origin, clock);
    return { ok: true, changed: true, volunteer };
  });
}

export interface VolunteerWithdrawal {
  orgId: number;
  userId: number;
  expectedUpdatedAt: string;
}

/**
 * Withdraws (deletes) the user's application with its contact methods, preferences and
 * assignments; the `volunteer-deleted` event carries the application as it was.
 */
export async function withdrawVolunteerApplication(db: Kysely<Schema>, withdrawal: VolunteerWithdrawal, origin: VolunteerChangeOrigin, clock: Clock): Promise<VolunteerWithdrawalResult> {
  const { orgId, userId } = withdrawal;
  return db.transaction().execute(async (trx): Promise<VolunteerWithdrawalResult> => {
    const current = await ownApplication(trx, orgId, userId);
    if (current === undefined) return { ok: false, reason: 'not-found' };
    if (current.updated_at !== withdrawal.expectedUpdatedAt) return { ok: false, reason: 'stale' };
    const volunteer = await committedVolunteer(trx, orgId, current.id);
    const deleted = await trx.deleteFrom('volunteers').where('org_id', '=', orgId).where('id', '=', current.id).where('updated_at', '=', withdrawal.expectedUpdatedAt).executeTakeFirst();
    if (deleted.numDeletedRows === 0n) return { ok: false, reason: 'stale' };
    await audit(trx, 'volunteer.withdrawn', orgId, userId, current.id, origin, clock);
    await recordVolunteerEvent(trx, 'volunteer-deleted', orgId, userId, volunteer, origin, clock);
    return { ok: true };
  });
}
