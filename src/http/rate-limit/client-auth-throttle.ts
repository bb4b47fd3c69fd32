/**
 * Brute force of client secrets (oauth-server.md §3 item 42). Failed client authentications are
 * counted per (client, address) and per address, with the sign-in throttle's store and sequence
 * (security/login-throttle.ts): a locked key is refused before the secret is checked, a failure
 * counts with one atomic upsert per key (in the database, so across processes), a success clears
 * the (client, address) count, and the failure that starts a lock is audited. A wrong Basic secret
 * is counted by the rate limiter as soon as it checks it (caller-resolution.ts), so every request
 * is a counted guess whoever answers it, and the authorization server then does not count it again.
 *
 * There is deliberately no lock per client alone: secrets are 256-bit random values nobody can
 * guess from any number of addresses, and such a lock would let anyone block an integration by
 * sending wrong secrets in its name. So failures from one address never affect another.
 */
import type { IncomingMessage } from 'node:http';
import type * as Oidc from 'oidc-provider';
import type { Kysely } from 'kysely';
import { recordAudit } from '../../audit/audit-log.js';
import type { Clock } from '../../clock.js';
import type { Config } from '../../config.js';
import type { Schema } from '../../db/schema.js';
import { loginLockedUntil, recordLoginFailure, throttledSignIn, type ThrottleKeys, type ThrottleLimits } from '../../security/login-throttle.js';
import { clientAddressKey } from './client-address.js';

/** Failures are counted in this window; a lock lasts as long. */
export const CLIENT_AUTH_WINDOW_MS = 15 * 60_000;

export function clientAuthLimits(config: Config): ThrottleLimits {
  return { perAccount: config.clientAuthFailures, perAddress: config.clientAuthAddressFailures, windowMs: CLIENT_AUTH_WINDOW_MS, lockMs: CLIENT_AUTH_WINDOW_MS };
}

/** `address` is a client address key (client-address.ts). */
export function clientAuthKeys(clientId: number | string, address: string): ThrottleKeys {
  return { account: `client-auth:${clientId}:${address}`, address: `client-auth-address:${address}` };
}

/** When client authentication from this address for this client may be tried again; null when it may now. */
export function clientAuthLockedUntil(db: Kysely<Schema>, clientId: number, address: string, clock: Clock): Promise<Date | null> {
  return loginLockedUntil(db, clientAuthKeys(clientId, address), clock);
}

/** Requests whose wrong Basic secret the rate limiter counted already: the authorization server must not count it again. */
const countedBeforeTheProvider = new WeakSet<IncomingMessage>();

async function auditLock(db: Kysely<Schema>, clock: Clock, orgId: number, clientId: number | string, until: Date, ip: string): Promise<void> {
  await recordAudit(
    db,
    { orgId, actor: { type: 'system', id: null }, action: 'oauth.client-auth-locked', target: { type: 'oauth-client', id: String(clientId) }, details: { until: until.toISOString() }, ip: ip === '' ? null : ip },
    clock,
  );
}

export interface WrongSecretAttempt {
  /** The request, so the authorization server, if it sees the request, does not count it twice. */
  raw: IncomingMessage;
  orgId: number;
  clientId: number;
  /** Client address key (client-address.ts) and the address as seen (for the audit log). */
  address: string;
  ip: string;
}

/**
 * Counts a wrong Basic secret as soon as the rate limiter has checked it, whoever answers the
 * request (a 429, a non-OAuth endpoint, a provider error before its secret check): no request
 * is a free guess. Returns when the pair or address is now locked, null when it is not.
 */
export async function countWrongSecret(db: Kysely<Schema>, clock: Clock, config: Config, attempt: WrongSecretAttempt): Promise<Date | null> {
  const keys = clientAuthKeys(attempt.clientId, attempt.address);
  await recordLoginFailure(db, keys, clock, clientAuthLimits(config));
  countedBeforeTheProvider.add(attempt.raw);
  const until = await loginLockedUntil(db, keys, clock);
  // The rate limiter found it unlocked just before: this failure started the lock.
  if (until !== null) await auditLock(db, clock, attempt.orgId, attempt.clientId, until, attempt.ip);
  return until;
}

export function secondsUntil(until: Date, clock: Clock): number {
  return Math.max(1, Math.ceil((until.getTime() - clock.now().getTime()) / 1000));
}

export interface SecretGuardDependencies {
  db: Kysely<Schema>;
  clock: Clock;
  config: Config;
  orgId: number;
  /** The provider module: its current request (`Provider.ctx`) and its error class. */
  oidc: typeof Oidc;
}

/**
 * The authorization server's secret comparison (`Client.prototype.compareClientSecret`) with
 * brute-force protection: `verify` runs only when neither key is locked; while locked the
 * provider answers 429 `temporarily_unavailable` with `Retry-After`.
 */
export function clientSecretGuard(deps: SecretGuardDependencies): (clientId: string, verify: () => Promise<boolean>) => Promise<boolean> {
  const { db, clock, orgId, oidc } = deps;
  const limits = clientAuthLimits(deps.config);
  const refuse = (ctx: Oidc.KoaContextWithOIDC | undefined, until: Date): never => {
    const retryAfter = secondsUntil(until, clock);
    ctx?.set('Retry-After', String(retryAfter));
    ctx?.set('Cache-Control', 'no-store');
    const error = new oidc.errors.OIDCProviderError(429, 'temporarily_unavailable');
    error.error_description = `too many failed client authentications from this address; retry after ${retryAfter} s`;
    throw error;
  };
  return async (clientId, verify) => {
    const ctx = oidc.default.ctx;
    const ip = ctx?.ip ?? '';
    const keys = clientAuthKeys(clientId, clientAddressKey(ip));
    if (ctx !== undefined && countedBeforeTheProvider.has(ctx.req)) {
      // A wrong Basic secret the rate limiter counted already: check the lock, never count it twice.
      const until = await loginLockedUntil(db, keys, clock);
      return until === null ? verify() : refuse(ctx, until);
    }
    const outcome = await throttledSignIn(db, keys, clock, async () => ((await verify()) ? true : null), limits);
    if (outcome.outcome === 'accepted') return true;
    if (outcome.outcome === 'refused') return false;
    if (outcome.newlyLocked) await auditLock(db, clock, orgId, clientId, outcome.until, ip);
    return refuse(ctx, outcome.until);
  };
}
