import type { InsertObject } from 'kysely';
import type { RegistrationStatus, Schema } from '../db/schema.js';
import { insertAll } from './insert-all.js';
import { answerOptions } from './options.js';
import { DAY_MS, currentConvention, iso, momentBetween, type InstanceSeeding } from './seed-context.js';

const CURRENT_STATUSES: readonly (readonly [RegistrationStatus, number])[] = [
  ['paid', 72],
  ['unpaid', 16],
  ['cancelled', 7],
  ['refunded', 5],
];
const PAST_STATUSES: readonly (readonly [RegistrationStatus, number])[] = [
  ['paid', 90],
  ['refunded', 6],
  ['cancelled', 4],
];

/** Sponsor-level badges come with a choice of badge art; most others keep the default. */
const SPONSOR_PRICE_CENTS = 15_000;

/**
 * About 70% of attendees registered for the current convention, and about a third of those who
 * were around then for each past one; with badge levels, answers and flags.
 */
export async function seedRegistrations(seeding: InstanceSeeding): Promise<number> {
  const { random, orgId } = seeding;
  const current = currentConvention(seeding);
  const rows: InsertObject<Schema, 'registrations'>[] = [];
  const flagsByRegistration = new Map<string, number[]>();

  for (const convention of seeding.conventions) {
    const isCurrent = convention === current;
    const closesMs = Math.min(seeding.anchorMs, convention.startMs);
    for (const { id: userId, person } of seeding.attendees) {
      if (person.createdAtMs >= closesMs || !random.chance(isCurrent ? 0.7 : 0.35)) continue;
      const badgeLevel = random.weighted(convention.catalog.badgeLevels.map((p) => [p, p.spec.weight] as const));
      const createdMs = momentBetween(seeding, Math.max(person.createdAtMs, convention.opensMs), closesMs);
      const updatedMs = random.chance(0.4) ? createdMs : momentBetween(seeding, createdMs, closesMs + 7 * DAY_MS);
      const artChance = badgeLevel.spec.priceCents >= SPONSOR_PRICE_CENTS ? 0.6 : 0.15;
      rows.push({
        org_id: orgId,
        convention_id: convention.id,
        user_id: userId,
        product_id: badgeLevel.id,
        badge_name: person.preferredName ?? (random.chance(0.5) ? person.firstName : person.username),
        status: random.weighted(isCurrent ? CURRENT_STATUSES : PAST_STATUSES),
        badge_art_id: random.chance(artChance) ? random.pick(convention.catalog.badgeArtIds) : null,
        option_values: answerOptions(random, convention.catalog.options.registration),
        created_at: iso(createdMs),
        updated_at: iso(Math.min(updatedMs, seeding.anchorMs - 1)),
      });
      const flags = seeding.orgCatalog.flags.filter((flag) => random.chance(flag.share)).map((flag) => flag.id);
      if (flags.length > 0) flagsByRegistration.set(`${convention.id}:${userId}`, flags);
    }
  }
  await insertAll(seeding.db, 'registrations', rows);

  const registrations = await seeding.db
    .selectFrom('registrations')
    .select(['id', 'convention_id', 'user_id'])
    .where('org_id', '=', orgId)
    .orderBy('id')
    .execute();
  const flagRows: InsertObject<Schema, 'registration_flags'>[] = [];
  for (const registration of registrations) {
    for (const flagId of flagsByRegistration.get(`${registration.convention_id}:${registration.user_id}`) ?? []) {
      flagRows.push({ org_id: orgId, registration_id: registration.id, flag_id: flagId });
    }
  }
  await insertAll(seeding.db, 'registration_flags', flagRows);
  return rows.length;
}
