/**
 * `GET /api/v0/users/{id}/registration` and `POST /api/v0/registration/search` (singular, as
 * ConCat spells it), with `registration:read`: the current convention's registrations; and
 * `PATCH /api/v0/users/{id}/registration` with `registration:update` (an extension), whose change
 * is the domain's (instance/registration-changes.ts). GET and PATCH answer the registration's
 * `ETag`; a PATCH sent with `If-Match` applies only to that version (412 otherwise).
 */
import type { FastifyRequest } from 'fastify';
import type { ApiRouteModule } from '../../api-routes.js';
import { apiError, ApiError } from '../../../http/errors.js';
import type { RegistrationStatus } from '../../../db/schema.js';
import { parseRowId } from '../../../db/row-id.js';
import { changeRegistration, type RegistrationChangeResult } from '../../../instance/registration-changes.js';
import { errorEnvelopeSchema } from '../../schemas/common-schemas.js';
import { appOriginOf, EXTENSION_NOTE } from '../app-origin.js';
import { readIfMatch } from '../if-match.js';
import { pageOf, readPageRequest } from '../../pagination/search-page.js';
import { authenticatedErrorResponses, idPattern, jsonBodyErrorResponses, notFoundResponse } from '../../schemas/common-schemas.js';
import { cursorScopeOf, orgIdOf, pathRowId } from '../instance-scope.js';
import { missingBodyIsEmptySearch, readIdList, readUpdatedSince } from '../search-filters.js';
import { registrationChangeBodySchema, registrationPageSchema, registrationSchema, registrationSearchBodySchema, type RegistrationChangeBody, type RegistrationSearchBody } from './registration-schemas.js';
import { REGISTRATION_STATUSES, findUserRegistrationWithETag, searchRegistrationRows, toRegistrations, type RegistrationFilter } from './registrations.js';

const TAGS = ['Registrations'];
const NO_REGISTRATION = 'No registration for this user in the current convention';

/** The response header a write conditions on, as the OpenAPI document lists it. */
const etagHeader = { ETag: { type: 'string', description: 'The version of the registration: send it back as `If-Match` to change only this version.' } } as const;

/** A PATCH without a body (or with `null`) is an empty change, as `{}` would be. */
function missingBodyIsEmptyChange(request: FastifyRequest): Promise<void> {
  if (request.body === undefined || request.body === null) request.body = {};
  return Promise.resolve();
}

interface NamedFlagId {
  id: number;
  field: string;
}

/** The flag ids of a list with the field naming each; an id no row can have is refused here. */
function flagIds(values: readonly string[] | undefined, field: string): NamedFlagId[] {
  const named = (values ?? []).map((value, index) => ({ id: parseRowId(value), field: `${field}.${index}` }));
  const impossible = named.filter((f) => f.id === null);
  if (impossible.length > 0) throw apiError.validation('Unknown flag', impossible.map((f) => ({ field: f.field, message: 'is not a flag of this instance' })));
  return named.flatMap((f) => (f.id === null ? [] : [{ id: f.id, field: f.field }]));
}

function changeRefusal(result: Extract<RegistrationChangeResult, { ok: false }>, flags: readonly NamedFlagId[]): ApiError {
  const fieldsOf = (ids: readonly number[], message: string) => flags.filter((f) => ids.includes(f.id)).map((f) => ({ field: f.field, message }));
  switch (result.reason) {
    case 'not-found':
      return apiError.notFound(NO_REGISTRATION);
    case 'version-mismatch':
      return new ApiError(412, 'usage', { message: `The registration changed since it was read: its ETag is now ${result.etag}. Read it again and reapply the change.` }, { etag: result.etag });
    case 'invalid-badge-name':
      return apiError.validation(`badgeName ${result.message}`, [{ field: 'badgeName', message: result.message }]);
    case 'unknown-flags':
      return apiError.validation('Unknown flag', fieldsOf(result.flagIds, 'is not a flag of this instance'));
    case 'flags-added-and-removed':
      return apiError.validation('A flag cannot be both added and removed', fieldsOf(result.flagIds, 'is also in flags.add').filter((f) => f.field.startsWith('flags.remove')));
    case 'concurrent-changes':
      return apiError.usage(409, 'Other changes to this registration kept overtaking this one; send it again.');
  }
}

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
        response: { 200: { ...registrationSchema, headers: etagHeader }, ...authenticatedErrorResponses, ...notFoundResponse },
      },
    },
    async (request, reply) => {
      const found = await findUserRegistrationWithETag(api.db, orgIdOf(request), pathRowId(request.params.id));
      if (found === undefined) throw apiError.notFound(NO_REGISTRATION);
      void reply.header('etag', found.etag);
      return found.registration;
    },
  );

  app.patch<{ Params: { id: string }; Body: RegistrationChangeBody }>(
    '/api/v0/users/:id/registration',
    {
      config: { access: { token: 'service', scopes: ['registration:update'] } },
      preValidation: missingBodyIsEmptyChange,
      schema: {
        tags: TAGS,
        summary: "Change a user's registration",
        description:
          `${EXTENSION_NOTE} Sets the status and the badge name, and adds and removes flags, of the user's registration for the current convention; ` +
          'fields left out stay as they are, and a change that alters nothing records nothing. Answers the registration after the change with its `ETag`. ' +
          'Send the `ETag` of the registration you read as `If-Match` to apply the change only if nobody changed it since: otherwise 412 (`usage`), ' +
          'with the current `ETag`; read it again and reapply. An unknown field, status or flag id is a 400 `validation` error naming the field. Needs `registration:update`.',
        params: { type: 'object', required: ['id'], properties: { id: { type: 'string', pattern: idPattern, description: 'The user id.' } } },
        headers: { type: 'object', properties: { 'if-match': { type: 'string', description: 'The `ETag` the change is based on (`*`: any).' } } },
        body: registrationChangeBodySchema,
        response: {
          200: { ...registrationSchema, headers: etagHeader },
          ...authenticatedErrorResponses,
          ...notFoundResponse,
          409: { ...errorEnvelopeSchema, description: 'Other changes kept overtaking this one (`usage`); send it again.' },
          412: { ...errorEnvelopeSchema, headers: etagHeader, description: 'The registration changed since the `If-Match` ETag was read (`usage`); the response carries the current `ETag`.' },
          ...jsonBodyErrorResponses,
        },
      },
    },
    async (request, reply) => {
      const orgId = orgIdOf(request);
      const userId = pathRowId(request.params.id);
      const ifMatch = readIfMatch(request.headers['if-match']);
      const body = request.body;
      const add = flagIds(body.flags?.add, 'flags.add');
      const remove = flagIds(body.flags?.remove, 'flags.remove');
      const change = {
        orgId,
        userId,
        ifMatch,
        addFlagIds: add.map((f) => f.id),
        removeFlagIds: remove.map((f) => f.id),
        ...(body.status === undefined ? {} : { status: body.status }),
        ...(body.badgeName === undefined ? {} : { badgeName: body.badgeName }),
      };
      const result = await changeRegistration(api.db, change, appOriginOf(request), api.clock);
      if (!result.ok) throw changeRefusal(result, [...add, ...remove]);
      const found = await findUserRegistrationWithETag(api.db, orgId, userId);
      if (found === undefined) throw apiError.notFound(NO_REGISTRATION);
      void reply.header('etag', found.etag);
      return found.registration;
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
