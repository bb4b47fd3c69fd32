import type { InsertObject } from 'kysely';
import type { Schema, VolunteerDepartmentState } from '../db/schema.js';
import { insertAll } from './insert-all.js';
import { answerOptions } from './options.js';
import { currentConvention, iso, momentBetween, type InstanceSeeding } from './seed-context.js';

const ANYTHING_ELSE = [
  'Happy to take night shifts.',
  'I use a wheelchair, so seated posts please.',
  'Applying together with my partner; same department if possible.',
  'First time volunteering, excited to help!',
  'I can only work Friday and Saturday.',
] as const;
const OTHER_EXPERIENCE = [
  'Event staff at a music festival',
  'Five years in retail',
  'Stage manager for community theatre',
  'IT help desk',
  'Front desk at a hotel',
  'Lifeguard',
] as const;

export interface SeededVolunteers {
  count: number;
  /** Department id → the users assigned to it, in volunteer order. */
  assigned: ReadonlyMap<number, readonly number[]>;
}

/**
 * About 15% of attendees volunteer for the current convention: answers, contact methods (one
 * primary) and what they feel about each department, some with an assignment.
 */
export async function seedVolunteers(seeding: InstanceSeeding): Promise<SeededVolunteers> {
  const { random, orgId } = seeding;
  const convention = currentConvention(seeding);
  const departments = seeding.orgCatalog.departments;
  const year = new Date(convention.startMs).getUTCFullYear();
  const rows: InsertObject<Schema, 'volunteers'>[] = [];
  const contactsByUser = new Map<number, { name: string; value: string; isPrimary: boolean }[]>();
  const statesByUser = new Map<number, { departmentId: number; state: VolunteerDepartmentState }[]>();
  const assigned = new Map<number, number[]>();

  for (const { id: userId, person } of seeding.attendees) {
    if (!random.chance(0.15)) continue;
    const createdMs = momentBetween(seeding, Math.max(person.createdAtMs, convention.opensMs), seeding.anchorMs);
    rows.push({
      org_id: orgId,
      convention_id: convention.id,
      user_id: userId,
      option_values: answerOptions(random, convention.catalog.options.volunteer),
      available_before_con: random.chance(0.4) ? 1 : 0,
      anything_else: random.chance(0.25) ? random.pick(ANYTHING_ELSE) : null,
      previous_con_experience: random.chance(0.5)
        ? `${random.pick(departments).name} at ${seeding.definition.conventionName} ${year - random.int(1, 4)}`
        : null,
      previous_other_experience: random.chance(0.35) ? random.pick(OTHER_EXPERIENCE) : null,
      events_can_not_miss: random.chance(0.4) ? random.pick(seeding.definition.highlightEvents) : null,
      created_at: iso(createdMs),
      updated_at: iso(random.chance(0.5) ? createdMs : momentBetween(seeding, createdMs, seeding.anchorMs)),
    });

    const contacts = [{ name: 'email', value: person.email }];
    if (random.chance(0.6))
      contacts.push({ name: 'discord', value: person.socialLinks.discord ?? person.username.toLowerCase() });
    if (random.chance(0.2))
      contacts.push({ name: 'telegram', value: person.socialLinks.telegram ?? `@${person.username}` });
    if (person.phone !== null && random.chance(0.4)) contacts.push({ name: 'phone', value: person.phone });
    const primary = random.pick(contacts);
    contactsByUser.set(
      userId,
      contacts.map((c) => ({ ...c, isPrimary: c === primary })),
    );

    const states: { departmentId: number; state: VolunteerDepartmentState }[] = [];
    const wanted = random.sample(departments, random.int(1, 3));
    for (const department of wanted) {
      states.push({ departmentId: department.id, state: 'interest' });
      if (random.chance(0.4)) states.push({ departmentId: department.id, state: 'experience' });
      if (random.chance(0.2)) states.push({ departmentId: department.id, state: 'request' });
    }
    const avoided = random.chance(0.3) ? departments.find((d) => !wanted.includes(d)) : undefined;
    if (avoided !== undefined) states.push({ departmentId: avoided.id, state: 'avoid' });
    if (random.chance(0.4)) {
      const department = random.pick(wanted);
      states.push({ departmentId: department.id, state: 'assignment' });
      assigned.set(department.id, [...(assigned.get(department.id) ?? []), userId]);
    }
    statesByUser.set(userId, states);
  }
  await insertAll(seeding.db, 'volunteers', rows);

  const volunteers = await seeding.db
    .selectFrom('volunteers')
    .select(['id', 'user_id', 'created_at'])
    .where('org_id', '=', orgId)
    .where('convention_id', '=', convention.id)
    .orderBy('id')
    .execute();
  const contactRows: InsertObject<Schema, 'volunteer_contact_methods'>[] = [];
  const departmentRows: InsertObject<Schema, 'volunteer_departments'>[] = [];
  for (const volunteer of volunteers) {
    for (const contact of contactsByUser.get(volunteer.user_id) ?? []) {
      contactRows.push({
        org_id: orgId,
        volunteer_id: volunteer.id,
        name: contact.name,
        value: contact.value,
        is_primary: contact.isPrimary ? 1 : 0,
      });
    }
    for (const { departmentId, state } of statesByUser.get(volunteer.user_id) ?? []) {
      departmentRows.push({
        org_id: orgId,
        volunteer_id: volunteer.id,
        department_id: departmentId,
        state,
        created_at: volunteer.created_at,
      });
    }
  }
  await insertAll(seeding.db, 'volunteer_contact_methods', contactRows);
  await insertAll(seeding.db, 'volunteer_departments', departmentRows);
  return { count: rows.length, assigned };
}
