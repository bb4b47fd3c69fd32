import type { FastifyReply, FastifyRequest } from 'fastify';
import { sql, type Kysely, type SqlBool, type Expression } from 'kysely';
import type { AuditEntry } from '../../audit/audit-log.js';
import type { Clock } from '../../clock.js';
import type { Schema } from '../../db/schema.js';
import type { Instance } from '../../instance/instances.js';
import type { SafeHtml } from '../html.js';
import type { PageContext, Section } from './views.js';

/** What the Housekeeping area hands each staff tool: who is looking, and how to send a page in its layout. */
export interface StaffToolDeps {
  db: Kysely<Schema>;
  clock: Clock;
  viewerOf: (request: FastifyRequest) => { instance: Instance; userId: number; context: PageContext };
  show: (request: FastifyRequest, reply: FastifyReply, section: Section, title: string, body: SafeHtml, status?: number) => FastifyReply;
}

/** Rows per page of a staff list. */
export const STAFF_PAGE_SIZE = 25;
/** Longest search text accepted; longer is refused rather than cut, so a search never means something else. */
export const MAX_SEARCH_LENGTH = 100;

/** The staff user making a change, for the audit log and the event. */
export function staffOrigin(request: FastifyRequest, userId: number): { actor: AuditEntry['actor']; ip: string } {
  return { actor: { type: 'user', id: String(userId) }, ip: request.ip };
}

/** A LIKE pattern finding `text` anywhere, its wildcards taken literally. */
function containsPattern(text: string): string {
  return `%${text.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/** Whether any of the columns contains the text, ignoring case, the same on SQLite and PostgreSQL. */
export function anyContains(columns: readonly Expression<string>[], text: string): Expression<SqlBool> {
  const pattern = containsPattern(text);
  return sql<SqlBool>`(${sql.join(columns.map((column) => sql`lower(${column}) like ${pattern} escape '\\'`), sql` or `)})`;
}

/** The query string of a staff list: a search text, a page number (from 1). */
export const LIST_QUERY = {
  type: 'object',
  properties: { q: { type: 'string', maxLength: MAX_SEARCH_LENGTH }, page: { type: 'integer', minimum: 1, maximum: 100_000 } },
} as const;
