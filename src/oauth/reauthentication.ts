/**
 * When an authorization request needs the user to type their password again, although they are
 * signed in to the instance (OpenID Connect Core §3.1.2.1):
 * - `prompt=login`: the sign-in must be newer than the request itself;
 * - `max_age`: the sign-in must be at most that many seconds old, or newer than the request.
 * The sign-in time is the instance session's (when the password was checked), which is also the
 * `auth_time` the provider reports.
 */

export interface ReauthenticationInput {
  /** When the user signed in to the instance. */
  signedInAt: Date;
  now: Date;
  /** The request's `max_age` parameter as sent (a string from the query, or a number), if any. */
  maxAge: unknown;
  /** Whether the request asks for `prompt=login`. */
  promptLogin: boolean;
  /** When the authorization request started (its interaction was created). */
  requestedAt: Date;
}

/** `max_age` in seconds, or undefined when absent or not a non-negative integer. */
export function maxAgeSeconds(value: unknown): number | undefined {
  const text = typeof value === 'number' ? String(value) : value;
  if (typeof text !== 'string' || !/^\d{1,10}$/.test(text)) return undefined;
  return Number(text);
}

/** Whether the sign-in is older than the request's `max_age` allows. */
export function signInTooOld(signedInAt: Date, now: Date, maxAge: unknown): boolean {
  const seconds = maxAgeSeconds(maxAge);
  return seconds !== undefined && now.getTime() - signedInAt.getTime() > seconds * 1000;
}

export function mustReauthenticate(input: ReauthenticationInput): boolean {
  // A sign-in made during this request satisfies prompt=login and any max_age (even 0).
  if (input.signedInAt.getTime() >= input.requestedAt.getTime()) return false;
  return input.promptLogin || signInTooOld(input.signedInAt, input.now, input.maxAge);
}
