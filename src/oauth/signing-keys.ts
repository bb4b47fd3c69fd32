/**
 * One ES256 signing key per instance, generated on first use and stored in `oauth_signing_keys`.
 *
 * Where the private key lives: in the database, encrypted with AES-256-GCM under a 32-byte key
 * kept in `<data dir>/oauth-keys.secret` (mode 0600, created on first use). A database dump or
 * backup alone cannot sign tokens; every process serving the platform must see the same data
 * directory file (as they share the TLS certificate). Losing the file loses the keys: they are
 * then regenerated (old ID tokens stop verifying; opaque access tokens are unaffected).
 */
import { createCipheriv, createDecipheriv, generateKeyPairSync, randomBytes, randomUUID, type JsonWebKey } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Kysely } from 'kysely';
import { isoTimestamp, type Clock } from '../clock.js';
import type { Schema } from '../db/schema.js';

export const SIGNING_ALG = 'ES256';
const KEY_FILE = 'oauth-keys.secret';

/** A private signing JWK as the provider's `jwks` option takes it. */
export interface SigningJwk {
  kty: string;
  crv: string;
  x: string;
  y: string;
  d: string;
  kid: string;
  alg: string;
  use: 'sig';
}

/** Reads the data directory's encryption key, creating it on first use (two processes: one wins). */
export function loadKeyEncryptionKey(dataDir: string): Buffer {
  const file = path.join(dataDir, KEY_FILE);
  try {
    return checkedKey(readFileSync(file));
  } catch (error) {
    if (!isNotFound(error)) throw error;
  }
  mkdirSync(dataDir, { recursive: true });
  try {
    writeFileSync(file, randomBytes(32), { mode: 0o600, flag: 'wx' });
  } catch (error) {
    if (!(error instanceof Error && 'code' in error && error.code === 'EEXIST')) throw error;
  }
  return checkedKey(readFileSync(file));
}

function checkedKey(key: Buffer): Buffer {
  if (key.length !== 32) throw new Error(`${KEY_FILE} in the data directory must hold 32 bytes`);
  return key;
}

function isNotFound(error: unknown): boolean {
  return error instanceof Error && 'code' in error && error.code === 'ENOENT';
}

export function encryptJwk(jwk: JsonWebKey, key: Buffer): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  const body = Buffer.concat([cipher.update(JSON.stringify(jwk), 'utf8'), cipher.final()]);
  return ['v1', iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), body.toString('base64url')].join('.');
}

export function decryptJwk(stored: string, key: Buffer): JsonWebKey {
  const [version, iv, tag, body] = stored.split('.');
  if (version !== 'v1' || iv === undefined || tag === undefined || body === undefined) throw new Error('unreadable signing key record');
  const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
  decipher.setAuthTag(Buffer.from(tag, 'base64url'));
  const text = Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString('utf8');
  const parsed: unknown = JSON.parse(text);
  if (typeof parsed !== 'object' || parsed === null) throw new Error('unreadable signing key record');
  const jwk: JsonWebKey = {};
  for (const [name, value] of Object.entries(parsed)) if (typeof value === 'string') jwk[name] = value;
  return jwk;
}

function toSigningJwk(jwk: JsonWebKey, kid: string): SigningJwk {
  const { kty, crv, x, y, d } = jwk;
  if (kty !== 'EC' || crv !== 'P-256' || x === undefined || y === undefined || d === undefined) throw new Error('signing key is not a P-256 key');
  return { kty, crv, x, y, d, kid, alg: SIGNING_ALG, use: 'sig' };
}

/**
 * The instance's current signing keys (newest first), generating the first on demand. A key the
 * data directory's file cannot decrypt is skipped; with none left a new key is made.
 */
export async function instanceSigningKeys(db: Kysely<Schema>, orgId: number, encryptionKey: Buffer, clock: Clock): Promise<SigningJwk[]> {
  const readable = async (): Promise<SigningJwk[]> => {
    const rows = await db
      .selectFrom('oauth_signing_keys')
      .select(['kid', 'private_jwk_encrypted'])
      .where('org_id', '=', orgId)
      .where('retired_at', 'is', null)
      .orderBy('created_at', 'desc')
      .execute();
    const keys: SigningJwk[] = [];
    for (const row of rows) {
      try {
        keys.push(toSigningJwk(decryptJwk(row.private_jwk_encrypted, encryptionKey), row.kid));
      } catch {
        // Encrypted under another key file: unusable here.
      }
    }
    return keys;
  };
  const existing = await readable();
  if (existing.length > 0) return existing;
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const kid = randomUUID();
  await db
    .insertInto('oauth_signing_keys')
    .values({
      org_id: orgId,
      kid,
      alg: SIGNING_ALG,
      public_jwk: JSON.stringify({ ...publicKey.export({ format: 'jwk' }), kid, alg: SIGNING_ALG, use: 'sig' }),
      private_jwk_encrypted: encryptJwk(privateKey.export({ format: 'jwk' }), encryptionKey),
      created_at: isoTimestamp(clock.now()),
      retired_at: null,
    })
    .execute();
  return readable();
}
