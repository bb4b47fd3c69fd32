/**
 * A user's connected apps in one instance: the apps they authorized on the consent page, read
 * from the provider's `Grant` records, and revocation of all of an app's access at once.
 *
 * One entry per app, not per grant: the provider makes a new grant when the same user authorizes
 * the same app from another browser (grants follow the provider's browser session), and a user
 * thinks of "what X may do", so the entry shows the union of its grants' scopes and revoking ends
 * every one of them.
 *
 * "Last used" is the last time the app obtained a token for the user: the code exchange at
 * sign-in or a refresh. Access tokens live `accessTokenTtl` (an hour by default), so an app still
 * calling the API on the user's behalf refreshes at least that often; the time is exact to within
 * one token lifetime, and needs no write on the API's hot path.
 */
import type { Kysely } from 'kysely';
import { recordAudit } from '../audit/audit-log.js';
import { isoTimestamp, type Clock } from '../clock.js';
import type { Schema } from '../db/schema.js';
import { OBO_SCOPES, OIDC_SCOPES, findScope } from './scopes.js';
import { InstanceAdapter } from './storage-adapter.js';

/** The audit action of a revocation by the user on the connected-apps page. */
export const GRANT_REVOKED_BY_USER = 'oauth.grant-revoked-by-user';

/** A granted scope as the user reads it: plain words, administrative ones marked. */
export interface GrantedScope {
  name: string;
  description: string;
  administrative: boolean;
}

export interface ConnectedApp {
  clientId: number;
  name: string;
  description: string;
  /** The developer and company of a developer's app; null for the organization's own apps. */
  developer: string | null;
  company: string | null;
  /** An app the organization running this instance made for itself (Housekeeping). */
  ownedByInstance: boolean;
  scopes: GrantedScope[];
  /** When the user first authorized the app (its oldest live grant). */
  grantedAt: string;
  /** When the app last obtained a token for the user; null if it never redeemed its code. */
  lastUsedAt: string | null;
}

export interface UserInInstance {
  orgId: number;
  userId: number;
}

/** Sign-in scopes first, then the on-behalf-of ones, in the catalog's order; unknown names last. */
const SCOPE_ORDER: readonly string[] = [...OIDC_SCOPES, ...OBO_SCOPES].map((s) => s.name);

function scopeRank(name: string): number {
  const at = SCOPE_ORDER.indexOf(name);
  return at === -1 ? SCOPE_ORDER.length : at;
}

function describeScopes(names: ReadonlySet<string>): GrantedScope[] {
  return [...names]
    .sort((a, b) => scopeRank(a) - scopeRank(b) || a.localeCompare(b))
    .map((name) => {
      const known = findScope(name);
      return { name, description: known?.description ?? name, administrative: known?.administrative ?? false };
    });
}

/** The grant's id and OpenID scopes from the provider's stored payload; undefined if it is not one. */
function readGrant(payload: string): { grantId: string; scopes: string[] } | undefined {
  let value: unknown;
  try {
    value = JSON.parse(payload);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const grantId: unknown = Reflect.get(value, 'jti');
  if (typeof grantId !== 'string' || grantId === '') return undefined;
  const openid: unknown = Reflect.get(value, 'openid');
  const scope: unknown = typeof openid === 'object' && openid !== null ? Reflect.get(openid, 'scope') : undefined;
  return { grantId, scopes: typeof scope === 'string' ? scope.split(' ').filter((s) => s !== '') : [] };
}

/** The apps the user has authorized in this instance (live grants only), by name. */
export async function listConnectedApps(db: Kysely<Schema>, user: UserInInstance, clock: Clock): Promise<ConnectedApp[]> {
  const now = isoTimestamp(clock.now());
  const rows = await db
    .selectFrom('oauth_records as grant_record')
    .leftJoin('apps', (join) => join.on((eb) => eb(eb.ref('apps.client_id'), '=', eb.cast<number>('grant_record.client_id', 'integer'))))
    .leftJoin('developers', 'developers.id', 'apps.developer_id')
    .select([
      'grant_record.client_id',
      'grant_record.payload',
      'grant_record.created_at',
      'apps.display_name',
      'apps.description',
      'apps.owner_org_id',
      'developers.name as developer',
      'developers.company_name as company',
    ])
    .where('grant_record.org_id', '=', user.orgId)
    .where('grant_record.model', '=', 'Grant')
    .where('grant_record.account_id', '=', String(user.userId))
    .where((eb) => eb.or([eb('grant_record.expires_at', 'is', null), eb('grant_record.expires_at', '>', now)]))
    .execute();

  const byClient = new Map<string, { row: (typeof rows)[number]; grantIds: string[]; scopes: Set<string>; grantedAt: string }>();
  for (const row of rows) {
    const grant = readGrant(row.payload);
    if (grant === undefined || row.client_id === null) continue;
    const entry = byClient.get(row.client_id) ?? { row, grantIds: [], scopes: new Set<string>(), grantedAt: row.created_at };
    entry.grantIds.push(grant.grantId);
    for (const scope of grant.scopes) entry.scopes.add(scope);
    if (row.created_at < entry.grantedAt) entry.grantedAt = row.created_at;
    byClient.set(row.client_id, entry);
  }

  const grantIds = [...byClient.values()].flatMap((entry) => entry.grantIds);
  const lastIssued = new Map<string, string>();
  if (grantIds.length > 0) {
    const issued = await db
      .selectFrom('oauth_records')
      .select((eb) => ['grant_id', eb.fn.max('created_at').as('last')])
      .where('org_id', '=', user.orgId)
      .where('model', 'in', ['AccessToken', 'RefreshToken'])
      .where('grant_id', 'in', grantIds)
      .groupBy('grant_id')
      .execute();
    for (const { grant_id: grantId, last } of issued) if (grantId !== null) lastIssued.set(grantId, last);
  }

  const apps = [...byClient.entries()].map(([clientId, { row, grantIds: ids, scopes, grantedAt }]): ConnectedApp => {
    const used = ids.map((id) => lastIssued.get(id)).filter((at): at is string => at !== undefined).sort();
    return {
      clientId: Number(clientId),
      name: row.display_name ?? `App ${clientId}`,
      description: row.description ?? '',
      developer: row.developer,
      company: row.company,
      ownedByInstance: row.owner_org_id === user.orgId,
      scopes: describeScopes(scopes),
      grantedAt,
      lastUsedAt: used.at(-1) ?? null,
    };
  });
  return apps.sort((a, b) => a.name.localeCompare(b.name) || a.clientId - b.clientId);
}

export interface RevokeConnectedApp extends UserInInstance {
  clientId: number;
  ip: string | null;
}

/**
 * Ends everything the user gave the app in this instance, in one transaction: its grants (so the
 * next authorization asks for consent again) and every token and code issued under them (the
 * adapter's revokeByGrantId), with an audit entry. False when the user has no grant for that app
 * here (another user's app, another instance's, or already revoked): nothing is written.
 */
export async function revokeConnectedApp(db: Kysely<Schema>, input: RevokeConnectedApp, clock: Clock): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    // Deleting first, with RETURNING, makes two simultaneous revocations count once: the second
    // finds the rows gone and reports nothing to revoke.
    const removed = await trx
      .deleteFrom('oauth_records')
      .where('org_id', '=', input.orgId)
      .where('model', '=', 'Grant')
      .where('account_id', '=', String(input.userId))
      .where('client_id', '=', String(input.clientId))
      .returning('payload')
      .execute();
    if (removed.length === 0) return false;
    const grants = removed.map((row) => readGrant(row.payload)).filter((grant) => grant !== undefined);
    const tokens = new InstanceAdapter({ db: trx, orgId: input.orgId, clock }, 'Grant');
    for (const { grantId } of grants) await tokens.revokeByGrantId(grantId);
    await recordAudit(
      trx,
      {
        orgId: input.orgId,
        actor: { type: 'user', id: String(input.userId) },
        action: GRANT_REVOKED_BY_USER,
        target: { type: 'app', id: String(input.clientId) },
        details: { grants: removed.length, scopes: describeScopes(new Set(grants.flatMap((grant) => grant.scopes))).map((s) => s.name) },
        ip: input.ip,
      },
      clock,
    );
    return true;
  });
}
