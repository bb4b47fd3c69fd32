/**
 * One ES256 signing key per instance, generated on first use and stored in `oauth_signing_keys`.
 *
 * Where the private key lives: in the database, encrypted with AES-256-GCM under a 32-byte key
 * kept in `<data dir>/oauth-keys.secret` (mode 0600, created on first use). A database dump or
 * backup alone cannot sign tokens; every process serving the platform must see the same data
 * directory file (as they share the TLS certificate). Losing the file loses the keys: they are
 * then regenerated (old ID tokens stop verifying; opaque access tokens are unaffected).
 * Rotation adds a key that is published before it signs, then retires the old one (see below).
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
 * Rotation: a new key is published (JWKS) this long before it signs, so relying parties that
 * cache the JWKS know it before they meet a token signed with it. The previous key stays
 * published, so its tokens keep verifying, until it is retired. Providers pick up key changes
 * when they are rebuilt (`PROVIDER_MAX_AGE_MS`, providers.ts).
 */
export const SIGNING_KEY_PUBLISH_AHEAD_MS = 24 * 3_600_000;

/**
 * The instance's published signing keys, the one that signs first (the provider signs with the
 * first key of its alg): the newest key published at least `SIGNING_KEY_PUBLISH_AHEAD_MS` ago, or,
 * while none is, the oldest (an instance's first key signs at once: nobody can have cached a JWKS
 * without it). The others follow, newest first. The first key is generated on demand; a key the
 * data directory's file cannot decrypt is skipped, and with none left a new key is made.
 */
export async function instanceSigningKeys(db: Kysely<Schema>, orgId: number, encryptionKey: Buffer, clock: Clock): Promise<SigningJwk[]> {
  let keys = await readableKeys(db, orgId, encryptionKey);
  if (keys.length === 0) {
    await addSigningKey(db, orgId, encryptionKey, clock);
    keys = await readableKeys(db, orgId, encryptionKey);
  }
  const readySince = clock.now().getTime() - SIGNING_KEY_PUBLISH_AHEAD_MS;
  const signer = keys.find((key) => key.createdAt <= readySince) ?? keys.at(-1);
  return [...(signer === undefined ? [] : [signer]), ...keys.filter((key) => key !== signer)].map((key) => key.jwk);
}

/** The instance's unretired keys this data directory can decrypt, newest first. */
async function readableKeys(db: Kysely<Schema>, orgId: number, encryptionKey: Buffer): Promise<{ jwk: SigningJwk; createdAt: number }[]> {
  const rows = await db
    .selectFrom('oauth_signing_keys')
    .select(['kid', 'private_jwk_encrypted', 'created_at'])
    .where('org_id', '=', orgId)
    .where('retired_at', 'is', null)
    .orderBy('created_at', 'desc')
    .execute();
  const keys: { jwk: SigningJwk; createdAt: number }[] = [];
  for (const row of rows) {
    try {
      keys.push({ jwk: toSigningJwk(decryptJwk(row.private_jwk_encrypted, encryptionKey), row.kid), createdAt: Date.parse(row.created_at) });
    } catch {
      // Encrypted under another key file: unusable here.
    }
  }
  return keys;
}

/** Adds a new signing key to the instance (rotation, step 1): published now, signing once ready. Returns its kid. */
export async function addSigningKey(db: Kysely<Schema>, orgId: number, encryptionKey: Buffer, clock: Clock): Promise<string> {
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
  return kid;
}

/**
 * Retires a key (rotation, step 2, once the new key signs and the old key's ID tokens have expired):
 * it leaves the JWKS, and tokens it signed stop verifying. Whether a key was retired.
 */
export async function retireSigningKey(db: Kysely<Schema>, orgId: number, kid: string, clock: Clock): Promise<boolean> {
  const result = await db
    .updateTable('oauth_signing_keys')
    .set({ retired_at: isoTimestamp(clock.now()) })
    .where('org_id', '=', orgId)
    .where('kid', '=', kid)
    .where('retired_at', 'is', null)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

export interface SigningKeyStatus {
  kid: string;
  createdAt: string;
  retiredAt: string | null;
  /** `signing`: signs new ID tokens; `published`: in the JWKS, not signing (new and not ready yet, or replaced); `retired`: gone from the JWKS. */
  state: 'signing' | 'published' | 'retired';
}

/** Every signing key of the instance, newest first, with the state the rotation rule above gives it. */
export async function listSigningKeys(db: Kysely<Schema>, orgId: number, clock: Clock): Promise<SigningKeyStatus[]> {
  const rows = await db.selectFrom('oauth_signing_keys').select(['kid', 'created_at', 'retired_at']).where('org_id', '=', orgId).orderBy('created_at', 'desc').execute();
  const live = rows.filter((row) => row.retired_at === null);
  const readySince = clock.now().getTime() - SIGNING_KEY_PUBLISH_AHEAD_MS;
  const signer = live.find((row) => Date.parse(row.created_at) <= readySince) ?? live.at(-1);
  return rows.map((row) => ({
    kid: row.kid,
    createdAt: row.created_at,
    retiredAt: row.retired_at,
    state: row.retired_at !== null ? 'retired' : row === signer ? 'signing' : 'published',
  }));
}
