import type { Kysely } from 'kysely';
import type { RegistrationStatus, Schema } from '../../src/db/schema.js';

/**
 * Rows of an instance's event data for the write tests: a badge level, a registration, flags,
 * departments and volunteer applications, in the current convention unless told otherwise.
 */
const STAMP = '2026-05-01T09:00:00.000Z';

export async function addProduct(db: Kysely<Schema>, orgId: number, conventionId: number, name: string): Promise<number> {
  const row = await db
    .insertInto('products')
    .values({ org_id: orgId, convention_id: conventionId, kind: 'registration', name, display_name: null, price_cents: 6500, sort_order: 0, created_at: STAMP, updated_at: STAMP })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

export async function addRegistration(db: Kysely<Schema>, orgId: number, conventionId: number, userId: number, productId: number, fields: { badgeName?: string; status?: RegistrationStatus } = {}): Promise<number> {
  const row = await db
    .insertInto('registrations')
    .values({ org_id: orgId, convention_id: conventionId, user_id: userId, product_id: productId, badge_name: fields.badgeName ?? 'Kit', status: fields.status ?? 'unpaid', badge_art_id: null, option_values: '{}', created_at: STAMP, updated_at: STAMP })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

export async function addFlag(db: Kysely<Schema>, orgId: number, shortName: string): Promise<number> {
  const row = await db.insertInto('flags').values({ org_id: orgId, short_name: shortName, name: shortName, created_at: STAMP }).returning('id').executeTakeFirstOrThrow();
  return row.id;
}

export async function addDepartment(db: Kysely<Schema>, orgId: number, name: string): Promise<number> {
  const row = await db
    .insertInto('departments')
    .values({ org_id: orgId, name, email: `${name.toLowerCase().replace(/\W+/g, '-')}@example.org`, publicly_visible: 1, created_at: STAMP, updated_at: STAMP })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

/** A volunteer application with an email (primary) and a discord contact method. */
export async function addVolunteer(db: Kysely<Schema>, orgId: number, conventionId: number, userId: number): Promise<number> {
  const row = await db
    .insertInto('volunteers')
    .values({ org_id: orgId, convention_id: conventionId, user_id: userId, option_values: '{}', available_before_con: 1, anything_else: null, previous_con_experience: 'Ops 2024', previous_other_experience: null, events_can_not_miss: null, created_at: STAMP, updated_at: STAMP })
    .returning('id')
    .executeTakeFirstOrThrow();
  await db
    .insertInto('volunteer_contact_methods')
    .values([
      { org_id: orgId, volunteer_id: row.id, name: 'email', value: 'kit@example.org', is_primary: 1 },
      { org_id: orgId, volunteer_id: row.id, name: 'discord', value: 'kit#1', is_primary: 0 },
    ])
    .execute();
  return row.id;
}

/** The events recorded for an instance, oldest first, with their payloads parsed. */
export async function eventsOf(db: Kysely<Schema>, orgId: number, afterId = 0): Promise<{ id: number; type: string; actorType: string; actorId: string | null; subjectId: string; data: unknown }[]> {
  const rows = await db.selectFrom('events').select(['id', 'type', 'actor_type', 'actor_id', 'subject_id', 'data']).where('org_id', '=', orgId).where('id', '>', afterId).orderBy('id').execute();
  return rows.map((r) => ({ id: r.id, type: r.type, actorType: r.actor_type, actorId: r.actor_id, subjectId: r.subject_id, data: JSON.parse(r.data) as unknown }));
}

/** The id of the newest event of any instance (0 when none): count events recorded after it. */
export async function lastEventId(db: Kysely<Schema>): Promise<number> {
  const row = await db.selectFrom('events').select((eb) => eb.fn.max('id').as('id')).executeTakeFirst();
  return row?.id ?? 0;
}
