import type { Kysely } from 'kysely';
import type { AppStatus, AuditActorType, Schema } from '../../db/schema.js';

/**
 * What the console reads and shows. Nothing here selects from app_secrets: staff never see a
 * secret, not even its hint.
 */

export const APP_STATUSES: readonly AppStatus[] = ['applied', 'needs_info', 'approved', 'rejected', 'revoked'];

export function isAppStatus(value: string): value is AppStatus {
  return APP_STATUSES.some((status) => status === value);
}

export interface AppListItem {
  id: number;
  clientId: number;
  displayName: string;
  status: AppStatus;
  createdAt: string;
  /** "Developer name (Company)" or "Organization: Name" for an organization's own app. */
  owner: string;
}

export async function listApps(db: Kysely<Schema>, status: AppStatus | null): Promise<AppListItem[]> {
  let query = db
    .selectFrom('apps')
    .leftJoin('developers', 'developers.id', 'apps.developer_id')
    .leftJoin('orgs', 'orgs.id', 'apps.owner_org_id')
    .select(['apps.id', 'apps.client_id', 'apps.display_name', 'apps.status', 'apps.created_at', 'developers.name as developer_name', 'developers.company_name', 'orgs.name as org_name'])
    .orderBy('apps.id', 'desc');
  if (status !== null) query = query.where('apps.status', '=', status);
  const rows = await query.execute();
  return rows.map((row) => ({
    id: row.id,
    clientId: row.client_id,
    displayName: row.display_name,
    status: row.status,
    createdAt: row.created_at,
    owner: row.developer_name !== null ? `${row.developer_name} (${row.company_name ?? ''})` : `Organization: ${row.org_name ?? '?'}`,
  }));
}

export interface AppDetail {
  id: number;
  clientId: number;
  displayName: string;
  description: string;
  interestedEventCustomers: string;
  homepageUrl: string | null;
  privacyUrl: string | null;
  logoUrl: string | null;
  redirectUris: string[];
  status: AppStatus;
  reviewNote: string;
  createdAt: string;
  updatedAt: string;
  developer: { id: number; email: string; name: string; companyName: string; companyWebsite: string | null; contactInfo: string; createdAt: string } | null;
  ownerOrg: { id: number; name: string; slug: string } | null;
}

function stringList(json: string): string[] {
  try {
    const parsed: unknown = JSON.parse(json);
    return Array.isArray(parsed) ? parsed.filter((item): item is string => typeof item === 'string') : [];
  } catch {
    return [];
  }
}

export async function getAppDetail(db: Kysely<Schema>, appId: number): Promise<AppDetail | null> {
  const app = await db.selectFrom('apps').selectAll().where('id', '=', appId).executeTakeFirst();
  if (app === undefined) return null;
  const developer = app.developer_id === null ? undefined : await db.selectFrom('developers').selectAll().where('id', '=', app.developer_id).executeTakeFirst();
  const org = app.owner_org_id === null ? undefined : await db.selectFrom('orgs').select(['id', 'name', 'slug']).where('id', '=', app.owner_org_id).executeTakeFirst();
  return {
    id: app.id,
    clientId: app.client_id,
    displayName: app.display_name,
    description: app.description,
    interestedEventCustomers: app.interested_event_customers,
    homepageUrl: app.homepage_url,
    privacyUrl: app.privacy_url,
    logoUrl: app.logo_url,
    redirectUris: stringList(app.redirect_uris),
    status: app.status,
    reviewNote: app.review_note,
    createdAt: app.created_at,
    updatedAt: app.updated_at,
    developer:
      developer === undefined
        ? null
        : { id: developer.id, email: developer.email, name: developer.name, companyName: developer.company_name, companyWebsite: developer.company_website, contactInfo: developer.contact_info, createdAt: developer.created_at },
    ownerOrg: org ?? null,
  };
}

export interface DeveloperListItem {
  id: number;
  email: string;
  name: string;
  companyName: string;
  companyWebsite: string | null;
  createdAt: string;
  apps: { id: number; displayName: string; status: AppStatus }[];
}

export async function listDevelopers(db: Kysely<Schema>): Promise<DeveloperListItem[]> {
  const developers = await db.selectFrom('developers').select(['id', 'email', 'name', 'company_name', 'company_website', 'created_at']).orderBy('id', 'desc').execute();
  const apps = await db.selectFrom('apps').select(['id', 'developer_id', 'display_name', 'status']).where('developer_id', 'is not', null).orderBy('id').execute();
  return developers.map((developer) => ({
    id: developer.id,
    email: developer.email,
    name: developer.name,
    companyName: developer.company_name,
    companyWebsite: developer.company_website,
    createdAt: developer.created_at,
    apps: apps.filter((app) => app.developer_id === developer.id).map((app) => ({ id: app.id, displayName: app.display_name, status: app.status })),
  }));
}

export interface AuditRow {
  id: number;
  at: string;
  orgId: number | null;
  actorType: AuditActorType;
  actorId: string | null;
  /** The operator's or developer's name and email, when the actor is one. */
  actorName: string | null;
  action: string;
  targetType: string | null;
  targetId: string | null;
  details: string;
  ip: string | null;
}

type AuditSelection = Omit<AuditRow, 'actorName'>;

/** Adds the names of the operators and developers who acted, so the log reads without lookups. */
async function withActorNames(db: Kysely<Schema>, rows: AuditSelection[]): Promise<AuditRow[]> {
  const ids = (type: AuditActorType) => [...new Set(rows.filter((row) => row.actorType === type && row.actorId !== null && /^\d+$/.test(row.actorId)).map((row) => Number(row.actorId)))];
  const operatorIds = ids('operator');
  const developerIds = ids('developer');
  const operators = operatorIds.length === 0 ? [] : await db.selectFrom('operators').select(['id', 'name', 'email']).where('id', 'in', operatorIds).execute();
  const developers = developerIds.length === 0 ? [] : await db.selectFrom('developers').select(['id', 'name', 'email']).where('id', 'in', developerIds).execute();
  const names = new Map<string, string>([
    ...operators.map((o): [string, string] => [`operator:${o.id}`, `${o.name} <${o.email}>`]),
    ...developers.map((d): [string, string] => [`developer:${d.id}`, `${d.name} <${d.email}>`]),
  ]);
  return rows.map((row) => ({ ...row, actorName: names.get(`${row.actorType}:${row.actorId ?? ''}`) ?? null }));
}

const AUDIT_COLUMNS = ['id', 'created_at as at', 'org_id as orgId', 'actor_type as actorType', 'actor_id as actorId', 'action', 'target_type as targetType', 'target_id as targetId', 'details', 'ip'] as const;

/** Everything the audit log says about one app, oldest first: the console's history of it. */
export async function appAuditHistory(db: Kysely<Schema>, appId: number): Promise<AuditRow[]> {
  const rows = await db
    .selectFrom('audit_log')
    .select(AUDIT_COLUMNS)
    .where('target_type', '=', 'app')
    .where('target_id', '=', String(appId))
    // An attestation is recorded in the platform's log and in the instance's: shown once.
    .where((eb) => eb.or([eb('action', '!=', 'app.deletion-attested'), eb('org_id', 'is', null)]))
    .orderBy('id')
    .execute();
  return withActorNames(db, rows);
}

export interface AuditPage {
  rows: AuditRow[];
  /** Pass as `before` for the next (older) page; null on the last page. */
  olderBefore: number | null;
}

/** A page of the platform's own audit log (acts outside any instance), newest first. */
export async function platformAuditPage(db: Kysely<Schema>, options: { before: number | null; limit: number }): Promise<AuditPage> {
  let query = db.selectFrom('audit_log').select(AUDIT_COLUMNS).where('org_id', 'is', null).orderBy('id', 'desc').limit(options.limit + 1);
  if (options.before !== null) query = query.where('id', '<', options.before);
  const rows = await query.execute();
  const page = rows.slice(0, options.limit);
  const last = page.at(-1);
  return { rows: await withActorNames(db, page), olderBefore: rows.length > options.limit && last !== undefined ? last.id : null };
}

/** Names of the instances by slug, to show the event customers an application chose. */
export async function instanceNamesBySlug(db: Kysely<Schema>): Promise<Map<string, string>> {
  const rows = await db.selectFrom('orgs').select(['slug', 'name']).execute();
  return new Map(rows.map((row) => [row.slug, row.name]));
}

/** The instances whose integration with the app is suspended: after a reactivation, each waits for its org admin. */
export async function suspendedIntegrationInstances(db: Kysely<Schema>, appId: number): Promise<string[]> {
  const rows = await db.selectFrom('integrations').innerJoin('orgs', 'orgs.id', 'integrations.org_id').select('orgs.name').where('integrations.app_id', '=', appId).where('integrations.status', '=', 'suspended').orderBy('orgs.name').execute();
  return rows.map((row) => row.name);
}
