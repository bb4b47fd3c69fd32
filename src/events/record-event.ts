import type { Kysely } from 'kysely';
import type { ActorType } from '../audit/audit-log.js';
import { isoTimestamp, type Clock } from '../clock.js';
import type { Schema } from '../db/schema.js';
import type { EventType } from './event-types.js';

export interface DomainEvent {
  orgId: number;
  type: EventType;
  /** The payload as a subscriber receives it (`data` of the webhook body). */
  data: Record<string, unknown>;
  /** Who made the change, as the audit log names them. */
  actor: { type: ActorType; id: string | null };
  /** What the change is about, e.g. { type: 'user', id: '42' }. */
  subject: { type: string; id: string };
}

/**
 * Records one event. Call it with the transaction of the change it describes (the handle the
 * change writes with), never with the database itself: the event then commits or rolls back with
 * the change, so no event exists for a change that did not happen and none is lost for one that
 * did. Returns the event's id, its place in the global order.
 */
export async function recordEvent(trx: Kysely<Schema>, event: DomainEvent, clock: Clock): Promise<number> {
  const row = await trx
    .insertInto('events')
    .values({
      org_id: event.orgId,
      type: event.type,
      data: JSON.stringify(event.data),
      actor_type: event.actor.type,
      actor_id: event.actor.id,
      subject_type: event.subject.type,
      subject_id: event.subject.id,
      occurred_at: isoTimestamp(clock.now()),
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}
