/**
 * A visitor creates their own account in one instance (issue 4: "a simple sign-up page"). The
 * account belongs to that instance only, like every user. One transaction writes the user, the
 * audit entry and the `user-updated` event ConCat sends when "a user profile is created".
 *
 * The email address starts unverified; verifying it belongs to the profile's email change flow.
 * Sign-ups are throttled per client address (each costs an argon2id hash).
 */
import type { Kysely } from 'kysely';
import { recordAudit } from '../audit/audit-log.js';
import { isoTimestamp, type Clock } from '../clock.js';
import type { Schema } from '../db/schema.js';
import { isUniqueViolation } from '../db/unique-violation.js';
import { isPlausibleEmail, normalizeEmail } from '../platform/email-address.js';
import { MIN_PASSWORD_LENGTH } from '../platform/operators.js';
import { loginLockedUntil, recordLoginFailure, type ThrottleKeys, type ThrottleLimits } from '../security/login-throttle.js';
import { hashPassword, MAX_PASSWORD_LENGTH } from '../security/passwords.js';
import { checkPersonName, checkUsername, recordUserUpdated } from './user-profile-changes.js';

export interface SignUpInput {
  orgId: number;
  username: string;
  email: string;
  firstName: string;
  lastName: string;
  password: string;
  ip: string;
}

export type SignUpField = 'username' | 'email' | 'firstName' | 'lastName' | 'password';
export type SignUpErrors = Partial<Record<SignUpField, string>>;

export type SignUpResult =
  | { ok: true; userId: number }
  | { ok: false; reason: 'invalid'; errors: SignUpErrors }
  | { ok: false; reason: 'throttled'; until: Date };

/** Accounts an hour from one address: `perAccount` in one instance, `perAddress` in all together. */
export const SIGN_UP_LIMITS: ThrottleLimits = { perAccount: 10, perAddress: 30, windowMs: 3_600_000, lockMs: 3_600_000 };

function signUpKeys(orgId: number, ip: string): ThrottleKeys {
  return { account: `sign-up:${orgId}:${ip}`, address: `sign-up:${ip}` };
}

const EMAIL_MAX = 254;
const USERNAME_TAKEN = 'That username is taken. Choose another one.';
const EMAIL_TAKEN = 'An account with this email address exists already. Sign in instead.';

function validate(input: SignUpInput): { ok: true; username: string; email: string; firstName: string; lastName: string } | { ok: false; errors: SignUpErrors } {
  const errors: SignUpErrors = {};
  const username = checkUsername(input.username);
  if (!username.ok) errors.username = username.error;
  const firstName = checkPersonName(input.firstName, 'first name');
  if (!firstName.ok) errors.firstName = firstName.error;
  const lastName = checkPersonName(input.lastName, 'last name');
  if (!lastName.ok) errors.lastName = lastName.error;
  const email = input.email.trim();
  if (email === '') errors.email = 'Enter your email address.';
  else if (email.length > EMAIL_MAX || !isPlausibleEmail(email)) errors.email = 'Enter a valid email address, like name@example.com.';
  if (input.password.length < MIN_PASSWORD_LENGTH) errors.password = `Choose a password of at least ${MIN_PASSWORD_LENGTH} characters.`;
  else if (input.password.length > MAX_PASSWORD_LENGTH) errors.password = `A password can be at most ${MAX_PASSWORD_LENGTH} characters long.`;
  if (!username.ok || !firstName.ok || !lastName.ok || Object.keys(errors).length > 0) return { ok: false, errors };
  return { ok: true, username: username.value, email, firstName: firstName.value, lastName: lastName.value };
}

export async function signUpUser(db: Kysely<Schema>, input: SignUpInput, clock: Clock): Promise<SignUpResult> {
  const valid = validate(input);
  if (!valid.ok) return { ok: false, reason: 'invalid', errors: valid.errors };
  const keys = signUpKeys(input.orgId, input.ip);
  const until = await loginLockedUntil(db, keys, clock);
  if (until !== null) return { ok: false, reason: 'throttled', until };
  const passwordHash = await hashPassword(input.password);
  const usernameNormalized = valid.username.toLowerCase();
  const emailNormalized = normalizeEmail(valid.email);
  try {
    const result = await db.transaction().execute(async (trx): Promise<SignUpResult> => {
      const taken = await trx
        .selectFrom('users')
        .select(['username_normalized', 'email_normalized'])
        .where('org_id', '=', input.orgId)
        .where((eb) => eb.or([eb('username_normalized', '=', usernameNormalized), eb('email_normalized', '=', emailNormalized)]))
        .execute();
      const errors: SignUpErrors = {};
      if (taken.some((row) => row.username_normalized === usernameNormalized)) errors.username = USERNAME_TAKEN;
      if (taken.some((row) => row.email_normalized === emailNormalized)) errors.email = EMAIL_TAKEN;
      if (Object.keys(errors).length > 0) return { ok: false, reason: 'invalid', errors };
      const now = isoTimestamp(clock.now());
      const { id } = await trx
        .insertInto('users')
        .values({
          org_id: input.orgId,
          username: valid.username,
          username_normalized: usernameNormalized,
          first_name: valid.firstName,
          last_name: valid.lastName,
          preferred_name: null,
          email: valid.email,
          email_normalized: emailNormalized,
          email_verified: 0,
          phone: null,
          address_line1: null,
          address_line2: null,
          address_city: null,
          address_state: null,
          address_zipcode: null,
          address_country: null,
          born_at: null,
          identity_verified: 0,
          newsletter: 0,
          profile_picture_url: null,
          social_links: '{}',
          password_hash: passwordHash,
          created_at: now,
          updated_at: now,
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      const actor = { type: 'user' as const, id: String(id) };
      await recordAudit(trx, { orgId: input.orgId, actor, action: 'user.signed-up', target: { type: 'user', id: String(id) }, ip: input.ip === '' ? null : input.ip }, clock);
      await recordUserUpdated(trx, input.orgId, id, actor, clock);
      return { ok: true, userId: id };
    });
    // Counted after the fact: every account created counts towards both limits.
    if (result.ok) await recordLoginFailure(db, keys, clock, SIGN_UP_LIMITS);
    return result;
  } catch (error) {
    // Two sign-ups claiming the same name or address at once: the unique index lets one commit.
    if (isUniqueViolation(error)) return { ok: false, reason: 'invalid', errors: { username: 'That username or email address was taken a moment ago. Choose another one.' } };
    throw error;
  }
}
