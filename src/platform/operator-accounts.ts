import type { Kysely } from 'kysely';
import { recordAudit } from '../audit/audit-log.js';
import type { Clock } from '../clock.js';
import type { Schema } from '../db/schema.js';
import { throttledSignIn, type ThrottleKeys } from '../security/login-throttle.js';
import { verifyPasswordOrDecoy } from '../security/passwords.js';
import { normalizeEmail } from './email-address.js';

export interface OperatorAccount {
  id: number;
  email: string;
  name: string;
}

export type OperatorSignIn =
  | { outcome: 'signed-in'; operator: OperatorAccount }
  /** Unknown email or wrong password: deliberately indistinguishable. */
  | { outcome: 'invalid' }
  /** The password was right but the account is disabled. */
  | { outcome: 'disabled' }
  /** Too many failures for this account or address; no password was checked. */
  | { outcome: 'locked'; until: Date };

export interface SignInAttempt {
  email: string;
  password: string;
  ip: string;
}

/** The throttle keys of an operator sign-in: per account and per client address. */
export function operatorThrottleKeys(email: string, ip: string): ThrottleKeys {
  return { account: `operator:account:${normalizeEmail(email)}`, address: `operator:address:${ip}` };
}

/**
 * Checks an operator's email and password (argon2id) under the sign-in throttle. A failure that
 * locks the account or address is audited as a burst; a success is audited too.
 */
export async function authenticateOperator(db: Kysely<Schema>, attempt: SignInAttempt, clock: Clock): Promise<OperatorSignIn> {
  const email = normalizeEmail(attempt.email);
  let knownId: number | null = null;
  const result = await throttledSignIn(db, operatorThrottleKeys(email, attempt.ip), clock, async () => {
    const row = await db.selectFrom('operators').select(['id', 'email', 'name', 'password_hash', 'disabled_at']).where('email', '=', email).executeTakeFirst();
    knownId = row?.id ?? null;
    return (await verifyPasswordOrDecoy(row?.password_hash, attempt.password)) ? (row ?? null) : null;
  });
  if (result.outcome === 'refused') return { outcome: 'invalid' };
  if (result.outcome === 'locked') {
    if (result.newlyLocked) {
      await recordAudit(db, { orgId: null, actor: { type: 'system', id: null }, action: 'operator.sign-in-locked', target: { type: 'operator', id: knownId === null ? null : String(knownId) }, details: { email, until: result.until.toISOString() }, ip: attempt.ip }, clock);
    }
    return { outcome: 'locked', until: result.until };
  }
  const row = result.value;
  const actor = { type: 'operator', id: String(row.id) } as const;
  const target = { type: 'operator', id: String(row.id) };
  if (row.disabled_at !== null) {
    await recordAudit(db, { orgId: null, actor, action: 'operator.sign-in-refused', target, details: { reason: 'disabled' }, ip: attempt.ip }, clock);
    return { outcome: 'disabled' };
  }
  await recordAudit(db, { orgId: null, actor, action: 'operator.signed-in', target, ip: attempt.ip }, clock);
  return { outcome: 'signed-in', operator: { id: row.id, email: row.email, name: row.name } };
}

/** The operator a console session belongs to, if the account still exists and is not disabled. */
export async function activeOperator(db: Kysely<Schema>, operatorId: number): Promise<OperatorAccount | null> {
  const row = await db.selectFrom('operators').select(['id', 'email', 'name']).where('id', '=', operatorId).where('disabled_at', 'is', null).executeTakeFirst();
  return row ?? null;
}

/** Records that an operator signed out (sessions themselves end in the session store). */
export async function recordOperatorSignOut(db: Kysely<Schema>, operatorId: number, ip: string, clock: Clock): Promise<void> {
  await recordAudit(db, { orgId: null, actor: { type: 'operator', id: String(operatorId) }, action: 'operator.signed-out', target: { type: 'operator', id: String(operatorId) }, ip }, clock);
}
