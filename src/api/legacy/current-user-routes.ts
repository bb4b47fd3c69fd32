/**
 * ConCat's legacy `GET /api/users/current` (reference §7), unversioned: the user an on-behalf-of
 * token acts for. Needs `pii:basic`; a service token is refused (403), as it acts for no one.
 */
import type { ApiRouteModule } from '../api-routes.js';
import { apiError } from '../../http/errors.js';
import { authenticatedErrorResponses } from '../schemas/common-schemas.js';
import { currentUserSchema, loadCurrentUser } from './current-user.js';

const SIGNED_IN_USER = { token: 'user', scopes: ['pii:basic'] } as const;

export const currentUserRoutes: ApiRouteModule = (api) => (app) => {
  app.get(
    '/api/users/current',
    {
      config: { access: SIGNED_IN_USER },
      schema: {
        tags: ['Users (legacy)'],
        summary: 'Get the current user',
        description:
          'The user the access token acts for (authorization-code flow). Needs `pii:basic`; `pii:email` adds `email`, ' +
          '`pii:phone` adds `phone`, and `pii:address` adds the `address*` fields. A service token is refused with 403.',
        response: { 200: currentUserSchema, ...authenticatedErrorResponses },
      },
    },
    async (request, reply) => {
      const caller = request.apiCaller;
      if (request.tenant.kind !== 'instance' || caller === null || caller.userId === null) {
        throw new Error('/api/users/current is served without API access checks');
      }
      const user = await loadCurrentUser(api.db, { orgId: request.tenant.instance.orgId, userId: caller.userId, scopes: caller.scopes });
      // The token outlived its user: it acts for no one any more.
      if (user === undefined) throw apiError.authentication('The user this access token acts for no longer exists');
      // Personal data: never kept by a shared cache (as the token and userinfo responses).
      void reply.header('cache-control', 'no-store');
      return user;
    },
  );
  return Promise.resolve();
};
