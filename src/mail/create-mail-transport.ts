import type { Config } from '../config.js';
import type { MailTransport } from './mail-transport.js';
import { createFileOutboxTransport } from './outbox/file-outbox-transport.js';
import { createSmtpTransport } from './smtp/smtp-transport.js';

/** SMTP when the operator configured a server; otherwise the file outbox in the data directory. */
export function createMailTransport(config: Pick<Config, 'smtpUrl' | 'dataDir'>): MailTransport {
  return config.smtpUrl === null ? createFileOutboxTransport(config.dataDir) : createSmtpTransport(config.smtpUrl);
}
