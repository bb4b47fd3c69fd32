/**
 * Where a v0 request reads: the instance it arrived at (every query is scoped by its org id),
 * the calling app (for search cursors), and the instance's current convention (registrations,
 * volunteers and dealer applications belong to one convention; the API shows the current one).
 */
import type { FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import { parseRowId } from '../../db/row-id.js';
import type { Schema } from '../../db/schema.js';
import { apiError } from '../../http/errors.js';
import type { CursorScope } from '../pagination/cursor.js';

/** The org id of the instance the request arrived at. API routes are only served on instances. */
export function orgIdOf(request: FastifyRequest): number {
  if (request.tenant.kind !== 'instance') throw apiError.notFound();
  return request.tenant.instance.orgId;
}

/** The record id in a path parameter: an id no row can have (beyond 32 bits) is simply not found. */
export function pathRowId(value: string): number {
  const id = parseRowId(value);
  if (id === null) throw apiError.notFound();
  return id;
}

/** Where a search's cursors are valid: this instance, the calling app, this endpoint. */
export function cursorScopeOf(request: FastifyRequest, endpoint: string): CursorScope {
  const caller = request.apiCaller;
  // The access hook sets the caller on every route that declares access; a route without it has no search.
  if (caller === null) throw apiError.authentication('An access token is required: send Authorization: Bearer <token>');
  return { orgId: orgIdOf(request), clientId: caller.clientId, endpoint };
}

/**
 * The id of the instance's current convention, as a subquery to compare a convention_id with
 * (no round trip; NULL, so nothing matches, when the instance has no current convention).
 */
export function currentConventionId(db: Kysely<Schema>, orgId: number) {
  return db.selectFrom('conventions').select('conventions.id').where('conventions.org_id', '=', orgId).where('conventions.is_current', '=', 1);
}
