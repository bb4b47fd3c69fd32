import type { Migration } from 'kysely';
import * as initial from './0001-initial.js';
import * as webSessionsAndMail from './0002-web-sessions-and-mail.js';
import * as oauth from './0003-oauth.js';
import * as usage from './0005-usage.js';
import * as rateLimits from './0006-rate-limits.js';
import * as searchIndexes from './0008-search-indexes.js';
import * as events from './0009-events.js';
import * as registrationVersions from './0010-registration-versions.js';
import * as emailVerification from './0011-email-verification.js';
import * as webhooks from './0015-webhooks.js';
import * as appRevocation from './0016-app-revocation.js';
import * as revocationLifecycle from './0017-revocation-lifecycle.js';

/** Every migration, in order. Names never change once released; add new files at the end. */
export const migrations: Record<string, Migration> = {
  '0001-initial': initial,
  '0002-web-sessions-and-mail': webSessionsAndMail,
  '0003-oauth': oauth,
  '0005-usage': usage,
  '0006-rate-limits': rateLimits,
  '0008-search-indexes': searchIndexes,
  '0009-events': events,
  '0010-registration-versions': registrationVersions,
  '0011-email-verification': emailVerification,
  '0015-webhooks': webhooks,
  '0016-app-revocation': appRevocation,
  '0017-revocation-lifecycle': revocationLifecycle,
};
