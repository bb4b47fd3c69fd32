import { randomUUID } from 'node:crypto';
import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import cookie from '@fastify/cookie';
import type { Clock } from '../clock.js';
import type { Config } from '../config.js';
import type { Database } from '../db/database.js';
import { installErrorHandling } from './error-handler.js';
import { installSecurityHeaders } from './security-headers.js';
import { compileProxyTrust, requestOrigin, type RequestOrigin } from './forwarded.js';
import { registerHealthRoutes } from './health-routes.js';
import { registerInstanceHome, registerPlatformHome, registerStylesheet } from './home-routes.js';
import { apiError } from './errors.js';
import { surfaceConstraint, surfaceRoutes } from './surfaces.js';
import type { Tenant, TenantDirectory } from './tenancy.js';
import type { TlsCredentials } from './tls/tls-credentials.js';
import type { WebSession } from '../security/web-sessions.js';
import { instanceLoginPages } from '../pages/instance-login/routes.js';
import { housekeepingPages } from '../pages/housekeeping/routes.js';
import { accountPages } from '../pages/account/routes.js';
import { consolePages } from '../pages/console/index.js';
import { applicationPages } from '../pages/apply/index.js';
import { portalPages } from '../pages/portal/routes.js';
import { InstanceProviders } from '../oauth/providers.js';
import { interactionPages } from '../oauth/interactions.js';
import { oauthRoutes } from '../oauth/routes.js';
import { apiRoutes } from '../api/api-routes.js';
import { installRateLimiting } from './rate-limit/rate-limiting.js';
import type { UsageRecorder } from '../usage/usage-recorder.js';
import { UsageTracking } from '../usage/usage-tracking.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The platform, the instance, or nothing: resolved from host and path before routing. */
    readonly tenant: Tenant;
    /** Host and protocol as the client used them (forwarded headers only from trusted proxies). */
    readonly origin: RequestOrigin;
    /** The signed-in browser session of the page area handling the request, if any. */
    webSession: WebSession | null;
  }
}

export interface ServerDependencies {
  config: Config;
  database: Database;
  clock: Clock;
  tenants: TenantDirectory;
  /** Null behind a TLS-terminating proxy, where the server speaks plain HTTP to the proxy. */
  tls: TlsCredentials | null;
  /** Collects the usage statistics of API and token requests (none counted without it). */
  usage?: UsageRecorder;
  logger?: FastifyServerOptions['logger'];
}

interface Routed {
  tenant: Tenant;
  origin: RequestOrigin;
}

/** Paths a load balancer may probe directly, even behind a proxy. */
const PROBE_PATHS = new Set(['/healthz', '/readyz']);

export async function buildServer(deps: ServerDependencies): Promise<FastifyInstance> {
  const { config, tenants, tls } = deps;
  const trust = compileProxyTrust(config.trustedProxies);
  // Filled by rewriteUrl, which runs before routing; read by the surface constraint and hooks.
  const routed = new WeakMap<IncomingMessage, Routed>();
  const routingOf = (req: IncomingMessage): Routed => routed.get(req) ?? { tenant: { kind: 'unknown' }, origin: { host: '', protocol: 'http', viaTrustedProxy: false } };

  const app = Fastify({
    logger: deps.logger ?? {
      level: config.logLevel,
      redact: ['req.headers.authorization', 'req.headers.cookie', 'res.headers["set-cookie"]'],
      serializers: {
        // Query strings can carry codes and states: log the path only. Paths can carry a prefixed
        // secret (invitation links, /invitations/cci_…): its prefix is logged, never the rest.
        req: (req: { method: string; url: string; ip?: string }) => ({ method: req.method, path: (req.url.split('?')[0] ?? '').replace(/\/(c[a-z]{2,3}_)[\w-]{20,}/g, '/$1…'), ip: req.ip }),
      },
    },
    bodyLimit: config.bodyLimit,
    trustProxy: trust,
    genReqId: () => randomUUID(),
    serverFactory: (handler) =>
      tls === null
        ? http.createServer(handler)
        : https.createServer({ key: tls.key, cert: tls.cert, minVersion: 'TLSv1.2' }, handler),
    rewriteUrl(req) {
      const url = req.url ?? '/';
      const origin = requestOrigin(req, trust, 'encrypted' in req.socket && req.socket.encrypted === true);
      const queryAt = url.indexOf('?');
      const path = queryAt === -1 ? url : url.slice(0, queryAt);
      const tenant = tenants.resolve(origin.host, path);
      routed.set(req, { tenant, origin });
      if (tenant.kind !== 'instance' || tenant.pathPrefix === '') return url;
      const rest = url.slice(tenant.pathPrefix.length);
      return rest === '' || rest.startsWith('?') ? `/${rest}` : rest;
    },
    routerOptions: { ignoreTrailingSlash: false, constraints: { surface: surfaceConstraint((req) => routingOf(req).tenant.kind) } },
  });

  app.decorateRequest('tenant', {
    getter(this: { raw: IncomingMessage }) {
      return routingOf(this.raw).tenant;
    },
  });
  app.decorateRequest('origin', {
    getter(this: { raw: IncomingMessage }) {
      return routingOf(this.raw).origin;
    },
  });

  app.decorateRequest('webSession', null);
  installErrorHandling(app);
  await app.register(cookie);

  installSecurityHeaders(app);

  // TLS is terminated upstream: plain HTTP is served only to the proxies, and only for requests
  // the client made over HTTPS. Direct connections may reach the health probes and nothing else.
  if (config.behindProxy) {
    app.addHook('onRequest', async (request, reply) => {
      const path = request.url.split('?')[0] ?? '';
      if (PROBE_PATHS.has(path) && request.tenant.kind === 'platform') return;
      if (!request.origin.viaTrustedProxy) {
        return reply.sendError(apiError.access('Direct connections are refused: this server is reached through its TLS proxy'));
      }
      if (request.origin.protocol !== 'https') {
        return reply.sendError(apiError.access('HTTPS is required'));
      }
    });
  }

  // Before the surfaces: a refused request costs no body parsing, token check or provider work.
  installRateLimiting(app, { config, database: deps.database, clock: deps.clock });

  await app.register(surfaceRoutes('platform', async (platform) => {
    registerHealthRoutes(platform, deps.database);
    registerStylesheet(platform);
    registerPlatformHome(platform, deps.database, config.publicUrl);
    for (const pages of [consolePages(deps), applicationPages(deps), portalPages(deps)]) await platform.register(pages);
  }));
  const usage = deps.usage === undefined ? undefined : new UsageTracking(deps.usage);
  // One authorization server per instance, built on its first OAuth request (src/oauth/).
  const providers = new InstanceProviders({
    usage,
    db: deps.database.db,
    config,
    clock: deps.clock,
    logError: (error, message) => app.log.error({ err: error }, message),
  });
  await app.register(surfaceRoutes('instance', async (instance) => {
    usage?.install(instance);
    registerStylesheet(instance);
    registerInstanceHome(instance);
    for (const pages of [instanceLoginPages(deps), housekeepingPages(deps), accountPages(deps)]) await instance.register(pages);
    await instance.register(oauthRoutes(providers));
    await instance.register(apiRoutes(deps));
    await instance.register(interactionPages(deps, providers));
  }));

  return app;
}
