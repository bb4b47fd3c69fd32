import type { IncomingMessage } from 'node:http';
import type { FastifyInstance } from 'fastify';
import type { KoaContextWithOIDC, Provider } from 'oidc-provider';
import { parseClientId } from '../oauth/clients.js';
import { OAUTH_ROUTES } from '../oauth/provider-config.js';
import { endpointLabel } from './endpoint-label.js';
import type { UsageRecorder } from './usage-recorder.js';

declare module 'fastify' {
  interface FastifyRequest {
    /**
     * The app an earlier hook identified the request as (the rate limiter, from a valid token or
     * secret), for requests answered before the route could identify it: a 429 is still counted
     * for its app.
     */
    usageClientId: number | null;
  }
}

/**
 * Tells the usage recorder what happens on an instance:
 * - every response of an API route to a caller the access hook identified (`request.apiCaller`:
 *   a valid token of the app, whatever the outcome, 403 and 429 included);
 * - every response of the token endpoint to a request naming a client of the instance (found by
 *   the authorization server; a wrong secret still counts, as a 4xx, for that app);
 * - every access token the authorization server issues (client credentials, authorization code,
 *   refresh), which also marks the app active;
 * - on those routes, responses to requests refused before they could identify the app (a 429 of
 *   the rate limiter), when the refusing hook named it in `request.usageClientId`.
 * Requests without an identified app (no or an invalid token, unknown client) are not counted.
 */
export class UsageTracking {
  /** Token requests and the client the authorization server found for them (its events carry the raw request). */
  readonly #tokenRequests = new WeakMap<IncomingMessage, number>();

  constructor(private readonly recorder: UsageRecorder) {}

  /** Listens to one instance's authorization server. */
  watchProvider(provider: Provider, orgId: number): void {
    const issued = (token: { clientId?: string | undefined }): void => {
      const clientId = parseClientId(token.clientId ?? '');
      if (clientId !== null) this.recorder.record({ kind: 'token-issued', clientId, orgId });
    };
    provider.on('access_token.saved', issued);
    provider.on('client_credentials.saved', issued);
    const attribute = (ctx: KoaContextWithOIDC): void => {
      // A server error may come before the provider set up its context.
      const clientId = parseClientId(ctx.oidc?.client?.clientId ?? '');
      if (clientId !== null) this.#tokenRequests.set(ctx.req, clientId);
    };
    provider.on('grant.success', attribute);
    provider.on('grant.error', attribute);
    provider.on('server_error', attribute);
  }

  /** Counts the responses of the instance surface's routes (call on the surface itself, before its routes). */
  install(instance: FastifyInstance): void {
    instance.decorateRequest('usageClientId', null);
    instance.addHook('onResponse', (request, reply, done) => {
      const tenant = request.tenant;
      const route = request.routeOptions.url;
      if (tenant.kind !== 'instance' || route === undefined) return done();
      let clientId: number | undefined;
      let authenticated = false;
      if (request.routeOptions.config.access !== undefined) {
        // Only the access hook's full check (token valid, not revoked, app approved) makes the call activity.
        authenticated = request.apiCaller !== null;
        clientId = request.apiCaller?.clientId ?? request.usageClientId ?? undefined;
      } else if (route === OAUTH_ROUTES.token) {
        clientId = this.#tokenRequests.get(request.raw) ?? request.usageClientId ?? undefined;
      }
      if (clientId === undefined) return done();
      this.recorder.record({
        kind: 'request',
        clientId,
        orgId: tenant.instance.orgId,
        endpoint: endpointLabel(request.method, route),
        status: reply.statusCode,
        latencyMs: reply.elapsedTime,
        authenticated,
      });
      done();
    });
  }
}
