/**
 * `POST /api/v0/volunteers/search`, `GET /api/v0/users/{id}/volunteer` and
 * `GET /api/v0/volunteers/departments` (a bare array, as ConCat documents it), with
 * `volunteer:read`: the current convention's volunteer applications and the departments; and
 * `PUT`/`DELETE /api/v0/users/{id}/volunteer/departments/{departmentId}` with `volunteer:update`
 * (an extension): assigning and unassigning, the domain's (instance/volunteer-assignments.ts).
 * Both are idempotent and answer 200 with the volunteer application after the call.
 */
import type { FastifyRequest } from 'fastify';
import type { ApiRouteModule } from '../../api-routes.js';
import { apiError } from '../../../http/errors.js';
import { assignVolunteer, unassignVolunteer, type VolunteerAssignmentResult } from '../../../instance/volunteer-assignments.js';
import { appOriginOf, EXTENSION_NOTE } from '../app-origin.js';
import { acceptEmptyJsonBody } from '../empty-json-body.js';
import { pageOf, readPageRequest } from '../../pagination/search-page.js';
import { authenticatedErrorResponses, idPattern, jsonBodyErrorResponses, notFoundResponse } from '../../schemas/common-schemas.js';
import { cursorScopeOf, orgIdOf, pathRowId } from '../instance-scope.js';
import { missingBodyIsEmptySearch, readIdList, readUpdatedSince } from '../search-filters.js';
import { listDepartments } from './departments.js';
import { departmentSchema, volunteerPageSchema, volunteerSchema, volunteerSearchBodySchema, type VolunteerSearchBody } from './volunteer-schemas.js';
import { findUserVolunteer, searchVolunteerRows, toVolunteers } from './volunteers.js';

const TAGS = ['Volunteers'];
const access = { token: 'service', scopes: ['volunteer:read'] } as const;
const updateAccess = { token: 'service', scopes: ['volunteer:update'] } as const;
const NO_VOLUNTEER = 'No volunteer application for this user in the current convention';

const assignmentParamsSchema = {
  type: 'object',
  required: ['id', 'departmentId'],
  properties: {
    id: { type: 'string', pattern: idPattern, description: 'The user id.' },
    departmentId: { type: 'string', pattern: idPattern, description: 'The department id (`GET /api/v0/volunteers/departments`).' },
  },
} as const;

interface AssignmentParams {
  id: string;
  departmentId: string;
}

export const volunteerRoutes: ApiRouteModule = (api) => (app) => {
  acceptEmptyJsonBody(app, ['PUT', 'DELETE']);

  const changeAssignment = (change: typeof assignVolunteer) => async (request: FastifyRequest<{ Params: AssignmentParams }>) => {
    const orgId = orgIdOf(request);
    const userId = pathRowId(request.params.id);
    const result: VolunteerAssignmentResult = await change(api.db, { orgId, userId, departmentId: pathRowId(request.params.departmentId) }, appOriginOf(request), api.clock);
    if (!result.ok) throw apiError.notFound(result.reason === 'volunteer-not-found' ? NO_VOLUNTEER : `No department ${request.params.departmentId} in this instance`);
    const volunteer = await findUserVolunteer(api.db, orgId, userId);
    if (volunteer === undefined) throw apiError.notFound(NO_VOLUNTEER);
    return volunteer;
  };

  app.put<{ Params: AssignmentParams }>(
    '/api/v0/users/:id/volunteer/departments/:departmentId',
    {
      config: { access: updateAccess },
      schema: {
        tags: TAGS,
        summary: 'Assign a volunteer to a department',
        description:
          `${EXTENSION_NOTE} Assigns the user's volunteer application for the current convention to the department (state \`assignment\`). ` +
          'Idempotent: assigning an assigned volunteer changes nothing and records no event. No body. ' +
          'Answers the volunteer application after the call. 404 when the user has no application here or the department is unknown. Needs `volunteer:update`.',
        params: assignmentParamsSchema,
        response: { 200: volunteerSchema, ...authenticatedErrorResponses, ...notFoundResponse, ...jsonBodyErrorResponses },
      },
    },
    changeAssignment(assignVolunteer),
  );

  app.delete<{ Params: AssignmentParams }>(
    '/api/v0/users/:id/volunteer/departments/:departmentId',
    {
      config: { access: updateAccess },
      schema: {
        tags: TAGS,
        summary: 'Remove a volunteer from a department',
        description:
          `${EXTENSION_NOTE} Ends the assignment of the user's volunteer application for the current convention to the department; ` +
          'stated preferences (experience, interest, avoid) stay. Idempotent: when the volunteer is not assigned there it answers 200 too, ' +
          'changes nothing and records no event. Answers the volunteer application after the call. ' +
          '404 when the user has no application here or the department is unknown. Needs `volunteer:update`.',
        params: assignmentParamsSchema,
        response: { 200: volunteerSchema, ...authenticatedErrorResponses, ...notFoundResponse, ...jsonBodyErrorResponses },
      },
    },
    changeAssignment(unassignVolunteer),
  );

  app.post<{ Body: VolunteerSearchBody }>(
    '/api/v0/volunteers/search',
    {
      config: { access },
      preValidation: missingBodyIsEmptySearch,
      schema: {
        tags: TAGS,
        summary: 'Search volunteers',
        description: "Pages through the current convention's volunteer applications in a stable order, at most 100 per page. Send `nextPage` back for the next page; `hasMore` tells whether one follows.",
        body: volunteerSearchBodySchema,
        response: { 200: volunteerPageSchema, ...authenticatedErrorResponses, ...jsonBodyErrorResponses },
      },
    },
    async (request) => {
      const body = request.body;
      const scope = cursorScopeOf(request, 'volunteers/search');
      const page = readPageRequest(body, api.cursorKey, scope);
      const filter = {
        userIds: readIdList(body.filter?.userIds),
        updatedSince: readUpdatedSince(body.filter?.updatedSince, 'filter.updatedSince'),
      };
      const rows = await searchVolunteerRows(api.db, scope.orgId, filter, page);
      const { data, nextPage, hasMore } = pageOf(rows, page, (row) => row.id, api.cursorKey, scope);
      return { data: await toVolunteers(api.db, scope.orgId, data), nextPage, hasMore };
    },
  );

  app.get<{ Params: { id: string } }>(
    '/api/v0/users/:id/volunteer',
    {
      config: { access },
      schema: {
        tags: TAGS,
        summary: "A user's volunteer application",
        description: "The user's volunteer application for the current convention. 404 when the user is unknown here or has not applied.",
        params: { type: 'object', required: ['id'], properties: { id: { type: 'string', pattern: idPattern, description: 'The user id.' } } },
        response: { 200: volunteerSchema, ...authenticatedErrorResponses, ...notFoundResponse },
      },
    },
    async (request) => {
      const volunteer = await findUserVolunteer(api.db, orgIdOf(request), pathRowId(request.params.id));
      if (volunteer === undefined) throw apiError.notFound(NO_VOLUNTEER);
      return volunteer;
    },
  );

  app.get(
    '/api/v0/volunteers/departments',
    {
      config: { access },
      schema: {
        tags: TAGS,
        summary: 'List volunteer departments',
        description: 'Every volunteer department of the instance with its leads. The response is a bare array, not wrapped in `data`, as ConCat documents it.',
        response: { 200: { type: 'array', items: departmentSchema }, ...authenticatedErrorResponses },
      },
    },
    async (request) => listDepartments(api.db, orgIdOf(request)),
  );
  return Promise.resolve();
};
