import type { Kysely } from 'kysely';
import type { AuditActorType, Schema } from '../../db/schema.js';

/** Entries per page of the instance's audit log. */
export const AUDIT_PAGE_SIZE = 50;

export interface AuditEntryView {
  id: number;
  createdAt: string;
  actorType: AuditActorType;
  actorId: string | null;
  /** The username, for a user of this instance that still exists. */
  actorName: string | null;
  action: string;
  targetType: string | null;
  targetId: string | null;
  /** The details as stored (a JSON object's text). */
  details: string;
  ip: string | null;
}

export interface AuditPage {
  entries: AuditEntryView[];
  /** The cursor this page was read with (entries older than this id), or null for the newest. */
  before: number | null;
  /** The cursor of the next, older page, or null when this is the last. */
  olderBefore: number | null;
}

/**
 * One page of an instance's audit log, newest first. Pages by id (keyset), so entries written
 * while someone reads do not shift the pages, and deep pages cost the same as the first.
 */
export async function auditLogPage(db: Kysely<Schema>, orgId: number, before: number | null, pageSize = AUDIT_PAGE_SIZE): Promise<AuditPage> {
  let query = db
    .selectFrom('audit_log')
    .select(['id', 'created_at', 'actor_type', 'actor_id', 'action', 'target_type', 'target_id', 'details', 'ip'])
    .where('org_id', '=', orgId)
    .orderBy('id', 'desc')
    .limit(pageSize + 1);
  if (before !== null) query = query.where('id', '<', before);
  const rows = await query.execute();
  const page = rows.slice(0, pageSize);
  const userIds = [...new Set(page.filter((r) => r.actor_type === 'user' && r.actor_id !== null && /^\d{1,10}$/.test(r.actor_id)).map((r) => Number(r.actor_id)))];
  const users = userIds.length === 0 ? [] : await db.selectFrom('users').select(['id', 'username']).where('org_id', '=', orgId).where('id', 'in', userIds).execute();
  const names = new Map(users.map((u) => [String(u.id), u.username]));
  const last = page.at(-1);
  return {
    entries: page.map((r) => ({
      id: r.id,
      createdAt: r.created_at,
      actorType: r.actor_type,
      actorId: r.actor_id,
      actorName: r.actor_type === 'user' && r.actor_id !== null ? (names.get(r.actor_id) ?? null) : null,
      action: r.action,
      targetType: r.target_type,
      targetId: r.target_id,
      details: r.details,
      ip: r.ip,
    })),
    before,
    olderBefore: rows.length > pageSize && last !== undefined ? last.id : null,
  };
}
