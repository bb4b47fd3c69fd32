import type { Kysely, Selectable } from 'kysely';
import { recordAudit } from '../audit/audit-log.js';
import { isoTimestamp, type Clock } from '../clock.js';
import type { AppsTable, Schema } from '../db/schema.js';
import { APPLICATION_LIMITS, httpsUrlProblem } from './developer-applications.js';
import { checkNewRedirectUri, parseRedirectUris, type RedirectUriRule } from './redirect-uris.js';

export type AppRow = Selectable<AppsTable>;

/** What a developer may change about an app from the portal. */
export interface AppSettings {
  displayName: string;
  description: string;
  homepageUrl: string;
  privacyUrl: string;
  logoUrl: string | null;
}

/** The raw form values, before checking; '' means "none" for the optional URLs. */
export type AppSettingsInput = Record<keyof AppSettings, string>;

const SETTING_KEYS = ['displayName', 'description', 'homepageUrl', 'privacyUrl', 'logoUrl'] as const satisfies readonly (keyof AppSettings)[];

/** Problems by field name (the keys of AppSettings). */
export type AppSettingsErrors = Partial<Record<keyof AppSettings, string>>;

/** An app with `developer_id` = `developerId`, or undefined: another developer's app is not there. */
export async function findDeveloperApp(db: Kysely<Schema>, developerId: number, appId: number): Promise<AppRow | undefined> {
  return db.selectFrom('apps').selectAll().where('id', '=', appId).where('developer_id', '=', developerId).executeTakeFirst();
}

export async function listDeveloperApps(db: Kysely<Schema>, developerId: number): Promise<AppRow[]> {
  return db.selectFrom('apps').selectAll().where('developer_id', '=', developerId).orderBy('created_at', 'desc').orderBy('id', 'desc').execute();
}

/**
 * Reads the developer's app and takes its row lock for the rest of the transaction (a no-op
 * UPDATE: PostgreSQL locks the row, SQLite already serializes writers), so two submissions
 * racing on one app apply one after the other and each sees the other's result.
 */
export async function lockDeveloperApp(trx: Kysely<Schema>, developerId: number, appId: number): Promise<AppRow | undefined> {
  return trx
    .updateTable('apps')
    .set((eb) => ({ status: eb.ref('status') }))
    .where('id', '=', appId)
    .where('developer_id', '=', developerId)
    .returningAll()
    .executeTakeFirst();
}

/** Settings and redirect URIs can be changed in every status except revoked. */
export function isEditable(app: AppRow): boolean {
  return app.status !== 'revoked';
}

/**
 * Checks the settings form with the application form's rules and limits (developer-applications.ts):
 * name, description, homepage and privacy policy are required, as when applying (the consent page
 * shows them); the logo is optional. URLs must be https, so the consent page never links to plain http.
 */
export function checkAppSettings(input: AppSettingsInput): { ok: true; settings: AppSettings } | { ok: false; errors: AppSettingsErrors } {
  const errors: AppSettingsErrors = {};
  const text = (key: 'displayName' | 'description', label: string, max: number): string => {
    const value = input[key].trim();
    if (value === '') errors[key] = `Enter ${label}.`;
    else if (value.length > max) errors[key] = `${capitalize(label)} can be at most ${max} characters long.`;
    return value;
  };
  const url = (key: 'homepageUrl' | 'privacyUrl' | 'logoUrl', label: string, required: boolean): string => {
    const value = input[key].trim();
    const problem = value === '' ? (required ? 'is required' : null) : httpsUrlProblem(value);
    if (problem !== null) errors[key] = `${capitalize(label)} ${problem}.`;
    return value;
  };
  const displayName = text('displayName', 'the name users will see', APPLICATION_LIMITS.displayName);
  const description = text('description', 'what your application does', APPLICATION_LIMITS.description);
  const homepageUrl = url('homepageUrl', 'the homepage', true);
  const privacyUrl = url('privacyUrl', 'the privacy policy URL', true);
  const logoUrl = url('logoUrl', 'the logo URL', false);
  if (Object.keys(errors).length > 0) return { ok: false, errors };
  return { ok: true, settings: { displayName, description, homepageUrl, privacyUrl, logoUrl: logoUrl === '' ? null : logoUrl } };
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

export type AppChangeRefusal = 'not-found' | 'not-editable';

export interface AppChange<T> {
  developerId: number;
  appId: number;
  change: T;
  ip: string | null;
}

function developerActor(developerId: number): { type: 'developer'; id: string } {
  return { type: 'developer', id: String(developerId) };
}

/**
 * Saves the settings of a developer's app and audits which fields changed (with their old and
 * new values: all of them are public on the consent page).
 */
export async function updateAppSettings(
  db: Kysely<Schema>,
  request: AppChange<AppSettingsInput>,
  clock: Clock,
): Promise<{ ok: true; changed: (keyof AppSettings)[] } | { ok: false; reason: AppChangeRefusal } | { ok: false; reason: 'invalid'; errors: AppSettingsErrors }> {
  const checked = checkAppSettings(request.change);
  if (!checked.ok) return { ok: false, reason: 'invalid', errors: checked.errors };
  const next = checked.settings;
  return db.transaction().execute(async (trx) => {
    const app = await lockDeveloperApp(trx, request.developerId, request.appId);
    if (app === undefined) return { ok: false, reason: 'not-found' } as const;
    if (!isEditable(app)) return { ok: false, reason: 'not-editable' } as const;
    const before: Record<keyof AppSettings, string | null> = { displayName: app.display_name, description: app.description, homepageUrl: app.homepage_url, privacyUrl: app.privacy_url, logoUrl: app.logo_url };
    const changed = SETTING_KEYS.filter((key) => before[key] !== next[key]);
    if (changed.length === 0) return { ok: true, changed } as const;
    await trx
      .updateTable('apps')
      .set({ display_name: next.displayName, description: next.description, homepage_url: next.homepageUrl, privacy_url: next.privacyUrl, logo_url: next.logoUrl, updated_at: isoTimestamp(clock.now()) })
      .where('id', '=', app.id)
      .execute();
    await recordAudit(
      trx,
      {
        orgId: null,
        actor: developerActor(request.developerId),
        action: 'app.settings-updated',
        target: { type: 'app', id: String(app.id) },
        details: Object.fromEntries(changed.map((key) => [key, { from: before[key], to: next[key] }])),
        ip: request.ip,
      },
      clock,
    );
    return { ok: true, changed } as const;
  });
}

export type RedirectUriChange =
  | { ok: true }
  | { ok: false; reason: AppChangeRefusal | 'not-registered' }
  | { ok: false; reason: 'invalid'; rule: RedirectUriRule; message: string };

/** Registers one more redirect URI on a developer's app (see redirect-uris.ts for the rules). */
export async function addRedirectUri(db: Kysely<Schema>, request: AppChange<string>, clock: Clock): Promise<RedirectUriChange> {
  return db.transaction().execute(async (trx): Promise<RedirectUriChange> => {
    const app = await lockDeveloperApp(trx, request.developerId, request.appId);
    if (app === undefined) return { ok: false, reason: 'not-found' };
    if (!isEditable(app)) return { ok: false, reason: 'not-editable' };
    const existing = parseRedirectUris(app.redirect_uris);
    const check = checkNewRedirectUri(existing, request.change);
    if (!check.ok) return { ok: false, reason: 'invalid', rule: check.rule, message: check.message };
    await saveRedirectUris(trx, app.id, [...existing, check.uri], clock);
    await recordAudit(
      trx,
      { orgId: null, actor: developerActor(request.developerId), action: 'app.redirect-uri-added', target: { type: 'app', id: String(app.id) }, details: { uri: check.uri }, ip: request.ip },
      clock,
    );
    return { ok: true };
  });
}

/** Removes a registered redirect URI (matched as the exact string). */
export async function removeRedirectUri(db: Kysely<Schema>, request: AppChange<string>, clock: Clock): Promise<RedirectUriChange> {
  return db.transaction().execute(async (trx): Promise<RedirectUriChange> => {
    const app = await lockDeveloperApp(trx, request.developerId, request.appId);
    if (app === undefined) return { ok: false, reason: 'not-found' };
    if (!isEditable(app)) return { ok: false, reason: 'not-editable' };
    const existing = parseRedirectUris(app.redirect_uris);
    if (!existing.includes(request.change)) return { ok: false, reason: 'not-registered' };
    await saveRedirectUris(trx, app.id, existing.filter((uri) => uri !== request.change), clock);
    await recordAudit(
      trx,
      { orgId: null, actor: developerActor(request.developerId), action: 'app.redirect-uri-removed', target: { type: 'app', id: String(app.id) }, details: { uri: request.change }, ip: request.ip },
      clock,
    );
    return { ok: true };
  });
}

async function saveRedirectUris(trx: Kysely<Schema>, appId: number, uris: string[], clock: Clock): Promise<void> {
  await trx.updateTable('apps').set({ redirect_uris: JSON.stringify(uris), updated_at: isoTimestamp(clock.now()) }).where('id', '=', appId).execute();
}
