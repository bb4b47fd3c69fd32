/**
 * The security headers of every response (helmet's set, with our policy). The middleware is built
 * once: @fastify/helmet rebuilt it, directives parsing included, on every request, which was a
 * tenth of the cost of a trivial request (docs/performance.md).
 */
import type { FastifyInstance } from 'fastify';
import helmet from 'helmet';

export function installSecurityHeaders(app: FastifyInstance): void {
  const apply = helmet({
    hsts: { maxAge: 31_536_000, includeSubDomains: false },
    contentSecurityPolicy: {
      useDefaults: true,
      directives: { frameAncestors: ["'none'"], formAction: ["'self'"], upgradeInsecureRequests: [] },
    },
    crossOriginResourcePolicy: { policy: 'same-site' },
    // Not helmet's no-referrer: under it browsers send `Origin: null` on form posts, which the
    // CSRF check must refuse. same-origin still sends nothing to other sites.
    referrerPolicy: { policy: 'same-origin' },
  });
  app.addHook('onRequest', (request, reply, done) => {
    apply(request.raw, reply.raw, (error?: unknown) => {
      done(error instanceof Error ? error : undefined);
    });
  });
}
