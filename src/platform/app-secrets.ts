import type { Kysely } from 'kysely';
import { isoTimestamp, type Clock } from '../clock.js';
import type { Schema } from '../db/schema.js';
import { CLIENT_SECRET_PREFIX, generateSecret, hashSecret } from '../security/secrets.js';

/** How long the previous secret keeps working after a rotation, unless ended early. */
export const SECRET_ROTATION_OVERLAP_MS = 24 * 3_600_000;

/**
 * Issues a new client secret for an app and returns it: the only time it exists in clear. Every
 * secret still valid without an end date is given one, `overlapMs` from now (0 ends them at once).
 */
export async function issueClientSecret(db: Kysely<Schema>, appId: number, clock: Clock, overlapMs = SECRET_ROTATION_OVERLAP_MS): Promise<string> {
  const now = clock.now();
  await db
    .updateTable('app_secrets')
    .set({ expires_at: isoTimestamp(new Date(now.getTime() + overlapMs)) })
    .where('app_id', '=', appId)
    .where('revoked_at', 'is', null)
    .where('expires_at', 'is', null)
    .execute();
  const secret = generateSecret(CLIENT_SECRET_PREFIX);
  await db
    .insertInto('app_secrets')
    .values({ app_id: appId, secret_hash: hashSecret(secret), hint: secret.slice(-4), created_at: isoTimestamp(now), expires_at: null, last_used_at: null, revoked_at: null })
    .execute();
  return secret;
}
