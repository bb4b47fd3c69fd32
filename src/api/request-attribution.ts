/**
 * Which client a request says it comes from, read from its Authorization header alone (no I/O).
 * Rate limits and usage count a request for the client it names; whether the claim is true is
 * decided later (src/http/rate-limit/caller-resolution.ts): a token we issued proves its app, a
 * Basic secret is checked, a bare client id proves nothing.
 *
 * - `Bearer <token>`: an access token (its app, once looked up).
 * - `Basic base64(client_id:client_secret)`: that client, if the secret is right.
 * - `Bearer <client_id>`: that client, unproven; only on endpoints that need no token (token
 *   endpoint with body credentials, API docs, discovery), where ConCat asks clients to send
 *   Authorization anyway. On endpoints that need a token it is just a wrong token.
 * - Anything else, or no header: anonymous.
 */
import { parseClientId } from '../oauth/clients.js';

export type ClientClaim =
  | { kind: 'anonymous' }
  | { kind: 'token'; token: string }
  /** `secret` is null for `Bearer <client_id>`, which names a client without proving anything. */
  | { kind: 'client'; clientId: number; secret: string | null };

const ANONYMOUS: ClientClaim = { kind: 'anonymous' };
/** Longer than any token or Basic credential we issue: not worth reading. */
const MAX_CREDENTIAL_LENGTH = 1024;
/** RFC 6750 b64token. */
const B64TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/;

export function attributeRequest(authorization: string | undefined, endpoint: { needsToken: boolean }): ClientClaim {
  if (authorization === undefined) return ANONYMOUS;
  const match = /^([A-Za-z]+) +(\S+) *$/.exec(authorization);
  if (match === null) return ANONYMOUS;
  const scheme = (match[1] ?? '').toLowerCase();
  const credential = match[2] ?? '';
  if (credential.length > MAX_CREDENTIAL_LENGTH) return ANONYMOUS;
  if (scheme === 'bearer') {
    const clientId = endpoint.needsToken ? null : parseClientId(credential);
    if (clientId !== null) return { kind: 'client', clientId, secret: null };
    return B64TOKEN.test(credential) ? { kind: 'token', token: credential } : ANONYMOUS;
  }
  if (scheme === 'basic') return basicClaim(credential);
  return ANONYMOUS;
}

/** RFC 6749 §2.3.1: client id and secret are form-urlencoded, then joined by ':' and base64-encoded. */
function basicClaim(credential: string): ClientClaim {
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(credential)) return ANONYMOUS;
  const decoded = Buffer.from(credential, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon === -1) return ANONYMOUS;
  const clientId = parseClientId(formDecode(decoded.slice(0, colon)) ?? '');
  const secret = formDecode(decoded.slice(colon + 1));
  if (clientId === null || secret === null || secret === '') return ANONYMOUS;
  return { kind: 'client', clientId, secret };
}

function formDecode(value: string): string | null {
  try {
    return decodeURIComponent(value.replace(/\+/g, '%20'));
  } catch {
    return null;
  }
}
