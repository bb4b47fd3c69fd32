import type { Kysely } from 'kysely';
import type { OptionTarget, ProductKind, Schema } from '../db/schema.js';
import type { DemoInstanceDefinition, OptionSpec, ProductSpec } from './instances.js';
import { iso } from './seed-context.js';

export interface SeededProduct {
  id: number;
  spec: ProductSpec;
}

export interface SeededOption {
  id: number;
  spec: OptionSpec;
}

/** What one convention sells and asks. */
export interface ConventionCatalog {
  badgeLevels: readonly SeededProduct[];
  tableTypes: readonly SeededProduct[];
  addons: readonly SeededProduct[];
  badgeArtIds: readonly number[];
  dealerAreaIds: readonly number[];
  options: Readonly<Record<Exclude<OptionTarget, 'dealer'>, readonly SeededOption[]>>;
}

/** What the organization keeps across its conventions. */
export interface OrgCatalog {
  flags: readonly { id: number; share: number }[];
  departments: readonly { id: number; name: string }[];
  dealerProfileOptions: readonly SeededOption[];
}

export async function createOrgCatalog(
  db: Kysely<Schema>,
  orgId: number,
  definition: DemoInstanceDefinition,
  createdMs: number,
): Promise<OrgCatalog> {
  const createdAt = iso(createdMs);
  const flags = [];
  for (const flag of definition.flags) {
    const row = await db
      .insertInto('flags')
      .values({ org_id: orgId, short_name: flag.shortName, name: flag.name, created_at: createdAt })
      .returning('id')
      .executeTakeFirstOrThrow();
    flags.push({ id: row.id, share: flag.share });
  }
  const departments = [];
  for (const department of definition.departments) {
    const row = await db
      .insertInto('departments')
      .values({
        org_id: orgId,
        name: department.name,
        email: `${department.emailLocalPart}@${definition.orgDomain}`,
        publicly_visible: department.publiclyVisible ? 1 : 0,
        created_at: createdAt,
        updated_at: createdAt,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    departments.push({ id: row.id, name: department.name });
  }
  const dealerProfileOptions = await createOptions(db, orgId, null, 'dealer', definition.options.dealer, createdAt);
  return { flags, departments, dealerProfileOptions };
}

export async function createConventionCatalog(
  db: Kysely<Schema>,
  orgId: number,
  conventionId: number,
  definition: DemoInstanceDefinition,
  createdMs: number,
): Promise<ConventionCatalog> {
  const createdAt = iso(createdMs);
  const products = async (kind: ProductKind, specs: readonly ProductSpec[]): Promise<SeededProduct[]> => {
    const seeded = [];
    for (const [index, spec] of specs.entries()) {
      const row = await db
        .insertInto('products')
        .values({
          org_id: orgId,
          convention_id: conventionId,
          kind,
          name: spec.name,
          display_name: spec.displayName,
          price_cents: spec.priceCents,
          sort_order: index,
          created_at: createdAt,
          updated_at: createdAt,
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      seeded.push({ id: row.id, spec });
    }
    return seeded;
  };
  const badgeLevels = await products('registration', definition.badgeLevels);
  const tableTypes = await products('dealer_table', definition.tableTypes);
  const addons = await products('dealer_addon', definition.addons);

  const badgeArtIds = [];
  for (const name of definition.badgeArts) {
    const file = name.toLowerCase().replaceAll(' ', '-');
    const row = await db
      .insertInto('badge_arts')
      .values({
        org_id: orgId,
        convention_id: conventionId,
        name,
        image_url: `https://assets.${definition.orgDomain}/badge-art/${conventionId}/${file}.png`,
        created_at: createdAt,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    badgeArtIds.push(row.id);
  }

  const dealerAreaIds = [];
  for (const name of definition.dealerAreas) {
    const row = await db
      .insertInto('dealer_areas')
      .values({ org_id: orgId, convention_id: conventionId, name, created_at: createdAt })
      .returning('id')
      .executeTakeFirstOrThrow();
    dealerAreaIds.push(row.id);
  }

  const options = {
    registration: await createOptions(
      db,
      orgId,
      conventionId,
      'registration',
      definition.options.registration,
      createdAt,
    ),
    volunteer: await createOptions(db, orgId, conventionId, 'volunteer', definition.options.volunteer, createdAt),
    dealer_application: await createOptions(
      db,
      orgId,
      conventionId,
      'dealer_application',
      definition.options.dealer_application,
      createdAt,
    ),
  };
  return { badgeLevels, tableTypes, addons, badgeArtIds, dealerAreaIds, options };
}

async function createOptions(
  db: Kysely<Schema>,
  orgId: number,
  conventionId: number | null,
  target: OptionTarget,
  specs: readonly OptionSpec[],
  createdAt: string,
): Promise<SeededOption[]> {
  const seeded = [];
  for (const [index, spec] of specs.entries()) {
    const row = await db
      .insertInto('option_definitions')
      .values({
        org_id: orgId,
        convention_id: conventionId,
        target,
        name: spec.name,
        type: spec.type,
        choices: JSON.stringify(spec.choices ?? []),
        required: spec.required ? 1 : 0,
        min_value: spec.minValue ?? null,
        max_value: spec.maxValue ?? null,
        max_length: spec.maxLength ?? null,
        sort_order: index,
        created_at: createdAt,
        updated_at: createdAt,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    seeded.push({ id: row.id, spec });
  }
  return seeded;
}
