import { describe, expect, it } from 'vitest';
import { CLIENT_SECRET_PREFIX, generateSecret, hashSecret, secretMatches } from '../../src/security/secrets.js';

describe('secrets', () => {
  it('carry their prefix and 32 random bytes in base64url', () => {
    const secret = generateSecret(CLIENT_SECRET_PREFIX);
    expect(secret).toMatch(/^ccs_[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(secret.slice(4), 'base64url')).toHaveLength(32);
  });

  it('never repeat', () => {
    const secrets = new Set(Array.from({ length: 1000 }, () => generateSecret('x_')));
    expect(secrets.size).toBe(1000);
  });

  it('hash to SHA-256 hex', () => {
    expect(hashSecret('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });

  it('match only their own hash', () => {
    const secret = generateSecret(CLIENT_SECRET_PREFIX);
    const stored = hashSecret(secret);
    expect(secretMatches(secret, stored)).toBe(true);
    expect(secretMatches(`${secret}x`, stored)).toBe(false);
    expect(secretMatches(generateSecret(CLIENT_SECRET_PREFIX), stored)).toBe(false);
  });

  it('match nothing when the stored hash is malformed', () => {
    const secret = generateSecret(CLIENT_SECRET_PREFIX);
    expect(secretMatches(secret, '')).toBe(false);
    expect(secretMatches(secret, hashSecret(secret).toUpperCase())).toBe(false);
    expect(secretMatches(secret, hashSecret(secret).slice(0, 63))).toBe(false);
    expect(secretMatches(secret, secret)).toBe(false);
  });
});
