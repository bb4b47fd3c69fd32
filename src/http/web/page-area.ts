import formbody from '@fastify/formbody';
import type { FastifyInstance, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { Clock } from '../../clock.js';
import type { Database } from '../../db/database.js';
import type { SessionKind } from '../../security/web-sessions.js';
import type { SafeHtml } from '../../pages/html.js';
import { layout } from '../../pages/layout.js';
import { apiError } from '../errors.js';
import { nulCharacterError } from '../nul-characters.js';
import { isGenuineFormPost } from './csrf.js';
import { loadSession } from './session-cookies.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** A page of a signed-in area that visitors may see without a session (login, forms behind links). */
    anonymous?: boolean;
  }
}

export interface PageAreaOptions {
  /** The session every page of this area needs, or null for public pages. */
  session: SessionKind | null;
  /** Where visitors without a session are sent (path on the same surface). */
  loginPath?: string;
  database: Database;
  clock: Clock;
}

/**
 * A group of server-rendered pages: url-encoded forms, the area's session loaded on every
 * request, CSRF checked on every state-changing request, and sign-in required unless a route
 * says `config: { anonymous: true }`.
 */
export function pageArea(options: PageAreaOptions, routes: (app: FastifyInstance) => void | Promise<void>): FastifyPluginAsync {
  return async (app) => {
    await app.register(formbody, { bodyLimit: 64 * 1024 });
    const kind = options.session;
    if (kind !== null) {
      app.addHook('onRequest', async (request) => {
        request.webSession = await loadSession(request, kind, options.database, options.clock);
      });
    }
    app.addHook('preHandler', async (request, reply) => {
      if (request.method !== 'GET' && request.method !== 'HEAD' && !isGenuineFormPost(request)) {
        return reply.sendError(apiError.access('This form has expired or did not come from this site. Go back, reload the page and try again.'));
      }
      const refused = nulCharacterError(request);
      if (refused !== null) return reply.sendError(refused);
      if (kind !== null && request.webSession === null && request.routeOptions.config.anonymous !== true) {
        const next = request.method === 'GET' ? `?next=${encodeURIComponent(request.url)}` : '';
        return reply.redirect(`${prefixOf(request)}${options.loginPath ?? '/'}${next}`, 303);
      }
    });
    await routes(app);
  };
}

/** The instance's path prefix, or '' on the platform host: links and redirects start with it. */
export function prefixOf(request: FastifyRequest): string {
  return request.tenant.kind === 'instance' ? request.tenant.pathPrefix : '';
}

/** Sends a full page in the shared layout. */
export function sendPage(request: FastifyRequest, reply: FastifyReply, page: { title: string; body: SafeHtml; nav?: SafeHtml; status?: number }): FastifyReply {
  const tenant = request.tenant;
  const heading = tenant.kind === 'instance' ? tenant.instance.name : undefined;
  return reply
    .code(page.status ?? 200)
    .header('cache-control', 'no-store')
    .type('text/html; charset=utf-8')
    .send(layout({ title: page.title, body: page.body, nav: page.nav, assetBase: prefixOf(request), heading }));
}

/** Whether a `next` parameter is a safe place to return to: a path on this surface, never another site. */
export function safeNextPath(next: string, fallback: string): string {
  return /^\/(?![/\\])[^\s]*$/.test(next) ? next : fallback;
}
