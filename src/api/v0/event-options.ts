/**
 * Event-defined options (the questions an event asks on its forms, with each person's answer)
 * and registration flags, as the v0 objects embed them (reference §5). Answers live in a row's
 * `option_values` JSON keyed by option definition id; the definitions and the flags of a whole
 * page are loaded with one query each, never one per row.
 */
import type { Kysely } from 'kysely';
import type { OptionType, Schema } from '../../db/schema.js';

export type OptionValue = number | string | string[];

/** The option types ConCat lists for registrations, volunteers and dealer applications. */
export type FormOptionType = 'select' | 'multi' | 'text' | 'number';

/** Wire shape of an option on registrations and volunteers: `optionSchema` in common-schemas.ts. */
export interface EventOption {
  name: string;
  type: FormOptionType;
  value: OptionValue;
}

/** Wire shape of an option on dealers and their applications: with its id; profiles add `phone` and `address`. */
export interface IdentifiedEventOption {
  id: string;
  name: string;
  type: OptionType;
  value: OptionValue;
}

/** Wire shape of a registration flag: `flagSchema` in common-schemas.ts. */
export interface Flag {
  id: string;
  shortName: string;
}

interface OptionDefinition {
  id: number;
  name: string;
  type: OptionType;
  sortOrder: number;
}

export type OptionDefinitions = ReadonlyMap<number, OptionDefinition>;

/** A row's answers by option definition id. Anything that is not a well-formed answer is left out. */
export function parseOptionValues(json: string): ReadonlyMap<number, OptionValue> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    return new Map();
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return new Map();
  const values = new Map<number, OptionValue>();
  for (const [key, value] of Object.entries(parsed)) {
    if (!/^[0-9]{1,15}$/.test(key)) continue;
    if ((typeof value === 'number' && Number.isFinite(value)) || typeof value === 'string') values.set(Number(key), value);
    else if (Array.isArray(value) && value.every((item) => typeof item === 'string')) values.set(Number(key), value.map(String));
  }
  return values;
}

/** The definitions of every option these rows answer, in one query. */
export async function loadOptionDefinitions(db: Kysely<Schema>, orgId: number, answers: Iterable<ReadonlyMap<number, OptionValue>>): Promise<OptionDefinitions> {
  const ids = new Set<number>();
  for (const values of answers) for (const id of values.keys()) ids.add(id);
  if (ids.size === 0) return new Map();
  const rows = await db
    .selectFrom('option_definitions')
    .select(['id', 'name', 'type', 'sort_order'])
    .where('org_id', '=', orgId)
    .where('id', 'in', [...ids])
    .execute();
  return new Map(rows.map((row) => [row.id, { id: row.id, name: row.name, type: row.type, sortOrder: row.sort_order }]));
}

/** The answered options in the event's order; answers to unknown questions are left out. */
function answered(values: ReadonlyMap<number, OptionValue>, definitions: OptionDefinitions): { definition: OptionDefinition; value: OptionValue }[] {
  const result: { definition: OptionDefinition; value: OptionValue }[] = [];
  for (const [id, value] of values) {
    const definition = definitions.get(id);
    if (definition !== undefined) result.push({ definition, value });
  }
  return result.sort((a, b) => a.definition.sortOrder - b.definition.sortOrder || a.definition.id - b.definition.id);
}

/**
 * Phone and address questions belong to dealer profiles; should a form of another kind hold
 * one, it is shown as text (an address as its lines), the closest type ConCat lists there.
 */
function asFormOption(type: OptionType, value: OptionValue): { type: FormOptionType; value: OptionValue } {
  if (type === 'phone' || type === 'address') return { type: 'text', value: Array.isArray(value) ? value.join('\n') : value };
  return { type, value };
}

/** Options of a registration or a volunteer: name, type, value. */
export function eventOptions(values: ReadonlyMap<number, OptionValue>, definitions: OptionDefinitions): EventOption[] {
  return answered(values, definitions).map(({ definition, value }) => ({ name: definition.name, ...asFormOption(definition.type, value) }));
}

/** Options of a dealer profile (`phone` and `address` allowed) or of a dealer application: with their ids. */
export function identifiedEventOptions(values: ReadonlyMap<number, OptionValue>, definitions: OptionDefinitions, form: 'profile' | 'application'): IdentifiedEventOption[] {
  return answered(values, definitions).map(({ definition, value }) => ({
    id: String(definition.id),
    name: definition.name,
    ...(form === 'profile' ? { type: definition.type, value } : asFormOption(definition.type, value)),
  }));
}

/** The flags of these registrations, by registration id, in one query. */
export async function loadRegistrationFlags(db: Kysely<Schema>, orgId: number, registrationIds: readonly number[]): Promise<ReadonlyMap<number, Flag[]>> {
  if (registrationIds.length === 0) return new Map();
  const rows = await db
    .selectFrom('registration_flags')
    .innerJoin('flags', (join) => join.onRef('flags.org_id', '=', 'registration_flags.org_id').onRef('flags.id', '=', 'registration_flags.flag_id'))
    .select(['registration_flags.registration_id', 'flags.id', 'flags.short_name'])
    .where('registration_flags.org_id', '=', orgId)
    .where('registration_flags.registration_id', 'in', [...new Set(registrationIds)])
    .orderBy('flags.id')
    .execute();
  const flags = new Map<number, Flag[]>();
  for (const row of rows) {
    const list = flags.get(row.registration_id) ?? [];
    list.push({ id: String(row.id), shortName: row.short_name });
    flags.set(row.registration_id, list);
  }
  return flags;
}
