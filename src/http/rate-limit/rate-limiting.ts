/**
 * The rate limiter in front of every instance's API and OAuth endpoints: one `onRequest` hook,
 * so a refused request costs no body parsing, token check or provider work. It attributes the
 * request from its Authorization header (api/request-attribution.ts, caller-resolution.ts),
 * counts it in the buckets of rate-limit-policy.ts and answers 429 when one is full: the ConCat
 * `rateLimit` error on the API (a page to a browser), an RFC 6749-style error on the OAuth
 * endpoints, both with `Retry-After`. Every limited response carries `RateLimit-Policy` and
 * `RateLimit`.
 *
 * Counts live in this process (SQLite: one server process) or in the database (PostgreSQL:
 * shared by every process, see postgres/postgres-store.ts). If counting fails the request goes
 * through: the limiter must not turn a database hiccup into refusals.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Clock } from '../../clock.js';
import type { Config } from '../../config.js';
import type { Database } from '../../db/database.js';
import { attributeRequest } from '../../api/request-attribution.js';
import { apiError } from '../errors.js';
import { CallerResolver } from './caller-resolution.js';
import { clientAddressKey } from './client-address.js';
import { countWrongSecret, secondsUntil } from './client-auth-throttle.js';
import { LocalRateLimitStore } from './local/local-store.js';
import { PostgresRateLimitStore } from './postgres/postgres-store.js';
import { bucketsFor, limitedEndpointOf, rateLimitsOf, type LimitedEndpoint } from './rate-limit-policy.js';
import type { RateLimitStore } from './rate-limit-store.js';
import { countRequest, rateLimitHeaders, type RateLimitDecision } from './rate-limiter.js';

export interface RateLimitingDependencies {
  config: Config;
  database: Database;
  clock: Clock;
}

/** This process's memory for one process (SQLite), the database when several share it (PostgreSQL). */
function storeFor(database: Database, clock: Clock, app: FastifyInstance): RateLimitStore {
  if (database.dialect !== 'postgres') return new LocalRateLimitStore();
  return new PostgresRateLimitStore(database.db, { clock, onError: (error) => app.log.warn({ err: error }, 'could not write rate-limit counts') });
}

const ANONYMOUS_HINT = 'Send an Authorization header naming your app (Bearer <access token>, Basic, or Bearer <client_id>) to be counted for it.';

export function installRateLimiting(app: FastifyInstance, deps: RateLimitingDependencies): void {
  const { config, database, clock } = deps;
  const limits = rateLimitsOf(config);
  const store = storeFor(database, clock, app);
  const callers = new CallerResolver(database.db, clock);

  app.addHook('onRequest', async (request, reply) => {
    const tenant = request.tenant;
    if (tenant.kind !== 'instance') return;
    // The matched route, so a percent-encoded spelling of a path is classified as what it reaches.
    const endpoint = limitedEndpointOf(request.method, request.routeOptions.url ?? request.url.split('?')[0] ?? '');
    if (endpoint === null) return;
    const authorization = request.headers.authorization;
    // `Bearer …` on the token, introspection and revocation endpoints only names the client (ConCat
    // clients send it everywhere); the provider would refuse it as a second authentication.
    if (endpoint.kind === 'token' && authorization !== undefined && /^bearer(\s|$)/i.test(authorization)) delete request.raw.headers.authorization;

    const orgId = tenant.instance.orgId;
    const address = clientAddressKey(request.ip);
    const refuseLocked = (until: Date): FastifyReply => {
      const retryAfter = secondsUntil(until, clock);
      return refuse(request, reply, endpoint, retryAfter, `Too many failed client authentications from this address; retry after ${retryAfter} s`);
    };
    let decision: RateLimitDecision;
    try {
      const caller = await callers.resolve(attributeRequest(authorization, { needsToken: endpoint.kind === 'api' }), orgId, address);
      // Usage statistics count a refusal below for the app (src/usage/usage-tracking.ts).
      if (caller.kind === 'app') request.usageClientId = caller.clientId;
      if (caller.kind === 'locked') return refuseLocked(caller.until);
      if ('wrongSecret' in caller) {
        // A failed client authentication, counted now whoever answers (client-auth-throttle.ts).
        const until = await countWrongSecret(database.db, clock, config, { raw: request.raw, orgId, clientId: caller.clientId, address, ip: request.ip });
        if (until !== null) return refuseLocked(until);
      }
      decision = await countRequest(store, bucketsFor(endpoint, caller, orgId, address, limits), clock.now());
    } catch (error) {
      request.log.warn({ err: error }, 'rate limiting failed; the request is let through');
      return;
    }
    const headers = rateLimitHeaders(decision.states);
    if (headers !== null) {
      reply.raw.setHeader('RateLimit-Policy', headers['ratelimit-policy']);
      reply.raw.setHeader('RateLimit', headers.ratelimit);
    }
    const refused = decision.refusedBy;
    if (decision.allowed || refused === null) return;
    const retryAfter = decision.retryAfterSeconds ?? refused.resetSeconds;
    const hint = refused.policy === 'anonymous' ? ` ${ANONYMOUS_HINT}` : '';
    return refuse(request, reply, endpoint, retryAfter, `Rate limit exceeded: ${refused.limit} requests per ${refused.windowSeconds} s (${refused.policy}); retry after ${retryAfter} s.${hint}`);
  });

  app.addHook('onClose', async () => {
    await store.close();
  });
}

function refuse(request: FastifyRequest, reply: FastifyReply, endpoint: LimitedEndpoint, retryAfter: number, message: string): FastifyReply {
  request.log.debug({ retryAfter }, 'rate limited');
  if (endpoint.answer === 'envelope') return reply.sendError(apiError.rateLimit(message, retryAfter));
  return reply
    .code(429)
    .header('retry-after', String(retryAfter))
    .header('cache-control', 'no-store')
    .type('application/json; charset=utf-8')
    .send({ error: 'temporarily_unavailable', error_description: message });
}
