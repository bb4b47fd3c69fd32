import type { Kysely } from 'kysely';

/**
 * The authorization server's storage (issue 4): what oidc-provider persists through its adapter
 * (tokens, codes, grants, sessions, interactions), and each instance's signing key.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('oauth_records')
    .addColumn('org_id', 'integer', (col) => col.notNull().references('orgs.id').onDelete('cascade'))
    // The provider's model name: AccessToken, ClientCredentials, RefreshToken, Grant, Session…
    .addColumn('model', 'text', (col) => col.notNull())
    // SHA-256 hex of the provider's id: a bearer token's value is its id, so a dump holds no usable token.
    .addColumn('id', 'text', (col) => col.notNull())
    .addColumn('payload', 'text', (col) => col.notNull())
    .addColumn('grant_id', 'text')
    .addColumn('uid', 'text')
    .addColumn('user_code', 'text')
    .addColumn('client_id', 'text')
    .addColumn('account_id', 'text')
    .addColumn('expires_at', 'text')
    .addColumn('consumed_at', 'text')
    .addColumn('created_at', 'text', (col) => col.notNull())
    .addPrimaryKeyConstraint('oauth_records_pk', ['org_id', 'model', 'id'])
    .execute();
  await db.schema.createIndex('oauth_records_grant_idx').on('oauth_records').columns(['org_id', 'grant_id']).execute();
  await db.schema.createIndex('oauth_records_uid_idx').on('oauth_records').columns(['org_id', 'model', 'uid']).execute();
  await db.schema.createIndex('oauth_records_user_code_idx').on('oauth_records').columns(['org_id', 'model', 'user_code']).execute();
  await db.schema.createIndex('oauth_records_account_idx').on('oauth_records').columns(['org_id', 'account_id']).execute();
  await db.schema.createIndex('oauth_records_expiry_idx').on('oauth_records').columns(['org_id', 'expires_at']).execute();

  await db.schema
    .createTable('oauth_signing_keys')
    .addColumn('org_id', 'integer', (col) => col.notNull().references('orgs.id').onDelete('cascade'))
    .addColumn('kid', 'text', (col) => col.notNull())
    .addColumn('alg', 'text', (col) => col.notNull())
    // The public JWK (JSON), published at the instance's JWKS endpoint.
    .addColumn('public_jwk', 'text', (col) => col.notNull())
    // The private JWK, encrypted (AES-256-GCM) with the key file in the data directory.
    .addColumn('private_jwk_encrypted', 'text', (col) => col.notNull())
    .addColumn('created_at', 'text', (col) => col.notNull())
    .addColumn('retired_at', 'text')
    .addPrimaryKeyConstraint('oauth_signing_keys_pk', ['org_id', 'kid'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('oauth_signing_keys').execute();
  await db.schema.dropTable('oauth_records').execute();
}
