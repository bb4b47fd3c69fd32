import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import type { Clock } from '../../clock.js';
import type { Database } from '../../db/database.js';
import { apiError } from '../../http/errors.js';
import { csrfTokenFor } from '../../http/web/csrf.js';
import { idParam, queryParam } from '../../http/web/form-fields.js';
import { pageArea, prefixOf, sendPage } from '../../http/web/page-area.js';
import { findUserById } from '../../instance/user-accounts.js';
import { listConnectedApps, revokeConnectedApp, type ConnectedApp, type UserInInstance } from '../../oauth/connected-apps.js';
import { ownValue } from '../components.js';
import { INSTANCE_LOGIN_PATH } from '../instance-login/routes.js';
import type { AccountPage, ShowAccountPage } from './account-page.js';
import { registerProfilePages } from './profile-routes.js';
import { registerVolunteerPages } from './volunteer-routes.js';
import { registerRegistrationPages } from './registration-routes.js';
import { accountNav, connectedAppsPage, CONNECTED_APPS_PATH, revokeConfirmationPage, type AccountContext } from './views.js';

interface Deps {
  database: Database;
  clock: Clock;
}

const DONE_MESSAGES: Readonly<Record<string, string>> = {
  revoked: 'Access revoked. The app can no longer use your account, and has to ask you again before it signs you in.',
};

const NO_SUCH_APP = 'You have not connected such an app to your account here.';

/** A page of the connected-apps section (its entry marked in the account navigation). */
function appsPage(render: AccountPage['render']): AccountPage {
  return { current: 'apps', render };
}

/**
 * The signed-in user's own account pages under an instance's base URL: the profile
 * (`/account/profile`, profile-routes.ts) and connected apps (`/account/apps`), the apps the user
 * authorized here, with revocation. Only the user's own data in this instance is ever shown or
 * changed; anything else is a 404.
 */
export function accountPages(deps: Deps): FastifyPluginAsync {
  const { database, clock } = deps;
  const db = database.db;

  /** The signed-in user of this instance (the page area has already sent anyone else to sign in). */
  const viewer = (request: FastifyRequest): UserInInstance => {
    const tenant = request.tenant;
    const session = request.webSession;
    if (tenant.kind !== 'instance' || session === null) throw new Error('account page without an instance session');
    return { orgId: tenant.instance.orgId, userId: session.subjectId };
  };

  const show: ShowAccountPage = async (request, reply, page) => {
    const { orgId, userId } = viewer(request);
    const user = await findUserById(db, orgId, userId);
    const instanceName = request.tenant.kind === 'instance' ? request.tenant.instance.name : '';
    const context: AccountContext = { prefix: prefixOf(request), instanceName, csrfToken: csrfTokenFor(request, reply), viewerName: user?.username ?? 'a deleted account' };
    const { title, body } = page.render(context);
    return sendPage(request, reply, { title: `${title} · ${instanceName}`, body, nav: accountNav(context, page.current), status: page.status });
  };

  /** The user's connected app named by the path, or undefined (unknown, malformed, someone else's). */
  const connectedApp = async (request: FastifyRequest): Promise<ConnectedApp | undefined> => {
    const clientId = idParam(request.params, 'clientId');
    if (clientId === null) return undefined;
    const apps = await listConnectedApps(db, viewer(request), clock);
    return apps.find((app) => app.clientId === clientId);
  };

  return pageArea({ session: 'user', loginPath: INSTANCE_LOGIN_PATH, database, clock }, (app) => {
    registerProfilePages(app, { db, clock, viewer, show });
    registerVolunteerPages(app, { db, clock, viewer, show });
    registerRegistrationPages(app, { db, clock, viewer, show });

    app.get(CONNECTED_APPS_PATH, async (request, reply) => {
      const apps = await listConnectedApps(db, viewer(request), clock);
      const done = ownValue(DONE_MESSAGES, queryParam(request.query, 'done'));
      return show(request, reply, appsPage((context) => ({ title: 'Connected apps', body: connectedAppsPage(context, apps, done) })));
    });

    app.get(`${CONNECTED_APPS_PATH}/:clientId/revoke`, async (request, reply) => {
      const found = await connectedApp(request);
      if (found === undefined) return reply.sendError(apiError.notFound(NO_SUCH_APP));
      return show(request, reply, appsPage((context) => ({ title: `Revoke ${found.name}`, body: revokeConfirmationPage(context, found) })));
    });

    app.post(`${CONNECTED_APPS_PATH}/:clientId/revoke`, async (request, reply) => {
      const clientId = idParam(request.params, 'clientId');
      const revoked = clientId !== null && (await revokeConnectedApp(db, { ...viewer(request), clientId, ip: request.ip }, clock));
      if (!revoked) return reply.sendError(apiError.notFound(NO_SUCH_APP));
      return reply.redirect(`${prefixOf(request)}${CONNECTED_APPS_PATH}?done=revoked`, 303);
    });
  });
}
