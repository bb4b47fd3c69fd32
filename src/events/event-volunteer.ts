import type { Kysely } from 'kysely';
import type { Schema } from '../db/schema.js';

/** The volunteer application as ConCat's volunteer webhook payloads carry it (reference §9). */
export interface EventVolunteer {
  id: string;
  /** The name of the preferred contact method, e.g. 'email'; null when none is marked. */
  contactMethod: string | null;
  /** Contact method name → address or handle. */
  contactMethods: Record<string, string>;
  availableBeforeCon: boolean;
  anythingElse: string | null;
  previousConExperience: string | null;
  previousOtherExperience: string | null;
  eventsCanNotMiss: string | null;
  createdAt: string;
  updatedAt: string;
}

/** The department of `volunteer-assigned` / `volunteer-unassigned` (reference §9). */
export interface EventDepartment {
  id: string;
  name: string;
  email: string;
  publiclyVisible: boolean;
  createdAt: string;
  updatedAt: string;
}

/**
 * A volunteer application as an event describes it, read with the change's transaction so the
 * payload is the state the change committed; undefined for no such application here.
 */
export async function eventVolunteer(trx: Kysely<Schema>, orgId: number, volunteerId: number): Promise<EventVolunteer | undefined> {
  const row = await trx
    .selectFrom('volunteers')
    .select(['id', 'available_before_con', 'anything_else', 'previous_con_experience', 'previous_other_experience', 'events_can_not_miss', 'created_at', 'updated_at'])
    .where('org_id', '=', orgId)
    .where('id', '=', volunteerId)
    .executeTakeFirst();
  if (row === undefined) return undefined;
  const methods = await trx
    .selectFrom('volunteer_contact_methods')
    .select(['name', 'value', 'is_primary'])
    .where('org_id', '=', orgId)
    .where('volunteer_id', '=', volunteerId)
    .orderBy('name')
    .execute();
  return {
    id: String(row.id),
    contactMethod: methods.find((method) => method.is_primary === 1)?.name ?? null,
    contactMethods: Object.fromEntries(methods.map((method) => [method.name, method.value])),
    availableBeforeCon: row.available_before_con === 1,
    anythingElse: row.anything_else,
    previousConExperience: row.previous_con_experience,
    previousOtherExperience: row.previous_other_experience,
    eventsCanNotMiss: row.events_can_not_miss,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/** A department of this instance as an event describes it; undefined for no such department here. */
export async function eventDepartment(trx: Kysely<Schema>, orgId: number, departmentId: number): Promise<EventDepartment | undefined> {
  const row = await trx
    .selectFrom('departments')
    .select(['id', 'name', 'email', 'publicly_visible', 'created_at', 'updated_at'])
    .where('org_id', '=', orgId)
    .where('id', '=', departmentId)
    .executeTakeFirst();
  if (row === undefined) return undefined;
  return { id: String(row.id), name: row.name, email: row.email, publiclyVisible: row.publicly_visible === 1, createdAt: row.created_at, updatedAt: row.updated_at };
}
