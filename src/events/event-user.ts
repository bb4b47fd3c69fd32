import type { Kysely } from 'kysely';
import type { Schema } from '../db/schema.js';

/** The user as ConCat's webhook payloads carry it (reference §9 `user`). */
export interface EventUser {
  id: string;
  username: string;
  firstName: string;
  preferredName: string | null;
  lastName: string;
  email: string;
  verified: boolean;
  createdAt: string;
  updatedAt: string;
}

/**
 * The user of this instance as an event describes them, read with the change's transaction so the
 * payload is the state the change committed; undefined for no such user here.
 */
export async function eventUser(trx: Kysely<Schema>, orgId: number, userId: number): Promise<EventUser | undefined> {
  const row = await trx
    .selectFrom('users')
    .select(['id', 'username', 'first_name', 'preferred_name', 'last_name', 'email', 'email_verified', 'created_at', 'updated_at'])
    .where('org_id', '=', orgId)
    .where('id', '=', userId)
    .executeTakeFirst();
  if (row === undefined) return undefined;
  return {
    id: String(row.id),
    username: row.username,
    firstName: row.first_name,
    preferredName: row.preferred_name,
    lastName: row.last_name,
    email: row.email,
    verified: row.email_verified === 1,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}
