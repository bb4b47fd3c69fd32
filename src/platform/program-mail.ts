import { renderMail } from '../mail/mail-layout.js';
import type { OutgoingMail } from '../mail/mail-queue.js';

/**
 * The developer program's emails: invitation, application received, and every review step.
 * Kept apart from the rules so their wording can change without touching a transaction. None of
 * them ever carries a client secret: secrets are shown once, in the portal, and nowhere else.
 */

const DATE_FORMAT = new Intl.DateTimeFormat('en-GB', { timeZone: 'UTC', dateStyle: 'long', timeStyle: 'short' });

/** An ISO timestamp as people read it, e.g. "15 January 2026 at 00:00 UTC" (the server knows no reader's time zone). */
export function formatUtc(iso: string): string {
  return `${DATE_FORMAT.format(new Date(iso))} UTC`;
}

export function invitationMail(input: { email: string; note: string; link: string; expiresAt: string; resent: boolean }): OutgoingMail {
  const paragraphs = [
    'You are invited to join the ConCat developer program. Use the link below to apply: tell us about yourself, your company and the application you want to build, and choose a password for the developer portal.',
    ...(input.note === '' ? [] : [`A note from the ConCat team: ${input.note}`]),
    `The link works once and expires on ${formatUtc(input.expiresAt)}.`,
    ...(input.resent ? ['This replaces the link we sent you before, which no longer works.'] : []),
  ];
  const body = renderMail({
    greeting: 'Hello,',
    paragraphs,
    action: { label: 'Apply to the developer program', url: input.link },
    footer: 'If you did not expect this invitation, you can ignore this email.',
  });
  return {
    kind: 'invitation',
    to: input.email,
    subject: input.resent ? 'Your invitation to the ConCat developer program (new link)' : 'Your invitation to the ConCat developer program',
    ...body,
  };
}

interface DeveloperMailBase {
  to: string;
  name: string;
  appName: string;
}

export function applicationReceivedMail(input: DeveloperMailBase & { portalUrl: string }): OutgoingMail {
  return {
    kind: 'application.received',
    to: input.to,
    subject: `We received your application for ${input.appName}`,
    ...renderMail({
      greeting: `Hello ${input.name},`,
      paragraphs: [
        `Thank you for applying to the ConCat developer program with ${input.appName}. Our staff will review your application and email you when they decide or need more information.`,
        'You can follow the review in the developer portal, where you sign in with this email address and the password you chose.',
      ],
      action: { label: 'Open the developer portal', url: input.portalUrl },
    }),
  };
}

export function informationRequestedMail(input: DeveloperMailBase & { question: string; portalUrl: string }): OutgoingMail {
  return {
    kind: 'application.needs-info',
    to: input.to,
    subject: `More information needed for ${input.appName}`,
    ...renderMail({
      greeting: `Hello ${input.name},`,
      paragraphs: [
        `Our staff need more information before they can decide on ${input.appName}. Their question:`,
        input.question,
        'Please answer in the developer portal; the review continues once you do.',
      ],
      action: { label: 'Answer in the developer portal', url: input.portalUrl },
    }),
  };
}

export function approvedMail(input: DeveloperMailBase & { clientId: number; portalUrl: string }): OutgoingMail {
  return {
    kind: 'application.approved',
    to: input.to,
    subject: `${input.appName} is approved`,
    ...renderMail({
      greeting: `Hello ${input.name},`,
      paragraphs: [
        `Good news: ${input.appName} is approved for the ConCat developer program. Its API ID (client_id) is ${input.clientId}.`,
        'Sign in to the developer portal to create its secret key. The key is shown to you once, there; it is never sent by email.',
      ],
      action: { label: 'Create your secret key', url: input.portalUrl },
    }),
  };
}

export function rejectedMail(input: DeveloperMailBase & { reason: string }): OutgoingMail {
  return {
    kind: 'application.rejected',
    to: input.to,
    subject: `Your application for ${input.appName} was not approved`,
    ...renderMail({
      greeting: `Hello ${input.name},`,
      paragraphs: [`We are sorry: your application for ${input.appName} was not approved. The reviewer's reason:`, input.reason],
      footer: 'Reply to the person who invited you if you have questions about this decision.',
    }),
  };
}

/** Tells staff that an application waits for review (a new one, or one the developer answered). */
export function reviewWaitingMail(input: { to: string; appName: string; developerName: string; answered: boolean; consoleUrl: string | null }): OutgoingMail {
  return {
    kind: input.answered ? 'application.answered' : 'application.submitted',
    to: input.to,
    subject: input.answered ? `${input.developerName} answered about ${input.appName}` : `New application: ${input.appName}`,
    ...renderMail({
      paragraphs: [
        input.answered
          ? `${input.developerName} answered your request for information about ${input.appName}. The application is back in the review queue.`
          : `${input.developerName} applied to the developer program with ${input.appName}. It waits in the review queue.`,
      ],
      ...(input.consoleUrl === null ? {} : { action: { label: 'Open it in the console', url: input.consoleUrl } }),
    }),
  };
}
