import type { Kysely } from 'kysely';
import { recordAudit } from '../audit/audit-log.js';
import { isoTimestamp, type Clock } from '../clock.js';
import type { AppStatus, AuditActorType, Schema } from '../db/schema.js';
import { enqueueMail, type OutgoingMail } from '../mail/mail-queue.js';
import { activeOperators } from './developer-applications.js';
import { approvedMail, informationRequestedMail, rejectedMail, reviewWaitingMail } from './program-mail.js';
import { consoleAppLink, portalLink } from './platform-links.js';

/**
 * The review of developer applications. States and who moves them:
 *
 *   applied ──request information──▶ needs_info ──developer answers──▶ applied
 *   applied | needs_info ──approve──▶ approved     (terminal for review)
 *   applied | needs_info ──reject───▶ rejected     (terminal)
 *
 * An operator may ask again while waiting for an answer (the new question replaces the old) and
 * may decide without an answer (e.g. it came by phone). Approval keeps the client_id given at
 * application time and creates no secret: the developer creates the first one in the portal,
 * where it is shown once. Every step audits and emails the developer, in the same transaction.
 */
export const REVIEW_TRANSITIONS = {
  requestInformation: ['applied', 'needs_info'],
  approve: ['applied', 'needs_info'],
  reject: ['applied', 'needs_info'],
  answer: ['needs_info'],
} as const satisfies Record<string, readonly AppStatus[]>;

/** Review actions in the audit log, which is also the review's history. */
export const REVIEW_ACTIONS = ['app.created', 'app.information-requested', 'app.information-provided', 'app.approved', 'app.rejected'] as const;

/** Longest question, rejection reason or answer. */
export const MAX_REVIEW_MESSAGE_LENGTH = 5000;

/** A refused review step: a missing message (`field` 'message') or a transition not allowed now. */
export class ReviewError extends Error {
  override name = 'ReviewError';
  constructor(
    readonly field: 'message' | '',
    message: string,
  ) {
    super(message);
  }
}

const STATUS_PHRASES: Record<AppStatus, string> = {
  applied: 'waiting for review',
  needs_info: "waiting for the developer's answer",
  approved: 'already approved',
  rejected: 'rejected',
  revoked: 'revoked',
};

export interface OperatorReviewAct {
  appId: number;
  operatorId: number;
  ip?: string | null;
  /** The platform's public URL, for the portal link in the email. */
  publicUrl: URL;
}

interface Transition {
  appId: number;
  /** Only apps of this developer (the developer acting on their own app). */
  developerId?: number;
  from: readonly AppStatus[];
  to: AppStatus;
  reviewNote: string;
  verb: string;
  action: (typeof REVIEW_ACTIONS)[number];
  actor: { type: AuditActorType; id: string };
  ip: string | null;
  details: Record<string, unknown>;
  /** The emails to queue; `trx` is the step's transaction (the only connection SQLite has during it). */
  mails: (app: ReviewedApp, trx: Kysely<Schema>) => Promise<OutgoingMail[]> | OutgoingMail[];
}

interface ReviewedApp {
  id: number;
  clientId: number;
  displayName: string;
  developerEmail: string;
  developerName: string;
}

function requiredMessage(text: string, what: string): string {
  const trimmed = text.trim();
  if (trimmed === '') throw new ReviewError('message', `Write ${what}`);
  if (trimmed.length > MAX_REVIEW_MESSAGE_LENGTH) throw new ReviewError('message', `The message must be at most ${MAX_REVIEW_MESSAGE_LENGTH} characters`);
  return trimmed;
}

async function transition(db: Kysely<Schema>, step: Transition, clock: Clock): Promise<void> {
  await db.transaction().execute(async (trx) => {
    let query = trx
      .selectFrom('apps')
      .innerJoin('developers', 'developers.id', 'apps.developer_id')
      .select(['apps.id', 'apps.client_id', 'apps.display_name', 'apps.status', 'developers.email', 'developers.name'])
      .where('apps.id', '=', step.appId);
    if (step.developerId !== undefined) query = query.where('apps.developer_id', '=', step.developerId);
    const row = await query.executeTakeFirst();
    if (row === undefined) throw new ReviewError('', 'No such application');
    if (!step.from.includes(row.status)) throw new ReviewError('', `Cannot ${step.verb} this application: it is ${STATUS_PHRASES[row.status]}`);
    const nowIso = isoTimestamp(clock.now());
    // Conditional on the status read above, so two reviewers acting at once cannot both succeed.
    const updated = await trx
      .updateTable('apps')
      .set({ status: step.to, review_note: step.reviewNote, updated_at: nowIso, ...(step.to === 'approved' ? { activated_at: nowIso } : {}) })
      .where('id', '=', row.id)
      .where('status', '=', row.status)
      .executeTakeFirst();
    if (updated.numUpdatedRows !== 1n) throw new ReviewError('', 'This application changed meanwhile; reload the page and try again');
    await recordAudit(trx, { orgId: null, actor: step.actor, action: step.action, target: { type: 'app', id: String(row.id) }, details: { from: row.status, to: step.to, ...step.details }, ip: step.ip }, clock);
    const app: ReviewedApp = { id: row.id, clientId: row.client_id, displayName: row.display_name, developerEmail: row.email, developerName: row.name };
    for (const mail of await step.mails(app, trx)) await enqueueMail(trx, mail, clock);
  });
}

function operatorActor(act: OperatorReviewAct): { type: 'operator'; id: string } {
  return { type: 'operator', id: String(act.operatorId) };
}

/** Asks the developer for more information: `needs_info`, with the question emailed and shown in the portal. */
export async function requestInformation(db: Kysely<Schema>, act: OperatorReviewAct & { message: string }, clock: Clock): Promise<void> {
  const question = requiredMessage(act.message, 'what you need to know');
  await transition(db, {
    appId: act.appId,
    from: REVIEW_TRANSITIONS.requestInformation,
    to: 'needs_info',
    reviewNote: question,
    verb: 'ask about',
    action: 'app.information-requested',
    actor: operatorActor(act),
    ip: act.ip ?? null,
    details: { message: question },
    mails: (app) => [informationRequestedMail({ to: app.developerEmail, name: app.developerName, appName: app.displayName, question, portalUrl: portalLink(act.publicUrl) })],
  }, clock);
}

/** Approves an application. The app keeps its client_id; no secret is made here (see the module comment). */
export async function approveApplication(db: Kysely<Schema>, act: OperatorReviewAct, clock: Clock): Promise<void> {
  await transition(db, {
    appId: act.appId,
    from: REVIEW_TRANSITIONS.approve,
    to: 'approved',
    reviewNote: '',
    verb: 'approve',
    action: 'app.approved',
    actor: operatorActor(act),
    ip: act.ip ?? null,
    details: {},
    mails: (app) => [approvedMail({ to: app.developerEmail, name: app.developerName, appName: app.displayName, clientId: app.clientId, portalUrl: portalLink(act.publicUrl) })],
  }, clock);
}

/** Rejects an application with a reason the developer receives. */
export async function rejectApplication(db: Kysely<Schema>, act: OperatorReviewAct & { reason: string }, clock: Clock): Promise<void> {
  const reason = requiredMessage(act.reason, 'the reason for the rejection');
  await transition(db, {
    appId: act.appId,
    from: REVIEW_TRANSITIONS.reject,
    to: 'rejected',
    reviewNote: reason,
    verb: 'reject',
    action: 'app.rejected',
    actor: operatorActor(act),
    ip: act.ip ?? null,
    details: { reason },
    mails: (app) => [rejectedMail({ to: app.developerEmail, name: app.developerName, appName: app.displayName, reason })],
  }, clock);
}

export interface InformationAnswer {
  appId: number;
  /** The signed-in developer: only their own app can be answered for. */
  developerId: number;
  answer: string;
  ip?: string | null;
  /** When given, the operators' email links to the app in the console. */
  publicUrl?: URL;
}

/**
 * The developer answers a request for information (called by the portal): the answer goes into
 * the review history (the audit log), the app returns to `applied` and the review queue, and
 * every active operator is emailed.
 */
export async function answerInformationRequest(db: Kysely<Schema>, input: InformationAnswer, clock: Clock): Promise<void> {
  const answer = requiredMessage(input.answer, 'your answer');
  await transition(db, {
    appId: input.appId,
    developerId: input.developerId,
    from: REVIEW_TRANSITIONS.answer,
    to: 'applied',
    reviewNote: '',
    verb: 'answer for',
    action: 'app.information-provided',
    actor: { type: 'developer', id: String(input.developerId) },
    ip: input.ip ?? null,
    details: { answer },
    mails: async (app, trx) => {
      const consoleUrl = input.publicUrl === undefined ? null : consoleAppLink(input.publicUrl, app.id);
      const operators = await activeOperators(trx);
      return operators.map((operator) => reviewWaitingMail({ to: operator.email, appName: app.displayName, developerName: app.developerName, answered: true, consoleUrl }));
    },
  }, clock);
}

export interface ReviewEvent {
  at: string;
  action: (typeof REVIEW_ACTIONS)[number];
  actorType: AuditActorType;
  actorId: string | null;
  /** The question, answer or rejection reason; null for steps without one. */
  message: string | null;
}

/** The review steps of an app, oldest first: what the portal and the console show as its history. */
export async function reviewHistory(db: Kysely<Schema>, appId: number): Promise<ReviewEvent[]> {
  const rows = await db
    .selectFrom('audit_log')
    .select(['created_at', 'action', 'actor_type', 'actor_id', 'details'])
    .where('target_type', '=', 'app')
    .where('target_id', '=', String(appId))
    .where('action', 'in', REVIEW_ACTIONS)
    .orderBy('id')
    .execute();
  return rows.flatMap((row) => {
    const action = REVIEW_ACTIONS.find((known) => known === row.action);
    if (action === undefined) return [];
    return [{ at: row.created_at, action, actorType: row.actor_type, actorId: row.actor_id, message: messageOf(row.details) }];
  });
}

function messageOf(details: string): string | null {
  try {
    const parsed: unknown = JSON.parse(details);
    if (typeof parsed !== 'object' || parsed === null) return null;
    for (const key of ['message', 'answer', 'reason']) {
      const value: unknown = Reflect.get(parsed, key);
      if (typeof value === 'string') return value;
    }
  } catch {
    // Details are always written as JSON; anything else has no message to show.
  }
  return null;
}

export interface QueuedApplication {
  id: number;
  displayName: string;
  status: 'applied' | 'needs_info';
  createdAt: string;
  updatedAt: string;
  developerName: string;
  companyName: string;
}

/** The operators' queue: apps waiting for review first, then those waiting for an answer; oldest first within each. */
export async function listReviewQueue(db: Kysely<Schema>): Promise<QueuedApplication[]> {
  const rows = await db
    .selectFrom('apps')
    .innerJoin('developers', 'developers.id', 'apps.developer_id')
    .select(['apps.id', 'apps.display_name', 'apps.status', 'apps.created_at', 'apps.updated_at', 'developers.name', 'developers.company_name'])
    .where('apps.status', 'in', ['applied', 'needs_info'])
    .orderBy('apps.created_at')
    .orderBy('apps.id')
    .execute();
  const queued = rows.flatMap((row) =>
    row.status === 'applied' || row.status === 'needs_info'
      ? [{ id: row.id, displayName: row.display_name, status: row.status, createdAt: row.created_at, updatedAt: row.updated_at, developerName: row.name, companyName: row.company_name }]
      : [],
  );
  return [...queued.filter((app) => app.status === 'applied'), ...queued.filter((app) => app.status === 'needs_info')];
}
