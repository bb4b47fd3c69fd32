import type { FastifyPluginAsync } from 'fastify';
import type { ServerDependencies } from '../../http/server.js';
import { pageArea } from '../../http/web/page-area.js';
import { activeOperator } from '../../platform/operator-accounts.js';
import { registerAppRoutes } from './apps.js';
import { registerAuditRoutes } from './audit.js';
import { registerDeveloperRoutes } from './developers.js';
import { registerInvitationRoutes } from './invitations.js';
import { registerLoginRoutes } from './login.js';
import { registerMailRoutes } from './mail.js';
import { registerUsageRoutes } from './usage.js';

/**
 * The operator console under /console on the platform host: sign-in, review queue, apps,
 * developers, invitations, the platform audit log and the mail outbox. Every page but the
 * sign-in needs an operator session; every form is CSRF-checked by the page area.
 */
export function consolePages(deps: ServerDependencies): FastifyPluginAsync {
  return pageArea({ session: 'operator', loginPath: '/console/login', database: deps.database, clock: deps.clock }, (app) => {
    // Runs after the page area has loaded the session: an operator disabled (or deleted) since
    // signing in loses the session at once, not when it expires.
    app.addHook('onRequest', async (request) => {
      const session = request.webSession;
      if (session !== null && (await activeOperator(deps.database.db, session.subjectId)) === null) request.webSession = null;
    });
    registerLoginRoutes(app, deps);
    registerAppRoutes(app, deps);
    registerInvitationRoutes(app, deps);
    registerDeveloperRoutes(app, deps);
    registerAuditRoutes(app, deps);
    registerMailRoutes(app, deps);
    registerUsageRoutes(app, deps);
  });
}
