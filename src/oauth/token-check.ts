/**
 * The one token check of the API: given a bearer token and the instance, whether it is active,
 * for which app, for which user (on-behalf-of) or none (service), with which scopes. One indexed
 * query: the token row (looked up by the SHA-256 of its value, in this instance only) joined with
 * the app and its integration here, so a withdrawn permission, a removed or suspended integration
 * or an app no longer approved takes effect at the next request.
 */
import type { Kysely } from 'kysely';
import { isoTimestamp, type Clock } from '../clock.js';
import type { Schema } from '../db/schema.js';
import { storedScopes } from '../platform/integrations.js';
import { isUserGrantedScope } from './scopes.js';
import { hashRecordId } from './storage-adapter.js';

export type TokenCheck =
  | { active: false }
  | {
      active: true;
      /** The app's client_id. */
      clientId: number;
      appId: number;
      /** The user the token acts for, or null for a service token (client credentials). */
      userId: number | null;
      scopes: string[];
      /** Seconds since the epoch. */
      expiresAt: number;
    };

const INACTIVE: TokenCheck = { active: false };
/** Longer than any token we issue: not worth a query. */
const MAX_TOKEN_LENGTH = 512;

function payloadOf(text: string): { scope: string; accountId: string | null; exp: number | null } | null {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof value !== 'object' || value === null) return null;
  const scope: unknown = Reflect.get(value, 'scope');
  const accountId: unknown = Reflect.get(value, 'accountId');
  const exp: unknown = Reflect.get(value, 'exp');
  return {
    scope: typeof scope === 'string' ? scope : '',
    accountId: typeof accountId === 'string' ? accountId : null,
    exp: typeof exp === 'number' ? exp : null,
  };
}

export async function checkAccessToken(db: Kysely<Schema>, orgId: number, token: string, clock: Clock): Promise<TokenCheck> {
  if (token === '' || token.length > MAX_TOKEN_LENGTH) return INACTIVE;
  const now = clock.now();
  const row = await db
    .selectFrom('oauth_records')
    .innerJoin('apps', (join) => join.on((eb) => eb(eb.ref('apps.client_id'), '=', eb.cast<number>('oauth_records.client_id', 'integer'))))
    .innerJoin('integrations', (join) => join.onRef('integrations.app_id', '=', 'apps.id').onRef('integrations.org_id', '=', 'oauth_records.org_id'))
    .select(['oauth_records.model', 'oauth_records.payload', 'apps.id as appId', 'apps.client_id', 'apps.owner_org_id', 'integrations.scopes', 'integrations.obo_enabled'])
    .where('oauth_records.org_id', '=', orgId)
    .where('oauth_records.model', 'in', ['AccessToken', 'ClientCredentials'])
    .where('oauth_records.id', '=', hashRecordId(token))
    .where('oauth_records.expires_at', '>', isoTimestamp(now))
    .where('apps.status', '=', 'approved')
    .where('integrations.status', '=', 'active')
    .executeTakeFirst();
  if (row === undefined || (row.owner_org_id !== null && row.owner_org_id !== orgId)) return INACTIVE;
  const payload = payloadOf(row.payload);
  if (payload === null || payload.exp === null || payload.exp * 1000 <= now.getTime()) return INACTIVE;
  const requested = payload.scope.split(' ').filter((s) => s !== '');
  if (row.model === 'ClientCredentials') {
    // A service token: only the permissions the integration still holds.
    const granted = storedScopes(row.scopes);
    return { active: true, clientId: row.client_id, appId: row.appId, userId: null, scopes: requested.filter((s) => granted.some((g) => g === s)), expiresAt: payload.exp };
  }
  // On behalf of a user: only while sign-in stays enabled for the app here.
  const userId = payload.accountId !== null && /^\d{1,15}$/.test(payload.accountId) ? Number(payload.accountId) : null;
  if (row.obo_enabled !== 1 || userId === null) return INACTIVE;
  return { active: true, clientId: row.client_id, appId: row.appId, userId, scopes: requested.filter(isUserGrantedScope), expiresAt: payload.exp };
}
