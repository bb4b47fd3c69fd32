/**
 * `GET /api/v0/users/{id}/registration` and `POST /api/v0/registration/search` (singular, as
 * ConCat spells it), with `registration:read`: the current convention's registrations.
 */
import type { ApiRouteModule } from '../../api-routes.js';
import { apiError } from '../../../http/errors.js';
import type { RegistrationStatus } from '../../../db/schema.js';
import { pageOf, readPageRequest } from '../../pagination/search-page.js';
import { authenticatedErrorResponses, idPattern, jsonBodyErrorResponses, notFoundResponse } from '../../schemas/common-schemas.js';
import { cursorScopeOf, orgIdOf, pathRowId } from '../instance-scope.js';
import { missingBodyIsEmptySearch, readIdList, readUpdatedSince } from '../search-filters.js';
import { registrationPageSchema, registrationSchema, registrationSearchBodySchema, type RegistrationSearchBody } from './registration-schemas.js';
import { REGISTRATION_STATUSES, findUserRegistration, searchRegistrationRows, toRegistrations, type RegistrationFilter } from './registrations.js';

const TAGS = ['Registrations'];

function isRegistrationStatus(value: string): value is RegistrationStatus {
  return REGISTRATION_STATUSES.some((status) => status === value);
}

function readStatuses(status: string | string[] | null | undefined): RegistrationStatus[] | null {
  if (status === undefined || status === null) return null;
  return [...new Set(Array.isArray(status) ? status : [status])].filter(isRegistrationStatus);
}

export const registrationRoutes: ApiRouteModule = (api) => (app) => {
  app.get<{ Params: { id: string } }>(
    '/api/v0/users/:id/registration',
    {
      config: { access: { token: 'service', scopes: ['registration:read'] } },
      schema: {
        tags: TAGS,
        summary: "A user's registration",
        description: "The user's registration for the current convention. 404 when the user is unknown here or has not registered.",
        params: { type: 'object', required: ['id'], properties: { id: { type: 'string', pattern: idPattern, description: 'The user id.' } } },
        response: { 200: registrationSchema, ...authenticatedErrorResponses, ...notFoundResponse },
      },
    },
    async (request) => {
      const registration = await findUserRegistration(api.db, orgIdOf(request), pathRowId(request.params.id));
      if (registration === undefined) throw apiError.notFound('No registration for this user in the current convention');
      return registration;
    },
  );

  app.post<{ Body: RegistrationSearchBody }>(
    '/api/v0/registration/search',
    {
      config: { access: { token: 'service', scopes: ['registration:read'] } },
      preValidation: missingBodyIsEmptySearch,
      schema: {
        tags: TAGS,
        summary: 'Search registrations',
        description: 'Pages through the current convention\'s registrations in a stable order, at most 100 per page. Send `nextPage` back for the next page; `hasMore` tells whether one follows.',
        body: registrationSearchBodySchema,
        response: { 200: registrationPageSchema, ...authenticatedErrorResponses, ...jsonBodyErrorResponses },
      },
    },
    async (request) => {
      const body = request.body;
      const scope = cursorScopeOf(request, 'registration/search');
      const page = readPageRequest(body, api.cursorKey, scope);
      const filter: RegistrationFilter = {
        userIds: readIdList(body.filter?.userIds),
        statuses: readStatuses(body.filter?.status),
        productIds: readIdList(body.filter?.productIds),
        updatedSince: readUpdatedSince(body.filter?.updatedSince, 'filter.updatedSince'),
      };
      const rows = await searchRegistrationRows(api.db, scope.orgId, filter, page);
      const { data, nextPage, hasMore } = pageOf(rows, page, (row) => row.id, api.cursorKey, scope);
      return { data: await toRegistrations(api.db, scope.orgId, data), nextPage, hasMore };
    },
  );
  return Promise.resolve();
};
