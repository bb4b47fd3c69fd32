/**
 * The user summary embedded in registrations, volunteers, department leads and dealers
 * (reference §5), loaded for a whole page at once: one query per page, never one per row.
 */
import type { Kysely } from 'kysely';
import type { Schema } from '../../db/schema.js';

/** Wire shape: `userSummarySchema` in common-schemas.ts. */
export interface UserSummary {
  id: string;
  firstName: string;
  lastName: string;
  username: string;
  preferredName: string | null;
  /** E.164, or null when the user gave none. */
  phone: string | null;
  email: string;
}

/** The summaries of these users of the instance, by user id; ids of other instances are simply absent. */
export async function loadUserSummaries(db: Kysely<Schema>, orgId: number, userIds: Iterable<number>): Promise<ReadonlyMap<number, UserSummary>> {
  const ids = [...new Set(userIds)];
  if (ids.length === 0) return new Map();
  const rows = await db
    .selectFrom('users')
    .select(['id', 'first_name', 'last_name', 'username', 'preferred_name', 'phone', 'email'])
    .where('org_id', '=', orgId)
    .where('id', 'in', ids)
    .execute();
  return new Map(
    rows.map((row) => [
      row.id,
      {
        id: String(row.id),
        firstName: row.first_name,
        lastName: row.last_name,
        username: row.username,
        preferredName: row.preferred_name,
        phone: row.phone,
        email: row.email,
      },
    ]),
  );
}
