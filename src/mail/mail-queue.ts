import type { Kysely } from 'kysely';
import { isoTimestamp, type Clock } from '../clock.js';
import type { Schema } from '../db/schema.js';

export interface OutgoingMail {
  /** What the message is about, e.g. 'invitation', 'application.approved'; shown in the console. */
  kind: string;
  to: string;
  subject: string;
  text: string;
  html: string;
}

/**
 * Queues a message for the mail worker. Pass the caller's transaction so the message is sent
 * only if the change it announces commits; nothing is lost when SMTP is down or the process
 * restarts, because the worker retries from the table.
 */
export async function enqueueMail(db: Kysely<Schema>, mail: OutgoingMail, clock: Clock): Promise<number> {
  const now = isoTimestamp(clock.now());
  const row = await db
    .insertInto('mail_messages')
    .values({
      kind: mail.kind,
      to_address: mail.to,
      subject: mail.subject,
      text_body: mail.text,
      html_body: mail.html,
      status: 'queued',
      next_attempt_at: now,
      leased_until: null,
      last_error: null,
      created_at: now,
      sent_at: null,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}
