import type { Kysely } from 'kysely';
import { recordAudit } from '../audit/audit-log.js';
import { isoTimestamp, type Clock } from '../clock.js';
import type { AuditActorType, RevocationCause, Schema } from '../db/schema.js';
import { recordAppRevoked } from '../events/integration-events.js';
import { enqueueMail } from '../mail/mail-queue.js';
import { DAY_MS } from './inactivity.js';
import { appRevokedMail } from './revocation-mail.js';
import { MAX_REVIEW_MESSAGE_LENGTH } from './review.js';
import { LifecycleRefusal } from './refusal.js';

/**
 * Revoking an app: it stops at once everywhere, and its developer learns what they must delete.
 * The token layer (src/oauth/token-check.ts) and client authentication (src/oauth/clients.ts)
 * accept only approved apps with active integrations, reading the rows on every request, so the
 * status change itself is what ends every token and secret, in every process.
 */

/** Days the developer has, from revocation, to delete the event data the app stored. */
export const DELETION_PERIOD_DAYS = 30;

/** The deletion deadline of a revocation at `revokedAt`. */
export function deletionDeadline(revokedAt: Date): string {
  return isoTimestamp(new Date(revokedAt.getTime() + DELETION_PERIOD_DAYS * DAY_MS));
}

/**
 * Who revokes: an operator in the console, an administrator on the server's command line, the
 * developer in the portal, or the platform itself (the inactivity sweep).
 */
export type RevocationActor = { type: 'operator'; operatorId: number } | { type: 'cli' } | { type: 'developer'; developerId: number } | { type: 'system' };

/** Why an app was revoked, as recorded: an operator's (or administrator's) decision, the developer's request, or a year without activity. */
export function revocationCause(actor: RevocationActor): RevocationCause {
  if (actor.type === 'developer') return 'developer';
  if (actor.type === 'system') return 'inactivity';
  return 'operator';
}

function auditActorOf(actor: RevocationActor): { type: AuditActorType; id: string | null } {
  switch (actor.type) {
    case 'operator':
      return { type: 'operator', id: String(actor.operatorId) };
    case 'developer':
      return { type: 'developer', id: String(actor.developerId) };
    case 'cli':
      return { type: 'cli', id: null };
    case 'system':
      return { type: 'system', id: null };
  }
}

export interface RevocationRequest {
  /** The app, by its API ID (client_id) or its internal id. */
  app: { clientId: number } | { appId: number };
  reason: string;
  actor: RevocationActor;
  ip?: string | null;
}

export interface Revocation {
  /** The app_revocations row. */
  revocationId: number;
  appId: number;
  clientId: number;
  appName: string;
  revokedAt: string;
  deletionDueAt: string;
  /** Integrations suspended by the revocation. */
  suspendedIntegrations: number;
  /** The instances (slugs) whose data the app may hold. */
  instances: string[];
  /** Whether the developer was emailed (an organization's own app has no developer). */
  emailed: boolean;
}

/** A refused revocation: `field` 'reason' for a missing or too long reason, 'app' for anything about the app. */
export class AppRevocationError extends LifecycleRefusal<'app' | 'reason'> {
  override name = 'AppRevocationError';
}

function requiredReason(text: string): string {
  const reason = text.trim();
  if (reason === '') throw new AppRevocationError('reason', 'Give the reason for the revocation; the developer receives it');
  if (reason.length > MAX_REVIEW_MESSAGE_LENGTH) throw new AppRevocationError('reason', `The reason must be at most ${MAX_REVIEW_MESSAGE_LENGTH} characters`);
  return reason;
}

/**
 * Revokes an approved app in one transaction: status `revoked` with time, reason and deletion
 * deadline; its active integrations suspended (kept, for reactivation); `app-revoked` events;
 * the audit entry; the email to the developer. Only an approved app can be revoked, so a second
 * revocation (also one racing the first) is refused and sends nothing. Pending webhook messages
 * to the app's endpoints are cancelled.
 */
export async function revokeApp(db: Kysely<Schema>, request: RevocationRequest, clock: Clock): Promise<Revocation> {
  const reason = requiredReason(request.reason);
  return db.transaction().execute(async (trx) => {
    let query = trx
      .selectFrom('apps')
      .leftJoin('developers', 'developers.id', 'apps.developer_id')
      .select(['apps.id', 'apps.client_id', 'apps.display_name', 'apps.status', 'developers.email', 'developers.name']);
    query = 'clientId' in request.app ? query.where('apps.client_id', '=', request.app.clientId) : query.where('apps.id', '=', request.app.appId);
    const app = await query.executeTakeFirst();
    if (app === undefined) throw new AppRevocationError('app', 'There is no app with this API ID', true);
    if (app.status === 'revoked') throw new AppRevocationError('app', `${app.display_name} is already revoked`);
    if (app.status !== 'approved') throw new AppRevocationError('app', `${app.display_name} is not approved (its application is ${app.status.replace('_', ' ')}); only approved apps can be revoked`);

    const now = clock.now();
    const revokedAt = isoTimestamp(now);
    const deletionDueAt = deletionDeadline(now);
    // Conditional on the status: of two revocations at once, one updates the row and the other
    // finds nothing to update (PostgreSQL re-checks the condition after the first commits).
    const updated = await trx
      .updateTable('apps')
      .set({ status: 'revoked', revoked_at: revokedAt, revoke_reason: reason, updated_at: revokedAt })
      .where('id', '=', app.id)
      .where('status', '=', 'approved')
      .executeTakeFirst();
    if (updated.numUpdatedRows !== 1n) throw new AppRevocationError('app', `${app.display_name} is already revoked`);

    const actor = auditActorOf(request.actor);
    const cause = revocationCause(request.actor);
    // Events first: they describe the integrations as they were (not yet suspended).
    await recordAppRevoked(trx, app.id, actor, clock);
    const suspended = await trx.updateTable('integrations').set({ status: 'suspended', updated_at: revokedAt }).where('app_id', '=', app.id).where('status', '=', 'active').executeTakeFirst();
    // Its secrets end for good: a reactivation issues a new one, and old secrets never return.
    await trx.updateTable('app_secrets').set({ revoked_at: revokedAt }).where('app_id', '=', app.id).where('revoked_at', 'is', null).execute();
    // Every token, refresh token, code and user grant of the app, in every instance, is deleted:
    // none can come back with a reactivation, and the instance's users must consent again.
    await trx.deleteFrom('oauth_records').where('client_id', '=', String(app.client_id)).execute();
    // Messages already made but not yet delivered are cancelled too: nothing more reaches the app.
    // (A suspended integration's endpoints get no new messages: src/webhooks/fan-out.ts.)
    await trx
      .updateTable('webhook_messages')
      .set({ status: 'cancelled', claimed_until: null })
      .where('status', '=', 'pending')
      .where('endpoint_id', 'in', (eb) => eb.selectFrom('webhook_endpoints').innerJoin('integrations', 'integrations.id', 'webhook_endpoints.integration_id').select('webhook_endpoints.id').where('integrations.app_id', '=', app.id))
      .execute();
    // Every instance it was ever integrated in, removed integrations included: it may still hold their data.
    const orgs = await trx
      .selectFrom('integrations')
      .innerJoin('orgs', 'orgs.id', 'integrations.org_id')
      .select(['orgs.id', 'orgs.slug', 'orgs.name'])
      .distinct()
      .where('integrations.app_id', '=', app.id)
      .orderBy('orgs.name')
      .execute();
    const instances = orgs.map((org) => org.slug);
    const revocation = await trx
      .insertInto('app_revocations')
      .values({ app_id: app.id, cause, reason, actor_type: actor.type, actor_id: actor.id, revoked_at: revokedAt, deletion_due_at: deletionDueAt, reactivated_at: null })
      .returning('id')
      .executeTakeFirstOrThrow();
    // The deletion duty: one per instance whose data the app may hold, until attested (src/platform/deletion-duty.ts).
    // An organization's own app has no developer to attest: its data is the organization's own.
    if (orgs.length > 0 && app.email !== null) {
      await trx
        .insertInto('deletion_duties')
        .values(orgs.map((org) => ({ revocation_id: revocation.id, org_id: org.id, app_id: app.id, status: 'open' as const, statement: '', attested_at: null, attested_by_developer_id: null, released_at: null })))
        .execute();
    }
    await recordAudit(
      trx,
      { orgId: null, actor, action: 'app.revoked', target: { type: 'app', id: String(app.id) }, details: { from: 'approved', to: 'revoked', cause, reason, deletionDueAt, instances, revocationId: revocation.id }, ip: request.ip ?? null },
      clock,
    );
    const emailed = app.email !== null;
    if (app.email !== null) {
      const mail = appRevokedMail({ to: app.email, name: app.name ?? '', appName: app.display_name, clientId: app.client_id, reason, revokedAt, deletionDueAt, instances: orgs.map((org) => org.name) });
      await enqueueMail(trx, mail, clock);
    }
    return { revocationId: revocation.id, appId: app.id, clientId: app.client_id, appName: app.display_name, revokedAt, deletionDueAt, suspendedIntegrations: Number(suspended.numUpdatedRows), instances, emailed };
  });
}
