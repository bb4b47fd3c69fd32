/**
 * Mounts each instance's provider under the instance surface. For the provider's paths the raw
 * request goes to `provider.callback()` untouched: no Fastify body parser runs in front of them
 * (a parser that consumes the body makes the provider's endpoints hang, oauth-server.md §2.1),
 * and the provider answers in RFC 6749 shape itself.
 *
 * The provider builds its URLs from the request (`ctx.href`) and trusts `X-Forwarded-*`
 * (`proxy = true`). So before handing the request over, every forwarded header the client sent
 * is dropped and the headers are set from the issuer: host, `https`, and the client address
 * Fastify resolved through the trusted proxies. Discovery and every URL therefore always name
 * the issuer, whatever Host or X-Forwarded-Host the client sent.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { OAUTH_ROUTES } from './provider-config.js';
import type { InstanceProvider, InstanceProviders } from './providers.js';

type Handler = (req: IncomingMessage, res: ServerResponse) => Promise<void>;

/** Our path (relative to the instance base URL) → the provider's route path, and the methods. */
const MOUNTS: readonly { path: string; target: string | ((params: Record<string, string>) => string); methods: ('GET' | 'POST')[] }[] = [
  // The authorization endpoint at ConCat's path, and where the provider resumes after an interaction.
  { path: OAUTH_ROUTES.authorization, target: OAUTH_ROUTES.authorization, methods: ['GET'] },
  { path: `${OAUTH_ROUTES.authorization}/:uid`, target: (params) => `${OAUTH_ROUTES.authorization}/${encodeURIComponent(params.uid ?? '')}`, methods: ['GET'] },
  { path: '/.well-known/openid-configuration', target: '/.well-known/openid-configuration', methods: ['GET'] },
  // RFC 8414 metadata: the same document (the provider serves only the OIDC name).
  { path: '/.well-known/oauth-authorization-server', target: '/.well-known/openid-configuration', methods: ['GET'] },
  { path: OAUTH_ROUTES.jwks, target: OAUTH_ROUTES.jwks, methods: ['GET'] },
  { path: OAUTH_ROUTES.token, target: OAUTH_ROUTES.token, methods: ['POST'] },
  { path: OAUTH_ROUTES.revocation, target: OAUTH_ROUTES.revocation, methods: ['POST'] },
  { path: OAUTH_ROUTES.introspection, target: OAUTH_ROUTES.introspection, methods: ['POST'] },
  { path: OAUTH_ROUTES.userinfo, target: OAUTH_ROUTES.userinfo, methods: ['GET', 'POST'] },
  // RP-initiated logout: the request (GET only), the confirmation form's POST, and the "signed out" page.
  { path: OAUTH_ROUTES.end_session, target: OAUTH_ROUTES.end_session, methods: ['GET'] },
  { path: `${OAUTH_ROUTES.end_session}/confirm`, target: `${OAUTH_ROUTES.end_session}/confirm`, methods: ['POST'] },
  { path: `${OAUTH_ROUTES.end_session}/success`, target: `${OAUTH_ROUTES.end_session}/success`, methods: ['GET'] },
];

const FORWARDING_HEADERS = ['forwarded', 'x-forwarded-for', 'x-forwarded-host', 'x-forwarded-proto', 'x-forwarded-port', 'x-real-ip'];

export function oauthRoutes(providers: InstanceProviders): (app: FastifyInstance) => Promise<void> {
  const callbacks = new WeakMap<InstanceProvider, Handler>();
  const callbackOf = (entry: InstanceProvider): Handler => {
    let handler = callbacks.get(entry);
    if (handler === undefined) {
      handler = entry.provider.callback();
      callbacks.set(entry, handler);
    }
    return handler;
  };

  return (app) => {
    // This plugin's own parsers: none that reads the body. The provider reads it.
    app.removeAllContentTypeParsers();
    app.addContentTypeParser('*', (_request, _payload, done) => done(null, undefined));

    for (const mount of MOUNTS) {
      app.route({
        method: mount.methods,
        url: mount.path,
        handler: async (request, reply) => handOver(request, reply, typeof mount.target === 'string' ? mount.target : mount.target(request.params as Record<string, string>)),
      });
    }
    return Promise.resolve();
  };

  async function handOver(request: FastifyRequest, reply: FastifyReply, target: string): Promise<void> {
    const tenant = request.tenant;
    const entry = tenant.kind === 'instance' ? await providers.get(tenant.instance.orgId) : undefined;
    if (entry === undefined) {
      await reply.code(404).header('cache-control', 'no-store').send({ error: 'invalid_request', error_description: 'no authorization server here' });
      return;
    }
    const raw = request.raw;
    const url = raw.url ?? '/';
    const queryAt = url.indexOf('?');
    const query = queryAt === -1 ? '' : url.slice(queryAt);
    const issuer = new URL(entry.issuer);
    const mountPath = issuer.pathname.replace(/\/$/, '');
    raw.url = `${target}${query}`;
    // The provider derives its mount path from originalUrl minus url: the issuer's path.
    Reflect.set(raw, 'originalUrl', `${mountPath}${target}${query}`);
    pinToIssuer(request, entry);
    reply.hijack();
    const res = reply.raw;
    await new Promise<void>((resolve) => {
      res.once('finish', resolve);
      res.once('close', resolve);
      callbackOf(entry)(raw, res).catch((error: unknown) => {
        // Koa answers its own errors; this is only a last resort so the client is never left hanging.
        request.log.error({ err: error }, 'authorization server failed');
        if (!res.headersSent) {
          res.writeHead(500, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
        }
        res.end(JSON.stringify({ error: 'server_error' }));
        resolve();
      });
    });
  }
}

/** Drops every forwarded header the client sent and sets them from the issuer (see above). */
export function pinToIssuer(request: FastifyRequest, entry: InstanceProvider): void {
  const raw = request.raw;
  const issuer = new URL(entry.issuer);
  for (const name of FORWARDING_HEADERS) delete raw.headers[name];
  raw.headers.host = issuer.host;
  raw.headers['x-forwarded-host'] = issuer.host;
  raw.headers['x-forwarded-proto'] = 'https';
  raw.headers['x-forwarded-for'] = request.ip;
}
