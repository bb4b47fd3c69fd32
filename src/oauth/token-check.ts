/**
 * The one token check of the API: given a bearer token and the instance, whether it is active,
 * for which app, for which user (on-behalf-of) or none (service), with which scopes. Two lookups by
 * unique keys: the token row (by the SHA-256 of its value, in this instance only), then the app
 * and its integration here, so a withdrawn permission, a removed or suspended integration
 * or an app no longer approved takes effect at the next request; so does a removed user, or a user
 * who lost the permission an administrative scope needs.
 */
import type { Kysely } from 'kysely';
import { isoTimestamp, type Clock } from '../clock.js';
import type { Schema } from '../db/schema.js';
import { storedScopes } from '../platform/integrations.js';
import { isUserGrantedScope } from './scopes.js';
import { parseClientId } from './clients.js';
import { hashRecordId } from './storage-adapter.js';
import { scopesUserLacks } from './user-scope-permissions.js';

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

/** The models of tokens the API takes, the most common first. */
const API_TOKEN_MODELS = ['ClientCredentials', 'AccessToken'] as const;

/**
 * The token's row, looked up by its primary key. One model per query on purpose: only a
 * single-table lookup naming every primary-key column by equality is sure to use the key. With
 * `model in (…)`, a join or `expires_at > now`, SQLite's planner chose a scan of the instance's
 * live tokens (the expiry index, or the whole table once its statistics had been taken while it
 * was small): 9 ms per request with 20,000 live tokens instead of 7 µs (docs/performance.md).
 */
export async function findTokenRecord(db: Kysely<Schema>, orgId: number, token: string) {
  const id = hashRecordId(token);
  for (const model of API_TOKEN_MODELS) {
    const row = await db
      .selectFrom('oauth_records')
      .select(['payload', 'expires_at', 'client_id', 'account_id', 'grant_id'])
      .where('org_id', '=', orgId)
      .where('model', '=', model)
      .where('id', '=', id)
      .executeTakeFirst();
    if (row !== undefined) return { model, ...row };
  }
  return undefined;
}

async function grantExists(db: Kysely<Schema>, orgId: number, grantId: string, now: Date): Promise<boolean> {
  const grant = await db
    .selectFrom('oauth_records')
    .select('expires_at')
    .where('org_id', '=', orgId)
    .where('model', '=', 'Grant')
    .where('id', '=', hashRecordId(grantId))
    .executeTakeFirst();
  return grant !== undefined && (grant.expires_at === null || grant.expires_at > isoTimestamp(now));
}

export async function checkAccessToken(db: Kysely<Schema>, orgId: number, token: string, clock: Clock): Promise<TokenCheck> {
  if (token === '' || token.length > MAX_TOKEN_LENGTH) return INACTIVE;
  const now = clock.now();
  const record = await findTokenRecord(db, orgId, token);
  if (record === undefined || record.expires_at === null || record.expires_at <= isoTimestamp(now)) return INACTIVE;
  const clientId = record.client_id === null ? null : parseClientId(record.client_id);
  if (clientId === null) return INACTIVE;
  const row = await db
    .selectFrom('apps')
    .innerJoin('integrations', (join) => join.onRef('integrations.app_id', '=', 'apps.id').on('integrations.org_id', '=', orgId))
    .select(['apps.id as appId', 'apps.client_id', 'apps.owner_org_id', 'integrations.scopes', 'integrations.obo_enabled'])
    .where('apps.client_id', '=', clientId)
    .where('apps.status', '=', 'approved')
    .where('integrations.status', '=', 'active')
    .executeTakeFirst();
  if (row === undefined || (row.owner_org_id !== null && row.owner_org_id !== orgId)) return INACTIVE;
  const payload = payloadOf(record.payload);
  if (payload === null || payload.exp === null || payload.exp * 1000 <= now.getTime()) return INACTIVE;
  const requested = payload.scope.split(' ').filter((s) => s !== '');
  if (record.model === 'ClientCredentials') {
    // A service token: only the permissions the integration still holds.
    const granted = storedScopes(row.scopes);
    return { active: true, clientId: row.client_id, appId: row.appId, userId: null, scopes: requested.filter((s) => granted.some((g) => g === s)), expiresAt: payload.exp };
  }
  // On behalf of a user: only while sign-in stays enabled for the app here and the user exists.
  const accountId = record.account_id !== null && /^\d{1,15}$/.test(record.account_id) ? Number(record.account_id) : null;
  if (row.obo_enabled !== 1 || accountId === null || payload.accountId !== String(accountId)) return INACTIVE;
  const user = await db.selectFrom('users').select('id').where('id', '=', accountId).where('org_id', '=', orgId).executeTakeFirst();
  if (user === undefined) return INACTIVE;
  // The grant must still exist: a token saved by a refresh racing the user's revocation dies with it.
  if (record.grant_id === null || !(await grantExists(db, orgId, record.grant_id, now))) return INACTIVE;
  const scopes = requested.filter(isUserGrantedScope);
  // Administrative scopes only while the user still holds their permission (a further query, only for them).
  const lacking = await scopesUserLacks(db, orgId, user.id, scopes);
  return { active: true, clientId: row.client_id, appId: row.appId, userId: user.id, scopes: scopes.filter((s) => !lacking.includes(s)), expiresAt: payload.exp };
}
