import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** The prefix of app client secrets: recognizable, so leaked secrets can be found by scanning. */
export const CLIENT_SECRET_PREFIX = 'ccs_';

/**
 * A new secret: the prefix, then 32 random bytes in base64url (43 characters, 256 bits).
 * Shown once; only its hash is stored.
 */
export function generateSecret(prefix: string): string {
  return `${prefix}${randomBytes(32).toString('base64url')}`;
}

/**
 * SHA-256 hex of a secret. A fast hash suffices for 256-bit random values (no dictionary to
 * attack), and keeps the token endpoint fast; user passwords use argon2id instead.
 */
export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

const SHA256_HEX = /^[0-9a-f]{64}$/;

/** Whether the secret hashes to the stored hash, compared in constant time. */
export function secretMatches(secret: string, storedHash: string): boolean {
  if (!SHA256_HEX.test(storedHash)) return false;
  return timingSafeEqual(Buffer.from(hashSecret(secret), 'hex'), Buffer.from(storedHash, 'hex'));
}
