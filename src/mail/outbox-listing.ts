import type { Kysely, Selectable } from 'kysely';
import type { MailMessagesTable, MailStatus, Schema } from '../db/schema.js';

/** One queued, sent or failed message as the operator console lists it. */
export interface MailSummary {
  id: number;
  kind: string;
  to: string;
  subject: string;
  status: MailStatus;
  /** Delivery attempts so far, the successful one included. */
  attempts: number;
  createdAt: string;
  sentAt: string | null;
  /** When a queued message is tried next. */
  nextAttemptAt: string;
  /** The latest failure, one line; kept after a later attempt succeeded. */
  lastError: string | null;
}

/** A message with its bodies, for reading it in the console. */
export interface MailDetail extends MailSummary {
  text: string;
  html: string;
}

export interface MailPage {
  /** Newest first. */
  messages: MailSummary[];
  /** Pass as `beforeId` for the next (older) page; null on the last page. */
  nextBeforeId: number | null;
}

/** A page of the mail queue, newest first, optionally of one status only. */
export async function listMail(db: Kysely<Schema>, options: { status?: MailStatus; limit: number; beforeId?: number }): Promise<MailPage> {
  let query = db
    .selectFrom('mail_messages')
    .select(['id', 'kind', 'to_address', 'subject', 'status', 'attempts', 'created_at', 'sent_at', 'next_attempt_at', 'last_error'])
    .orderBy('id', 'desc')
    // One more than asked tells whether an older page exists.
    .limit(options.limit + 1);
  if (options.status !== undefined) query = query.where('status', '=', options.status);
  if (options.beforeId !== undefined) query = query.where('id', '<', options.beforeId);
  const rows = await query.execute();
  const page = rows.slice(0, options.limit);
  const last = page.at(-1);
  return { messages: page.map(summary), nextBeforeId: rows.length > options.limit && last !== undefined ? last.id : null };
}

/** One message with its text and HTML bodies, or null when there is none with this id. */
export async function getMail(db: Kysely<Schema>, id: number): Promise<MailDetail | null> {
  const row = await db.selectFrom('mail_messages').selectAll().where('id', '=', id).executeTakeFirst();
  return row === undefined ? null : { ...summary(row), text: row.text_body, html: row.html_body };
}

type SummaryRow = Pick<Selectable<MailMessagesTable>, 'id' | 'kind' | 'to_address' | 'subject' | 'status' | 'attempts' | 'created_at' | 'sent_at' | 'next_attempt_at' | 'last_error'>;

function summary(row: SummaryRow): MailSummary {
  return {
    id: row.id,
    kind: row.kind,
    to: row.to_address,
    subject: row.subject,
    status: row.status,
    attempts: row.attempts,
    createdAt: row.created_at,
    sentAt: row.sent_at,
    nextAttemptAt: row.next_attempt_at,
    lastError: row.last_error,
  };
}
