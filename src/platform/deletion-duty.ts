import type { Kysely } from 'kysely';
import { recordAudit } from '../audit/audit-log.js';
import { isoTimestamp, type Clock } from '../clock.js';
import type { DeletionDutyStatus, RevocationCause, Schema } from '../db/schema.js';
import { LifecycleRefusal } from './refusal.js';

/**
 * The deletion duty a revocation leaves: for each instance whose event data the app may hold, the
 * developer must delete it by the deadline (revocation + 30 days) and attest it in the portal. A
 * duty ends when attested, or is released when the org admin re-enables the integration after a
 * reactivation (the app may then hold that instance's data again). Past the deadline, open duties
 * make the app overdue for operators and for the org admins of those instances.
 */

/** Longest statement a developer may attach to an attestation. */
export const MAX_ATTESTATION_STATEMENT_LENGTH = 2000;

export interface DeletionDuty {
  revocationId: number;
  orgId: number;
  instanceSlug: string;
  instanceName: string;
  status: DeletionDutyStatus;
  statement: string;
  attestedAt: string | null;
  releasedAt: string | null;
}

export interface RevocationRecord {
  id: number;
  appId: number;
  cause: RevocationCause;
  reason: string;
  revokedAt: string;
  deletionDueAt: string;
  reactivatedAt: string | null;
  duties: DeletionDuty[];
  /** Past the deadline with at least one duty still open. */
  overdue: boolean;
}

/** Whether a deadline has passed with duties still open. */
export function isOverdue(deletionDueAt: string, openDuties: number, now: Date): boolean {
  return openDuties > 0 && deletionDueAt <= isoTimestamp(now);
}

/** Every revocation of an app, newest first, with its duties per instance. */
export async function listRevocations(db: Kysely<Schema>, appId: number, clock: Clock): Promise<RevocationRecord[]> {
  const revocations = await db
    .selectFrom('app_revocations')
    .select(['id', 'app_id', 'cause', 'reason', 'revoked_at', 'deletion_due_at', 'reactivated_at'])
    .where('app_id', '=', appId)
    .orderBy('revoked_at', 'desc')
    .orderBy('id', 'desc')
    .execute();
  if (revocations.length === 0) return [];
  const duties = await db
    .selectFrom('deletion_duties')
    .innerJoin('orgs', 'orgs.id', 'deletion_duties.org_id')
    .select(['deletion_duties.revocation_id', 'deletion_duties.org_id', 'orgs.slug', 'orgs.name', 'deletion_duties.status', 'deletion_duties.statement', 'deletion_duties.attested_at', 'deletion_duties.released_at'])
    .where('deletion_duties.app_id', '=', appId)
    .orderBy('orgs.name')
    .execute();
  const now = clock.now();
  return revocations.map((row) => {
    const own = duties
      .filter((duty) => duty.revocation_id === row.id)
      .map((duty) => ({
        revocationId: duty.revocation_id,
        orgId: duty.org_id,
        instanceSlug: duty.slug,
        instanceName: duty.name,
        status: duty.status,
        statement: duty.statement,
        attestedAt: duty.attested_at,
        releasedAt: duty.released_at,
      }));
    return {
      id: row.id,
      appId: row.app_id,
      cause: row.cause,
      reason: row.reason,
      revokedAt: row.revoked_at,
      deletionDueAt: row.deletion_due_at,
      reactivatedAt: row.reactivated_at,
      duties: own,
      overdue: isOverdue(row.deletion_due_at, own.filter((duty) => duty.status === 'open').length, now),
    };
  });
}

export interface OverdueDuty {
  appId: number;
  clientId: number;
  appName: string;
  revocationId: number;
  deletionDueAt: string;
  orgId: number;
  instanceName: string;
}

/** Open duties past their deadline: all of them (operators), or one instance's (its org admins). */
export async function listOverdueDuties(db: Kysely<Schema>, scope: { orgId?: number }, clock: Clock): Promise<OverdueDuty[]> {
  const rows = await db
    .selectFrom('deletion_duties')
    .innerJoin('app_revocations', 'app_revocations.id', 'deletion_duties.revocation_id')
    .innerJoin('apps', 'apps.id', 'deletion_duties.app_id')
    .innerJoin('orgs', 'orgs.id', 'deletion_duties.org_id')
    .select(['apps.id as app_id', 'apps.client_id', 'apps.display_name', 'app_revocations.id as revocation_id', 'app_revocations.deletion_due_at', 'orgs.id as org_id', 'orgs.name as org_name'])
    .where('deletion_duties.status', '=', 'open')
    .where('app_revocations.deletion_due_at', '<=', isoTimestamp(clock.now()))
    .$if(scope.orgId !== undefined, (qb) => qb.where('deletion_duties.org_id', '=', scope.orgId ?? 0))
    .orderBy('app_revocations.deletion_due_at')
    .orderBy('apps.display_name')
    .orderBy('orgs.name')
    .execute();
  return rows.map((row) => ({
    appId: row.app_id,
    clientId: row.client_id,
    appName: row.display_name,
    revocationId: row.revocation_id,
    deletionDueAt: row.deletion_due_at,
    orgId: row.org_id,
    instanceName: row.org_name,
  }));
}

/** A refused attestation: `field` 'statement' for a too long statement, 'duty' for anything else. */
export class DeletionAttestationError extends LifecycleRefusal<'duty' | 'statement'> {
  override name = 'DeletionAttestationError';
}

export interface DeletionAttestation {
  developerId: number;
  appId: number;
  revocationId: number;
  orgId: number;
  /** Optional: what was deleted, what is kept and on which legal basis. */
  statement: string;
  ip: string | null;
}

/**
 * The developer attests that the event data of one instance is deleted. Once per duty (a second
 * attestation, also one racing the first, is refused); recorded in the platform's audit log and in
 * the instance's. Returns how many of the revocation's duties are still open.
 */
export async function attestDeletion(db: Kysely<Schema>, input: DeletionAttestation, clock: Clock): Promise<{ remainingOpen: number }> {
  const statement = input.statement.trim();
  if (statement.length > MAX_ATTESTATION_STATEMENT_LENGTH) throw new DeletionAttestationError('statement', `The statement must be at most ${MAX_ATTESTATION_STATEMENT_LENGTH} characters`);
  return db.transaction().execute(async (trx) => {
    const duty = await trx
      .selectFrom('deletion_duties')
      .innerJoin('apps', 'apps.id', 'deletion_duties.app_id')
      .innerJoin('orgs', 'orgs.id', 'deletion_duties.org_id')
      .select(['deletion_duties.status', 'orgs.name as org_name', 'apps.display_name', 'apps.client_id'])
      .where('deletion_duties.revocation_id', '=', input.revocationId)
      .where('deletion_duties.org_id', '=', input.orgId)
      .where('deletion_duties.app_id', '=', input.appId)
      .where('apps.developer_id', '=', input.developerId)
      .executeTakeFirst();
    if (duty === undefined) throw new DeletionAttestationError('duty', 'There is no such deletion duty for your app', true);
    if (duty.status !== 'open') throw new DeletionAttestationError('duty', `The deletion for ${duty.org_name} is ${duty.status === 'attested' ? 'already attested' : 'no longer due: its integration was re-enabled'}`);
    const now = isoTimestamp(clock.now());
    // Conditional on the status: of two attestations at once, one updates the row.
    const updated = await trx
      .updateTable('deletion_duties')
      .set({ status: 'attested', statement, attested_at: now, attested_by_developer_id: input.developerId })
      .where('revocation_id', '=', input.revocationId)
      .where('org_id', '=', input.orgId)
      .where('status', '=', 'open')
      .executeTakeFirst();
    if (updated.numUpdatedRows !== 1n) throw new DeletionAttestationError('duty', `The deletion for ${duty.org_name} is already attested`);
    const actor = { type: 'developer' as const, id: String(input.developerId) };
    const details = { appId: input.appId, clientId: duty.client_id, appName: duty.display_name, revocationId: input.revocationId, instance: duty.org_name, statement };
    // The developer's IP address stays with the platform: the instance's admins see who attested and what.
    for (const orgId of [null, input.orgId]) {
      await recordAudit(trx, { orgId, actor, action: 'app.deletion-attested', target: { type: 'app', id: String(input.appId) }, details, ip: orgId === null ? input.ip : null }, clock);
    }
    const open = await trx.selectFrom('deletion_duties').select((eb) => eb.fn.countAll<string | number>().as('n')).where('revocation_id', '=', input.revocationId).where('status', '=', 'open').executeTakeFirstOrThrow();
    return { remainingOpen: Number(open.n) };
  });
}

/**
 * Releases the app's open duties in one instance: its org admin re-enabled the integration after a
 * reactivation, so the app may hold that instance's data again. Runs in the caller's transaction.
 */
export async function releaseDeletionDuties(trx: Kysely<Schema>, target: { appId: number; orgId: number }, clock: Clock): Promise<number> {
  const released = await trx
    .updateTable('deletion_duties')
    .set({ status: 'released', released_at: isoTimestamp(clock.now()) })
    .where('app_id', '=', target.appId)
    .where('org_id', '=', target.orgId)
    .where('status', '=', 'open')
    .executeTakeFirst();
  return Number(released.numUpdatedRows);
}
