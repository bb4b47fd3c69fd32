import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Database } from '../../db/database.js';
import { apiError } from '../../http/errors.js';
import { idParam } from '../../http/web/form-fields.js';
import { signOut } from '../../http/web/session-cookies.js';
import { findDeveloperApp, type AppRow } from '../../platform/app-settings.js';
import { portalDeveloper, type DeveloperAccount } from '../../platform/developer-accounts.js';
import { PORTAL_LOGIN } from './views.js';

/** The signed-in developer, or null after signing out a session whose account is gone. */
export async function currentDeveloper(request: FastifyRequest, reply: FastifyReply, database: Database): Promise<DeveloperAccount | null> {
  const session = request.webSession;
  const developer = session === null ? null : await portalDeveloper(database.db, session.subjectId);
  if (developer === null) await signOut(request, reply, 'developer', database);
  return developer;
}

/** "No such app" and "another developer's app" get the same answer: existence is not revealed. */
export function appNotFound(reply: FastifyReply): FastifyReply {
  return reply.sendError(apiError.notFound('No such app'));
}

/** The developer and their app named by `:appId` in the path, or null once the reply is sent (sign-in or 404). */
export async function developerAppOf(request: FastifyRequest, reply: FastifyReply, database: Database): Promise<{ developer: DeveloperAccount; app: AppRow } | null> {
  const developer = await currentDeveloper(request, reply, database);
  if (developer === null) {
    await reply.redirect(PORTAL_LOGIN, 303);
    return null;
  }
  const appId = idParam(request.params, 'appId');
  const found = appId === null ? undefined : await findDeveloperApp(database.db, developer.id, appId);
  if (found === undefined) {
    await appNotFound(reply);
    return null;
  }
  return { developer, app: found };
}
