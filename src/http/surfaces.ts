import type { IncomingMessage } from 'node:http';
import type { FastifyInstance, FastifyPluginAsync, FastifyServerOptions } from 'fastify';

type ConstraintStrategy = NonNullable<NonNullable<FastifyServerOptions['routerOptions']>['constraints']>[string];
type RouteHandler = NonNullable<ReturnType<ReturnType<ConstraintStrategy['storage']>['get']>>;

/** The two route tables of the server: the platform host's, and every instance's. */
export type Surface = 'platform' | 'instance';

/**
 * A find-my-way constraint that routes a request only to the routes of the surface its tenant
 * resolved to. An unknown host derives 'unknown', which no route carries: it falls to 404.
 * `mustMatchWhenDerived` keeps a route without the constraint from ever matching.
 */
export function surfaceConstraint(kindOf: (req: IncomingMessage) => string): ConstraintStrategy {
  return {
    name: 'surface',
    mustMatchWhenDerived: true,
    storage() {
      const handlers = new Map<string, RouteHandler>();
      return {
        get: (value: string) => handlers.get(value) ?? null,
        set: (value: string, handler: RouteHandler) => void handlers.set(value, handler),
      };
    },
    validate(value: unknown) {
      if (value !== 'platform' && value !== 'instance') throw new Error(`unknown surface ${String(value)}`);
    },
    deriveConstraint: (req: IncomingMessage) => kindOf(req),
  };
}

/** Wraps a plugin so every route it declares belongs to one surface. */
export function surfaceRoutes(surface: Surface, plugin: (app: FastifyInstance) => void | Promise<void>): FastifyPluginAsync {
  return async (app) => {
    app.addHook('onRoute', (route) => {
      route.constraints = { ...route.constraints, surface };
    });
    await plugin(app);
  };
}
