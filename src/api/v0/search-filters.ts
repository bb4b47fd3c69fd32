/**
 * Filter fields the v0 searches share: lists of ids (ConCat documents them as numbers but its
 * clients send strings, so both are accepted) and "updated since" timestamps. Schemas for the
 * route declarations, and readers turning the validated values into query inputs.
 */
import type { FastifyRequest } from 'fastify';
import { isRowId } from '../../db/row-id.js';
import { apiError } from '../../http/errors.js';
import { idPattern } from '../schemas/common-schemas.js';
import { parseIsoTimestamp } from './iso-timestamp.js';

/** Most ids one filter takes: a page of another search (100) with room to spare. */
export const MAX_FILTER_IDS = 1000;

/**
 * A list of ids as strings ("12") or numbers (12); null does not restrict. Items are written as
 * strings only: Fastify's validator coerces numbers to strings, and a union type would make it
 * warn at start.
 */
export function idListSchema(description: string) {
  return {
    type: ['array', 'null'],
    maxItems: MAX_FILTER_IDS,
    items: { type: 'string', pattern: idPattern },
    description: `${description} Ids as strings or numbers; at most ${MAX_FILTER_IDS}. An empty list matches nothing.`,
  } as const;
}

/** Read by `readUpdatedSince`, as the users search reads it. */
export const updatedSinceSchema = {
  type: ['string', 'null'],
  maxLength: 64,
  description: 'Only records updated at or after this moment: an ISO-8601 date or date-time (UTC when no offset is given).',
} as const;

/** The distinct numeric ids of a validated id list; null when the filter was not given. */
export function readIdList(ids: readonly (string | number)[] | null | undefined): number[] | null {
  if (ids === undefined || ids === null) return null;
  // An id beyond 32 bits names no row: it matches nothing, like any unknown id.
  return [...new Set(ids.map(Number))].filter(isRowId);
}

/** The stored-timestamp form (ISO-8601 UTC, milliseconds) of `updatedSince`; null when not given. */
export function readUpdatedSince(value: string | null | undefined, field: string): string | null {
  if (value === undefined || value === null) return null;
  const since = parseIsoTimestamp(value);
  if (since === null) throw apiError.validation(`${field} must be an ISO-8601 date or date-time`, [{ field, message: 'must be an ISO-8601 date or date-time, e.g. 2026-03-01T12:00:00Z' }]);
  return since;
}

/**
 * A search without a body (or with `null`) asks for the first page of everything, as an empty
 * object would: runs before validation so the body schema can stay an object.
 */
export function missingBodyIsEmptySearch(request: FastifyRequest): Promise<void> {
  if (request.body === undefined || request.body === null) request.body = {};
  return Promise.resolve();
}
