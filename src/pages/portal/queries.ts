import type { Database } from '../../db/database.js';
import type { IntegrationStatus } from '../../db/schema.js';
import { baseUrlString } from '../../instance/instances.js';
import { findScope, type ServiceScope } from '../../oauth/scopes.js';
import { storedScopes } from '../../platform/integrations.js';

/** What the portal shows about one instance that integrates a developer's app. */
export interface AppIntegration {
  instanceName: string;
  /** The instance's primary base URL (its OAuth issuer), absolute. */
  baseUrl: string | null;
  status: Exclude<IntegrationStatus, 'removed'>;
  scopes: { name: ServiceScope; description: string }[];
  oboEnabled: boolean;
  since: string;
}

/** The instances where the app is integrated (removed integrations are history and not listed). */
export async function appIntegrations(database: Database, appId: number, publicUrl: URL): Promise<AppIntegration[]> {
  const rows = await database.db
    .selectFrom('integrations')
    .innerJoin('orgs', 'orgs.id', 'integrations.org_id')
    .select(['integrations.org_id', 'orgs.name', 'integrations.status', 'integrations.scopes', 'integrations.obo_enabled', 'integrations.created_at'])
    .where('integrations.app_id', '=', appId)
    .where('integrations.status', 'in', ['active', 'suspended'])
    .orderBy('orgs.name')
    .execute();
  if (rows.length === 0) return [];
  const urls = await database.db
    .selectFrom('org_base_urls')
    .select(['org_id', 'host', 'path_prefix', 'is_primary'])
    .where('org_id', 'in', rows.map((row) => row.org_id))
    .orderBy('is_primary', 'desc')
    .orderBy('id')
    .execute();
  return rows.flatMap((row) => {
    if (row.status === 'removed') return [];
    const url = urls.find((u) => u.org_id === row.org_id);
    return [{
      instanceName: row.name,
      baseUrl: url === undefined ? null : baseUrlString({ orgId: url.org_id, host: url.host, pathPrefix: url.path_prefix, isPrimary: url.is_primary === 1 }, publicUrl),
      status: row.status,
      scopes: storedScopes(row.scopes).map((name) => ({ name, description: findScope(name)?.description ?? '' })),
      oboEnabled: row.obo_enabled === 1,
      since: row.created_at,
    }];
  });
}

/** Names of the instances with these slugs, for showing which event customers an application named. */
export async function instanceNames(database: Database, slugs: readonly string[]): Promise<Map<string, string>> {
  if (slugs.length === 0) return new Map();
  const rows = await database.db.selectFrom('orgs').select(['slug', 'name']).where('slug', 'in', [...slugs]).execute();
  return new Map(rows.map((row) => [row.slug, row.name]));
}
