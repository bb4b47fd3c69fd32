import { MAX_ROW_ID, parseRowId } from '../../db/row-id.js';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { Clock } from '../../clock.js';
import type { Config } from '../../config.js';
import type { Database } from '../../db/database.js';
import { apiError } from '../../http/errors.js';
import { csrfTokenFor } from '../../http/web/csrf.js';
import { formField, formList } from '../../http/web/form-fields.js';
import { pageArea, prefixOf, sendPage } from '../../http/web/page-area.js';
import type { Instance } from '../../instance/instances.js';
import type { InstancePermission } from '../../instance/permissions.js';
import { findUserById } from '../../instance/user-accounts.js';
import { loadKeyEncryptionKey } from '../../oauth/signing-keys.js';
import { permissionsOf } from '../../instance/user-permissions.js';
import { listOverdueDuties } from '../../platform/deletion-duty.js';
import {
  changeIntegrationPermissions,
  createIntegration,
  findIntegration,
  integrableApps,
  IntegrationInputError,
  IntegrationNotFoundError,
  listIntegrations,
  removeIntegration,
  resumeIntegration,
  type ChangeOrigin,
} from '../../platform/integrations.js';
import { createOrgApp, listOrgApps, OrgAppInputError } from '../../platform/org-apps.js';
import type { FieldErrors } from '../forms.js';
import type { SafeHtml } from '../html.js';
import { INSTANCE_LOGIN_PATH } from '../instance-login/routes.js';
import { registerHousekeepingActivity } from './activity.js';
import { auditLogPage } from './audit-entries.js';
import { registerStaffRegistrations } from './staff-registrations.js';
import { registerStaffRoles } from './staff-roles.js';
import { registerStaffVolunteers } from './staff-volunteers.js';
import { registerHousekeepingUsage } from './usage.js';
import { registerHousekeepingWebhooks } from './webhooks.js';
import {
  auditPage,
  forbiddenPage,
  housekeepingNav,
  integrationPage,
  integrationsPage,
  newIntegrationPage,
  newOrgAppPage,
  orgAppCreatedPage,
  orgAppsPage,
  overviewPage,
  type PageContext,
  type Section,
} from './views.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Housekeeping: the permissions that open this page (any one of them); oauth:manage when absent. */
    housekeepingAccess?: readonly InstancePermission[];
  }
}

interface Deps {
  database: Database;
  clock: Clock;
  config: Pick<Config, 'usageFlushInterval' | 'dataDir' | 'webhooksAllowPrivateTargets'>;
}

/** Who is looking at a Housekeeping page, worked out once per request by the access hook. */
interface Viewer {
  instance: Instance;
  userId: number;
  context: PageContext;
}

const MANAGE: readonly InstancePermission[] = ['oauth:manage'];
const AUDIT: readonly InstancePermission[] = ['oauth:manage', 'audit:read'];
/** The overview opens to anyone holding a permission of some Housekeeping section. */
const OVERVIEW: readonly InstancePermission[] = [...AUDIT, 'registration:manage', 'volunteer:manage', 'user:roles:manage'];
const ID_PARAMS = { type: 'object', properties: { id: { type: 'integer', minimum: 1, maximum: MAX_ROW_ID } }, required: ['id'] } as const;

/** The messages a redirect after a change asks the next page to show. */
const DONE_MESSAGES: Record<string, string> = {
  created: 'Integration added. Its permissions apply from now on.',
  changed: 'Permissions saved. They apply at once: new tokens get only these, and tokens already issued lose anything withdrawn.',
  unchanged: 'Nothing changed.',
  removed: 'Integration removed. The app can no longer work with this instance.',
  resumed: 'Integration re-enabled with its previous permissions. The app needs a new secret key from its developer, and users who signed in to it must consent again.',
  'already-active': 'The integration is already enabled.',
};

function doneMessage(query: unknown): string | undefined {
  return DONE_MESSAGES[formField(query, 'done')];
}

/**
 * Housekeeping (`/housekeeping` under an instance's base URL): integrations and their
 * permissions, the organization's own apps, and the audit log. Needs a user session of THIS
 * instance holding oauth:manage (the audit log also opens to audit:read); every change is
 * audited with the user, the instance and the client address.
 */
export function housekeepingPages(deps: Deps): FastifyPluginAsync {
  const { database, clock } = deps;
  const db = database.db;
  const viewers = new WeakMap<FastifyRequest, Viewer>();

  const viewerOf = (request: FastifyRequest): Viewer => {
    const viewer = viewers.get(request);
    if (viewer === undefined) throw new Error('Housekeeping route ran without its access check');
    return viewer;
  };

  const origin = (request: FastifyRequest): ChangeOrigin => ({ actor: { type: 'user', userId: viewerOf(request).userId }, ip: request.ip });

  const show = (request: FastifyRequest, reply: FastifyReply, section: Section, title: string, body: SafeHtml, status = 200): FastifyReply => {
    const { context } = viewerOf(request);
    return sendPage(request, reply, { title: `${title} · Housekeeping · ${context.instanceName}`, body, nav: housekeepingNav(context, section), status });
  };

  return pageArea({ session: 'user', loginPath: INSTANCE_LOGIN_PATH, database, clock }, (app) => {
    // Runs after the area's own checks (CSRF, sign-in), so a session of this instance exists here.
    app.addHook('preHandler', async (request, reply) => {
      const session = request.webSession;
      const tenant = request.tenant;
      if (session === null || tenant.kind !== 'instance') return;
      const [user, held] = await Promise.all([findUserById(db, tenant.instance.orgId, session.subjectId), permissionsOf(db, tenant.instance.orgId, session.subjectId)]);
      const context: PageContext = {
        prefix: prefixOf(request),
        instanceName: tenant.instance.name,
        csrfToken: csrfTokenFor(request, reply),
        viewerName: user?.username ?? 'a deleted account',
        canManage: held.includes('oauth:manage'),
        canReadAudit: held.includes('oauth:manage') || held.includes('audit:read'),
        canManageRegistrations: held.includes('registration:manage'),
        canManageVolunteers: held.includes('volunteer:manage'),
        canManageRoles: held.includes('user:roles:manage'),
      };
      viewers.set(request, { instance: tenant.instance, userId: session.subjectId, context });
      const needed = request.routeOptions.config.housekeepingAccess ?? MANAGE;
      if (user === undefined || !needed.some((p) => held.includes(p))) {
        const reason = `this page needs the ${needed.map((p) => `“${p}”`).join(' or ')} permission, which your account does not hold here.`;
        return show(request, reply, null, 'Not allowed', forbiddenPage(context, reason), 403);
      }
    });

    app.get('/housekeeping', { config: { housekeepingAccess: OVERVIEW } }, (request, reply) => show(request, reply, null, 'Housekeeping', overviewPage(viewerOf(request).context)));

    // ---- Integrations -------------------------------------------------------------------------

    app.get('/housekeeping/integrations', async (request, reply) => {
      const { instance, context } = viewerOf(request);
      const [integrations, overdue] = await Promise.all([listIntegrations(db, instance.orgId), listOverdueDuties(db, { orgId: instance.orgId }, clock)]);
      return show(request, reply, 'integrations', 'Integrations', integrationsPage(context, integrations, overdue, clock.now(), doneMessage(request.query)));
    });

    const renderNewIntegration = async (request: FastifyRequest, reply: FastifyReply, values: { appId: string; scopes: readonly string[]; obo: boolean }, errors: FieldErrors, status = 200) => {
      const { instance, context } = viewerOf(request);
      const apps = await integrableApps(db, instance);
      return show(request, reply, 'integrations', 'Add an integration', newIntegrationPage(context, apps, values, errors), status);
    };

    app.get('/housekeeping/integrations/new', (request, reply) => renderNewIntegration(request, reply, { appId: formField(request.query, 'app'), scopes: [], obo: false }, {}));

    app.post('/housekeeping/integrations', async (request, reply) => {
      const { instance } = viewerOf(request);
      const values = { appId: formField(request.body, 'app'), scopes: formList(request.body, 'scopes'), obo: formField(request.body, 'obo') === 'yes' };
      if (parseRowId(values.appId) === null) return renderNewIntegration(request, reply, values, { app: 'Choose the app to integrate.' }, 400);
      try {
        const id = await createIntegration(db, { orgId: instance.orgId, appId: Number(values.appId), scopes: values.scopes, oboEnabled: values.obo }, origin(request), clock);
        return await reply.redirect(`${prefixOf(request)}/housekeeping/integrations/${id}?done=created`, 303);
      } catch (error) {
        if (!(error instanceof IntegrationInputError)) throw error;
        return renderNewIntegration(request, reply, values, { [error.field]: error.message }, 400);
      }
    });

    const renderIntegration = async (request: FastifyRequest, reply: FastifyReply, id: number, values: { scopes: readonly string[]; obo: boolean } | null, errors: FieldErrors, status = 200) => {
      const { instance, context } = viewerOf(request);
      const integration = await findIntegration(db, instance.orgId, id);
      if (integration === undefined) return reply.sendError(apiError.notFound('There is no such integration in this instance.'));
      const shown = values ?? { scopes: integration.scopes, obo: integration.oboEnabled };
      const overdue = (await listOverdueDuties(db, { orgId: instance.orgId }, clock)).filter((duty) => duty.appId === integration.appId);
      const state = { values: shown, errors, overdue, now: clock.now(), message: doneMessage(request.query) };
      return show(request, reply, 'integrations', integration.appName, integrationPage(context, integration, state), status);
    };

    app.get<{ Params: { id: number } }>('/housekeeping/integrations/:id', { schema: { params: ID_PARAMS } }, (request, reply) => renderIntegration(request, reply, request.params.id, null, {}));

    app.post<{ Params: { id: number } }>('/housekeeping/integrations/:id', { schema: { params: ID_PARAMS } }, async (request, reply) => {
      const { instance } = viewerOf(request);
      const integrationId = request.params.id;
      const values = { scopes: formList(request.body, 'scopes'), obo: formField(request.body, 'obo') === 'yes' };
      try {
        const changed = await changeIntegrationPermissions(db, { orgId: instance.orgId, integrationId, scopes: values.scopes, oboEnabled: values.obo }, origin(request), clock);
        return await reply.redirect(`${prefixOf(request)}/housekeeping/integrations/${integrationId}?done=${changed ? 'changed' : 'unchanged'}`, 303);
      } catch (error) {
        if (error instanceof IntegrationNotFoundError) return reply.sendError(apiError.notFound('There is no such integration in this instance.'));
        if (!(error instanceof IntegrationInputError)) throw error;
        return renderIntegration(request, reply, integrationId, values, { [error.field]: error.message }, 400);
      }
    });

    app.post<{ Params: { id: number } }>('/housekeeping/integrations/:id/resume', { schema: { params: ID_PARAMS } }, async (request, reply) => {
      const { instance } = viewerOf(request);
      const integrationId = request.params.id;
      try {
        const resumed = await resumeIntegration(db, { orgId: instance.orgId, integrationId }, origin(request), clock);
        return await reply.redirect(`${prefixOf(request)}/housekeeping/integrations/${integrationId}?done=${resumed ? 'resumed' : 'already-active'}`, 303);
      } catch (error) {
        if (error instanceof IntegrationNotFoundError) return reply.sendError(apiError.notFound('There is no such integration in this instance.'));
        if (!(error instanceof IntegrationInputError)) throw error;
        return renderIntegration(request, reply, integrationId, null, { [error.field]: error.message }, 409);
      }
    });

    app.post<{ Params: { id: number } }>('/housekeeping/integrations/:id/remove', { schema: { params: ID_PARAMS } }, async (request, reply) => {
      const { instance } = viewerOf(request);
      try {
        await removeIntegration(db, { orgId: instance.orgId, integrationId: request.params.id }, origin(request), clock);
        return await reply.redirect(`${prefixOf(request)}/housekeeping/integrations?done=removed`, 303);
      } catch (error) {
        if (error instanceof IntegrationNotFoundError) return reply.sendError(apiError.notFound('There is no such integration in this instance.'));
        throw error;
      }
    });

    // ---- The organization's own apps ----------------------------------------------------------

    app.get('/housekeeping/apps', async (request, reply) => {
      const { instance, context } = viewerOf(request);
      return show(request, reply, 'apps', 'Your apps', orgAppsPage(context, await listOrgApps(db, instance.orgId)));
    });

    app.get('/housekeeping/apps/new', (request, reply) =>
      show(request, reply, 'apps', 'Create an app', newOrgAppPage(viewerOf(request).context, { name: '', description: '', redirectUris: '', scopes: [], obo: false }, {})),
    );

    app.post('/housekeeping/apps', async (request, reply) => {
      const { instance, context } = viewerOf(request);
      const values = {
        name: formField(request.body, 'name'),
        description: formField(request.body, 'description'),
        redirectUris: formField(request.body, 'redirectUris'),
        scopes: formList(request.body, 'scopes'),
        obo: formField(request.body, 'obo') === 'yes',
      };
      try {
        const created = await createOrgApp(
          db,
          { orgId: instance.orgId, name: values.name, description: values.description, redirectUris: values.redirectUris.split(/\r?\n/), scopes: values.scopes, oboEnabled: values.obo },
          origin(request),
          clock,
        );
        // Shown in this response and nowhere else: the secret exists in clear only here.
        return show(request, reply, 'apps', `${created.name} created`, orgAppCreatedPage(context, created));
      } catch (error) {
        if (!(error instanceof OrgAppInputError)) throw error;
        return show(request, reply, 'apps', 'Create an app', newOrgAppPage(context, values, { ...error.problems }), 400);
      }
    });

    // ---- Audit log ----------------------------------------------------------------------------

    app.get<{ Querystring: { before?: number } }>(
      '/housekeeping/audit',
      { config: { housekeepingAccess: AUDIT }, schema: { querystring: { type: 'object', properties: { before: { type: 'integer', minimum: 1, maximum: MAX_ROW_ID } } } } },
      async (request, reply) => {
        const { instance, context } = viewerOf(request);
        const before = request.query.before ?? null;
        return show(request, reply, 'audit', 'Audit log', auditPage(context, await auditLogPage(db, instance.orgId, before)));
      },
    );

    registerHousekeepingActivity(app, { db, access: AUDIT, viewerOf, show });
    registerHousekeepingUsage(app, { db, clock, flushSeconds: deps.config.usageFlushInterval, viewerOf, show });
    let encryptionKey: Buffer | undefined;
    registerHousekeepingWebhooks(app, { db, clock, encryptionKey: () => (encryptionKey ??= loadKeyEncryptionKey(deps.config.dataDir)), allowPrivateTargets: deps.config.webhooksAllowPrivateTargets, viewerOf, origin, show });
    const staff = { db, clock, viewerOf, show };
    registerStaffRegistrations(app, staff);
    registerStaffVolunteers(app, staff);
    registerStaffRoles(app, staff);
  });
}
