import type { Migration } from 'kysely';
import * as initial from './0001-initial.js';
import * as webSessionsAndMail from './0002-web-sessions-and-mail.js';
import * as oauth from './0003-oauth.js';

/** Every migration, in order. Names never change once released; add new files at the end. */
export const migrations: Record<string, Migration> = {
  '0001-initial': initial,
  '0002-web-sessions-and-mail': webSessionsAndMail,
  '0003-oauth': oauth,
};
