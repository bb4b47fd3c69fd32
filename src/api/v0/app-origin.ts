import type { FastifyRequest } from 'fastify';
import type { AuditEntry } from '../../audit/audit-log.js';
import { apiError } from '../../http/errors.js';

/** The calling app as a change's origin: the audit log's actor (its client_id) and the address it called from. */
export function appOriginOf(request: FastifyRequest): { actor: AuditEntry['actor']; ip: string } {
  // The access hook sets the caller on every route that declares access.
  if (request.apiCaller === null) throw apiError.authentication('An access token is required: send Authorization: Bearer <token>');
  return { actor: { type: 'app', id: String(request.apiCaller.clientId) }, ip: request.ip };
}

/** Marks an operation of the OpenAPI document as this platform's own, beyond ConCat's documented API. */
export const EXTENSION_NOTE = 'Extension: not part of ConCat\'s documented API.';
