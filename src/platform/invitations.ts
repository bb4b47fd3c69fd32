import type { Kysely } from 'kysely';
import { recordAudit, type ActorType } from '../audit/audit-log.js';
import { isoTimestamp, type Clock } from '../clock.js';
import type { InvitationsTable, Schema } from '../db/schema.js';
import { enqueueMail } from '../mail/mail-queue.js';
import { generateSecret, hashSecret } from '../security/secrets.js';
import { isPlausibleEmail, normalizeEmail } from './email-address.js';
import { invitationMail } from './program-mail.js';

/** Invitation tokens carry this prefix, so a leaked link is recognizable by scanners. */
export const INVITATION_TOKEN_PREFIX = 'cci_';

/**
 * How long an invitation link works, in days, unless the inviter chooses otherwise (the CLI's
 * `--expires-in-days`). Two weeks covers holidays and slow inboxes; a resend starts a new period.
 */
export const INVITATION_LIFETIME_DAYS = 14;

/** The longest lifetime an inviter may choose: a link should not stay usable for months. */
export const MAX_INVITATION_LIFETIME_DAYS = 90;

/** Longest note an operator may attach to an invitation. */
export const MAX_INVITATION_NOTE_LENGTH = 2000;

const DAY_MS = 86_400_000;

export type InvitationStatus = 'pending' | 'used' | 'expired' | 'withdrawn';

/** A refused invitation request; `field` names the form field at fault ('' for the whole form). */
export class InvitationError extends Error {
  override name = 'InvitationError';
  constructor(
    readonly field: 'email' | 'note' | 'expiresInDays' | '',
    message: string,
  ) {
    super(message);
  }
}

/** The invitation to change does not exist. */
export class UnknownInvitationError extends InvitationError {
  override name = 'UnknownInvitationError';
  constructor() {
    super('', 'No such invitation');
  }
}

export interface InvitationActor {
  type: Extract<ActorType, 'operator' | 'cli'>;
  id: string | null;
}

export interface NewInvitation {
  email: string;
  note?: string;
  /** Defaults to INVITATION_LIFETIME_DAYS. */
  expiresInDays?: number;
  /** The operator the invitation is from (the table requires one, also for CLI invitations). */
  operatorId: number;
  actor: InvitationActor;
  ip?: string | null;
  /** The platform's public URL: the link in the email is absolute. */
  publicUrl: URL;
}

export interface IssuedInvitation {
  id: number;
  email: string;
  /** The link with the clear token: exists only here and in the queued email. */
  link: string;
  expiresAt: string;
}

export interface InvitationListItem {
  id: number;
  email: string;
  note: string;
  createdAt: string;
  expiresAt: string;
  usedAt: string | null;
  withdrawnAt: string | null;
  createdBy: string;
  status: InvitationStatus;
}

type InvitationRow = Pick<InvitationsTable, 'expires_at' | 'used_at' | 'withdrawn_at'>;

/** What state an invitation is in at a given moment. */
export function invitationStatus(row: InvitationRow, now: Date): InvitationStatus {
  if (row.withdrawn_at !== null) return 'withdrawn';
  if (row.used_at !== null) return 'used';
  return row.expires_at <= isoTimestamp(now) ? 'expired' : 'pending';
}

/** The absolute link an invitee opens. */
export function invitationLink(publicUrl: URL, token: string): string {
  return `${publicUrl.origin}/invitations/${token}`;
}

/** Whether a string can be an invitation token at all (checked before touching the database). */
export function looksLikeInvitationToken(token: string): boolean {
  return /^cci_[\w-]{43}$/.test(token);
}

function lifetimeMs(days: number | undefined): number {
  const chosen = days ?? INVITATION_LIFETIME_DAYS;
  if (!Number.isInteger(chosen) || chosen < 1 || chosen > MAX_INVITATION_LIFETIME_DAYS) {
    throw new InvitationError('expiresInDays', `The lifetime must be a whole number of days from 1 to ${MAX_INVITATION_LIFETIME_DAYS}`);
  }
  return chosen * DAY_MS;
}

/**
 * Invites someone to the developer program: stores the token's hash, queues the email with the
 * link, and audits, all in one transaction. Refuses people who are already developers (they
 * sign in to the portal instead) and people who already hold a pending invitation (resend it).
 */
export async function createInvitation(db: Kysely<Schema>, input: NewInvitation, clock: Clock): Promise<IssuedInvitation> {
  const email = normalizeEmail(input.email);
  if (email === '') throw new InvitationError('email', 'Enter the email address to invite');
  if (!isPlausibleEmail(email)) throw new InvitationError('email', 'Enter an email address like name@example.com');
  const note = (input.note ?? '').trim();
  if (note.length > MAX_INVITATION_NOTE_LENGTH) throw new InvitationError('note', `The note must be at most ${MAX_INVITATION_NOTE_LENGTH} characters`);
  const now = clock.now();
  const expiresAt = isoTimestamp(new Date(now.getTime() + lifetimeMs(input.expiresInDays)));
  const token = generateSecret(INVITATION_TOKEN_PREFIX);

  return db.transaction().execute(async (trx) => {
    const developer = await trx.selectFrom('developers').select('id').where('email', '=', email).executeTakeFirst();
    if (developer !== undefined) throw new InvitationError('email', `${email} is already a member of the developer program`);
    const open = await trx
      .selectFrom('invitations')
      .select('id')
      .where('email', '=', email)
      .where('used_at', 'is', null)
      .where('withdrawn_at', 'is', null)
      .where('expires_at', '>', isoTimestamp(now))
      .executeTakeFirst();
    if (open !== undefined) throw new InvitationError('email', `${email} already has a pending invitation; resend or withdraw it instead`);
    const row = await trx
      .insertInto('invitations')
      .values({
        email,
        note,
        token_hash: hashSecret(token),
        created_by_operator_id: input.operatorId,
        created_at: isoTimestamp(now),
        expires_at: expiresAt,
        used_at: null,
        withdrawn_at: null,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    const link = invitationLink(input.publicUrl, token);
    await enqueueMail(trx, invitationMail({ email, note, link, expiresAt, resent: false }), clock);
    await recordAudit(
      trx,
      { orgId: null, actor: input.actor, action: 'invitation.created', target: { type: 'invitation', id: String(row.id) }, details: { email, expiresAt, operatorId: input.operatorId }, ip: input.ip ?? null },
      clock,
    );
    return { id: row.id, email, link, expiresAt };
  });
}

/**
 * The operator a CLI invitation is sent in the name of (invitations always name one): the one
 * given by email, or, when none is given, the only active operator there is.
 */
export async function invitingOperator(db: Kysely<Schema>, email: string | undefined): Promise<{ id: number; email: string }> {
  if (email !== undefined) {
    const row = await db.selectFrom('operators').select(['id', 'email', 'disabled_at']).where('email', '=', normalizeEmail(email)).executeTakeFirst();
    if (row === undefined) throw new InvitationError('', `there is no operator ${normalizeEmail(email)}`);
    if (row.disabled_at !== null) throw new InvitationError('', `the operator ${row.email} is disabled`);
    return { id: row.id, email: row.email };
  }
  const active = await db.selectFrom('operators').select(['id', 'email']).where('disabled_at', 'is', null).limit(2).execute();
  const [only] = active;
  if (only === undefined) throw new InvitationError('', 'there is no operator yet: create one first with concat create-operator');
  if (active.length > 1) throw new InvitationError('', 'there are several operators: name the inviting one with --operator EMAIL');
  return only;
}

export interface InvitationChange {
  invitationId: number;
  actor: InvitationActor;
  ip?: string | null;
}

/**
 * Sends a pending or expired invitation again with a new token and a new expiry: the old link
 * stops working at once, because only the new token's hash is stored.
 */
export async function resendInvitation(db: Kysely<Schema>, input: InvitationChange & { publicUrl: URL; expiresInDays?: number }, clock: Clock): Promise<IssuedInvitation> {
  const now = clock.now();
  const expiresAt = isoTimestamp(new Date(now.getTime() + lifetimeMs(input.expiresInDays)));
  const token = generateSecret(INVITATION_TOKEN_PREFIX);
  return db.transaction().execute(async (trx) => {
    const row = await trx.selectFrom('invitations').selectAll().where('id', '=', input.invitationId).executeTakeFirst();
    if (row === undefined) throw new UnknownInvitationError();
    const status = invitationStatus(row, now);
    if (status === 'used') throw new InvitationError('', 'This invitation was already used to apply; it cannot be resent');
    if (status === 'withdrawn') throw new InvitationError('', 'This invitation was withdrawn; create a new one instead');
    const updated = await trx
      .updateTable('invitations')
      .set({ token_hash: hashSecret(token), expires_at: expiresAt })
      .where('id', '=', row.id)
      .where('used_at', 'is', null)
      .where('withdrawn_at', 'is', null)
      .executeTakeFirst();
    if (updated.numUpdatedRows !== 1n) throw new InvitationError('', 'This invitation changed meanwhile; reload and try again');
    const link = invitationLink(input.publicUrl, token);
    await enqueueMail(trx, invitationMail({ email: row.email, note: row.note, link, expiresAt, resent: true }), clock);
    await recordAudit(
      trx,
      { orgId: null, actor: input.actor, action: 'invitation.resent', target: { type: 'invitation', id: String(row.id) }, details: { email: row.email, expiresAt }, ip: input.ip ?? null },
      clock,
    );
    return { id: row.id, email: row.email, link, expiresAt };
  });
}

/** Withdraws a pending (or expired) invitation: its link stops working and it cannot be resent. */
export async function withdrawInvitation(db: Kysely<Schema>, input: InvitationChange, clock: Clock): Promise<void> {
  const nowIso = isoTimestamp(clock.now());
  await db.transaction().execute(async (trx) => {
    const row = await trx.selectFrom('invitations').select(['id', 'email', 'used_at', 'withdrawn_at']).where('id', '=', input.invitationId).executeTakeFirst();
    if (row === undefined) throw new UnknownInvitationError();
    if (row.used_at !== null) throw new InvitationError('', 'This invitation was already used to apply; it cannot be withdrawn');
    if (row.withdrawn_at !== null) throw new InvitationError('', 'This invitation is already withdrawn');
    const updated = await trx
      .updateTable('invitations')
      .set({ withdrawn_at: nowIso })
      .where('id', '=', row.id)
      .where('used_at', 'is', null)
      .where('withdrawn_at', 'is', null)
      .executeTakeFirst();
    if (updated.numUpdatedRows !== 1n) throw new InvitationError('', 'This invitation changed meanwhile; reload and try again');
    await recordAudit(
      trx,
      { orgId: null, actor: input.actor, action: 'invitation.withdrawn', target: { type: 'invitation', id: String(row.id) }, details: { email: row.email }, ip: input.ip ?? null },
      clock,
    );
  });
}

export type InvitationLookup =
  | { status: 'pending'; invitation: { id: number; email: string; note: string; expiresAt: string } }
  | { status: Exclude<InvitationStatus, 'pending'> | 'unknown' };

/** The invitation a link's token names, and whether it can still be used. */
export async function findInvitationByToken(db: Kysely<Schema>, token: string, clock: Clock): Promise<InvitationLookup> {
  if (!looksLikeInvitationToken(token)) return { status: 'unknown' };
  const row = await db
    .selectFrom('invitations')
    .select(['id', 'email', 'note', 'expires_at', 'used_at', 'withdrawn_at'])
    .where('token_hash', '=', hashSecret(token))
    .executeTakeFirst();
  if (row === undefined) return { status: 'unknown' };
  const status = invitationStatus(row, clock.now());
  if (status !== 'pending') return { status };
  return { status, invitation: { id: row.id, email: row.email, note: row.note, expiresAt: row.expires_at } };
}

/** Every invitation, newest first, with its status now and who sent it. */
export async function listInvitations(db: Kysely<Schema>, clock: Clock): Promise<InvitationListItem[]> {
  const rows = await db
    .selectFrom('invitations')
    .innerJoin('operators', 'operators.id', 'invitations.created_by_operator_id')
    .select([
      'invitations.id',
      'invitations.email',
      'invitations.note',
      'invitations.created_at',
      'invitations.expires_at',
      'invitations.used_at',
      'invitations.withdrawn_at',
      'operators.name as operator_name',
    ])
    .orderBy('invitations.id', 'desc')
    .execute();
  const now = clock.now();
  return rows.map((row) => ({
    id: row.id,
    email: row.email,
    note: row.note,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    usedAt: row.used_at,
    withdrawnAt: row.withdrawn_at,
    createdBy: row.operator_name,
    status: invitationStatus(row, now),
  }));
}
