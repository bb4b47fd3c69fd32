import type { Kysely } from 'kysely';
import { recordAudit } from '../audit/audit-log.js';
import { isoTimestamp, type Clock } from '../clock.js';
import type { Schema } from '../db/schema.js';
import { isUniqueViolation } from '../db/unique-violation.js';
import { renderMail } from '../mail/mail-layout.js';
import { enqueueMail, type OutgoingMail } from '../mail/mail-queue.js';
import { formatUtc } from '../platform/program-mail.js';
import { isPlausibleEmail, normalizeEmail } from '../platform/email-address.js';
import { generateSecret, hashSecret } from '../security/secrets.js';
import { nextVersion, recordUserUpdated, type ProfileChangeOrigin } from './user-profile-changes.js';

/**
 * Changing a user's email address. The address is how the user signs in and is reached, so a new
 * one only replaces the old after the user proves they receive mail there: asking for the change
 * stores the new address with the hash of a token and emails a link to it; the change happens when
 * the signed-in user opens the link and confirms. Only then is `user-updated` recorded, with the
 * address marked verified. A user has one pending change at a time; asking again replaces the
 * earlier link, and a link works once, within EMAIL_LINK_LIFETIME_MS.
 */

export const EMAIL_LINK_LIFETIME_MS = 24 * 60 * 60 * 1000;
export const EMAIL_TOKEN_PREFIX = 'cev_';

export interface EmailChangeRequest {
  orgId: number;
  userId: number;
  newEmail: string;
  /** The instance's name, for the email. */
  instanceName: string;
  /** The absolute address of the confirmation page for a token (the link in the email). */
  confirmationLink: (token: string) => string;
}

export type EmailChangeRequestResult = { ok: true; pendingEmail: string; expiresAt: string } | { ok: false; reason: 'invalid'; error: string } | { ok: false; reason: 'user-not-found' };

export interface PendingEmailChange {
  newEmail: string;
  expiresAt: string;
}

/** What a link is, for the confirmation page: pending (with its address), or why it no longer works. */
export type EmailLinkState = { state: 'pending'; newEmail: string; expiresAt: string } | { state: 'expired' | 'used' | 'unknown' };

export type EmailChangeConfirmation = { ok: true; email: string } | { ok: false; reason: 'expired' | 'used' | 'unknown' | 'email-taken' };

const EMAIL_TAKEN = 'Another account here already uses that address.';

async function emailHolder(trx: Kysely<Schema>, orgId: number, normalized: string): Promise<number | undefined> {
  const row = await trx.selectFrom('users').select('id').where('org_id', '=', orgId).where('email_normalized', '=', normalized).executeTakeFirst();
  return row?.id;
}

function verificationMail(input: { to: string; instanceName: string; link: string; expiresAt: string }): OutgoingMail {
  return {
    kind: 'email.verification',
    to: input.to,
    subject: `Confirm your new email address for ${input.instanceName}`,
    ...renderMail({
      greeting: 'Hello,',
      paragraphs: [
        `You asked to use this address for your ${input.instanceName} account. Open the link below while signed in to confirm it; until then your account keeps its current address.`,
        `The link works once and expires on ${formatUtc(input.expiresAt)}.`,
      ],
      action: { label: 'Confirm this email address', url: input.link },
      footer: 'If you did not ask for this, you can ignore this email: nothing changes without the link.',
    }),
  };
}

/** What is wrong with an address as typed, or undefined when it looks like one (checked before any write, so a form can show it with its other errors). */
export function emailProblem(email: string): string | undefined {
  const trimmed = email.trim();
  if (trimmed === '') return 'Enter your email address.';
  if (!isPlausibleEmail(trimmed)) return 'Enter an email address like name@example.org.';
  return undefined;
}

/**
 * Starts a change of address: validates it, replaces any pending change, stores the token's hash
 * and queues the email to the new address, all in one transaction. The account itself does not
 * change yet, so no event is recorded.
 */
export async function requestEmailChange(db: Kysely<Schema>, request: EmailChangeRequest, origin: ProfileChangeOrigin, clock: Clock): Promise<EmailChangeRequestResult> {
  const { orgId, userId } = request;
  const newEmail = request.newEmail.trim();
  const problem = emailProblem(newEmail);
  if (problem !== undefined) return { ok: false, reason: 'invalid', error: problem };
  const normalized = normalizeEmail(newEmail);
  return db.transaction().execute(async (trx): Promise<EmailChangeRequestResult> => {
    const user = await trx.selectFrom('users').select(['email_normalized']).where('org_id', '=', orgId).where('id', '=', userId).executeTakeFirst();
    if (user === undefined) return { ok: false, reason: 'user-not-found' };
    if (user.email_normalized === normalized) return { ok: false, reason: 'invalid', error: 'That is already your email address.' };
    if ((await emailHolder(trx, orgId, normalized)) !== undefined) return { ok: false, reason: 'invalid', error: EMAIL_TAKEN };
    const now = clock.now();
    const expiresAt = isoTimestamp(new Date(now.getTime() + EMAIL_LINK_LIFETIME_MS));
    const token = generateSecret(EMAIL_TOKEN_PREFIX);
    await trx.deleteFrom('email_verifications').where('org_id', '=', orgId).where('user_id', '=', userId).where('used_at', 'is', null).execute();
    await trx
      .insertInto('email_verifications')
      .values({ org_id: orgId, user_id: userId, new_email: newEmail, token_hash: hashSecret(token), created_at: isoTimestamp(now), expires_at: expiresAt, used_at: null })
      .execute();
    await enqueueMail(trx, verificationMail({ to: newEmail, instanceName: request.instanceName, link: request.confirmationLink(token), expiresAt }), clock);
    // The new address is personal data and stays out of the log, which outlives it.
    await recordAudit(trx, { orgId, actor: origin.actor, action: 'user.email-change-requested', target: { type: 'user', id: String(userId) }, details: { expiresAt }, ip: origin.ip }, clock);
    return { ok: true, pendingEmail: newEmail, expiresAt };
  });
}

/** The user's pending, unexpired change of address, if any. */
export async function pendingEmailChange(db: Kysely<Schema>, orgId: number, userId: number, clock: Clock): Promise<PendingEmailChange | undefined> {
  const row = await db
    .selectFrom('email_verifications')
    .select(['new_email', 'expires_at'])
    .where('org_id', '=', orgId)
    .where('user_id', '=', userId)
    .where('used_at', 'is', null)
    .where('expires_at', '>', isoTimestamp(clock.now()))
    .orderBy('id', 'desc')
    .executeTakeFirst();
  return row === undefined ? undefined : { newEmail: row.new_email, expiresAt: row.expires_at };
}

async function linkRow(trx: Kysely<Schema>, orgId: number, userId: number, token: string) {
  // A token of another user or instance is as unknown as a made-up one: it reveals nothing about them.
  return trx
    .selectFrom('email_verifications')
    .select(['id', 'new_email', 'expires_at', 'used_at'])
    .where('token_hash', '=', hashSecret(token))
    .where('org_id', '=', orgId)
    .where('user_id', '=', userId)
    .executeTakeFirst();
}

/** What the link of `token` is for this signed-in user. */
export async function emailLinkState(db: Kysely<Schema>, orgId: number, userId: number, token: string, clock: Clock): Promise<EmailLinkState> {
  if (token === '' || token.length > 200) return { state: 'unknown' };
  const row = await linkRow(db, orgId, userId, token);
  if (row === undefined) return { state: 'unknown' };
  if (row.used_at !== null) return { state: 'used' };
  if (row.expires_at <= isoTimestamp(clock.now())) return { state: 'expired' };
  return { state: 'pending', newEmail: row.new_email, expiresAt: row.expires_at };
}

/**
 * Confirms a change of address with the emailed token: the address changes and is verified, the
 * link is used up, and `user-updated` is recorded, in one transaction. The link only works for
 * the user who asked (the signed-in user must be them).
 */
export async function confirmEmailChange(db: Kysely<Schema>, input: { orgId: number; userId: number; token: string }, origin: ProfileChangeOrigin, clock: Clock): Promise<EmailChangeConfirmation> {
  if (input.token === '' || input.token.length > 200) return { ok: false, reason: 'unknown' };
  try {
    return await db.transaction().execute((trx) => applyConfirmation(trx, input, origin, clock));
  } catch (error) {
    // Two users confirming the same new address at once: the unique index lets one of them have it.
    if (isUniqueViolation(error)) return { ok: false, reason: 'email-taken' };
    throw error;
  }
}

async function applyConfirmation(trx: Kysely<Schema>, input: { orgId: number; userId: number; token: string }, origin: ProfileChangeOrigin, clock: Clock): Promise<EmailChangeConfirmation> {
  const { orgId, userId, token } = input;
  const row = await linkRow(trx, orgId, userId, token);
  if (row === undefined) return { ok: false, reason: 'unknown' };
  const now = isoTimestamp(clock.now());
  if (row.used_at !== null) return { ok: false, reason: 'used' };
  if (row.expires_at <= now) return { ok: false, reason: 'expired' };
  const normalized = normalizeEmail(row.new_email);
  const holder = await emailHolder(trx, orgId, normalized);
  if (holder !== undefined && holder !== userId) return { ok: false, reason: 'email-taken' };
  // Claiming the link conditionally makes two simultaneous confirmations change the address once.
  const claimed = await trx.updateTable('email_verifications').set({ used_at: now }).where('id', '=', row.id).where('used_at', 'is', null).executeTakeFirst();
  if (claimed.numUpdatedRows === 0n) return { ok: false, reason: 'used' };
  const user = await trx.selectFrom('users').select('updated_at').where('org_id', '=', orgId).where('id', '=', userId).executeTakeFirstOrThrow();
  await trx
    .updateTable('users')
    .set({ email: row.new_email, email_normalized: normalized, email_verified: 1, updated_at: nextVersion(user.updated_at, clock) })
    .where('org_id', '=', orgId)
    .where('id', '=', userId)
    .execute();
  await recordAudit(trx, { orgId, actor: origin.actor, action: 'user.email-changed', target: { type: 'user', id: String(userId) }, details: {}, ip: origin.ip }, clock);
  await recordUserUpdated(trx, orgId, userId, origin.actor, clock);
  return { ok: true, email: row.new_email };
}
