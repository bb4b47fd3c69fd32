import type { Kysely } from 'kysely';
import { recordAudit } from '../audit/audit-log.js';
import type { Clock } from '../clock.js';
import type { Schema } from '../db/schema.js';
import { throttledSignIn, type ThrottleKeys } from '../security/login-throttle.js';
import { MAX_PASSWORD_LENGTH, verifyPasswordOrDecoy } from '../security/passwords.js';
import { isPlausibleEmail, normalizeEmail } from './email-address.js';

export interface DeveloperCredentials {
  email: string;
  password: string;
  /** The client's address: failures are also counted per address. */
  ip: string;
}

export type DeveloperSignIn =
  | { ok: true; developerId: number }
  | { ok: false; reason: 'invalid' }
  | { ok: false; reason: 'locked'; until: Date };

export function developerThrottleKeys(email: string, ip: string): ThrottleKeys {
  return { account: `developer:account:${normalizeEmail(email)}`, address: `developer:address:${ip}` };
}

/**
 * Checks a developer's portal sign-in. Throttled per account and per address: a locked key is
 * refused before the password is looked at. A developer without a password (password_hash null)
 * cannot sign in. Successes and lockouts are audited.
 */
export async function signInDeveloper(db: Kysely<Schema>, credentials: DeveloperCredentials, clock: Clock): Promise<DeveloperSignIn> {
  const email = normalizeEmail(credentials.email);
  if (!isPlausibleEmail(email) || credentials.password === '' || credentials.password.length > MAX_PASSWORD_LENGTH) return { ok: false, reason: 'invalid' };
  let knownId: number | null = null;
  const result = await throttledSignIn(db, developerThrottleKeys(email, credentials.ip), clock, async () => {
    const developer = await db.selectFrom('developers').select(['id', 'password_hash']).where('email', '=', email).executeTakeFirst();
    knownId = developer?.id ?? null;
    return (await verifyPasswordOrDecoy(developer?.password_hash, credentials.password)) ? (developer?.id ?? null) : null;
  });
  if (result.outcome === 'refused') return { ok: false, reason: 'invalid' };
  if (result.outcome === 'locked') {
    if (result.newlyLocked) {
      await recordAudit(db, { orgId: null, actor: { type: 'system', id: null }, action: 'developer.sign-in-locked', target: { type: 'developer', id: knownId === null ? null : String(knownId) }, details: { email, until: result.until.toISOString() }, ip: credentials.ip }, clock);
    }
    return { ok: false, reason: 'locked', until: result.until };
  }
  const developerId = result.value;
  await recordAudit(db, { orgId: null, actor: { type: 'developer', id: String(developerId) }, action: 'developer.signed-in', target: { type: 'developer', id: String(developerId) }, ip: credentials.ip }, clock);
  return { ok: true, developerId };
}

export interface DeveloperAccount {
  id: number;
  email: string;
  name: string;
}

/** The developer a portal session belongs to, if the account still exists and can sign in. */
export async function portalDeveloper(db: Kysely<Schema>, developerId: number): Promise<DeveloperAccount | null> {
  const row = await db.selectFrom('developers').select(['id', 'email', 'name']).where('id', '=', developerId).where('password_hash', 'is not', null).executeTakeFirst();
  return row ?? null;
}

/** Records that a developer signed out (the session itself ends in the session store). */
export async function recordDeveloperSignOut(db: Kysely<Schema>, developerId: number, ip: string, clock: Clock): Promise<void> {
  await recordAudit(db, { orgId: null, actor: { type: 'developer', id: String(developerId) }, action: 'developer.signed-out', target: { type: 'developer', id: String(developerId) }, ip }, clock);
}
