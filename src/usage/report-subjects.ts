import type { Kysely } from 'kysely';
import type { Schema } from '../db/schema.js';

/**
 * Who a usage page lists even before any usage: the instances integrating an app (its
 * developer's view), the apps integrated in an instance (its org admins' view), the approved
 * apps (the operators' view). Removed integrations are history: listed only if they had usage.
 */

export async function integratedOrgIds(db: Kysely<Schema>, appId: number): Promise<number[]> {
  const rows = await db.selectFrom('integrations').select('org_id').where('app_id', '=', appId).where('status', '!=', 'removed').execute();
  return rows.map((row) => row.org_id);
}

export async function integratedAppIds(db: Kysely<Schema>, orgId: number): Promise<number[]> {
  const rows = await db.selectFrom('integrations').select('app_id').where('org_id', '=', orgId).where('status', '!=', 'removed').execute();
  return rows.map((row) => row.app_id);
}

export async function approvedAppIds(db: Kysely<Schema>): Promise<number[]> {
  const rows = await db.selectFrom('apps').select('id').where('status', '=', 'approved').execute();
  return rows.map((row) => row.id);
}

/** The instance with this slug, to narrow a developer's usage page to it. */
export async function instanceBySlug(db: Kysely<Schema>, slug: string): Promise<{ id: number; name: string; slug: string } | undefined> {
  return db.selectFrom('orgs').select(['id', 'name', 'slug']).where('slug', '=', slug).executeTakeFirst();
}
