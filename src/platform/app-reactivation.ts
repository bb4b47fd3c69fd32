import type { Kysely } from 'kysely';
import { recordAudit } from '../audit/audit-log.js';
import { isoTimestamp, type Clock } from '../clock.js';
import type { ReactivationRequestStatus, RevocationCause, Schema } from '../db/schema.js';
import { enqueueMail } from '../mail/mail-queue.js';
import { reactivationApprovedMail, reactivationDeclinedMail, reactivationRequestedMail } from './reactivation-mail.js';
import { MAX_REVIEW_MESSAGE_LENGTH } from './review.js';
import { consoleAppLink, portalLink } from './platform-links.js';
import { LifecycleRefusal } from './refusal.js';

/**
 * Reactivation of a revoked app: the developer asks in the portal, an operator approves or
 * declines in the console. Approval makes the app approved again and nothing more: its old secrets
 * stay revoked (the developer issues a new one in the portal, shown once), its service
 * integrations stay suspended until each org admin re-enables them, and its users' grants were
 * deleted at revocation, so they consent again.
 */

/** A refused request or decision: `field` 'message' for the developer's message or the operator's note. */
export class ReactivationError extends LifecycleRefusal<'app' | 'request' | 'message'> {
  override name = 'ReactivationError';
}

export interface ReactivationRequest {
  id: number;
  appId: number;
  clientId: number;
  appName: string;
  developerName: string;
  developerEmail: string;
  revocationId: number;
  revocationCause: RevocationCause;
  revocationReason: string;
  revokedAt: string;
  message: string;
  status: ReactivationRequestStatus;
  requestedAt: string;
  decidedAt: string | null;
  decisionNote: string;
}

function trimmedMessage(text: string, required: string | null): string {
  const message = text.trim();
  if (message === '' && required !== null) throw new ReactivationError('message', required);
  if (message.length > MAX_REVIEW_MESSAGE_LENGTH) throw new ReactivationError('message', `The message must be at most ${MAX_REVIEW_MESSAGE_LENGTH} characters`);
  return message;
}

function requestsQuery(db: Kysely<Schema>) {
  return db
    .selectFrom('reactivation_requests')
    .innerJoin('apps', 'apps.id', 'reactivation_requests.app_id')
    .innerJoin('app_revocations', 'app_revocations.id', 'reactivation_requests.revocation_id')
    .leftJoin('developers', 'developers.id', 'apps.developer_id')
    .select([
      'reactivation_requests.id',
      'reactivation_requests.app_id',
      'apps.client_id',
      'apps.display_name',
      'developers.name as developer_name',
      'developers.email as developer_email',
      'reactivation_requests.revocation_id',
      'app_revocations.cause',
      'app_revocations.reason',
      'app_revocations.revoked_at',
      'reactivation_requests.message',
      'reactivation_requests.status',
      'reactivation_requests.requested_at',
      'reactivation_requests.decided_at',
      'reactivation_requests.decision_note',
    ]);
}

type RequestRow = Awaited<ReturnType<ReturnType<typeof requestsQuery>['executeTakeFirstOrThrow']>>;

function toRequest(row: RequestRow): ReactivationRequest {
  return {
    id: row.id,
    appId: row.app_id,
    clientId: row.client_id,
    appName: row.display_name,
    developerName: row.developer_name ?? '',
    developerEmail: row.developer_email ?? '',
    revocationId: row.revocation_id,
    revocationCause: row.cause,
    revocationReason: row.reason,
    revokedAt: row.revoked_at,
    message: row.message,
    status: row.status,
    requestedAt: row.requested_at,
    decidedAt: row.decided_at,
    decisionNote: row.decision_note,
  };
}

/** Requests waiting for an operator (console), oldest first; or every request of one app (portal), newest first. */
export async function listReactivationRequests(db: Kysely<Schema>, scope: { status: 'pending' } | { appId: number }): Promise<ReactivationRequest[]> {
  const rows =
    'appId' in scope
      ? await requestsQuery(db).where('reactivation_requests.app_id', '=', scope.appId).orderBy('reactivation_requests.requested_at', 'desc').orderBy('reactivation_requests.id', 'desc').execute()
      : await requestsQuery(db).where('reactivation_requests.status', '=', 'pending').orderBy('reactivation_requests.requested_at').orderBy('reactivation_requests.id').execute();
  return rows.map(toRequest);
}

export interface NewReactivationRequest {
  developerId: number;
  appId: number;
  /** Why the app should work again (what changed); the operator reads it. */
  message: string;
  ip: string | null;
  /** For the link in the operators' email. */
  publicUrl: URL;
}

/**
 * The developer asks for their revoked app back. One pending request per app (the database refuses
 * a second, also one made at the same moment); the active operators are emailed.
 */
export async function requestReactivation(db: Kysely<Schema>, input: NewReactivationRequest, clock: Clock): Promise<number> {
  const message = trimmedMessage(input.message, 'Tell the ConCat team why the app should work again');
  try {
    return await db.transaction().execute(async (trx) => {
      const app = await trx
        .selectFrom('apps')
        .select(['id', 'client_id', 'display_name', 'status'])
        .where('id', '=', input.appId)
        .where('developer_id', '=', input.developerId)
        .executeTakeFirst();
      if (app === undefined) throw new ReactivationError('app', 'There is no such app', true);
      if (app.status !== 'revoked') throw new ReactivationError('app', `${app.display_name} is not revoked`);
      const revocation = await trx.selectFrom('app_revocations').select('id').where('app_id', '=', app.id).orderBy('revoked_at', 'desc').orderBy('id', 'desc').limit(1).executeTakeFirst();
      if (revocation === undefined) throw new ReactivationError('app', `${app.display_name} has no revocation on record`);
      const pending = await trx.selectFrom('reactivation_requests').select('id').where('app_id', '=', app.id).where('status', '=', 'pending').executeTakeFirst();
      if (pending !== undefined) throw new ReactivationError('request', 'A reactivation request for this app is already waiting for the ConCat team');
      const now = isoTimestamp(clock.now());
      const created = await trx
        .insertInto('reactivation_requests')
        .values({ app_id: app.id, revocation_id: revocation.id, developer_id: input.developerId, message, status: 'pending', requested_at: now, decided_at: null, decided_by_operator_id: null, decision_note: '' })
        .returning('id')
        .executeTakeFirstOrThrow();
      await recordAudit(
        trx,
        { orgId: null, actor: { type: 'developer', id: String(input.developerId) }, action: 'app.reactivation-requested', target: { type: 'app', id: String(app.id) }, details: { requestId: created.id, revocationId: revocation.id, message }, ip: input.ip },
        clock,
      );
      const operators = await trx.selectFrom('operators').select('email').where('disabled_at', 'is', null).execute();
      const consoleUrl = consoleAppLink(input.publicUrl, app.id);
      for (const operator of operators) {
        await enqueueMail(trx, reactivationRequestedMail({ to: operator.email, appName: app.display_name, clientId: app.client_id, message, consoleUrl }), clock);
      }
      return created.id;
    });
  } catch (error) {
    // Two requests at once: the partial unique index refuses the second insert.
    if (!(error instanceof ReactivationError) && (await hasPendingRequest(db, input.appId))) {
      throw new ReactivationError('request', 'A reactivation request for this app is already waiting for the ConCat team');
    }
    throw error;
  }
}

async function hasPendingRequest(db: Kysely<Schema>, appId: number): Promise<boolean> {
  const row = await db.selectFrom('reactivation_requests').select('id').where('app_id', '=', appId).where('status', '=', 'pending').executeTakeFirst();
  return row !== undefined;
}

export interface ReactivationDecision {
  operatorId: number;
  requestId: number;
  /** Optional for an approval, required for a decline: the developer receives it. */
  note: string;
  ip: string | null;
  /** For the portal link in the developer's email. */
  publicUrl: URL;
}

async function decide(db: Kysely<Schema>, decision: ReactivationDecision, to: 'approved' | 'declined', clock: Clock, apply: (trx: Kysely<Schema>, request: ReactivationRequest, now: string) => Promise<void>): Promise<ReactivationRequest> {
  const note = trimmedMessage(decision.note, to === 'declined' ? 'Tell the developer why the app stays revoked' : null);
  return db.transaction().execute(async (trx) => {
    const row = await requestsQuery(trx).where('reactivation_requests.id', '=', decision.requestId).executeTakeFirst();
    if (row === undefined) throw new ReactivationError('request', 'There is no such reactivation request', true);
    const request = toRequest(row);
    if (request.status !== 'pending') throw new ReactivationError('request', `This request was already ${request.status}`);
    const now = isoTimestamp(clock.now());
    // Conditional on the status: of two decisions at once, one wins and the other is refused.
    const updated = await trx
      .updateTable('reactivation_requests')
      .set({ status: to, decided_at: now, decided_by_operator_id: decision.operatorId, decision_note: note })
      .where('id', '=', request.id)
      .where('status', '=', 'pending')
      .executeTakeFirst();
    if (updated.numUpdatedRows !== 1n) throw new ReactivationError('request', 'This request was decided meanwhile');
    await apply(trx, request, now);
    await recordAudit(
      trx,
      { orgId: null, actor: { type: 'operator', id: String(decision.operatorId) }, action: to === 'approved' ? 'app.reactivated' : 'app.reactivation-declined', target: { type: 'app', id: String(request.appId) }, details: { requestId: request.id, revocationId: request.revocationId, note }, ip: decision.ip },
      clock,
    );
    const portalUrl = portalLink(decision.publicUrl, request.appId);
    if (request.developerEmail !== '') {
      const mail = { to: request.developerEmail, name: request.developerName, appName: request.appName, clientId: request.clientId, note, portalUrl };
      await enqueueMail(trx, to === 'approved' ? reactivationApprovedMail(mail) : reactivationDeclinedMail(mail), clock);
    }
    return { ...request, status: to, decidedAt: now, decisionNote: note };
  });
}

/**
 * Approves a request: the app is approved again (the idle clock starts anew), the revocation is
 * marked reactivated. Secrets, integrations and user grants are not restored (see the module comment).
 */
export async function approveReactivation(db: Kysely<Schema>, decision: ReactivationDecision, clock: Clock): Promise<ReactivationRequest> {
  return decide(db, decision, 'approved', clock, async (trx, request, now) => {
    const updated = await trx
      .updateTable('apps')
      .set({ status: 'approved', activated_at: now, revoked_at: null, revoke_reason: null, updated_at: now })
      .where('id', '=', request.appId)
      .where('status', '=', 'revoked')
      .executeTakeFirst();
    if (updated.numUpdatedRows !== 1n) throw new ReactivationError('app', `${request.appName} is no longer revoked`);
    await trx.updateTable('app_revocations').set({ reactivated_at: now }).where('id', '=', request.revocationId).execute();
  });
}

/** Declines a request with a note to the developer; the app stays revoked and may ask again. */
export async function declineReactivation(db: Kysely<Schema>, decision: ReactivationDecision, clock: Clock): Promise<ReactivationRequest> {
  return decide(db, decision, 'declined', clock, () => Promise.resolve());
}
