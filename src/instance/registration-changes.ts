import type { Kysely } from 'kysely';
import { recordAudit, type AuditEntry } from '../audit/audit-log.js';
import { isoTimestamp, type Clock } from '../clock.js';
import type { RegistrationStatus, Schema } from '../db/schema.js';
import { registrationUpdatedData } from '../events/event-registration.js';
import { recordEvent } from '../events/record-event.js';
import { currentConventionId } from './user-roles.js';

/**
 * Changes to a user's registration for the current convention made by staff or a service: its
 * status, badge name and flags. One transaction validates, writes, audits (`registration.updated`)
 * and records the `registration-updated` event; a change that alters nothing writes nothing and
 * records no event.
 *
 * Every change increments the registration's version, whose ETag (`registrationETag`) a client
 * sends back as a condition (If-Match). The write updates the row only where the version is still
 * the one read, so of two concurrent writers that read the same version one wins and the other
 * learns the registration changed: refused if it gave a condition, otherwise applied again to the
 * new state (its change is relative: a status, a name, flags added or removed).
 */

export const BADGE_NAME_MAX_LENGTH = 64;

/** Who made a change (the audit log's actor) and from where. */
export interface RegistrationChangeOrigin {
  actor: AuditEntry['actor'];
  ip: string | null;
}

export interface RegistrationChange {
  orgId: number;
  userId: number;
  status?: RegistrationStatus;
  badgeName?: string;
  addFlagIds?: readonly number[];
  removeFlagIds?: readonly number[];
  /** The ETags the change is conditioned on (If-Match); null for an unconditional change. */
  ifMatch: readonly string[] | null;
}

export type RegistrationChangeRefusal =
  | { reason: 'not-found' }
  | { reason: 'version-mismatch'; etag: string }
  | { reason: 'invalid-badge-name'; message: string }
  | { reason: 'unknown-flags'; flagIds: number[] }
  | { reason: 'flags-added-and-removed'; flagIds: number[] }
  | { reason: 'concurrent-changes' };

/** The registration's ETag after the change (or as it stood, when nothing changed). */
export type RegistrationChangeResult = { ok: true; changed: boolean; etag: string } | ({ ok: false } & RegistrationChangeRefusal);

/** A changing writer retries this many times against newer versions before giving up. */
const MAX_ATTEMPTS = 5;

/** The strong ETag of a registration version; the id keeps a new registration's tags apart from an old one's. */
export function registrationETag(registrationId: number, version: number): string {
  return `"${registrationId}-${version}"`;
}

/** Why a badge name is refused, or null when it is acceptable. */
export function badgeNameProblem(name: string): string | null {
  if (name.trim().length === 0) return 'must not be blank';
  if (name !== name.trim()) return 'must not start or end with spaces';
  if ([...name].length > BADGE_NAME_MAX_LENGTH) return `must be at most ${BADGE_NAME_MAX_LENGTH} characters`;
  // Control characters (line breaks, tabs…) have no place on a printed badge.
  if (/\p{Cc}/u.test(name)) return 'must not contain control characters';
  return null;
}

function unique(ids: readonly number[] | undefined): number[] {
  return [...new Set(ids ?? [])];
}

async function currentRegistration(trx: Kysely<Schema>, orgId: number, userId: number) {
  const conventionId = await currentConventionId(trx, orgId);
  if (conventionId === null) return undefined;
  return trx
    .selectFrom('registrations')
    .select(['id', 'status', 'badge_name', 'version'])
    .where('org_id', '=', orgId)
    .where('convention_id', '=', conventionId)
    .where('user_id', '=', userId)
    .executeTakeFirst();
}

/**
 * Applies a change to a user's current registration. Refusals: no registration (`not-found`), a
 * condition that no longer holds (`version-mismatch`, with the current ETag), an invalid badge
 * name, flags this instance does not have, a flag both added and removed, and (only under
 * sustained contention) `concurrent-changes`.
 */
export async function changeRegistration(db: Kysely<Schema>, change: RegistrationChange, origin: RegistrationChangeOrigin, clock: Clock): Promise<RegistrationChangeResult> {
  const { orgId, userId } = change;
  if (change.badgeName !== undefined) {
    const problem = badgeNameProblem(change.badgeName);
    if (problem !== null) return { ok: false, reason: 'invalid-badge-name', message: problem };
  }
  const add = unique(change.addFlagIds);
  const remove = unique(change.removeFlagIds);
  const both = add.filter((id) => remove.includes(id));
  if (both.length > 0) return { ok: false, reason: 'flags-added-and-removed', flagIds: both };

  return db.transaction().execute(async (trx): Promise<RegistrationChangeResult> => {
    const named = unique([...add, ...remove]);
    if (named.length > 0) {
      const known = await trx.selectFrom('flags').select('id').where('org_id', '=', orgId).where('id', 'in', named).execute();
      const unknown = named.filter((id) => !known.some((flag) => flag.id === id));
      if (unknown.length > 0) return { ok: false, reason: 'unknown-flags', flagIds: unknown };
    }
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt += 1) {
      // Read committed on PostgreSQL: each attempt reads the newest committed state.
      const row = await currentRegistration(trx, orgId, userId);
      if (row === undefined) return { ok: false, reason: 'not-found' };
      const etag = registrationETag(row.id, row.version);
      if (change.ifMatch !== null && !change.ifMatch.includes(etag)) return { ok: false, reason: 'version-mismatch', etag };

      const held = (await trx.selectFrom('registration_flags').select('flag_id').where('org_id', '=', orgId).where('registration_id', '=', row.id).execute()).map((f) => f.flag_id);
      const flagsAdded = add.filter((id) => !held.includes(id));
      const flagsRemoved = remove.filter((id) => held.includes(id));
      const status = change.status !== undefined && change.status !== row.status ? { from: row.status, to: change.status } : null;
      const badgeName = change.badgeName !== undefined && change.badgeName !== row.badge_name ? { from: row.badge_name, to: change.badgeName } : null;
      if (status === null && badgeName === null && flagsAdded.length === 0 && flagsRemoved.length === 0) return { ok: true, changed: false, etag };

      const updated = await trx
        .updateTable('registrations')
        .set((eb) => ({
          version: eb('version', '+', 1),
          updated_at: isoTimestamp(clock.now()),
          ...(status === null ? {} : { status: status.to }),
          ...(badgeName === null ? {} : { badge_name: badgeName.to }),
        }))
        .where('org_id', '=', orgId)
        .where('id', '=', row.id)
        .where('version', '=', row.version)
        .returning('version')
        .executeTakeFirst();
      if (updated === undefined) {
        // Another change committed since the read: a conditional change is now stale, an unconditional one is applied to the new state.
        if (change.ifMatch !== null) {
          const now = await currentRegistration(trx, orgId, userId);
          return now === undefined ? { ok: false, reason: 'not-found' } : { ok: false, reason: 'version-mismatch', etag: registrationETag(now.id, now.version) };
        }
        continue;
      }
      // The row lock taken by the update serializes these with every other change of this registration.
      if (flagsAdded.length > 0) {
        await trx
          .insertInto('registration_flags')
          .values(flagsAdded.map((flagId) => ({ org_id: orgId, registration_id: row.id, flag_id: flagId })))
          .onConflict((oc) => oc.columns(['registration_id', 'flag_id']).doNothing())
          .execute();
      }
      if (flagsRemoved.length > 0) {
        await trx.deleteFrom('registration_flags').where('org_id', '=', orgId).where('registration_id', '=', row.id).where('flag_id', 'in', flagsRemoved).execute();
      }
      await recordAudit(
        trx,
        {
          orgId,
          actor: origin.actor,
          action: 'registration.updated',
          target: { type: 'user', id: String(userId) },
          details: { registrationId: row.id, ...(status === null ? {} : { status }), ...(badgeName === null ? {} : { badgeName }), flagsAdded, flagsRemoved },
          ip: origin.ip,
        },
        clock,
      );
      const data = await registrationUpdatedData(trx, orgId, row.id);
      if (data === undefined) throw new Error(`registration ${row.id} vanished inside its own change`);
      await recordEvent(trx, { orgId, type: 'registration-updated', data: { ...data }, actor: origin.actor, subject: { type: 'user', id: String(userId) } }, clock);
      return { ok: true, changed: true, etag: registrationETag(row.id, updated.version) };
    }
    return { ok: false, reason: 'concurrent-changes' };
  });
}
