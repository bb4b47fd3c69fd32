import type { Kysely } from 'kysely';
import { autoId } from './column-types.js';

/**
 * Pending email address changes (src/instance/user-email-change.ts): the new address waits here,
 * with the hash of the token emailed to it, until the user opens the link. A user has at most one
 * pending change; asking again replaces it, so only the latest link works.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('email_verifications')
    .addColumn('id', 'integer', autoId(db))
    .addColumn('org_id', 'integer', (col) => col.notNull())
    .addColumn('user_id', 'integer', (col) => col.notNull())
    .addColumn('new_email', 'text', (col) => col.notNull())
    // SHA-256 hex of the emailed token, which is never stored.
    .addColumn('token_hash', 'text', (col) => col.notNull().unique())
    .addColumn('created_at', 'text', (col) => col.notNull())
    .addColumn('expires_at', 'text', (col) => col.notNull())
    .addColumn('used_at', 'text')
    .addForeignKeyConstraint('email_verifications_user_fk', ['org_id', 'user_id'], 'users', ['org_id', 'id'], (fk) => fk.onDelete('cascade'))
    .execute();
  await db.schema.createIndex('email_verifications_user_idx').on('email_verifications').columns(['org_id', 'user_id']).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('email_verifications').execute();
}
