/**
 * The signatures of a webhook request. Two, so both kinds of receiver can check one:
 * - Standard Webhooks: `webhook-id`, `webhook-timestamp`, `webhook-signature` (v1 = HMAC-SHA256 of
 *   "id.timestamp.body" keyed with the endpoint's whsec_ secret; one per secret that signs now, so a
 *   receiver keeps verifying through a secret rotation).
 * - ConCat's: `authorization: Bearer <JWT>` signed RS256 with the instance's webhook key (published
 *   at `{instance}/api/webhooks/key`), whose `int` claim is the base64 SHA-256 of the JSON of `data`.
 */
import { createHash, createHmac, createSign, type KeyObject } from 'node:crypto';

export const USER_AGENT = 'ConCat-Developer-Platform-Webhooks/1.0';

/** How long the JWT is valid after it is made (ConCat: two minutes). */
export const JWT_LIFETIME_SECONDS = 120;

const SECRET_PREFIX = 'whsec_';

/** `v1,<base64 HMAC>` for one secret. */
export function standardSignature(secret: string, webhookId: string, timestamp: number, body: string): string {
  if (!secret.startsWith(SECRET_PREFIX)) throw new Error('a webhook secret starts with whsec_');
  const key = Buffer.from(secret.slice(SECRET_PREFIX.length), 'base64');
  return `v1,${createHmac('sha256', key).update(`${webhookId}.${timestamp}.${body}`, 'utf8').digest('base64')}`;
}

/** The base64 SHA-256 of the JSON of the body's `data` (the JWT's `int` claim). */
export function dataIntegrity(data: unknown): string {
  return createHash('sha256').update(JSON.stringify(data), 'utf8').digest('base64');
}

export interface ConcatJwtInput {
  data: unknown;
  /** The endpoint URL. */
  audience: string;
  issuer: string;
  now: Date;
  key: { kid: string; privateKey: KeyObject };
}

/** ConCat's bearer JWT for one delivery. */
export function concatJwt(input: ConcatJwtInput): string {
  const iat = Math.floor(input.now.getTime() / 1000);
  const header = { alg: 'RS256', typ: 'JWT', kid: input.key.kid };
  const claims = { iss: input.issuer, sub: 'webhook', aud: input.audience, iat, exp: iat + JWT_LIFETIME_SECONDS, int: dataIntegrity(input.data) };
  const signingInput = `${base64url(JSON.stringify(header))}.${base64url(JSON.stringify(claims))}`;
  const signature = createSign('RSA-SHA256').update(signingInput).sign(input.key.privateKey).toString('base64url');
  return `${signingInput}.${signature}`;
}

function base64url(text: string): string {
  return Buffer.from(text, 'utf8').toString('base64url');
}

export interface SignedRequestInput {
  webhookId: string;
  body: string;
  /** The secrets that sign now: the current one and, during a rotation, the previous one. */
  secrets: readonly string[];
  jwt: Omit<ConcatJwtInput, 'data' | 'now'>;
  now: Date;
}

/** Every header of a delivery but the transport's own. */
export function signedHeaders(input: SignedRequestInput): Record<string, string> {
  const timestamp = Math.floor(input.now.getTime() / 1000);
  const parsed: unknown = JSON.parse(input.body);
  const data = typeof parsed === 'object' && parsed !== null && 'data' in parsed ? parsed.data : null;
  return {
    'content-type': 'application/json',
    'user-agent': USER_AGENT,
    'webhook-id': input.webhookId,
    'webhook-timestamp': String(timestamp),
    'webhook-signature': input.secrets.map((secret) => standardSignature(secret, input.webhookId, timestamp, input.body)).join(' '),
    authorization: `Bearer ${concatJwt({ ...input.jwt, data, now: input.now })}`,
  };
}
