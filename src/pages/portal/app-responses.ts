import type { FastifyReply, FastifyRequest } from 'fastify';
import { listSecrets } from '../../platform/app-credentials.js';
import { listReactivationRequests } from '../../platform/app-reactivation.js';
import { findDeveloperApp } from '../../platform/app-settings.js';
import { listRevocations } from '../../platform/deletion-duty.js';
import type { DeveloperAccount } from '../../platform/developer-accounts.js';
import { parseInterestedCustomers } from '../../platform/developer-applications.js';
import { reviewHistory } from '../../platform/review.js';
import { appNotFound } from './developer-app.js';
import { appPageBody, type AppPageState } from './app-page.js';
import { appIntegrations, instanceNames } from './queries.js';
import { appPath, sendPortalPage, type PortalDependencies } from './views.js';
import { inactivityOutlook } from '../../platform/revocation-sweep.js';

/** Messages shown after a redirect, chosen by a fixed key so the query string cannot inject text. */
export const NOTICES = {
  'settings-saved': 'Settings saved.',
  'settings-unchanged': 'Nothing to save: the settings were already like this.',
  'redirect-added': 'Redirect URI added.',
  'redirect-removed': 'Redirect URI removed.',
  'answer-sent': 'Thank you: your answer was sent to the reviewer, and your application is back in review.',
  'overlap-ended': 'The overlap has ended: previous secret keys no longer work.',
  revoked: 'The app is revoked. We emailed you what must be deleted and by when; confirm each deletion below once it is done.',
  'deletion-attested': 'Thank you: the deletion is confirmed and kept on record.',
  'reactivation-requested': 'Your request was sent to the ConCat team. We will email you their decision.',
} as const;

/** Refusals shown after a redirect, by the same kind of key. */
export const REFUSALS = {
  'secret-already-issued': 'That request was already handled (the page was reloaded or the form sent twice), so no new secret key was made. The secret key shown then is not shown again; rotate it if you did not copy it.',
  'nothing-to-end': 'There was no previous secret key left to end.',
  'not-approved': 'Only approved apps have secret keys.',
  'not-editable': 'A revoked app can no longer be changed.',
  'not-registered': 'That redirect URI was not registered (any more).',
  'no-question': 'There is no open question to answer any more.',
  'not-revocable': 'Only an approved app can be revoked; this one is not approved.',
  'already-revoked': 'This app is already revoked.',
} as const;

export type NoticeKey = keyof typeof NOTICES;
export type RefusalKey = keyof typeof REFUSALS;

export function knownKey<K extends string>(table: Record<K, string>, key: string): K | undefined {
  return Object.keys(table).find((known): known is K => known === key);
}

export function redirectToApp(reply: FastifyReply, appId: number, outcome: { notice: NoticeKey } | { refusal: RefusalKey }, anchor = ''): FastifyReply {
  const query = 'notice' in outcome ? `notice=${outcome.notice}` : `refused=${outcome.refusal}`;
  return reply.redirect(`${appPath(appId)}?${query}${anchor}`, 303);
}

/** The app page, read fresh, with what this request adds (a notice, a form with its problems). */
export async function renderAppPage(
  deps: PortalDependencies,
  request: FastifyRequest,
  reply: FastifyReply,
  target: { developer: DeveloperAccount; appId: number },
  state: AppPageState,
  status = 200,
): Promise<FastifyReply> {
  const { database, clock, config } = deps;
  const db = database.db;
  const { developer } = target;
  const current = await findDeveloperApp(db, developer.id, target.appId);
  if (current === undefined) return appNotFound(reply);
  const customers = parseInterestedCustomers(current.interested_event_customers);
  const names = await instanceNames(database, customers.instances);
  const data = {
    app: current,
    secrets: current.status === 'approved' ? await listSecrets(db, current.id, clock) : [],
    integrations: await appIntegrations(database, current.id, config.publicUrl),
    history: await reviewHistory(db, current.id),
    eventCustomers: { instances: customers.instances.map((slug) => names.get(slug) ?? slug), other: customers.other },
    revocations: await listRevocations(db, current.id, clock),
    reactivationRequests: await listReactivationRequests(db, { appId: current.id }),
    inactivity: await inactivityOutlook(db, current.id, config, clock),
    inactivitySettings: config,
  };
  return sendPortalPage(request, reply, { title: current.display_name, body: appPageBody(request, data, state), developer, status });
}
