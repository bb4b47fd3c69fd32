import type { Kysely } from 'kysely';
import { recordAudit } from '../audit/audit-log.js';
import { isoTimestamp, type Clock } from '../clock.js';
import type { AppStatus, DeletionDutyStatus, IntegrationStatus, RevocationCause, Schema } from '../db/schema.js';
import { recordIntegrationEvent } from '../events/integration-events.js';
import { SERVICE_SCOPE_NAMES, isServiceScope, type ServiceScope } from '../oauth/scopes.js';
import { releaseDeletionDuties } from './deletion-duty.js';

/**
 * Integrations: an app installed in one instance by its org admins, with the service scopes
 * granted to it and whether the instance's users may sign in to it (OBO). The token layer reads
 * the row on every request, so keeping it current is what makes a change take effect at once.
 */

/** Who changes an integration: an org admin in Housekeeping, or an administrator on the server's command line. */
export type IntegrationActor = { type: 'user'; userId: number } | { type: 'cli' };

export interface ChangeOrigin {
  actor: IntegrationActor;
  /** The client address of the request, for the audit log; null from the command line. */
  ip: string | null;
}

/** A refused change, with the form field it concerns ('' for the form as a whole). */
export class IntegrationInputError extends Error {
  override name = 'IntegrationInputError';
  constructor(
    readonly field: 'app' | 'scopes' | '',
    message: string,
  ) {
    super(message);
  }
}

/** The integration does not exist in this instance (or was removed). */
export class IntegrationNotFoundError extends Error {
  override name = 'IntegrationNotFoundError';
}

export type AppOwner = { kind: 'organization' } | { kind: 'developer'; name: string; company: string };

/** The app's latest revocation as this instance sees it: what suspended the integration, and this instance's deletion duty. */
export interface IntegrationRevocation {
  revokedAt: string;
  cause: RevocationCause;
  deletionDueAt: string;
  /** When an operator approved the app again; null while it is revoked. */
  reactivatedAt: string | null;
  /** The developer's duty to delete this instance's data; null if the revocation left none here. */
  duty: DeletionDutyStatus | null;
}

export interface IntegrationSummary {
  id: number;
  appId: number;
  clientId: number;
  appName: string;
  appDescription: string;
  appStatus: AppStatus;
  owner: AppOwner;
  status: IntegrationStatus;
  scopes: ServiceScope[];
  oboEnabled: boolean;
  createdAt: string;
  updatedAt: string;
  /** The app's latest revocation, if it was ever revoked (it may have been approved again since). */
  latestRevocation: IntegrationRevocation | null;
}

export interface IntegrableApp {
  appId: number;
  clientId: number;
  displayName: string;
  description: string;
  owner: AppOwner;
  /** The developer's application named this instance among the event customers they work with. */
  namedThisInstance: boolean;
}

/**
 * Checks submitted scope names: every one must be a service scope (OBO scopes such as
 * `pii:basic` are granted by users on the consent page, never here). Duplicates fold; the
 * result is in catalog order.
 */
export function parseServiceScopes(names: readonly string[]): ServiceScope[] {
  const unknown = names.filter((name) => !isServiceScope(name));
  if (unknown.length > 0) {
    // Quote a few, shortened: the names come straight from the request.
    const quoted = unknown.slice(0, 3).map((n) => `"${n.slice(0, 60)}"`).join(', ') + (unknown.length > 3 ? ` and ${unknown.length - 3} more` : '');
    throw new IntegrationInputError('scopes', `${quoted} ${unknown.length === 1 ? 'is not a permission' : 'are not permissions'} an integration can be granted`);
  }
  return SERVICE_SCOPE_NAMES.filter((scope) => names.includes(scope));
}

/** The scopes stored on a row; anything unexpected in the JSON grants nothing. */
export function storedScopes(json: string): ServiceScope[] {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    return [];
  }
  if (!Array.isArray(value)) return [];
  const names = value.filter((item): item is string => typeof item === 'string');
  return SERVICE_SCOPE_NAMES.filter((scope) => names.includes(scope));
}

/**
 * Whether an app's application named the instance. The application form stores JSON like
 * `{"instances":["furfest"],"other":"…"}`; older rows and imports hold plain text. Both are read
 * defensively: a listed slug counts, and so does free text that mentions the instance's name or slug.
 */
export function namesInstance(stored: string, instance: { slug: string; name: string }): boolean {
  let slugs: string[] = [];
  let text = stored;
  try {
    const value: unknown = JSON.parse(stored);
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
      const listed: unknown = Reflect.get(value, 'instances');
      const other: unknown = Reflect.get(value, 'other');
      slugs = Array.isArray(listed) ? listed.filter((s): s is string => typeof s === 'string') : [];
      text = typeof other === 'string' ? other : '';
    }
  } catch {
    // Not JSON: the whole value is free text.
  }
  if (slugs.some((s) => s.toLowerCase() === instance.slug.toLowerCase())) return true;
  const words = text.toLowerCase();
  const slugAsWord = new RegExp(`(^|[^a-z0-9-])${instance.slug.toLowerCase().replace(/[^a-z0-9-]/g, '')}($|[^a-z0-9-])`);
  return (instance.name.trim() !== '' && words.includes(instance.name.trim().toLowerCase())) || slugAsWord.test(words);
}

function ownerOf(row: { owner_org_id: number | null; developer_name: string | null; company_name: string | null }): AppOwner {
  return row.owner_org_id !== null ? { kind: 'organization' } : { kind: 'developer', name: row.developer_name ?? '', company: row.company_name ?? '' };
}

function integrationsQuery(db: Kysely<Schema>, orgId: number) {
  return db
    .selectFrom('integrations')
    .innerJoin('apps', 'apps.id', 'integrations.app_id')
    .leftJoin('developers', 'developers.id', 'apps.developer_id')
    .leftJoin('app_revocations', (join) =>
      join.onRef('app_revocations.app_id', '=', 'apps.id').on('app_revocations.id', '=', (eb) =>
        eb.selectFrom('app_revocations as latest').select('latest.id').whereRef('latest.app_id', '=', 'apps.id').orderBy('latest.revoked_at', 'desc').orderBy('latest.id', 'desc').limit(1),
      ),
    )
    .leftJoin('deletion_duties', (join) => join.onRef('deletion_duties.revocation_id', '=', 'app_revocations.id').onRef('deletion_duties.org_id', '=', 'integrations.org_id'))
    .select([
      'integrations.id',
      'integrations.app_id',
      'integrations.scopes',
      'integrations.obo_enabled',
      'integrations.status',
      'integrations.created_at',
      'integrations.updated_at',
      'apps.client_id',
      'apps.display_name',
      'apps.description',
      'apps.status as app_status',
      'apps.owner_org_id',
      'developers.name as developer_name',
      'developers.company_name',
      'app_revocations.revoked_at',
      'app_revocations.cause',
      'app_revocations.deletion_due_at',
      'app_revocations.reactivated_at',
      'deletion_duties.status as duty_status',
    ])
    .where('integrations.org_id', '=', orgId)
    .where('integrations.status', '!=', 'removed');
}

type IntegrationRow = Awaited<ReturnType<ReturnType<typeof integrationsQuery>['executeTakeFirstOrThrow']>>;

function revocationOf(row: IntegrationRow): IntegrationRevocation | null {
  if (row.revoked_at === null || row.cause === null || row.deletion_due_at === null) return null;
  return { revokedAt: row.revoked_at, cause: row.cause, deletionDueAt: row.deletion_due_at, reactivatedAt: row.reactivated_at, duty: row.duty_status };
}

function toSummary(row: IntegrationRow): IntegrationSummary {
  return {
    id: row.id,
    appId: row.app_id,
    clientId: row.client_id,
    appName: row.display_name,
    appDescription: row.description,
    appStatus: row.app_status,
    owner: ownerOf(row),
    status: row.status,
    scopes: storedScopes(row.scopes),
    oboEnabled: row.obo_enabled === 1,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    latestRevocation: revocationOf(row),
  };
}

/** The instance's integrations (removed ones left out), by app name. */
export async function listIntegrations(db: Kysely<Schema>, orgId: number): Promise<IntegrationSummary[]> {
  const rows = await integrationsQuery(db, orgId).orderBy('apps.display_name').orderBy('integrations.id').execute();
  return rows.map(toSummary);
}

/** One integration of this instance, or undefined (another instance's, or removed). */
export async function findIntegration(db: Kysely<Schema>, orgId: number, integrationId: number): Promise<IntegrationSummary | undefined> {
  const row = await integrationsQuery(db, orgId).where('integrations.id', '=', integrationId).executeTakeFirst();
  return row === undefined ? undefined : toSummary(row);
}

/**
 * The apps an org admin may integrate here and has not yet: approved developer apps and the
 * organization's own apps. Apps whose application named this instance come first, then the
 * rest, each group by display name.
 */
export async function integrableApps(db: Kysely<Schema>, instance: { orgId: number; slug: string; name: string }): Promise<IntegrableApp[]> {
  const rows = await db
    .selectFrom('apps')
    .leftJoin('developers', 'developers.id', 'apps.developer_id')
    .select(['apps.id', 'apps.client_id', 'apps.display_name', 'apps.description', 'apps.interested_event_customers', 'apps.owner_org_id', 'developers.name as developer_name', 'developers.company_name'])
    .where('apps.status', '=', 'approved')
    .where((eb) => eb.or([eb.and([eb('apps.owner_org_id', 'is', null), eb('apps.developer_id', 'is not', null)]), eb('apps.owner_org_id', '=', instance.orgId)]))
    .where((eb) =>
      eb.not(eb.exists(eb.selectFrom('integrations').select('integrations.id').whereRef('integrations.app_id', '=', 'apps.id').where('integrations.org_id', '=', instance.orgId).where('integrations.status', '!=', 'removed'))),
    )
    .execute();
  const apps = rows.map((row) => ({
    appId: row.id,
    clientId: row.client_id,
    displayName: row.display_name,
    description: row.description,
    owner: ownerOf(row),
    namedThisInstance: row.owner_org_id === null && namesInstance(row.interested_event_customers, instance),
  }));
  return apps.sort((a, b) => Number(b.namedThisInstance) - Number(a.namedThisInstance) || a.displayName.localeCompare(b.displayName, 'en', { sensitivity: 'base' }) || a.appId - b.appId);
}

const REFUSED_STATUS: Record<Exclude<AppStatus, 'approved'>, string> = {
  applied: 'is still waiting for review by the platform',
  needs_info: 'is still waiting for review by the platform',
  rejected: 'was not approved by the platform',
  revoked: 'has had its credentials revoked',
};

/**
 * Locks the app's row while it is approved (a write that changes nothing): a revocation running at
 * the same time either committed first (false: no longer approved) or waits for the caller's
 * transaction, and then suspends what it enabled. Checking the status by reading alone let an
 * integration come back active under an app revoked meanwhile.
 */
async function lockApprovedApp(trx: Kysely<Schema>, appId: number): Promise<boolean> {
  const locked = await trx.updateTable('apps').set((eb) => ({ status: eb.ref('status') })).where('id', '=', appId).where('status', '=', 'approved').executeTakeFirst();
  return locked.numUpdatedRows === 1n;
}

function requireSomething(scopes: readonly ServiceScope[], oboEnabled: boolean): void {
  if (scopes.length === 0 && !oboEnabled) {
    throw new IntegrationInputError('scopes', 'Choose at least one permission, or allow sign-in. To take everything away, remove the integration.');
  }
}

function auditActor(actor: IntegrationActor): { type: 'user' | 'cli'; id: string | null } {
  return actor.type === 'user' ? { type: 'user', id: String(actor.userId) } : { type: 'cli', id: null };
}

export interface NewIntegration {
  orgId: number;
  appId: number;
  /** Submitted scope names, checked here. */
  scopes: readonly string[];
  oboEnabled: boolean;
}

/**
 * Integrates an app in an instance, inside the caller's transaction. Only approved apps may be
 * integrated: a developer's, or this organization's own (never another organization's). An
 * integration removed earlier is reactivated with the new permissions. A suspended one is not
 * touched: it comes back only through resumeIntegration. Either way the admin lets the app hold
 * this instance's data again, so its open deletion duties here are released.
 */
export async function integrateApp(trx: Kysely<Schema>, input: NewIntegration, origin: ChangeOrigin, clock: Clock): Promise<number> {
  const scopes = parseServiceScopes(input.scopes);
  const app = await trx.selectFrom('apps').select(['id', 'client_id', 'display_name', 'status', 'owner_org_id', 'developer_id']).where('id', '=', input.appId).executeTakeFirst();
  const available = app !== undefined && (app.owner_org_id === null ? app.developer_id !== null : app.owner_org_id === input.orgId);
  if (!available) throw new IntegrationInputError('app', 'Choose an app from the list');
  if (app.status !== 'approved') throw new IntegrationInputError('app', `${app.display_name} ${REFUSED_STATUS[app.status]}, so it cannot be integrated`);
  if (!(await lockApprovedApp(trx, app.id))) throw new IntegrationInputError('app', `${app.display_name} ${REFUSED_STATUS.revoked}, so it cannot be integrated`);
  requireSomething(scopes, input.oboEnabled);
  const existing = await trx.selectFrom('integrations').select('status').where('org_id', '=', input.orgId).where('app_id', '=', app.id).executeTakeFirst();
  if (existing?.status === 'suspended') throw new IntegrationInputError('app', `${app.display_name} is integrated here but suspended since the platform revoked it: re-enable it on its page instead`);

  const now = isoTimestamp(clock.now());
  const values = { scopes: JSON.stringify(scopes), obo_enabled: input.oboEnabled ? 1 : 0, status: 'active' as const, updated_at: now };
  const createdBy = origin.actor.type === 'user' ? origin.actor.userId : null;
  const reactivated = await trx
    .updateTable('integrations')
    .set({ ...values, created_by_user_id: createdBy })
    .where('org_id', '=', input.orgId)
    .where('app_id', '=', app.id)
    .where('status', '=', 'removed')
    .returning('id')
    .executeTakeFirst();
  // ON CONFLICT DO NOTHING: of two admins adding the same app at once, one wins, the other is told.
  const inserted = reactivated ?? (await trx
    .insertInto('integrations')
    .values({ ...values, org_id: input.orgId, app_id: app.id, created_by_user_id: createdBy, created_at: now })
    .onConflict((oc) => oc.columns(['org_id', 'app_id']).doNothing())
    .returning('id')
    .executeTakeFirst());
  if (inserted === undefined) throw new IntegrationInputError('app', `${app.display_name} is already integrated here; change its permissions instead`);
  const releasedDuties = await releaseDeletionDuties(trx, { appId: app.id, orgId: input.orgId }, clock);

  await recordAudit(
    trx,
    {
      orgId: input.orgId,
      actor: auditActor(origin.actor),
      action: 'integration.created',
      target: { type: 'integration', id: String(inserted.id) },
      details: { appId: app.id, clientId: app.client_id, appName: app.display_name, scopes, oboEnabled: input.oboEnabled, reactivated: reactivated !== undefined, ...(releasedDuties > 0 ? { releasedDuties } : {}) },
      ip: origin.ip,
    },
    clock,
  );
  const integration = { id: String(inserted.id), appClientId: String(app.client_id), scopes, oboEnabled: input.oboEnabled };
  await recordIntegrationEvent(trx, 'integration-created', { orgId: input.orgId, integration }, auditActor(origin.actor), clock);
  return inserted.id;
}

/** Creates (or reactivates) an integration in its own transaction; returns its id. */
export async function createIntegration(db: Kysely<Schema>, input: NewIntegration, origin: ChangeOrigin, clock: Clock): Promise<number> {
  return db.transaction().execute((trx) => integrateApp(trx, input, origin, clock));
}

export interface PermissionChange {
  orgId: number;
  integrationId: number;
  scopes: readonly string[];
  oboEnabled: boolean;
}

/**
 * Replaces the permissions of an integration; they take effect at once because the token layer
 * reads the row on every request. An app that is no longer approved may only lose permissions.
 * Returns false when nothing changed (then nothing is written or audited).
 */
export async function changeIntegrationPermissions(db: Kysely<Schema>, change: PermissionChange, origin: ChangeOrigin, clock: Clock): Promise<boolean> {
  const scopes = parseServiceScopes(change.scopes);
  requireSomething(scopes, change.oboEnabled);
  return db.transaction().execute(async (trx) => {
    const current = await findIntegration(trx, change.orgId, change.integrationId);
    if (current === undefined) throw new IntegrationNotFoundError('No such integration in this instance');
    const added = scopes.filter((s) => !current.scopes.includes(s));
    const withdrawn = current.scopes.filter((s) => !scopes.includes(s));
    const oboChanged = change.oboEnabled !== current.oboEnabled;
    if (added.length === 0 && withdrawn.length === 0 && !oboChanged) return false;
    if (current.appStatus !== 'approved' && (added.length > 0 || (change.oboEnabled && oboChanged))) {
      throw new IntegrationInputError('scopes', `${current.appName} ${REFUSED_STATUS[current.appStatus]}: you can only take permissions away, or remove the integration`);
    }
    await trx
      .updateTable('integrations')
      .set({ scopes: JSON.stringify(scopes), obo_enabled: change.oboEnabled ? 1 : 0, updated_at: isoTimestamp(clock.now()) })
      .where('org_id', '=', change.orgId)
      .where('id', '=', current.id)
      .execute();
    await recordAudit(
      trx,
      {
        orgId: change.orgId,
        actor: auditActor(origin.actor),
        action: 'integration.permissions-changed',
        target: { type: 'integration', id: String(current.id) },
        details: { appId: current.appId, clientId: current.clientId, added, withdrawn, scopes, oboEnabled: change.oboEnabled, previousOboEnabled: current.oboEnabled },
        ip: origin.ip,
      },
      clock,
    );
    const integration = { id: String(current.id), appClientId: String(current.clientId), scopes, oboEnabled: change.oboEnabled };
    const extra = { previous: { scopes: current.scopes, oboEnabled: current.oboEnabled } };
    await recordIntegrationEvent(trx, 'integration-permissions-changed', { orgId: change.orgId, integration, extra }, auditActor(origin.actor), clock);
    return true;
  });
}

/**
 * Re-enables an integration the platform suspended by revoking its app, once an operator has
 * approved the app again (refused while it is revoked). It comes back with the permissions it had
 * (the admin may have withdrawn some meanwhile), which the admin may change afterwards. Its old
 * tokens and user grants were deleted at the revocation: the app needs a new secret, and users
 * consent again. The app may hold this instance's data again, so its open deletion duties here are
 * released. Returns false when the integration was already active (nothing written).
 */
export async function resumeIntegration(db: Kysely<Schema>, target: { orgId: number; integrationId: number }, origin: ChangeOrigin, clock: Clock): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    const current = await findIntegration(trx, target.orgId, target.integrationId);
    if (current === undefined) throw new IntegrationNotFoundError('No such integration in this instance');
    if (current.status === 'active') return false;
    if (current.appStatus !== 'approved') {
      throw new IntegrationInputError('', `${current.appName} ${REFUSED_STATUS[current.appStatus]}, so its integration cannot be re-enabled. It can be once the platform approves the app again.`);
    }
    if (!(await lockApprovedApp(trx, current.appId))) {
      throw new IntegrationInputError('', `${current.appName} ${REFUSED_STATUS.revoked}, so its integration cannot be re-enabled. It can be once the platform approves the app again.`);
    }
    // Conditional on the status: of two admins re-enabling at once, one writes and audits.
    const updated = await trx
      .updateTable('integrations')
      .set({ status: 'active', updated_at: isoTimestamp(clock.now()) })
      .where('org_id', '=', target.orgId)
      .where('id', '=', current.id)
      .where('status', '=', 'suspended')
      .executeTakeFirst();
    if (updated.numUpdatedRows !== 1n) return false;
    const releasedDuties = await releaseDeletionDuties(trx, { appId: current.appId, orgId: target.orgId }, clock);
    await recordAudit(
      trx,
      {
        orgId: target.orgId,
        actor: auditActor(origin.actor),
        action: 'integration.resumed',
        target: { type: 'integration', id: String(current.id) },
        details: { appId: current.appId, clientId: current.clientId, appName: current.appName, scopes: current.scopes, oboEnabled: current.oboEnabled, releasedDuties },
        ip: origin.ip,
      },
      clock,
    );
    // The app learns it works with this instance again, as after being added again following a removal.
    const integration = { id: String(current.id), appClientId: String(current.clientId), scopes: current.scopes, oboEnabled: current.oboEnabled };
    await recordIntegrationEvent(trx, 'integration-created', { orgId: target.orgId, integration }, auditActor(origin.actor), clock);
    return true;
  });
}

/** Removes an integration: its tokens are deleted, so they stop working at once. Adding the app again later reactivates the row. */
export async function removeIntegration(db: Kysely<Schema>, target: { orgId: number; integrationId: number }, origin: ChangeOrigin, clock: Clock): Promise<IntegrationSummary> {
  return db.transaction().execute(async (trx) => {
    const current = await findIntegration(trx, target.orgId, target.integrationId);
    if (current === undefined) throw new IntegrationNotFoundError('No such integration in this instance');
    await trx
      .updateTable('integrations')
      .set({ status: 'removed', updated_at: isoTimestamp(clock.now()) })
      .where('org_id', '=', target.orgId)
      .where('id', '=', current.id)
      .execute();
    // Its tokens, refresh tokens, codes and user grants here end for good: adding the app again
    // later must not bring them back, and the instance's users consent again.
    await trx.deleteFrom('oauth_records').where('org_id', '=', target.orgId).where('client_id', '=', String(current.clientId)).execute();
    await recordAudit(
      trx,
      {
        orgId: target.orgId,
        actor: auditActor(origin.actor),
        action: 'integration.removed',
        target: { type: 'integration', id: String(current.id) },
        details: { appId: current.appId, clientId: current.clientId, appName: current.appName, scopes: current.scopes, oboEnabled: current.oboEnabled },
        ip: origin.ip,
      },
      clock,
    );
    // The integration's endpoints stay (status 'removed' is a soft removal), so this is delivered.
    const integration = { id: String(current.id), appClientId: String(current.clientId), scopes: current.scopes, oboEnabled: current.oboEnabled };
    await recordIntegrationEvent(trx, 'integration-removed', { orgId: target.orgId, integration }, auditActor(origin.actor), clock);
    return current;
  });
}
