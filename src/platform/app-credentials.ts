import type { Kysely } from 'kysely';
import { recordAudit } from '../audit/audit-log.js';
import { isoTimestamp, type Clock } from '../clock.js';
import type { Schema } from '../db/schema.js';
import { secretMatches } from '../security/secrets.js';
import { issueClientSecret, SECRET_ROTATION_OVERLAP_MS } from './app-secrets.js';
import { lockDeveloperApp } from './app-settings.js';

/**
 * A secret's state at a moment: `current` has no end date; `expiring` is an older one still
 * working until its end date (the rotation overlap); `expired` and `revoked` no longer work.
 */
export type SecretState = 'current' | 'expiring' | 'expired' | 'revoked';

/** What the portal may show about a secret: never the secret, never its hash. */
export interface SecretSummary {
  id: number;
  /** The last 4 characters. */
  hint: string;
  createdAt: string;
  expiresAt: string | null;
  lastUsedAt: string | null;
  revokedAt: string | null;
  state: SecretState;
}

function stateOf(row: { expires_at: string | null; revoked_at: string | null }, nowIso: string): SecretState {
  if (row.revoked_at !== null) return 'revoked';
  if (row.expires_at === null) return 'current';
  return row.expires_at > nowIso ? 'expiring' : 'expired';
}

/** An app's secrets, newest first. */
export async function listSecrets(db: Kysely<Schema>, appId: number, clock: Clock): Promise<SecretSummary[]> {
  const nowIso = isoTimestamp(clock.now());
  const rows = await db
    .selectFrom('app_secrets')
    .select(['id', 'hint', 'created_at', 'expires_at', 'last_used_at', 'revoked_at'])
    .where('app_id', '=', appId)
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .execute();
  return rows.map((row) => ({
    id: row.id,
    hint: row.hint,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    lastUsedAt: row.last_used_at,
    revokedAt: row.revoked_at,
    state: stateOf(row, nowIso),
  }));
}

/** The secret a rotation would replace: the newest one without an end date, if any. */
export function currentSecret(secrets: readonly SecretSummary[]): SecretSummary | undefined {
  return secrets.find((secret) => secret.state === 'current');
}

export type CredentialRefusal =
  /** Not this developer's app (or no such app). */
  | 'not-found'
  /** Only approved apps hold secrets. */
  | 'not-approved'
  /** "Create" when a working secret exists already (e.g. the form was submitted twice). */
  | 'already-exists'
  /** "Rotate" when there is no current secret to rotate. */
  | 'nothing-to-rotate'
  /** "Rotate" named a current secret that has been replaced since (a reload or a double submit). */
  | 'stale'
  /** "End the overlap" when no older secret is still working. */
  | 'nothing-to-end';

export type IssuedSecret = { ok: true; secret: string; secretId: number; hint: string } | { ok: false; reason: CredentialRefusal };

export interface CredentialRequest {
  developerId: number;
  appId: number;
  ip: string | null;
}

function secretAudit(request: CredentialRequest, action: string, details: Record<string, unknown>): Parameters<typeof recordAudit>[1] {
  return { orgId: null, actor: { type: 'developer', id: String(request.developerId) }, action, target: { type: 'app', id: String(request.appId) }, details, ip: request.ip };
}

type Refused = { ok: false; reason: CredentialRefusal };

/**
 * Runs `act` in a transaction holding the app's row lock, after checking the app is the
 * developer's and approved; `act` sees the app's secrets as they are under the lock.
 */
async function withApprovedApp<T extends { ok: boolean }>(
  db: Kysely<Schema>,
  request: CredentialRequest,
  clock: Clock,
  act: (trx: Kysely<Schema>, secrets: SecretSummary[]) => Promise<T | Refused>,
): Promise<T | Refused> {
  return db.transaction().execute(async (trx): Promise<T | Refused> => {
    const app = await lockDeveloperApp(trx, request.developerId, request.appId);
    if (app === undefined) return { ok: false, reason: 'not-found' };
    if (app.status !== 'approved') return { ok: false, reason: 'not-approved' };
    return act(trx, await listSecrets(trx, app.id, clock));
  });
}

async function newestSecretId(trx: Kysely<Schema>, appId: number): Promise<number> {
  const row = await trx.selectFrom('app_secrets').select('id').where('app_id', '=', appId).orderBy('id', 'desc').limit(1).executeTakeFirstOrThrow();
  return row.id;
}

/**
 * The first secret of an approved app, or a new one when no current secret is left (all revoked
 * or ended). Older secrets still in an overlap keep their end date. The clear secret is returned
 * to be shown once; only its hash is stored.
 */
export async function createSecret(db: Kysely<Schema>, request: CredentialRequest, clock: Clock): Promise<IssuedSecret> {
  return withApprovedApp(db, request, clock, async (trx, secrets): Promise<IssuedSecret> => {
    if (currentSecret(secrets) !== undefined) return { ok: false, reason: 'already-exists' };
    const secret = await issueClientSecret(trx, request.appId, clock);
    const secretId = await newestSecretId(trx, request.appId);
    await recordAudit(trx, secretAudit(request, 'app.secret-created', { secretId }), clock);
    return { ok: true, secret, secretId, hint: secret.slice(-4) };
  });
}

/**
 * Replaces the current secret: the new one is returned to be shown once, the old one keeps
 * working for `overlapMs` (24 h by default) so deployments can switch without downtime.
 * `expectedCurrentId` is the current secret the developer saw: a resubmitted form (a reload of
 * the page that showed the new secret) names a replaced one and is refused, so a reload neither
 * rotates again nor shows a secret twice. Older secrets already in an overlap keep their end date.
 */
export async function rotateSecret(
  db: Kysely<Schema>,
  request: CredentialRequest & { expectedCurrentId: number },
  clock: Clock,
  overlapMs = SECRET_ROTATION_OVERLAP_MS,
): Promise<IssuedSecret> {
  return withApprovedApp(db, request, clock, async (trx, secrets): Promise<IssuedSecret> => {
    const current = currentSecret(secrets);
    if (current === undefined) return { ok: false, reason: 'nothing-to-rotate' };
    if (current.id !== request.expectedCurrentId) return { ok: false, reason: 'stale' };
    const secret = await issueClientSecret(trx, request.appId, clock, overlapMs);
    const secretId = await newestSecretId(trx, request.appId);
    const previousExpiresAt = isoTimestamp(new Date(clock.now().getTime() + overlapMs));
    await recordAudit(trx, secretAudit(request, 'app.secret-rotated', { secretId, previousSecretId: current.id, previousExpiresAt }), clock);
    return { ok: true, secret, secretId, hint: secret.slice(-4) };
  });
}

/** Ends the rotation overlap now: every older secret that still works is revoked at once. */
export async function endSecretOverlap(db: Kysely<Schema>, request: CredentialRequest, clock: Clock): Promise<{ ok: true; revokedIds: number[] } | Refused> {
  return withApprovedApp(db, request, clock, async (trx, secrets): Promise<{ ok: true; revokedIds: number[] } | Refused> => {
    const expiring = secrets.filter((s) => s.state === 'expiring').map((s) => s.id);
    if (expiring.length === 0) return { ok: false, reason: 'nothing-to-end' };
    await trx.updateTable('app_secrets').set({ revoked_at: isoTimestamp(clock.now()) }).where('app_id', '=', request.appId).where('id', 'in', expiring).execute();
    await recordAudit(trx, secretAudit(request, 'app.secret-overlap-ended', { revokedSecretIds: expiring }), clock);
    return { ok: true, revokedIds: expiring };
  });
}

/** Longer than any secret we issue; longer input is not worth hashing. */
const MAX_PRESENTED_SECRET_LENGTH = 200;

/**
 * The app id when `presentedSecret` is a working secret of the approved app with this client id:
 * not revoked, not past its end date. Records the use (last_used_at). Null otherwise, for any
 * reason: the authorization server answers every failure the same way.
 */
/** How stale `last_used_at` may get before a use rewrites it. */
const LAST_USED_PRECISION_MS = 60_000;

export async function findValidSecret(db: Kysely<Schema>, clientId: number | string, presentedSecret: string, clock: Clock): Promise<number | null> {
  const id = typeof clientId === 'number' ? clientId : /^\d{1,15}$/.test(clientId) ? Number(clientId) : Number.NaN;
  if (!Number.isSafeInteger(id) || presentedSecret === '' || presentedSecret.length > MAX_PRESENTED_SECRET_LENGTH) return null;
  const nowIso = isoTimestamp(clock.now());
  const rows = await db
    .selectFrom('apps')
    .innerJoin('app_secrets', 'app_secrets.app_id', 'apps.id')
    .select(['apps.id as appId', 'app_secrets.id', 'app_secrets.secret_hash', 'app_secrets.last_used_at'])
    .where('apps.client_id', '=', id)
    .where('apps.status', '=', 'approved')
    .where('app_secrets.revoked_at', 'is', null)
    .where((eb) => eb.or([eb('app_secrets.expires_at', 'is', null), eb('app_secrets.expires_at', '>', nowIso)]))
    .execute();
  const match = rows.find((row) => secretMatches(presentedSecret, row.secret_hash));
  if (match === undefined) return null;
  // At most one write a minute per secret: every token request passes here, and "last used" needs
  // no finer precision (the inactivity rule counts days). Decided here, so a fresh secret costs no
  // write statement at all (it would still take the database's write lock).
  const staleBefore = isoTimestamp(new Date(clock.now().getTime() - LAST_USED_PRECISION_MS));
  if (match.last_used_at === null || match.last_used_at < staleBefore) {
    await db
      .updateTable('app_secrets')
      .set({ last_used_at: nowIso })
      .where('id', '=', match.id)
      .where((eb) => eb.or([eb('last_used_at', 'is', null), eb('last_used_at', '<', staleBefore)]))
      .execute();
  }
  return match.appId;
}
