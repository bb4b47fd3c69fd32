import type { Kysely } from 'kysely';
import { recordAudit, type AuditEntry } from '../audit/audit-log.js';
import { isoTimestamp, type Clock } from '../clock.js';
import type { Schema } from '../db/schema.js';
import { eventUser } from '../events/event-user.js';
import { eventDepartment, eventVolunteer } from '../events/event-volunteer.js';
import { recordEvent } from '../events/record-event.js';
import { nextVersion } from './user-profile-changes.js';
import { currentConventionId } from './user-roles.js';

/**
 * Assigning a volunteer (a user's application for the current convention) to a department and
 * removing the assignment. Each runs in one transaction with its audit entry
 * (`volunteer.assigned`, `volunteer.unassigned`) and its event (`volunteer-assigned`,
 * `volunteer-unassigned`, payload {volunteer, user, department} as ConCat's §9), and touches the
 * application's `updated_at` so incremental readers (`updatedSince`) see it.
 *
 * Both are idempotent: assigning an assigned volunteer, or removing an assignment that does not
 * exist, changes nothing and records nothing (`changed: false`). They rely on the primary key
 * (volunteer, department, state), not on a prior read, so of two simultaneous identical changes
 * exactly one writes and records its event.
 */

/** Who made a change (the audit log's actor) and from where. */
export interface VolunteerAssignmentOrigin {
  actor: AuditEntry['actor'];
  ip: string | null;
}

export interface VolunteerAssignment {
  orgId: number;
  userId: number;
  departmentId: number;
}

export type VolunteerAssignmentRefusal = 'volunteer-not-found' | 'department-not-found';

export type VolunteerAssignmentResult = { ok: true; changed: boolean } | { ok: false; reason: VolunteerAssignmentRefusal };

type Resolved = { ok: true; volunteerId: number } | { ok: false; reason: VolunteerAssignmentRefusal };

async function resolve(trx: Kysely<Schema>, { orgId, userId, departmentId }: VolunteerAssignment): Promise<Resolved> {
  const conventionId = await currentConventionId(trx, orgId);
  const volunteer =
    conventionId === null
      ? undefined
      : await trx.selectFrom('volunteers').select('id').where('org_id', '=', orgId).where('convention_id', '=', conventionId).where('user_id', '=', userId).executeTakeFirst();
  if (volunteer === undefined) return { ok: false, reason: 'volunteer-not-found' };
  const department = await trx.selectFrom('departments').select('id').where('org_id', '=', orgId).where('id', '=', departmentId).executeTakeFirst();
  if (department === undefined) return { ok: false, reason: 'department-not-found' };
  return { ok: true, volunteerId: volunteer.id };
}

/** Touches the application, audits and records the event of one committed change. */
async function recordChange(trx: Kysely<Schema>, kind: 'assigned' | 'unassigned', assignment: VolunteerAssignment, volunteerId: number, origin: VolunteerAssignmentOrigin, clock: Clock): Promise<void> {
  const { orgId, userId, departmentId } = assignment;
  // The applicant's own edits are checked against updated_at: it must move forward, even within a millisecond.
  const { updated_at: current } = await trx.selectFrom('volunteers').select('updated_at').where('org_id', '=', orgId).where('id', '=', volunteerId).executeTakeFirstOrThrow();
  await trx.updateTable('volunteers').set({ updated_at: nextVersion(current, clock) }).where('org_id', '=', orgId).where('id', '=', volunteerId).execute();
  await recordAudit(trx, { orgId, actor: origin.actor, action: `volunteer.${kind}`, target: { type: 'user', id: String(userId) }, details: { volunteerId, departmentId }, ip: origin.ip }, clock);
  const volunteer = await eventVolunteer(trx, orgId, volunteerId);
  const user = await eventUser(trx, orgId, userId);
  const department = await eventDepartment(trx, orgId, departmentId);
  if (volunteer === undefined || user === undefined || department === undefined) throw new Error(`volunteer ${volunteerId} or department ${departmentId} vanished inside its own change`);
  await recordEvent(trx, { orgId, type: `volunteer-${kind}`, data: { volunteer, user, department }, actor: origin.actor, subject: { type: 'user', id: String(userId) } }, clock);
}

/** Assigns the user's volunteer application to a department (already assigned: `changed: false`). */
export async function assignVolunteer(db: Kysely<Schema>, assignment: VolunteerAssignment, origin: VolunteerAssignmentOrigin, clock: Clock): Promise<VolunteerAssignmentResult> {
  return db.transaction().execute(async (trx): Promise<VolunteerAssignmentResult> => {
    const resolved = await resolve(trx, assignment);
    if (!resolved.ok) return resolved;
    const inserted = await trx
      .insertInto('volunteer_departments')
      .values({ org_id: assignment.orgId, volunteer_id: resolved.volunteerId, department_id: assignment.departmentId, state: 'assignment', created_at: isoTimestamp(clock.now()) })
      .onConflict((oc) => oc.columns(['volunteer_id', 'department_id', 'state']).doNothing())
      .returning('volunteer_id')
      .executeTakeFirst();
    if (inserted === undefined) return { ok: true, changed: false };
    await recordChange(trx, 'assigned', assignment, resolved.volunteerId, origin, clock);
    return { ok: true, changed: true };
  });
}

/** Removes the assignment of the user's volunteer application to a department (not assigned: `changed: false`). */
export async function unassignVolunteer(db: Kysely<Schema>, assignment: VolunteerAssignment, origin: VolunteerAssignmentOrigin, clock: Clock): Promise<VolunteerAssignmentResult> {
  return db.transaction().execute(async (trx): Promise<VolunteerAssignmentResult> => {
    const resolved = await resolve(trx, assignment);
    if (!resolved.ok) return resolved;
    const deleted = await trx
      .deleteFrom('volunteer_departments')
      .where('org_id', '=', assignment.orgId)
      .where('volunteer_id', '=', resolved.volunteerId)
      .where('department_id', '=', assignment.departmentId)
      .where('state', '=', 'assignment')
      .returning('volunteer_id')
      .executeTakeFirst();
    if (deleted === undefined) return { ok: true, changed: false };
    await recordChange(trx, 'unassigned', assignment, resolved.volunteerId, origin, clock);
    return { ok: true, changed: true };
  });
}
