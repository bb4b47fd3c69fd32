import { randomBytes } from 'node:crypto';
import { hash, verify, type Options } from '@node-rs/argon2';

/**
 * argon2id at OWASP's minimum (19 MiB, 2 passes, 1 lane): about 10 ms per hash on our machines,
 * which caps logins near 160/s per box, so login routes must be rate-limited. Spelled out rather
 * than left to the library's defaults so an upgrade cannot silently change them.
 */
const ARGON2ID_OPTIONS: Options = {
  // Algorithm.Argon2id: the library exports it as a const enum, which isolatedModules cannot read.
  algorithm: 2,
  memoryCost: 19_456,
  timeCost: 2,
  parallelism: 1,
};

/** A PHC string ('$argon2id$v=19$m=19456,t=2,p=1$…') with a fresh random salt. */
export function hashPassword(password: string): Promise<string> {
  return hash(password, ARGON2ID_OPTIONS);
}

/**
 * Whether the password matches the stored hash. A stored value that is not an argon2 hash
 * matches nothing, rather than failing the login with an error.
 */
export async function verifyPassword(passwordHash: string, password: string): Promise<boolean> {
  try {
    return await verify(passwordHash, password);
  } catch {
    return false;
  }
}

/** A random password of 24 URL-safe characters (144 bits), for accounts created on someone's behalf. */
export function generatePassword(): string {
  return randomBytes(18).toString('base64url');
}

/** Longer passwords are refused before hashing, so a huge one cannot tie up a thread. */
export const MAX_PASSWORD_LENGTH = 1024;

let decoyHash: Promise<string> | undefined;

/**
 * Verifies a sign-in password against an account's hash, or, when there is no account or no
 * password (null), against a decoy hash: every failure costs one argon2 verification, so
 * response times do not reveal which accounts exist.
 */
export async function verifyPasswordOrDecoy(passwordHash: string | null | undefined, password: string): Promise<boolean> {
  const tooLong = password.length > MAX_PASSWORD_LENGTH;
  const candidate = tooLong ? password.slice(0, MAX_PASSWORD_LENGTH) : password;
  if (passwordHash === null || passwordHash === undefined) {
    decoyHash ??= hashPassword(generatePassword());
    await verifyPassword(await decoyHash, candidate);
    return false;
  }
  const matches = await verifyPassword(passwordHash, candidate);
  return matches && !tooLong && password !== '';
}
