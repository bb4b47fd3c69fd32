import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/**
 * Endpoint secrets in the Standard Webhooks format: `whsec_` and the base64 of 32 random bytes
 * (the receiver's libraries take it as is). A secret signs messages, so it is stored encrypted
 * with the data directory's key (AES-256-GCM, as the OAuth signing keys), never in clear and not
 * hashed; it is shown once, when made.
 */

export const WEBHOOK_SECRET_PREFIX = 'whsec_';

/** After a rotation the previous secret keeps signing this long, so receivers can switch over. */
export const SECRET_ROTATION_OVERLAP_MS = 24 * 3_600_000;

export function generateWebhookSecret(): string {
  return WEBHOOK_SECRET_PREFIX + randomBytes(32).toString('base64');
}

export function encryptWebhookSecret(secret: string, key: Buffer): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  const body = Buffer.concat([cipher.update(secret, 'utf8'), cipher.final()]);
  return ['v1', iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), body.toString('base64url')].join('.');
}

/** The secret, or an error when the record is malformed or was encrypted under another key. */
export function decryptWebhookSecret(stored: string, key: Buffer): string {
  const [version, iv, tag, body, extra] = stored.split('.');
  if (version !== 'v1' || iv === undefined || tag === undefined || body === undefined || extra !== undefined) throw new Error('unreadable webhook secret record');
  const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
  decipher.setAuthTag(Buffer.from(tag, 'base64url'));
  return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString('utf8');
}
