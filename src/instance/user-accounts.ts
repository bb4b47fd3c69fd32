import type { Kysely } from 'kysely';
import { recordAudit } from '../audit/audit-log.js';
import { isoTimestamp, type Clock } from '../clock.js';
import type { Schema } from '../db/schema.js';
import { LOGIN_LIMITS, throttledSignIn, type ThrottleKeys } from '../security/login-throttle.js';
import { verifyPasswordOrDecoy } from '../security/passwords.js';

/** A user of one instance, as the sign-in and Housekeeping pages need them. */
export interface InstanceUser {
  id: number;
  orgId: number;
  username: string;
  email: string;
  /** The preferred name, else the legal first name, then the last name. */
  displayName: string;
}

/** Longest username or email accepted at sign-in; longer input cannot name an account. */
export const MAX_LOGIN_LENGTH = 254;

/** Usernames and emails compare case-insensitively, as they are stored (`*_normalized`). */
export function normalizeLogin(login: string): string {
  return login.trim().toLowerCase();
}

interface UserRow {
  id: number;
  org_id: number;
  username: string;
  email: string;
  first_name: string;
  last_name: string;
  preferred_name: string | null;
  password_hash: string | null;
}

function toInstanceUser(row: UserRow): InstanceUser {
  const first = row.preferred_name ?? row.first_name;
  return { id: row.id, orgId: row.org_id, username: row.username, email: row.email, displayName: `${first} ${row.last_name}`.trim() };
}

const USER_COLUMNS = ['id', 'org_id', 'username', 'email', 'first_name', 'last_name', 'preferred_name', 'password_hash'] as const;

/**
 * The user of this one instance whose username or email is `login`, or undefined. A username
 * match wins over an email match, so nobody can take over a sign-in name by choosing it as email.
 */
export async function findUserByLogin(db: Kysely<Schema>, orgId: number, login: string): Promise<{ user: InstanceUser; passwordHash: string | null } | undefined> {
  const normalized = normalizeLogin(login);
  if (normalized === '' || normalized.length > MAX_LOGIN_LENGTH) return undefined;
  const rows = await db
    .selectFrom('users')
    .select(USER_COLUMNS)
    .select('username_normalized')
    .where('org_id', '=', orgId)
    .where((eb) => eb.or([eb('username_normalized', '=', normalized), eb('email_normalized', '=', normalized)]))
    .execute();
  const row = rows.find((r) => r.username_normalized === normalized) ?? rows[0];
  return row === undefined ? undefined : { user: toInstanceUser(row), passwordHash: row.password_hash };
}

/** The user of this instance with this id, or undefined (also for another instance's user). */
export async function findUserById(db: Kysely<Schema>, orgId: number, userId: number): Promise<InstanceUser | undefined> {
  const row = await db.selectFrom('users').select(USER_COLUMNS).where('org_id', '=', orgId).where('id', '=', userId).executeTakeFirst();
  return row === undefined ? undefined : toInstanceUser(row);
}

/**
 * Checks a sign-in attempt against the users of ONE instance: a user of another instance never
 * matches, whatever the password. Null for an unknown login, a wrong password, or a user
 * without a password.
 */
export async function verifyUserLogin(db: Kysely<Schema>, orgId: number, login: string, password: string): Promise<InstanceUser | null> {
  const found = await findUserByLogin(db, orgId, login);
  return (await verifyPasswordOrDecoy(found?.passwordHash, password)) ? (found?.user ?? null) : null;
}

export type SignInOutcome =
  | { outcome: 'signed-in'; user: InstanceUser }
  | { outcome: 'refused' }
  | { outcome: 'locked'; until: Date };

export interface SignInAttempt {
  orgId: number;
  login: string;
  password: string;
  /** The client address: failures are also counted per address, across accounts and instances. */
  ip: string;
}

/**
 * The throttle keys of an attempt. The account key names the instance and, for a known user, the
 * user's id (so guesses by username and by email share one count); an unknown login is counted
 * by its text, so it locks exactly like a real account and reveals nothing. The address key
 * spans instances: one client spraying guesses over many instances is still one client.
 */
export function signInThrottleKeys(orgId: number, login: string, userId: number | undefined, ip: string): ThrottleKeys {
  const account = userId === undefined ? `login:${normalizeLogin(login).slice(0, MAX_LOGIN_LENGTH)}` : `id:${userId}`;
  return { account: `user:${orgId}:account:${account}`, address: `user:address:${ip}` };
}

/**
 * A sign-in to one instance, throttled per account and per address. A locked key refuses even
 * the right password until the lock ends; the failure that locks an account is audited.
 */
export async function attemptSignIn(db: Kysely<Schema>, attempt: SignInAttempt, clock: Clock): Promise<SignInOutcome> {
  const found = await findUserByLogin(db, attempt.orgId, attempt.login);
  const keys = signInThrottleKeys(attempt.orgId, attempt.login, found?.user.id, attempt.ip);
  const result = await throttledSignIn(db, keys, clock, () => verifyUserLogin(db, attempt.orgId, attempt.login, attempt.password));
  if (result.outcome === 'accepted') return { outcome: 'signed-in', user: result.value };
  if (result.outcome === 'locked' && !result.newlyLocked) return { outcome: 'locked', until: result.until };
  if (result.outcome === 'locked') {
    await recordAudit(
      db,
      {
        orgId: attempt.orgId,
        actor: { type: 'system', id: null },
        action: 'user.sign-in-locked',
        target: found === undefined ? { type: 'login', id: normalizeLogin(attempt.login).slice(0, MAX_LOGIN_LENGTH) } : { type: 'user', id: String(found.user.id) },
        details: { until: isoTimestamp(result.until), failuresAllowed: LOGIN_LIMITS.perAccount },
        ip: attempt.ip,
      },
      clock,
    );
  }
  return { outcome: 'refused' };
}
