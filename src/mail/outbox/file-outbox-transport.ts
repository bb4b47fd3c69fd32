import { mkdir, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import nodemailer from 'nodemailer';
import type { DeliveryResult, MailMessage, MailTransport } from '../mail-transport.js';
import { toSendMailOptions } from '../nodemailer-message.js';

/** Where the outbox lives inside the data directory. */
export function outboxDirectory(dataDir: string): string {
  return path.join(dataDir, 'outbox');
}

/**
 * Writes each message as an RFC 5322 `.eml` file into `<dataDir>/outbox/`, for installations
 * without SMTP: the operator console lists the messages, and any mail client opens the files.
 * The files are built by nodemailer's stream transport, byte for byte what SMTP would carry.
 */
export function createFileOutboxTransport(dataDir: string): MailTransport {
  const directory = outboxDirectory(dataDir);
  const builder = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'windows' });
  return {
    name: 'outbox',
    async send(message: MailMessage): Promise<DeliveryResult> {
      const info = await builder.sendMail(toSendMailOptions(message));
      if (!Buffer.isBuffer(info.message)) throw new Error('the stream transport did not return a buffer');
      // Messages carry invitation links and other secrets: only the platform's user may read them.
      await mkdir(directory, { recursive: true, mode: 0o700 });
      const name = outboxFileName(message);
      const file = path.join(directory, name);
      // Written aside and renamed, so a reader never sees half a message; a retry replaces the file.
      const partial = path.join(directory, `.${name}.partial`);
      await writeFile(partial, info.message, { mode: 0o600 });
      await rename(partial, file);
      return { accepted: true, detail: `written to ${file}` };
    },
    close: () => Promise.resolve(),
  };
}

/**
 * `20260101T093000.000Z_<message id>.eml`: sorts by the time the message was queued, and is the
 * same on every retry of one message.
 */
export function outboxFileName(message: Pick<MailMessage, 'date' | 'messageId'>): string {
  const stamp = message.date.toISOString().replace(/[-:]/g, '');
  const id = message.messageId.replace(/^<|>$/g, '').replace(/[^A-Za-z0-9._@-]/g, '_');
  return `${stamp}_${id}.eml`;
}
