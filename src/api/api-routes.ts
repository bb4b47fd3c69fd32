/**
 * The resource API of an instance: ConCat's v0 endpoints and the legacy `/api/users/current`.
 * Registered on the instance surface. Every route declares JSON schemas for its input and
 * output (validation, serialization and the OpenAPI document come from the same schemas) and
 * its access (`config.access`: which token kind and scopes), enforced here by one hook before
 * the body is even parsed, so an unauthenticated caller learns nothing about input rules.
 */
import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import swagger from '@fastify/swagger';
import type { Kysely } from 'kysely';
import type { Clock } from '../clock.js';
import type { Config } from '../config.js';
import type { Database } from '../db/database.js';
import type { Schema } from '../db/schema.js';
import { nulCharacterError } from '../http/nul-characters.js';
import { loadKeyEncryptionKey } from '../oauth/signing-keys.js';
import { authenticateApiRequest } from './api-access.js';
import { deriveCursorKey } from './pagination/cursor.js';
import { docsRoutes } from './docs/docs-routes.js';
import { swaggerOptions } from './docs/openapi-document.js';
import { currentUserRoutes } from './legacy/current-user-routes.js';
import { dealerRoutes } from './v0/dealers/dealer-routes.js';
import { registrationRoutes } from './v0/registrations/registration-routes.js';
import { roleRoutes } from './v0/roles/role-routes.js';
import { userRoutes } from './v0/users/user-routes.js';
import { volunteerRoutes } from './v0/volunteers/volunteer-routes.js';
import { webhookKeyRoutes } from '../webhooks/webhook-routes.js';

/** What every API route module receives. */
export interface ApiContext {
  db: Kysely<Schema>;
  clock: Clock;
  config: Config;
  /** Signs and checks search cursors (pagination/cursor.ts). */
  cursorKey: Buffer;
}

export type ApiRouteModule = (api: ApiContext) => (app: FastifyInstance) => Promise<void>;

const ROUTE_MODULES: readonly ApiRouteModule[] = [userRoutes, roleRoutes, registrationRoutes, volunteerRoutes, dealerRoutes, currentUserRoutes, webhookKeyRoutes, docsRoutes];

export function apiRoutes(deps: { config: Config; database: Database; clock: Clock }): FastifyPluginAsync {
  return async (app) => {
    const api: ApiContext = {
      db: deps.database.db,
      clock: deps.clock,
      config: deps.config,
      cursorKey: deriveCursorKey(loadKeyEncryptionKey(deps.config.dataDir)),
    };
    app.decorateRequest('apiCaller', null);
    // Collects the routes below into the OpenAPI document (served by the docs routes).
    await app.register(swagger, swaggerOptions(deps.config));
    app.addHook('onRequest', async (request) => {
      const access = request.routeOptions.config.access;
      if (access !== undefined) request.apiCaller = await authenticateApiRequest(request, access, api.db, api.clock);
    });
    // After authentication (above) and parsing, before the schemas: a NUL is refused for every field alike.
    app.addHook('preValidation', (request, _reply, done) => {
      done(nulCharacterError(request) ?? undefined);
    });
    for (const routes of ROUTE_MODULES) await app.register(routes(api));
  };
}
