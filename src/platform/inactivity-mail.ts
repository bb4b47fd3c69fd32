import { renderMail } from '../mail/mail-layout.js';
import type { OutgoingMail } from '../mail/mail-queue.js';
import { formatUtcDate } from './revocation-mail.js';

/** The mails of the revocation sweep, written like revocation-mail.ts: plain words, dates as dates. */

export interface InactivityWarningInput {
  to: string;
  name: string;
  appName: string;
  clientId: number;
  /** The app's last activity in any instance; null if it was never used. */
  lastActiveAt: string | null;
  /** The configured idle limit, in days. */
  inactivityDays: number;
  revokeOn: string;
  portalUrl: string;
}

/** Warns the developer that their unused app will be revoked on a date, and how to keep it. */
export function inactivityWarningMail(input: InactivityWarningInput): OutgoingMail {
  const revokeOn = formatUtcDate(input.revokeOn);
  const lastUse = input.lastActiveAt === null ? 'It has never been used since it was approved.' : `It was last used on ${formatUtcDate(input.lastActiveAt)}.`;
  return {
    kind: 'app.inactivity-warning',
    to: input.to,
    subject: `${input.appName} will be revoked on ${revokeOn} unless it is used`,
    ...renderMail({
      greeting: `Hello ${input.name},`,
      paragraphs: [
        `Your app ${input.appName} (API ID ${input.clientId}) has not been used for a long time. ${lastUse}`,
        `ConCat revokes credentials that are not used for ${input.inactivityDays} days, so unless the app is used before then, it will be revoked on ${revokeOn}. Its secret keys and tokens will stop working, and it will have to delete the event data it stored.`,
        'Any of these counts as use, in any event the app is connected to: getting an access token, calling the API with one, or answering a webhook with success.',
        'To keep the app, simply use it before that date. If you no longer need it, you can ask for its revocation in the developer portal.',
      ],
      action: { label: 'Open the developer portal', url: input.portalUrl },
      footer: 'You receive this because you are the developer of this app on ConCat.',
    }),
  };
}

export interface DeletionReminderInput {
  to: string;
  name: string;
  appName: string;
  clientId: number;
  deletionDueAt: string;
  /** The names of the events whose data the developer has not yet attested deleting. */
  instances: string[];
  portalUrl: string;
}

/** Reminds the developer of a revoked app to delete its event data, and attest it, by the deadline. */
export function deletionReminderMail(input: DeletionReminderInput): OutgoingMail {
  const due = formatUtcDate(input.deletionDueAt);
  return {
    kind: 'app.deletion-reminder',
    to: input.to,
    subject: `Reminder: delete ${input.appName}'s event data by ${due}`,
    ...renderMail({
      greeting: `Hello ${input.name},`,
      paragraphs: [
        `Your app ${input.appName} (API ID ${input.clientId}) was revoked. You must delete all event data it received from ConCat by ${due}: attendees' names, email addresses and other personal details, registrations, and any copies in databases, files, logs, spreadsheets and backups.`,
        `You have not yet confirmed the deletion for these events:\n${input.instances.map((name) => `• ${name}`).join('\n')}`,
        'Once the data is deleted, confirm it for each event in the developer portal.',
      ],
      action: { label: 'Confirm the deletion', url: input.portalUrl },
      footer: 'You receive this because you are the developer of this app on ConCat.',
    }),
  };
}

export interface DeletionOverdueInput {
  to: string;
  appName: string;
  clientId: number;
  deletionDueAt: string;
  /** The events whose data the developer has not attested deleting (for an org admin: their own event only). */
  instances: string[];
  /** Where the reader sees it: the console's app page, or the instance's Housekeeping. */
  url: string;
  reader: 'operator' | 'org-admin';
}

/** Tells the operators, and the org admins of each event concerned, that a deletion deadline passed unattested. */
export function deletionOverdueMail(input: DeletionOverdueInput): OutgoingMail {
  const due = formatUtcDate(input.deletionDueAt);
  const events = input.instances.join(', ');
  return {
    kind: 'app.deletion-overdue',
    to: input.to,
    subject: `Overdue: ${input.appName} has not confirmed deleting event data`,
    ...renderMail({
      greeting: 'Hello,',
      paragraphs: [
        `The app ${input.appName} (API ID ${input.clientId}) was revoked, and its developer had to delete the event data it stored by ${due}. The deadline has passed and the developer has not confirmed the deletion for: ${events}.`,
        input.reader === 'operator'
          ? 'The app is shown as overdue in the operator console. Consider contacting the developer.'
          : 'The app is shown as overdue in Housekeeping. The ConCat team is informed too; you may also contact the developer directly.',
      ],
      action: { label: input.reader === 'operator' ? 'Open the app in the console' : 'Open Housekeeping', url: input.url },
      footer: input.reader === 'operator' ? 'You receive this because you are an operator of this ConCat platform.' : `You receive this because you manage the integrations of ${events} on ConCat.`,
    }),
  };
}
