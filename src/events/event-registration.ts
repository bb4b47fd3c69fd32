import type { Kysely } from 'kysely';
import type { RegistrationStatus, Schema } from '../db/schema.js';
import { eventUser, type EventUser } from './event-user.js';

/**
 * The registration as ConCat's `registration-updated` payload carries it (reference §9), plus
 * `status` and `flags`: what the changes a service or staff member can make are about, so a
 * subscriber need not call the API back to learn them.
 */
export interface EventRegistration {
  id: string;
  userId: string;
  /** The badge level (product) id. */
  attendanceTypeId: string;
  badgeArtId: number | null;
  badgeName: string;
  status: RegistrationStatus;
  flags: { id: string; shortName: string }[];
  createdAt: string;
  updatedAt: string;
}

/** The user of a `registration-updated` payload: the event user plus their social links. */
export interface EventRegistrationUser extends EventUser {
  socialLinks: Record<string, string>;
}

export interface RegistrationUpdatedData {
  registration: EventRegistration;
  user: EventRegistrationUser;
}

/** The stored social links (a JSON object of strings); anything else reads as none. */
function parseSocialLinks(text: string): Record<string, string> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return {};
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return {};
  const links: Record<string, string> = {};
  for (const [service, account] of Object.entries(parsed)) if (typeof account === 'string') links[service] = account;
  return links;
}

/**
 * The `registration-updated` payload of a registration, read with the change's transaction so it
 * is the state the change committed; undefined for no such registration here.
 */
export async function registrationUpdatedData(trx: Kysely<Schema>, orgId: number, registrationId: number): Promise<RegistrationUpdatedData | undefined> {
  const row = await trx
    .selectFrom('registrations')
    .select(['id', 'user_id', 'product_id', 'badge_art_id', 'badge_name', 'status', 'created_at', 'updated_at'])
    .where('org_id', '=', orgId)
    .where('id', '=', registrationId)
    .executeTakeFirst();
  if (row === undefined) return undefined;
  const user = await eventUser(trx, orgId, row.user_id);
  const links = await trx.selectFrom('users').select('social_links').where('org_id', '=', orgId).where('id', '=', row.user_id).executeTakeFirst();
  const flags = await trx
    .selectFrom('registration_flags')
    .innerJoin('flags', (join) => join.onRef('flags.org_id', '=', 'registration_flags.org_id').onRef('flags.id', '=', 'registration_flags.flag_id'))
    .select(['flags.id', 'flags.short_name'])
    .where('registration_flags.org_id', '=', orgId)
    .where('registration_flags.registration_id', '=', registrationId)
    .orderBy('flags.id')
    .execute();
  if (user === undefined || links === undefined) return undefined;
  return {
    registration: {
      id: String(row.id),
      userId: String(row.user_id),
      attendanceTypeId: String(row.product_id),
      badgeArtId: row.badge_art_id,
      badgeName: row.badge_name,
      status: row.status,
      flags: flags.map((flag) => ({ id: String(flag.id), shortName: flag.short_name })),
      createdAt: row.created_at,
      updatedAt: row.updated_at,
    },
    user: { ...user, socialLinks: parseSocialLinks(links.social_links) },
  };
}
