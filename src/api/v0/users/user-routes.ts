/**
 * Users (reference §6.1): `GET /api/v0/users/{userId}` and `POST /api/v0/users/search`, with a
 * service token holding `user:read`.
 */
import type { ApiRouteModule } from '../../api-routes.js';
import { apiError } from '../../../http/errors.js';
import { pageOf, readPageRequest } from '../../pagination/search-page.js';
import { authenticatedErrorResponses, jsonBodyErrorResponses, notFoundResponse } from '../../schemas/common-schemas.js';
import { cursorScopeOf, orgIdOf, pathRowId } from '../instance-scope.js';
import { readUserFilter } from './user-filter.js';
import { findUser, searchUsers, toApiUser } from './user-queries.js';
import { userIdParamsSchema, userSchema, userSearchBodySchema, userSearchResponseSchema, type UserSearchBody } from './user-schemas.js';

const READ_USERS = { token: 'service', scopes: ['user:read'] } as const;
const SEARCH_ENDPOINT = 'users/search';

export const userRoutes: ApiRouteModule = (api) => (app) => {
  app.get<{ Params: { userId: string } }>(
    '/api/v0/users/:userId',
    {
      config: { access: READ_USERS },
      schema: {
        tags: ['Users'],
        summary: 'Get a user',
        description: 'One user of this instance. Needs `user:read`.',
        params: userIdParamsSchema,
        response: { 200: userSchema, ...authenticatedErrorResponses, ...notFoundResponse },
      },
    },
    async (request) => {
      const user = await findUser(api.db, orgIdOf(request), pathRowId(request.params.userId));
      if (user === undefined) throw apiError.notFound(`No user ${request.params.userId} in this instance`);
      return toApiUser(user);
    },
  );

  app.post<{ Body: UserSearchBody }>(
    '/api/v0/users/search',
    {
      config: { access: READ_USERS },
      schema: {
        tags: ['Users'],
        summary: 'Search users',
        description:
          'Users of this instance in id order, `limit` per page (at most 100; larger values are treated as 100). ' +
          'Send the `nextPage` of a response back to get the following page; it is null, and `hasMore` false, on the last one. Needs `user:read`.',
        body: userSearchBodySchema,
        response: { 200: userSearchResponseSchema, ...authenticatedErrorResponses, ...jsonBodyErrorResponses },
      },
    },
    async (request) => {
      const scope = cursorScopeOf(request, SEARCH_ENDPOINT);
      const page = readPageRequest(request.body, api.cursorKey, scope);
      const filter = readUserFilter(request.body.filter);
      const rows = await searchUsers(api.db, scope.orgId, filter, page);
      const result = pageOf(rows, page, (row) => row.id, api.cursorKey, scope);
      return { ...result, data: result.data.map(toApiUser) };
    },
  );
  return Promise.resolve();
};
