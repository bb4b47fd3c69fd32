import type { Kysely, Selectable } from 'kysely';
import type { Clock } from '../../src/clock.js';
import type { MailMessagesTable, Schema } from '../../src/db/schema.js';
import { enqueueMail, type OutgoingMail } from '../../src/mail/mail-queue.js';
import type { DeliveryResult, MailMessage, MailTransport } from '../../src/mail/mail-transport.js';
import type { MailLogger } from '../../src/mail/mail-worker.js';

export const SENDER = 'ConCat Platform <no-reply@platform.example>';

export function testMail(overrides: Partial<OutgoingMail> = {}): OutgoingMail {
  return {
    kind: 'test',
    to: 'dev@example.org',
    subject: 'Your invitation',
    text: 'Hello,\n\nApply here: https://platform.example/invitations/abc\n',
    html: '<!DOCTYPE html><html lang="en"><body><p>Hello,</p><p><a href="https://platform.example/invitations/abc">Apply</a></p></body></html>',
    ...overrides,
  };
}

export function queueMail(db: Kysely<Schema>, clock: Clock, overrides: Partial<OutgoingMail> = {}): Promise<number> {
  return enqueueMail(db, testMail(overrides), clock);
}

export function mailRow(db: Kysely<Schema>, id: number): Promise<Selectable<MailMessagesTable>> {
  return db.selectFrom('mail_messages').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
}

export interface LogEntry {
  level: 'info' | 'warn' | 'error';
  details: object;
  message: string;
}

/** A MailLogger that keeps what it was told, to check what would reach the log. */
export function recordingLogger(): { logger: MailLogger; entries: LogEntry[] } {
  const entries: LogEntry[] = [];
  const at =
    (level: LogEntry['level']) =>
    (details: object, message: string): void => {
      entries.push({ level, details, message });
    };
  return { logger: { info: at('info'), warn: at('warn'), error: at('error') }, entries };
}

/** A transport that records what it accepted; `behave` decides each send (accept by default). */
export class RecordingTransport implements MailTransport {
  readonly name = 'recording';
  readonly sent: MailMessage[] = [];
  closed = false;
  readonly #behave: (message: MailMessage) => Promise<DeliveryResult>;

  constructor(behave: (message: MailMessage) => Promise<DeliveryResult> = () => Promise.resolve({ accepted: true, detail: 'ok' })) {
    this.#behave = behave;
  }

  async send(message: MailMessage): Promise<DeliveryResult> {
    const result = await this.#behave(message);
    if (result.accepted) this.sent.push(message);
    return result;
  }

  close(): Promise<void> {
    this.closed = true;
    return Promise.resolve();
  }
}
