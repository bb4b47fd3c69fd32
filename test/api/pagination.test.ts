import { randomBytes } from 'node:crypto';
import { describe, expect, test } from 'vitest';
import { bearerTokenOf } from '../../src/api/api-access.js';
import { decodeCursor, deriveCursorKey, encodeCursor } from '../../src/api/pagination/cursor.js';
import { pageOf, readPageRequest } from '../../src/api/pagination/search-page.js';
import { ApiError } from '../../src/http/errors.js';

const key = deriveCursorKey(randomBytes(32));
const scope = { orgId: 1, clientId: 431000, endpoint: 'registration/search' };

describe('cursors', () => {
  test('round-trip the last key', () => {
    expect(decodeCursor(key, scope, encodeCursor(key, scope, 1234))).toBe(1234);
  });

  test('another instance, app or endpoint, or another installation, cannot use a cursor', () => {
    const cursor = encodeCursor(key, scope, 10);
    expect(decodeCursor(key, { ...scope, orgId: 2 }, cursor)).toBeNull();
    expect(decodeCursor(key, { ...scope, clientId: 431001 }, cursor)).toBeNull();
    expect(decodeCursor(key, { ...scope, endpoint: 'users/search' }, cursor)).toBeNull();
    expect(decodeCursor(deriveCursorKey(randomBytes(32)), scope, cursor)).toBeNull();
  });

  test('a tampered or junk cursor is refused', () => {
    const cursor = encodeCursor(key, scope, 10);
    const [body, tag] = cursor.split('.') as [string, string];
    const forged = Buffer.from(JSON.stringify({ v: 1, o: 1, c: 431000, e: 'registration/search', k: 999 })).toString('base64url');
    for (const bad of [`${forged}.${tag}`, `${body}.`, body, '', '.', 'eyBsYXN0SWQ6IDEwMDAgfQ==', `${body}.${tag}x`, 'x'.repeat(600)]) {
      expect(decodeCursor(key, scope, bad), bad).toBeNull();
    }
  });
});

describe('page requests', () => {
  test('limit defaults to 100 and larger values are clamped to 100', () => {
    expect(readPageRequest({}, key, scope)).toEqual({ limit: 100, after: null });
    expect(readPageRequest({ limit: 1000 }, key, scope)).toEqual({ limit: 100, after: null });
    expect(readPageRequest({ limit: 1, nextPage: null }, key, scope)).toEqual({ limit: 1, after: null });
  });

  test('a foreign cursor is a validation error naming nextPage', () => {
    const foreign = encodeCursor(key, { ...scope, orgId: 2 }, 5);
    const error: unknown = (() => {
      try {
        readPageRequest({ nextPage: foreign }, key, scope);
      } catch (thrown) {
        return thrown;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ statusCode: 400, category: 'validation', detail: { fields: [{ field: 'nextPage' }] } });
  });

  test('a page of limit + 1 rows has more; the cursor resumes after its last row', () => {
    const rows = [{ id: 3 }, { id: 7 }, { id: 9 }];
    const page = pageOf(rows, { limit: 2, after: null }, (r) => r.id, key, scope);
    expect(page.data).toEqual([{ id: 3 }, { id: 7 }]);
    expect(page.hasMore).toBe(true);
    expect(readPageRequest({ nextPage: page.nextPage }, key, scope).after).toBe(7);
    const last = pageOf([{ id: 9 }], { limit: 2, after: 7 }, (r) => r.id, key, scope);
    expect(last).toEqual({ data: [{ id: 9 }], nextPage: null, hasMore: false });
  });
});

test('bearer tokens: the scheme is case-insensitive; anything else is not a bearer token', () => {
  expect(bearerTokenOf('Bearer abc.DEF-_~+/=')).toBe('abc.DEF-_~+/=');
  expect(bearerTokenOf('bearer abc')).toBe('abc');
  for (const header of [undefined, '', 'Bearer', 'Bearer ', 'Basic abc', 'Bearer a b', 'Bearer <script>']) expect(bearerTokenOf(header)).toBeNull();
});
