/**
 * Opaque keyset cursors for every search (`nextPage`). A cursor names the last row returned
 * (its numeric key) and where it belongs: the instance, the app and the endpoint. It is signed
 * (HMAC-SHA256 under a key derived from the data directory's secret), so a tampered cursor, or
 * one from another instance, app or endpoint, is refused instead of silently reading elsewhere.
 * Keyset, not offset: a page deep in a large result costs what the first page costs, and rows
 * inserted meanwhile never shift the pages.
 */
import { createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';

/** Where a cursor is valid. */
export interface CursorScope {
  orgId: number;
  clientId: number;
  /** The endpoint, e.g. `registration/search`. */
  endpoint: string;
}

const VERSION = 1;
const TAG_BYTES = 16;

/** The cursor key, derived from the data directory's 32-byte secret (signing-keys.ts loads it). */
export function deriveCursorKey(installationSecret: Buffer): Buffer {
  return Buffer.from(hkdfSync('sha256', installationSecret, Buffer.alloc(0), 'concat api cursor v1', 32));
}

function tagOf(key: Buffer, body: string): Buffer {
  return createHmac('sha256', key).update(body).digest().subarray(0, TAG_BYTES);
}

export function encodeCursor(key: Buffer, scope: CursorScope, lastKey: number): string {
  const body = Buffer.from(JSON.stringify({ v: VERSION, o: scope.orgId, c: scope.clientId, e: scope.endpoint, k: lastKey })).toString('base64url');
  return `${body}.${tagOf(key, body).toString('base64url')}`;
}

/** The last key a cursor names, or null when it is malformed, tampered with or foreign. */
export function decodeCursor(key: Buffer, scope: CursorScope, cursor: string): number | null {
  const dot = cursor.indexOf('.');
  if (dot <= 0 || cursor.length > 512) return null;
  const body = cursor.slice(0, dot);
  const tag = Buffer.from(cursor.slice(dot + 1), 'base64url');
  const expected = tagOf(key, body);
  if (tag.length !== expected.length || !timingSafeEqual(tag, expected)) return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
  } catch {
    return null;
  }
  if (typeof parsed !== 'object' || parsed === null) return null;
  const field = (name: string): unknown => Reflect.get(parsed, name);
  const lastKey = field('k');
  if (field('v') !== VERSION || field('o') !== scope.orgId || field('c') !== scope.clientId || field('e') !== scope.endpoint) return null;
  return typeof lastKey === 'number' && Number.isSafeInteger(lastKey) ? lastKey : null;
}
