import type { Kysely } from 'kysely';
import { isoTimestamp, type Clock } from '../clock.js';
import type { AuditActorType, Schema } from '../db/schema.js';

export type ActorType = AuditActorType;

export interface AuditEntry {
  orgId: number | null;
  actor: { type: ActorType; id: string | null };
  action: string;
  target: { type: string; id: string | null };
  details?: Record<string, unknown>;
  ip?: string | null;
}

/**
 * Appends one entry to the append-only audit log. Takes a Kysely handle so it can join the
 * caller's transaction: the entry commits or rolls back with the change it records.
 */
export async function recordAudit(db: Kysely<Schema>, entry: AuditEntry, clock: Clock): Promise<void> {
  await db
    .insertInto('audit_log')
    .values({
      org_id: entry.orgId,
      actor_type: entry.actor.type,
      actor_id: entry.actor.id,
      action: entry.action,
      target_type: entry.target.type,
      target_id: entry.target.id,
      details: JSON.stringify(entry.details ?? {}),
      ip: entry.ip ?? null,
      created_at: isoTimestamp(clock.now()),
    })
    .execute();
}
