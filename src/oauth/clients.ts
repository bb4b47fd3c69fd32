/**
 * Apps as the authorization server of one instance sees them. An app is a client of an instance
 * only while it is approved (an organization's own app is approved at creation and belongs to
 * that organization only) and has an active integration there: with service permissions for the
 * client-credentials grant, with OBO enabled for user sign-in. Anything else is an unknown client.
 */
import { parseRowId } from '../db/row-id.js';
import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { ClientMetadata } from 'oidc-provider';
import type { Schema } from '../db/schema.js';
import { storedScopes } from '../platform/integrations.js';
import { parseRedirectUris } from '../platform/redirect-uris.js';
import type { ServiceScope } from './scopes.js';

export interface InstanceClient {
  appId: number;
  clientId: number;
  displayName: string;
  redirectUris: string[];
  requirePkce: boolean;
  /** The integration's current service permissions. */
  serviceScopes: ServiceScope[];
  oboEnabled: boolean;
}

/** A client_id as apps send it: decimal digits naming a safe integer, else null. */
export function parseClientId(value: string): number | null {
  return parseRowId(value);
}

/** The app behind `clientId` as a client of this instance, or undefined when it is not one. */
export async function findInstanceClient(db: Kysely<Schema>, orgId: number, clientId: number): Promise<InstanceClient | undefined> {
  const row = await db
    .selectFrom('apps')
    .innerJoin('integrations', (join) => join.onRef('integrations.app_id', '=', 'apps.id').on('integrations.org_id', '=', orgId))
    .select(['apps.id as appId', 'apps.client_id', 'apps.display_name', 'apps.redirect_uris', 'apps.require_pkce', 'apps.owner_org_id', 'integrations.scopes', 'integrations.obo_enabled'])
    .where('apps.client_id', '=', clientId)
    .where('apps.status', '=', 'approved')
    .where('integrations.status', '=', 'active')
    .executeTakeFirst();
  if (row === undefined || (row.owner_org_id !== null && row.owner_org_id !== orgId)) return undefined;
  const client: InstanceClient = {
    appId: row.appId,
    clientId: row.client_id,
    displayName: row.display_name,
    redirectUris: parseRedirectUris(row.redirect_uris),
    requirePkce: row.require_pkce === 1,
    serviceScopes: storedScopes(row.scopes),
    oboEnabled: row.obo_enabled === 1,
  };
  return client.serviceScopes.length > 0 || client.oboEnabled ? client : undefined;
}

/**
 * The provider's metadata for a client. Secrets are hashed in our database, so the provider
 * never compares `client_secret` itself (`compareClientSecret` is replaced, see provider.ts); the
 * value here only satisfies its metadata validation and is random per process.
 */
const PLACEHOLDER_SECRET = `unused-${randomBytes(24).toString('base64url')}`;

export function clientMetadata(client: InstanceClient): ClientMetadata {
  const signIn = client.oboEnabled && client.redirectUris.length > 0;
  // client_credentials is always listed, so an app without service permissions here reaches our
  // grant handler and gets RFC 6749's `unauthorized_client` (not the provider's invalid_request).
  const grantTypes = ['client_credentials', ...(signIn ? ['authorization_code', 'refresh_token'] : [])];
  return {
    client_id: String(client.clientId),
    client_secret: PLACEHOLDER_SECRET,
    client_name: client.displayName,
    // client_secret_post is how ConCat clients authenticate; Basic is accepted as well (the
    // provider treats the two as interchangeable for a secret-based client).
    token_endpoint_auth_method: 'client_secret_post',
    grant_types: grantTypes,
    response_types: signIn ? ['code'] : [],
    redirect_uris: signIn ? client.redirectUris : [],
    // RP-initiated logout may send the user back only to one of the app's redirect URIs (exact match).
    post_logout_redirect_uris: signIn ? client.redirectUris : [],
    id_token_signed_response_alg: 'ES256',
    concat_require_pkce: client.requirePkce,
  };
}
