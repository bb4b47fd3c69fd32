import type { Generated } from 'kysely';

/**
 * The tables as Kysely sees them. Timestamps are ISO-8601 UTC text; booleans are 0/1 integers;
 * JSON columns are text. Keep in step with migrations/.
 */
export interface Schema {
  orgs: OrgsTable;
  org_base_urls: OrgBaseUrlsTable;
}

export interface OrgsTable {
  id: Generated<number>;
  slug: string;
  name: string;
  created_at: string;
}

export interface OrgBaseUrlsTable {
  id: Generated<number>;
  org_id: number;
  /** Lower-case host[:port], or '' for the platform host. */
  host: string;
  /** '' or a prefix such as '/o/demo' (leading slash, no trailing slash). */
  path_prefix: string;
  is_primary: number;
}
