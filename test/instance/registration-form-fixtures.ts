import type { Kysely } from 'kysely';
import type { OptionType, Schema } from '../../src/db/schema.js';
import { addProduct } from './event-data-fixtures.js';

const STAMP = '2026-05-01T09:00:00.000Z';

export interface OptionFixture {
  name: string;
  type: OptionType;
  required?: boolean;
  choices?: string[];
  minValue?: number;
  maxValue?: number;
  maxLength?: number;
}

/** A registration option of a convention. */
export async function addRegistrationOption(db: Kysely<Schema>, orgId: number, conventionId: number, spec: OptionFixture, sortOrder = 0): Promise<number> {
  const row = await db
    .insertInto('option_definitions')
    .values({
      org_id: orgId,
      convention_id: conventionId,
      target: 'registration',
      name: spec.name,
      type: spec.type,
      choices: JSON.stringify(spec.choices ?? []),
      required: spec.required === true ? 1 : 0,
      min_value: spec.minValue ?? null,
      max_value: spec.maxValue ?? null,
      max_length: spec.maxLength ?? null,
      sort_order: sortOrder,
      created_at: STAMP,
      updated_at: STAMP,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

export interface RegistrationFormFixture {
  levels: { attendee: number; sponsor: number };
  options: { shirt: number; diet: number; species: number; nights: number };
}

/** Two badge levels and one option of each answerable type, as a convention's registration form. */
export async function addRegistrationForm(db: Kysely<Schema>, orgId: number, conventionId: number): Promise<RegistrationFormFixture> {
  const levels = { attendee: await addProduct(db, orgId, conventionId, 'attendee'), sponsor: await addProduct(db, orgId, conventionId, 'sponsor') };
  const options = {
    shirt: await addRegistrationOption(db, orgId, conventionId, { name: 'Shirt Size', type: 'select', required: true, choices: ['S', 'M', 'L'] }, 0),
    diet: await addRegistrationOption(db, orgId, conventionId, { name: 'Dietary Needs', type: 'multi', choices: ['Vegan', 'Halal', 'Nut allergy'] }, 1),
    species: await addRegistrationOption(db, orgId, conventionId, { name: 'Species', type: 'text', maxLength: 10 }, 2),
    nights: await addRegistrationOption(db, orgId, conventionId, { name: 'Hotel Nights', type: 'number', minValue: 0, maxValue: 5 }, 3),
  };
  return { levels, options };
}
