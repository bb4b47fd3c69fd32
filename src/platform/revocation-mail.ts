import { renderMail } from '../mail/mail-layout.js';
import type { OutgoingMail } from '../mail/mail-queue.js';
import { formatUtc } from './program-mail.js';

const DAY_FORMAT = new Intl.DateTimeFormat('en-GB', { timeZone: 'UTC', dateStyle: 'long' });

/** An ISO timestamp as a calendar date in UTC, e.g. "3 January 2027". */
export function formatUtcDate(iso: string): string {
  return DAY_FORMAT.format(new Date(iso));
}

export interface RevocationMailInput {
  to: string;
  name: string;
  appName: string;
  clientId: number;
  reason: string;
  revokedAt: string;
  deletionDueAt: string;
  /** The names of the instances whose event data the app may hold; empty if it never had an integration. */
  instances: string[];
}

/**
 * Tells the developer their app is revoked and what they must delete by when. Written for a
 * reader who may not know the platform's terms: what stopped, why, and the one duty left.
 */
export function appRevokedMail(input: RevocationMailInput): OutgoingMail {
  const due = formatUtcDate(input.deletionDueAt);
  const instances =
    input.instances.length === 0
      ? 'The app was not connected to any event, so it should hold no event data from ConCat.'
      : `The app was connected to these events, so it may hold their data:\n${input.instances.map((name) => `• ${name}`).join('\n')}`;
  return {
    kind: 'app.revoked',
    to: input.to,
    subject: `${input.appName} is revoked: delete its event data by ${due}`,
    ...renderMail({
      greeting: `Hello ${input.name},`,
      paragraphs: [
        `Your app ${input.appName} (API ID ${input.clientId}) was revoked on ${formatUtc(input.revokedAt)}. The reason given:`,
        input.reason,
        'From now on the app cannot sign in to ConCat or use its API: its secret keys and every access and refresh token it holds no longer work, and it receives no more webhooks.',
        instances,
        `You must delete all event data the app received from ConCat by ${due} (30 days after the revocation). That means everything it stored: attendees' names, email addresses and other personal details, registrations, and any copies in databases, files, logs, spreadsheets and backups.`,
        'Once you have deleted it, confirm the deletion in the developer portal.',
      ],
      footer: 'If you think this revocation is a mistake, reply to the person at ConCat you are in touch with.',
    }),
  };
}
