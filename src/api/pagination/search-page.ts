/**
 * The one pagination helper of the API's searches. Request: `limit` (1 to 100, default 100;
 * larger values are clamped to 100, since real clients send 1000) and `nextPage` (a cursor from
 * the previous response). Response: `data`, `nextPage` (null at the end) and `hasMore`.
 *
 * A search reads `limit + 1` rows ordered by its key after `after`; the extra row only tells
 * whether there is more.
 */
import { apiError } from '../../http/errors.js';
import { decodeCursor, encodeCursor, type CursorScope } from './cursor.js';

export const MAX_PAGE_SIZE = 100;

export interface PageRequest {
  /** Rows to return. */
  limit: number;
  /** Return rows whose key is greater than this; null for the first page. */
  after: number | null;
}

export interface Page<T> {
  data: T[];
  nextPage: string | null;
  hasMore: boolean;
}

/** JSON schema properties of the paging fields, for a search's body (or a list's query). */
export const pageRequestProperties = {
  nextPage: { type: ['string', 'null'], maxLength: 512, description: 'The `nextPage` of the previous response; omit or null for the first page.' },
  limit: { type: 'integer', minimum: 1, description: `Results per page, ${MAX_PAGE_SIZE} at most (larger values are treated as ${MAX_PAGE_SIZE}). Default ${MAX_PAGE_SIZE}.` },
} as const;

/** JSON schema properties of the paging fields of a response, next to `data`. */
export const pageResponseProperties = {
  nextPage: { type: ['string', 'null'], description: 'Send it back as `nextPage` to get the next page; null on the last page.' },
  hasMore: { type: 'boolean', description: 'Whether another page follows.' },
} as const;

export interface PageInput {
  limit?: number | undefined;
  nextPage?: string | null | undefined;
}

export function readPageRequest(input: PageInput, cursorKey: Buffer, scope: CursorScope): PageRequest {
  const limit = Math.min(input.limit ?? MAX_PAGE_SIZE, MAX_PAGE_SIZE);
  if (!Number.isInteger(limit) || limit < 1) throw apiError.validation('limit must be an integer from 1 to 100', [{ field: 'limit', message: 'must be an integer from 1 to 100' }]);
  if (input.nextPage === undefined || input.nextPage === null || input.nextPage === '') return { limit, after: null };
  const after = decodeCursor(cursorKey, scope, input.nextPage);
  if (after === null) {
    throw apiError.validation('nextPage is not a cursor this search returned', [{ field: 'nextPage', message: 'is not a cursor returned by this search for this app and instance' }]);
  }
  return { limit, after };
}

/** Builds the page from up to `limit + 1` rows read in key order (map `data` to the response items after). */
export function pageOf<Row>(rows: readonly Row[], request: PageRequest, keyOf: (row: Row) => number, cursorKey: Buffer, scope: CursorScope): Page<Row> {
  const hasMore = rows.length > request.limit;
  const shown = hasMore ? rows.slice(0, request.limit) : rows;
  const last = shown.at(-1);
  return {
    data: [...shown],
    nextPage: hasMore && last !== undefined ? encodeCursor(cursorKey, scope, keyOf(last)) : null,
    hasMore,
  };
}
