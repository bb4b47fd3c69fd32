import type { Kysely } from 'kysely';
import type { AuditActorType, Schema } from '../db/schema.js';

/** Events per page of an instance's activity feed. */
export const EVENT_FEED_PAGE_SIZE = 50;

export interface FeedEvent {
  id: number;
  type: string;
  occurredAt: string;
  actorType: AuditActorType;
  actorId: string | null;
  subjectType: string;
  subjectId: string;
  /** The payload as stored (a JSON object's text). */
  data: string;
}

export interface EventFeedPage {
  events: FeedEvent[];
  /** The cursor this page was read with (events older than this id), or null for the newest. */
  before: number | null;
  /** The cursor of the next, older page, or null when this is the last. */
  olderBefore: number | null;
}

/**
 * One page of an instance's events, newest first. Keyset paging by id, so events recorded while
 * someone reads do not shift the pages, and a deep page costs what the first does (index org_id, id).
 */
export async function eventFeedPage(db: Kysely<Schema>, orgId: number, before: number | null, pageSize = EVENT_FEED_PAGE_SIZE): Promise<EventFeedPage> {
  let query = db
    .selectFrom('events')
    .select(['id', 'type', 'occurred_at', 'actor_type', 'actor_id', 'subject_type', 'subject_id', 'data'])
    .where('org_id', '=', orgId)
    .orderBy('id', 'desc')
    .limit(pageSize + 1);
  if (before !== null) query = query.where('id', '<', before);
  const rows = await query.execute();
  const page = rows.slice(0, pageSize);
  const last = page.at(-1);
  return {
    events: page.map((r) => ({
      id: r.id,
      type: r.type,
      occurredAt: r.occurred_at,
      actorType: r.actor_type,
      actorId: r.actor_id,
      subjectType: r.subject_type,
      subjectId: r.subject_id,
      data: r.data,
    })),
    before,
    olderBefore: rows.length > pageSize && last !== undefined ? last.id : null,
  };
}
