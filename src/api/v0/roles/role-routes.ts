/**
 * Roles (reference §6.2): the instance's roles and a user's roles with `user:read`; giving and
 * taking away a role with `user:roles:update`. The changes are the domain's (instance/user-roles.ts),
 * audited with the app as actor.
 *
 * PUT and DELETE answer 200 with the user's roles after the change (the body of
 * `GET /api/v0/users/{userId}/roles`): ConCat clients ignore the body, but some check for 200 or
 * parse JSON, which a 204 would break.
 */
import type { ApiRouteModule } from '../../api-routes.js';
import { apiError, LogicErrorCode, type ApiError } from '../../../http/errors.js';
import { assignRole, heldRoles, removeRole, type HeldRole, type RoleChangeRefusal } from '../../../instance/user-roles.js';
import { pageOf, readPageRequest } from '../../pagination/search-page.js';
import { authenticatedErrorResponses, jsonBodyErrorResponses, notFoundResponse } from '../../schemas/common-schemas.js';
import { appOriginOf } from '../app-origin.js';
import { acceptEmptyJsonBody } from '../empty-json-body.js';
import { cursorScopeOf, orgIdOf, pathRowId } from '../instance-scope.js';
import { userIdParamsSchema } from '../users/user-schemas.js';
import { listRoles } from './role-queries.js';
import {
  roleAssignmentBodySchema,
  roleListQuerySchema,
  roleListResponseSchema,
  roleRemovalQuerySchema,
  userRoleParamsSchema,
  userRolesResponseSchema,
  type RoleAssignmentBody,
  type RoleListQuery,
  type RoleRemovalQuery,
  type UserRoleParams,
} from './role-schemas.js';

const READ_USERS = { token: 'service', scopes: ['user:read'] } as const;
const UPDATE_ROLES = { token: 'service', scopes: ['user:roles:update'] } as const;
const LIST_ENDPOINT = 'roles';

function toApiUserRoles(roles: readonly HeldRole[]): { data: { id: string; name: string; scope: HeldRole['scope'] }[] } {
  return { data: roles.map((role) => ({ id: String(role.roleId), name: role.name, scope: role.scope })) };
}

function refusalError(reason: RoleChangeRefusal, params: UserRoleParams): ApiError {
  switch (reason) {
    case 'user-not-found':
      return apiError.notFound(`No user ${params.userId} in this instance`);
    case 'role-not-found':
      return apiError.notFound(`No role ${params.roleId} in this instance`);
    case 'already-held':
      return apiError.logic(LogicErrorCode.UserWasAlreadyAdded, `User ${params.userId} already holds role ${params.roleId} in this scope`);
    case 'not-held':
      return apiError.notFound(`User ${params.userId} does not hold role ${params.roleId}`);
    case 'no-current-convention':
      return apiError.validation('This instance has no current convention: give the role with scope global', [{ field: 'scope', message: 'must be global: there is no current convention' }]);
  }
}

const changeResponses = { 200: userRolesResponseSchema, ...authenticatedErrorResponses, ...notFoundResponse };

export const roleRoutes: ApiRouteModule = (api) => (app) => {
  acceptEmptyJsonBody(app, ['DELETE']);

  app.get<{ Querystring: RoleListQuery }>(
    '/api/v0/roles',
    {
      config: { access: READ_USERS },
      schema: {
        tags: ['Roles'],
        summary: 'List roles',
        description:
          'Every role of this instance, in id order. `limit` and `nextPage` go in the query string; `limit` above 100 is treated as 100. ' +
          'Send the `nextPage` of a response back to get the following page. Needs `user:read`.',
        querystring: roleListQuerySchema,
        response: { 200: roleListResponseSchema, ...authenticatedErrorResponses },
      },
    },
    async (request) => {
      const scope = cursorScopeOf(request, LIST_ENDPOINT);
      const page = readPageRequest(request.query, api.cursorKey, scope);
      const result = pageOf(await listRoles(api.db, scope.orgId, page), page, (row) => row.id, api.cursorKey, scope);
      return { ...result, data: result.data.map((row) => ({ id: String(row.id), name: row.name })) };
    },
  );

  app.get<{ Params: { userId: string } }>(
    '/api/v0/users/:userId/roles',
    {
      config: { access: READ_USERS },
      schema: {
        tags: ['Roles'],
        summary: "Get a user's roles",
        description: 'The roles the user holds globally or for the current convention. Needs `user:read`.',
        params: userIdParamsSchema,
        response: { 200: userRolesResponseSchema, ...authenticatedErrorResponses, ...notFoundResponse },
      },
    },
    async (request) => {
      const roles = await heldRoles(api.db, orgIdOf(request), pathRowId(request.params.userId));
      if (roles === null) throw apiError.notFound(`No user ${request.params.userId} in this instance`);
      return toApiUserRoles(roles);
    },
  );

  app.put<{ Params: UserRoleParams; Body: RoleAssignmentBody }>(
    '/api/v0/users/:userId/roles/:roleId',
    {
      config: { access: UPDATE_ROLES },
      schema: {
        tags: ['Roles'],
        summary: 'Give a role to a user',
        description:
          'Gives the role for the current convention (`convention`) or for every convention (`global`). ' +
          'If the user already holds it in that scope: 400 `logic` error, code 3 (`UserWasAlreadyAdded`). ' +
          "Answers the user's roles after the change. Needs `user:roles:update`.",
        params: userRoleParamsSchema,
        body: roleAssignmentBodySchema,
        response: { ...changeResponses, ...jsonBodyErrorResponses },
      },
    },
    async (request) => {
      const assignment = { orgId: orgIdOf(request), userId: pathRowId(request.params.userId), roleId: pathRowId(request.params.roleId), scope: request.body.scope };
      const result = await assignRole(api.db, assignment, appOriginOf(request), api.clock);
      if (!result.ok) throw refusalError(result.reason, request.params);
      return toApiUserRoles(result.roles);
    },
  );

  app.delete<{ Params: UserRoleParams; Querystring: RoleRemovalQuery }>(
    '/api/v0/users/:userId/roles/:roleId',
    {
      config: { access: UPDATE_ROLES },
      schema: {
        tags: ['Roles'],
        summary: 'Take a role away from a user',
        description:
          'Removes the role as held globally and for the current convention (or only in the `scope` given in the query). ' +
          "If the user does not hold it: 404. Answers the user's roles after the change. Needs `user:roles:update`.",
        params: userRoleParamsSchema,
        querystring: roleRemovalQuerySchema,
        response: changeResponses,
      },
    },
    async (request) => {
      const removal = { orgId: orgIdOf(request), userId: pathRowId(request.params.userId), roleId: pathRowId(request.params.roleId), scope: request.query.scope ?? null };
      const result = await removeRole(api.db, removal, appOriginOf(request), api.clock);
      if (!result.ok) throw refusalError(result.reason, request.params);
      return toApiUserRoles(result.roles);
    },
  );
  return Promise.resolve();
};
