/**
 * The instance's webhook signing key: RSA (RS256), because ConCat documents an RSA public key for
 * its webhook JWTs and receivers written for ConCat expect one. Generated on first use and stored in
 * `webhook_signing_keys` with the private half encrypted under the data directory's key (as the
 * OAuth signing keys). Published as a PEM at `{instance}/api/webhooks/key`.
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync, randomUUID, type KeyObject } from 'node:crypto';
import type { Kysely } from 'kysely';
import { isoTimestamp, type Clock } from '../clock.js';
import type { Schema } from '../db/schema.js';
import { decryptJwk, encryptJwk } from '../oauth/signing-keys.js';

export interface WebhookKey {
  kid: string;
  publicKeyPem: string;
  privateKey: KeyObject;
}

/** The instance's key, made on first use (two processes at once: one insert wins, both read it). */
export async function instanceWebhookKey(db: Kysely<Schema>, orgId: number, encryptionKey: Buffer, clock: Clock): Promise<WebhookKey> {
  const existing = await readKey(db, orgId, encryptionKey);
  if (existing !== undefined) return existing;
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  await db
    .insertInto('webhook_signing_keys')
    .values({
      org_id: orgId,
      kid: randomUUID(),
      public_key_pem: publicPem(privateKey),
      private_jwk_encrypted: encryptJwk(privateKey.export({ format: 'jwk' }), encryptionKey),
      created_at: isoTimestamp(clock.now()),
    })
    .onConflict((oc) => oc.column('org_id').doNothing())
    .execute();
  const created = await readKey(db, orgId, encryptionKey);
  if (created === undefined) throw new Error('the webhook signing key was not stored');
  return created;
}

async function readKey(db: Kysely<Schema>, orgId: number, encryptionKey: Buffer): Promise<WebhookKey | undefined> {
  const row = await db.selectFrom('webhook_signing_keys').selectAll().where('org_id', '=', orgId).executeTakeFirst();
  if (row === undefined) return undefined;
  const privateKey = createPrivateKey({ key: decryptJwk(row.private_jwk_encrypted, encryptionKey), format: 'jwk' });
  return { kid: row.kid, publicKeyPem: row.public_key_pem, privateKey };
}

function publicPem(privateKey: KeyObject): string {
  return createPublicKey(privateKey).export({ type: 'spki', format: 'pem' }).toString();
}
