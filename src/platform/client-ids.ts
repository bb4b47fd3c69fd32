import { randomInt } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Schema } from '../db/schema.js';

/**
 * A new numeric API ID (the OAuth client_id). Random rather than sequential, so IDs reveal
 * neither how many apps exist nor which came when; 7 digits, as short as ConCat's examples allow.
 */
export async function allocateClientId(db: Kysely<Schema>): Promise<number> {
  for (;;) {
    const candidate = randomInt(1_000_000, 10_000_000);
    const taken = await db.selectFrom('apps').select('id').where('client_id', '=', candidate).executeTakeFirst();
    if (taken === undefined) return candidate;
  }
}
