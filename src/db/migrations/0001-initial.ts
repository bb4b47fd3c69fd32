import type { Kysely } from 'kysely';
import { autoId } from './column-types.js';

/** The whole first data model: tenancy, instance data, and the platform side. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('orgs')
    .addColumn('id', 'integer', autoId(db))
    .addColumn('slug', 'text', (col) => col.notNull().unique())
    .addColumn('name', 'text', (col) => col.notNull())
    .addColumn('created_at', 'text', (col) => col.notNull())
    .execute();

  // A base URL of an instance: a hostname, or a path prefix on a shared host.
  // host '' means "the platform host, whatever its public URL is" (see docs/decisions.md).
  await db.schema
    .createTable('org_base_urls')
    .addColumn('id', 'integer', autoId(db))
    .addColumn('org_id', 'integer', (col) => col.notNull().references('orgs.id').onDelete('cascade'))
    .addColumn('host', 'text', (col) => col.notNull())
    .addColumn('path_prefix', 'text', (col) => col.notNull())
    .addColumn('is_primary', 'integer', (col) => col.notNull().defaultTo(0))
    .addUniqueConstraint('org_base_urls_host_path_unique', ['host', 'path_prefix'])
    .execute();
  await db.schema.createIndex('org_base_urls_org_idx').on('org_base_urls').column('org_id').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('org_base_urls').execute();
  await db.schema.dropTable('orgs').execute();
}
