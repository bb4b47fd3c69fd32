import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import { recordAudit } from '../audit/audit-log.js';
import type { Clock } from '../clock.js';
import type { Schema } from '../db/schema.js';
import { clearLoginFailures, loginLockedUntil, recordLoginFailure, type ThrottleKeys } from '../security/login-throttle.js';
import { hashPassword, verifyPassword } from '../security/passwords.js';
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

let decoyHash: Promise<string> | undefined;

/**
 * A hash to verify against when the account does not exist or has no password, so a wrong email
 * costs as much time as a wrong password and response times do not tell which accounts exist.
 */
function decoyPasswordHash(): Promise<string> {
  decoyHash ??= hashPassword(randomBytes(16).toString('hex'));
  return decoyHash;
}

/**
 * Checks a developer's portal sign-in. Throttled per account and per address: a locked key is
 * refused before the password is looked at. A developer without a password (password_hash null)
 * cannot sign in. Successes and lockouts are audited.
 */
export async function signInDeveloper(db: Kysely<Schema>, credentials: DeveloperCredentials, clock: Clock): Promise<DeveloperSignIn> {
  const email = normalizeEmail(credentials.email);
  if (!isPlausibleEmail(email) || credentials.password === '' || credentials.password.length > 1000) return { ok: false, reason: 'invalid' };
  const keys = developerThrottleKeys(email, credentials.ip);
  const lockedUntil = await loginLockedUntil(db, keys, clock);
  if (lockedUntil !== null) return { ok: false, reason: 'locked', until: lockedUntil };

  const developer = await db.selectFrom('developers').select(['id', 'password_hash']).where('email', '=', email).executeTakeFirst();
  const passwordHash = developer?.password_hash ?? (await decoyPasswordHash());
  const matches = await verifyPassword(passwordHash, credentials.password);
  if (developer === undefined || developer.password_hash === null || !matches) {
    await recordLoginFailure(db, keys, clock);
    const nowLocked = await loginLockedUntil(db, keys, clock);
    if (nowLocked === null) return { ok: false, reason: 'invalid' };
    await recordAudit(
      db,
      {
        orgId: null,
        actor: { type: 'system', id: null },
        action: 'developer.sign-in-locked',
        target: { type: 'developer', id: developer === undefined ? null : String(developer.id) },
        details: { email, until: nowLocked.toISOString() },
        ip: credentials.ip,
      },
      clock,
    );
    return { ok: false, reason: 'locked', until: nowLocked };
  }

  await clearLoginFailures(db, keys);
  await recordAudit(
    db,
    { orgId: null, actor: { type: 'developer', id: String(developer.id) }, action: 'developer.signed-in', target: { type: 'developer', id: String(developer.id) }, ip: credentials.ip },
    clock,
  );
  return { ok: true, developerId: developer.id };
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
