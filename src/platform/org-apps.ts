import type { Kysely } from 'kysely';
import { recordAudit } from '../audit/audit-log.js';
import { isoTimestamp, type Clock } from '../clock.js';
import type { Schema } from '../db/schema.js';
import type { ServiceScope } from '../oauth/scopes.js';
import { issueClientSecret } from './app-secrets.js';
import { allocateClientId } from './client-ids.js';
import { integrateApp, IntegrationInputError, parseServiceScopes, storedScopes, type ChangeOrigin } from './integrations.js';
import { checkNewRedirectUri, parseRedirectUris } from './redirect-uris.js';

/**
 * The organization's own apps ("Housekeeping, Developers, OAuth Applications, Create New" on
 * ConCat): created by an org admin for their own tools, without platform review. Such an app
 * belongs to the instance (owner_org_id), has no developer, is approved from the start, and is
 * integrated in its instance as it is created.
 */

export const MAX_APP_NAME_LENGTH = 100;
export const MAX_APP_DESCRIPTION_LENGTH = 1000;

export type OrgAppField = 'name' | 'description' | 'redirectUris' | 'scopes';

/** Every problem of a submitted form at once, by field, so the page can show them all. */
export class OrgAppInputError extends Error {
  override name = 'OrgAppInputError';
  constructor(readonly problems: Partial<Record<OrgAppField, string>>) {
    super(Object.values(problems).join(' '));
  }
}

export interface NewOrgApp {
  orgId: number;
  name: string;
  description: string;
  /** Exact strings, e.g. the lines of a textarea; blank ones are ignored, repeats fold. */
  redirectUris: readonly string[];
  scopes: readonly string[];
  oboEnabled: boolean;
}

export interface CreatedOrgApp {
  appId: number;
  clientId: number;
  /** The only time the secret exists in clear: show it once, never store it. */
  clientSecret: string;
  integrationId: number;
  name: string;
  redirectUris: string[];
  scopes: ServiceScope[];
  oboEnabled: boolean;
}

/** Checks the redirect URIs of a form: the first problem, with its line number, or the accepted list. */
export function checkRedirectUriList(lines: readonly string[]): { uris: string[]; problem?: string } {
  const uris: string[] = [];
  for (const [index, raw] of lines.entries()) {
    const uri = raw.trim();
    if (uri === '' || uris.includes(uri)) continue;
    const check = checkNewRedirectUri(uris, uri);
    if (!check.ok) return { uris, problem: lines.length > 1 ? `Line ${index + 1}: ${check.message}` : check.message };
    uris.push(check.uri);
  }
  return { uris };
}

function validate(input: NewOrgApp): { name: string; description: string; redirectUris: string[]; scopes: ServiceScope[] } {
  const problems: Partial<Record<OrgAppField, string>> = {};
  const name = input.name.trim();
  const description = input.description.trim();
  if (name === '') problems.name = 'Enter a name for the app.';
  else if (name.length > MAX_APP_NAME_LENGTH) problems.name = `The name can be at most ${MAX_APP_NAME_LENGTH} characters long.`;
  if (description.length > MAX_APP_DESCRIPTION_LENGTH) problems.description = `The description can be at most ${MAX_APP_DESCRIPTION_LENGTH} characters long.`;
  const { uris, problem } = checkRedirectUriList(input.redirectUris);
  if (problem !== undefined) problems.redirectUris = problem;
  else if (input.oboEnabled && uris.length === 0) problems.redirectUris = 'Sign-in sends users back to the app: add at least one redirect URI, or do not allow sign-in.';
  let scopes: ServiceScope[] = [];
  try {
    scopes = parseServiceScopes(input.scopes);
    if (scopes.length === 0 && !input.oboEnabled) problems.scopes = 'Choose at least one permission, or allow sign-in.';
  } catch (error) {
    if (!(error instanceof IntegrationInputError)) throw error;
    problems.scopes = error.message;
  }
  if (Object.keys(problems).length > 0) throw new OrgAppInputError(problems);
  return { name, description, redirectUris: uris, scopes };
}

/**
 * Creates an organization's own app with its API ID, its first secret and its integration in the
 * instance, in one transaction. Names are unique within the organization, which also makes a
 * resubmitted form harmless instead of creating a second app.
 */
export async function createOrgApp(db: Kysely<Schema>, input: NewOrgApp, origin: ChangeOrigin, clock: Clock): Promise<CreatedOrgApp> {
  const valid = validate(input);
  return db.transaction().execute(async (trx) => {
    const sameName = await trx
      .selectFrom('apps')
      .select('id')
      .where('owner_org_id', '=', input.orgId)
      .where((eb) => eb(eb.fn('lower', ['display_name']), '=', valid.name.toLowerCase()))
      .executeTakeFirst();
    if (sameName !== undefined) throw new OrgAppInputError({ name: `Your organization already has an app named "${valid.name}". Choose another name.` });

    const now = isoTimestamp(clock.now());
    const clientId = await allocateClientId(trx);
    const app = await trx
      .insertInto('apps')
      .values({
        client_id: clientId,
        developer_id: null,
        owner_org_id: input.orgId,
        display_name: valid.name,
        description: valid.description,
        interested_event_customers: '',
        homepage_url: null,
        privacy_url: null,
        logo_url: null,
        redirect_uris: JSON.stringify(valid.redirectUris),
        // Like the platform's apps: real clients never send PKCE (see DESIGN.md).
        require_pkce: 0,
        status: 'approved',
        review_note: '',
        created_at: now,
        updated_at: now,
        activated_at: now,
        revoked_at: null,
        revoke_reason: null,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    const actor = origin.actor.type === 'user' ? { type: 'user' as const, id: String(origin.actor.userId) } : { type: 'cli' as const, id: null };
    await recordAudit(
      trx,
      { orgId: input.orgId, actor, action: 'app.created', target: { type: 'app', id: String(app.id) }, details: { clientId, name: valid.name, redirectUris: valid.redirectUris, ownApp: true }, ip: origin.ip },
      clock,
    );
    const clientSecret = await issueClientSecret(trx, app.id, clock);
    await recordAudit(trx, { orgId: input.orgId, actor, action: 'app.secret.created', target: { type: 'app', id: String(app.id) }, details: { clientId, hint: clientSecret.slice(-4) }, ip: origin.ip }, clock);
    const integrationId = await integrateApp(trx, { orgId: input.orgId, appId: app.id, scopes: valid.scopes, oboEnabled: input.oboEnabled }, origin, clock);
    return { appId: app.id, clientId, clientSecret, integrationId, name: valid.name, redirectUris: valid.redirectUris, scopes: valid.scopes, oboEnabled: input.oboEnabled };
  });
}

export interface OrgAppSecret {
  hint: string;
  createdAt: string;
  expiresAt: string | null;
  lastUsedAt: string | null;
}

export interface OrgAppSummary {
  appId: number;
  clientId: number;
  name: string;
  description: string;
  redirectUris: string[];
  createdAt: string;
  /** The app's integration here, unless it was removed. */
  integration: { id: number; scopes: ServiceScope[]; oboEnabled: boolean } | null;
  /** Secrets not revoked, newest first: hints only, never the secret. */
  secrets: OrgAppSecret[];
}

/** The organization's own apps, by name. */
export async function listOrgApps(db: Kysely<Schema>, orgId: number): Promise<OrgAppSummary[]> {
  const apps = await db
    .selectFrom('apps')
    .leftJoin('integrations', (join) => join.onRef('integrations.app_id', '=', 'apps.id').on('integrations.org_id', '=', orgId).on('integrations.status', '!=', 'removed'))
    .select(['apps.id', 'apps.client_id', 'apps.display_name', 'apps.description', 'apps.redirect_uris', 'apps.created_at', 'integrations.id as integration_id', 'integrations.scopes', 'integrations.obo_enabled'])
    .where('apps.owner_org_id', '=', orgId)
    .orderBy('apps.display_name')
    .orderBy('apps.id')
    .execute();
  const secrets = apps.length === 0
    ? []
    : await db
        .selectFrom('app_secrets')
        .select(['app_id', 'hint', 'created_at', 'expires_at', 'last_used_at'])
        .where('app_id', 'in', apps.map((a) => a.id))
        .where('revoked_at', 'is', null)
        .orderBy('id', 'desc')
        .execute();
  return apps.map((app) => ({
    appId: app.id,
    clientId: app.client_id,
    name: app.display_name,
    description: app.description,
    redirectUris: parseRedirectUris(app.redirect_uris),
    createdAt: app.created_at,
    integration: app.integration_id === null ? null : { id: app.integration_id, scopes: storedScopes(app.scopes ?? '[]'), oboEnabled: app.obo_enabled === 1 },
    secrets: secrets.filter((s) => s.app_id === app.id).map((s) => ({ hint: s.hint, createdAt: s.created_at, expiresAt: s.expires_at, lastUsedAt: s.last_used_at })),
  }));
}
