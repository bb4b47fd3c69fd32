import { describe, expect, test } from 'vitest';
import { maxAgeSeconds, mustReauthenticate, signInTooOld } from '../../src/oauth/reauthentication.js';

const signedInAt = new Date('2026-03-01T10:00:00.000Z');
const at = (seconds: number): Date => new Date(signedInAt.getTime() + seconds * 1000);

describe('when the password is asked again (prompt=login, max_age)', () => {
  test('max_age is a non-negative whole number of seconds, as a string or a number; anything else is no max_age', () => {
    expect(maxAgeSeconds('0')).toBe(0);
    expect(maxAgeSeconds('3600')).toBe(3600);
    expect(maxAgeSeconds(60)).toBe(60);
    for (const value of [undefined, '', '-1', '1.5', 'abc', ' 5', '12345678901', null, {}]) expect(maxAgeSeconds(value), JSON.stringify(value)).toBeUndefined();
  });

  test('a sign-in older than max_age is too old; exactly max_age is not', () => {
    expect(signInTooOld(signedInAt, at(60), '60')).toBe(false);
    expect(signInTooOld(signedInAt, at(61), '60')).toBe(true);
    expect(signInTooOld(signedInAt, at(1), '0')).toBe(true);
    expect(signInTooOld(signedInAt, at(10 ** 6), undefined)).toBe(false);
  });

  test('prompt=login needs a sign-in newer than the request; max_age applies as well', () => {
    const base = { signedInAt, now: at(30), maxAge: undefined, promptLogin: false, requestedAt: at(20) };
    expect(mustReauthenticate(base)).toBe(false);
    expect(mustReauthenticate({ ...base, promptLogin: true })).toBe(true);
    expect(mustReauthenticate({ ...base, promptLogin: true, requestedAt: signedInAt })).toBe(false);
    expect(mustReauthenticate({ ...base, promptLogin: true, requestedAt: at(-5) })).toBe(false);
    expect(mustReauthenticate({ ...base, maxAge: '10', requestedAt: at(-5) })).toBe(false);
    expect(mustReauthenticate({ ...base, maxAge: '10' })).toBe(true);
    expect(mustReauthenticate({ ...base, maxAge: '30' })).toBe(false);
  });

  test('a sign-in made during the request satisfies even max_age=0 (no endless loop back to the login page)', () => {
    const fresh = { signedInAt: at(25), now: at(26), maxAge: '0', promptLogin: true, requestedAt: at(20) };
    expect(mustReauthenticate(fresh)).toBe(false);
    expect(mustReauthenticate({ ...fresh, signedInAt: at(19) })).toBe(true);
  });
});
