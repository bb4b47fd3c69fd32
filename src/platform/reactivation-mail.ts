import { renderMail } from '../mail/mail-layout.js';
import type { OutgoingMail } from '../mail/mail-queue.js';

/** The emails of a reactivation: the operators learn of a request, the developer of the decision. */

export function reactivationRequestedMail(input: { to: string; appName: string; clientId: number; message: string; consoleUrl: string }): OutgoingMail {
  return {
    kind: 'app.reactivation-requested',
    to: input.to,
    subject: `Reactivation requested: ${input.appName}`,
    ...renderMail({
      greeting: 'Hello,',
      paragraphs: [`The developer of the revoked app ${input.appName} (API ID ${input.clientId}) asks for it to be reactivated. Their message:`, input.message, 'Approve or decline the request in the operator console.'],
      action: { label: 'Open the app in the console', url: input.consoleUrl },
      footer: 'You receive this because you are an operator of this ConCat platform.',
    }),
  };
}

interface DecisionMailInput {
  to: string;
  name: string;
  appName: string;
  clientId: number;
  note: string;
  portalUrl: string;
}

export function reactivationApprovedMail(input: DecisionMailInput): OutgoingMail {
  return {
    kind: 'app.reactivated',
    to: input.to,
    subject: `${input.appName} is reactivated`,
    ...renderMail({
      greeting: `Hello ${input.name},`,
      paragraphs: [
        `Your app ${input.appName} (API ID ${input.clientId}) is active again.`,
        ...(input.note === '' ? [] : [`A note from the ConCat team: ${input.note}`]),
        'What this means:',
        '• Its old secret keys stay revoked. Issue a new secret in the developer portal; it is shown once.',
        '• Each event organization decides whether to re-enable its integration with your app. Until it does, the app has no access to that event and receives none of its webhooks.',
        '• People who signed in with the app before must sign in and give their consent again.',
        'Your duty to delete the data of an event stays until you attest its deletion, or until that event re-enables its integration.',
      ],
      action: { label: 'Open the app in the developer portal', url: input.portalUrl },
    }),
  };
}

export function reactivationDeclinedMail(input: DecisionMailInput): OutgoingMail {
  return {
    kind: 'app.reactivation-declined',
    to: input.to,
    subject: `${input.appName} stays revoked`,
    ...renderMail({
      greeting: `Hello ${input.name},`,
      paragraphs: [`The ConCat team declined to reactivate your app ${input.appName} (API ID ${input.clientId}). The reason given:`, input.note, 'Your duty to delete the event data the app stored is unchanged. You may ask again in the developer portal.'],
      action: { label: 'Open the app in the developer portal', url: input.portalUrl },
    }),
  };
}
