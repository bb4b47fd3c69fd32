import type { InsertObject } from 'kysely';
import type { DealerApplicationStatus, Schema } from '../db/schema.js';
import type { SeededProduct } from './catalog.js';
import { insertAll } from './insert-all.js';
import { BUSINESS_ADJECTIVES, BUSINESS_NOUNS, BUSINESS_SUFFIXES } from './names.js';
import { answerOptions } from './options.js';
import { ascii } from './people.js';
import { generateAddress, pickCity } from './places.js';
import { currentConvention, iso, momentBetween, requireId, type InstanceSeeding } from './seed-context.js';

const CURRENT_STATUSES: readonly (readonly [DealerApplicationStatus, number])[] = [
  ['pending', 35],
  ['approved', 40],
  ['waitlisted', 10],
  ['rejected', 10],
  ['cancelled', 5],
];
const PAST_STATUSES: readonly (readonly [DealerApplicationStatus, number])[] = [
  ['approved', 80],
  ['rejected', 10],
  ['cancelled', 10],
];
const SPECIAL_REQUESTS = [
  'Corner table if possible',
  'Near a power outlet, please',
  'Next to my friends at Moonlit Paws Studio',
  'Away from the speakers; I sell audio recordings',
  'I need space for a grid wall behind the table',
] as const;

interface PlannedApplication {
  userId: number;
  conventionId: number;
  row: Omit<InsertObject<Schema, 'dealer_applications'>, 'dealer_id'>;
  addons: readonly { product: SeededProduct; paid: boolean }[];
}

/**
 * About 5% of attendees keep a dealer profile, and apply for a table at the current convention
 * (and, for some, at past ones) in every state of review.
 */
export async function seedDealers(seeding: InstanceSeeding): Promise<number> {
  const { random, orgId } = seeding;
  const current = currentConvention(seeding);
  const dealerRows: InsertObject<Schema, 'dealers'>[] = [];
  const planned: PlannedApplication[] = [];

  for (const { id: userId, person } of seeding.attendees) {
    if (!random.chance(0.05)) continue;
    const owner = random.chance(0.25)
      ? `${person.preferredName ?? person.firstName}'s`
      : random.pick(BUSINESS_ADJECTIVES);
    const name = `${owner} ${random.pick(BUSINESS_NOUNS)} ${random.pick(BUSINESS_SUFFIXES)}`;
    const city = pickCity(random);
    const address = person.address ?? generateAddress(random, city);
    const createdMs = momentBetween(seeding, person.createdAtMs, seeding.anchorMs);
    dealerRows.push({
      org_id: orgId,
      user_id: userId,
      name,
      email: random.chance(0.7) ? `hello@${ascii(name).toLowerCase()}.example.com` : null,
      address_line1: address.line1,
      address_line2: address.line2,
      address_city: address.city,
      address_state: address.state,
      address_zipcode: address.zipcode,
      address_country: address.country,
      option_values: answerOptions(random, seeding.orgCatalog.dealerProfileOptions, {
        phone: person.phone ?? city.phone(random),
        address,
        texts: { 'Business Legal Name': `${name} LLC` },
      }),
      created_at: iso(createdMs),
      updated_at: iso(random.chance(0.5) ? createdMs : momentBetween(seeding, createdMs, seeding.anchorMs)),
    });

    for (const convention of seeding.conventions) {
      const isCurrent = convention === current;
      const closesMs = Math.min(seeding.anchorMs, convention.startMs);
      if (createdMs >= closesMs || !random.chance(isCurrent ? 0.9 : 0.4)) continue;
      const { catalog } = convention;
      const status = random.weighted(isCurrent ? CURRENT_STATUSES : PAST_STATUSES);
      const approved = status === 'approved';
      const tablePaid = approved && (!isCurrent || random.chance(0.75));
      const appliedMs = momentBetween(seeding, Math.max(createdMs, convention.opensMs), closesMs);
      planned.push({
        userId,
        conventionId: convention.id,
        row: {
          org_id: orgId,
          convention_id: convention.id,
          status,
          special_requests: random.chance(0.4) ? random.pick(SPECIAL_REQUESTS) : null,
          table_number: approved ? `${random.pick(['A', 'B', 'C', 'D'])}${random.int(1, 60)}` : null,
          table_type_product_id: random.weighted(catalog.tableTypes.map((p) => [p, p.spec.weight] as const)).id,
          table_type_paid: tablePaid ? 1 : 0,
          dealer_area_id: approved || random.chance(0.3) ? random.pick(catalog.dealerAreaIds) : null,
          option_values: answerOptions(random, catalog.options.dealer_application),
          created_at: iso(appliedMs),
          updated_at: iso(momentBetween(seeding, appliedMs, closesMs)),
        },
        addons: random
          .sample(catalog.addons, random.int(0, 2))
          .map((product) => ({ product, paid: tablePaid && random.chance(0.85) })),
      });
    }
  }
  await insertAll(seeding.db, 'dealers', dealerRows);

  const dealers = await seeding.db
    .selectFrom('dealers')
    .select(['id', 'user_id'])
    .where('org_id', '=', orgId)
    .execute();
  const dealerIdByUser = new Map(dealers.map((d) => [d.user_id, d.id]));
  await insertAll(
    seeding.db,
    'dealer_applications',
    planned.map((p) => ({ ...p.row, dealer_id: requireId(dealerIdByUser, p.userId) })),
  );

  const applications = await seeding.db
    .selectFrom('dealer_applications')
    .select(['id', 'convention_id', 'dealer_id'])
    .where('org_id', '=', orgId)
    .execute();
  const applicationIdByKey = new Map(applications.map((a) => [`${a.convention_id}:${a.dealer_id}`, a.id]));
  const requestRows: InsertObject<Schema, 'dealer_application_request_types'>[] = [];
  for (const application of planned) {
    const key = `${application.conventionId}:${requireId(dealerIdByUser, application.userId)}`;
    for (const { product, paid } of application.addons) {
      requestRows.push({
        org_id: orgId,
        application_id: requireId(applicationIdByKey, key),
        product_id: product.id,
        paid: paid ? 1 : 0,
      });
    }
  }
  await insertAll(seeding.db, 'dealer_application_request_types', requestRows);
  return dealerRows.length;
}
