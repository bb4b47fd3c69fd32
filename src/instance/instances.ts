import type { Database } from '../db/database.js';

/** An instance: one event organization's tenant, reachable at one or more base URLs. */
export interface Instance {
  orgId: number;
  slug: string;
  name: string;
}

export interface InstanceBaseUrl {
  orgId: number;
  /** Lower-case host[:port], or '' for "the platform host". */
  host: string;
  /** '' or '/prefix' (no trailing slash). */
  pathPrefix: string;
  isPrimary: boolean;
}

export interface InstanceWithBaseUrls extends Instance {
  baseUrls: InstanceBaseUrl[];
}

export async function listInstances(database: Database): Promise<InstanceWithBaseUrls[]> {
  const orgs = await database.db.selectFrom('orgs').select(['id', 'slug', 'name']).orderBy('id').execute();
  const urls = await database.db
    .selectFrom('org_base_urls')
    .select(['org_id', 'host', 'path_prefix', 'is_primary'])
    .orderBy('org_id')
    .orderBy('id')
    .execute();
  return orgs.map((org) => ({
    orgId: org.id,
    slug: org.slug,
    name: org.name,
    baseUrls: urls
      .filter((u) => u.org_id === org.id)
      .map((u) => ({ orgId: u.org_id, host: u.host, pathPrefix: u.path_prefix, isPrimary: u.is_primary === 1 })),
  }));
}

/** The absolute base URL; a base URL on the platform host ('' host) follows the platform's public URL. */
export function baseUrlString(baseUrl: InstanceBaseUrl, publicUrl: URL): string {
  const origin = baseUrl.host === '' ? publicUrl.origin : `https://${baseUrl.host}`;
  return `${origin}${baseUrl.pathPrefix}`;
}

/** The base URL an instance is known by (its issuer): the primary one, else the first. */
export function primaryBaseUrl(instance: InstanceWithBaseUrls): InstanceBaseUrl | undefined {
  return instance.baseUrls.find((u) => u.isPrimary) ?? instance.baseUrls[0];
}
