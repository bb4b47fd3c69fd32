/** One message as the worker hands it to a transport: everything needed to build the RFC 5322 message. */
export interface MailMessage {
  /** Sender, e.g. `ConCat Platform <no-reply@example.org>` (config `mailFrom`). */
  from: string;
  to: string;
  subject: string;
  text: string;
  html: string;
  /**
   * `<…@domain>`, derived from the queued row, so every retry of a message carries the same
   * Message-ID and a receiver that got it twice (a send that succeeded but was not recorded)
   * can tell.
   */
  messageId: string;
  /** The Date header: when the message was queued, the same on every retry. */
  date: Date;
}

/** What a transport did with a message it could deliver or refuse for good. */
export type DeliveryResult =
  /** Handed over: accepted by the SMTP server, or written to the outbox. `detail` says where, for the log. */
  | { accepted: true; detail: string }
  /** Refused for a reason that retrying cannot fix (e.g. the server rejected the recipient with 5xx). */
  | { accepted: false; detail: string };

/**
 * Delivers messages. `send` resolves with a DeliveryResult, or rejects on a temporary failure
 * (server down, timeout, 4xx) so the worker retries later. Every `detail` and every rejection
 * message must be one line that is safe to store in the database and to log: no credentials.
 */
export interface MailTransport {
  /** `smtp` or `outbox`, for logs. */
  readonly name: string;
  /** `signal` aborts a send that takes too long; the worker's lease must outlast it. */
  send(message: MailMessage, signal: AbortSignal): Promise<DeliveryResult>;
  /** Releases connections; sends after close are not expected. */
  close(): Promise<void>;
}

/** Errors and server replies become one bounded line: they are stored in `last_error` and logged. */
export function oneLine(text: string, maxLength = 500): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length <= maxLength ? line : `${line.slice(0, maxLength - 1)}…`;
}
