import type { FastifyPluginAsync } from 'fastify';
import { pageArea } from '../../http/web/page-area.js';
import { registerPortalApps } from './apps.js';
import { registerPortalLogin } from './login.js';
import { registerPortalRevocation } from './revocation.js';
import { registerPortalUsage } from './usage.js';
import { registerPortalWebhooks } from './webhooks.js';
import { PORTAL_LOGIN, type PortalDependencies } from './views.js';

/**
 * The developer portal on the platform host, under /portal: sign-in, the developer's apps, and
 * per app its review, credentials, redirect URIs, settings, integrations and revocation. Only developer
 * sessions count here; an operator's session is another kind and is ignored.
 */
export function portalPages(deps: PortalDependencies): FastifyPluginAsync {
  return pageArea({ session: 'developer', loginPath: PORTAL_LOGIN, database: deps.database, clock: deps.clock }, (app) => {
    registerPortalLogin(app, deps);
    registerPortalApps(app, deps);
    registerPortalRevocation(app, deps);
    registerPortalUsage(app, deps);
    registerPortalWebhooks(app, deps);
  });
}
