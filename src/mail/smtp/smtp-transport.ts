import nodemailer from 'nodemailer';
import { parseSmtpUrl } from '../../config.js';
import { oneLine, type DeliveryResult, type MailMessage, type MailTransport } from '../mail-transport.js';
import { toSendMailOptions } from '../nodemailer-message.js';

/**
 * nodemailer waits up to 2 minutes to connect and 10 minutes on a silent socket. A dead or
 * black-holed server must fail an attempt in seconds so the batch moves on and the message is
 * retried later. Query parameters of the SMTP URL (e.g. `?socketTimeout=60000`) override these.
 */
const SMTP_TIMEOUTS = {
  /** DNS lookup and TCP connect (and the TLS handshake for smtps://). */
  connectionTimeout: 10_000,
  /** From connect to the server's 220 greeting. */
  greetingTimeout: 10_000,
  /** Silence on an open connection, e.g. while the server digests DATA. */
  socketTimeout: 30_000,
  dnsTimeout: 10_000,
};

/**
 * Sends through the SMTP server named by `smtp://user:pass@host:port` (STARTTLS whenever the
 * server offers it; a failed upgrade fails the attempt rather than falling back to plain text)
 * or `smtps://…` (TLS from the first byte). Other nodemailer connection options may be given as
 * query parameters, e.g. `?requireTLS=true` or `?tls.rejectUnauthorized=false` for a relay with
 * a self-signed certificate.
 */
export function createSmtpTransport(smtpUrl: string): MailTransport {
  const redact = credentialRedactor(parseSmtpUrl(smtpUrl));
  // One connection per message: the worker sends a handful at a time, and nothing stays open between batches.
  const transporter = nodemailer.createTransport({ url: smtpUrl, ...SMTP_TIMEOUTS });
  return {
    name: 'smtp',
    async send(message: MailMessage, signal: AbortSignal): Promise<DeliveryResult> {
      try {
        const info = await transporter.sendMail({ ...toSendMailOptions(message), signal });
        return { accepted: true, detail: oneLine(redact(info.response)) };
      } catch (error) {
        const line = signal.aborted ? 'the send took too long and was aborted' : oneLine(redact(describe(error)));
        if (isPermanentRejection(error)) return { accepted: false, detail: line };
        // eslint-disable-next-line preserve-caught-error -- the cause may quote the credentials; only the redacted line travels on
        throw new Error(line);
      }
    },
    close() {
      transporter.close();
      return Promise.resolve();
    },
  };
}

/** nodemailer's code (ESOCKET, EAUTH, ETIMEDOUT, …) in front of its message, which carries the server's reply. */
function describe(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const code = typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string' ? error.code : null;
  return code === null || message.startsWith(code) ? message : `${code}: ${message}`;
}

/**
 * Only a refusal of this message's address is final: a 5xx reply to RCPT TO or DATA with an
 * enhanced status code of class 5.1 (no such mailbox, bad domain, bad syntax). Other refusals
 * usually mean the SMTP settings are wrong (a login, MAIL FROM, relaying or policy, 5.7.x), so
 * those messages keep retrying and go out once the operator fixes the configuration, and fail
 * only when the retries run out.
 */
function isPermanentRejection(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const permanent = 'permanent' in error && error.permanent === true;
  const command = 'command' in error ? error.command : undefined;
  const response = 'response' in error && typeof error.response === 'string' ? error.response : '';
  return permanent && (command === 'RCPT TO' || command === 'DATA') && /^5\d\d[ -]5\.1\.\d/.test(response);
}

/**
 * Removes the URL's user name and password from error text, in every form a server might echo
 * back: as given, percent-encoded, and base64 (AUTH LOGIN sends each, AUTH PLAIN both together).
 */
function credentialRedactor(url: URL): (text: string) => string {
  const user = decodeComponent(url.username);
  const pass = decodeComponent(url.password);
  const secrets = new Set<string>();
  const base64 = (value: string): string => Buffer.from(value, 'utf8').toString('base64').replace(/=+$/, '');
  for (const [decoded, encoded] of [
    [user, url.username],
    [pass, url.password],
  ] as const) {
    if (decoded === '') continue;
    secrets.add(decoded).add(encoded).add(encodeURIComponent(decoded)).add(base64(decoded));
  }
  if (secrets.size > 0) secrets.add(base64(`\0${user}\0${pass}`));
  // Longest first, so a secret that contains another is removed whole.
  const ordered = [...secrets].filter((secret) => secret !== '').sort((a, b) => b.length - a.length);
  return (text) => ordered.reduce((out, secret) => out.split(secret).join('[redacted]'), text);
}

function decodeComponent(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}
