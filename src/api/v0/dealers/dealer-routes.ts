/** `POST /api/v0/dealers/search` with `vendor:read`: the instance's dealer profiles. */
import type { ApiRouteModule } from '../../api-routes.js';
import { pageOf, readPageRequest } from '../../pagination/search-page.js';
import { authenticatedErrorResponses, jsonBodyErrorResponses } from '../../schemas/common-schemas.js';
import { cursorScopeOf } from '../instance-scope.js';
import { missingBodyIsEmptySearch, readIdList } from '../search-filters.js';
import { dealerPageSchema, dealerSearchBodySchema, type DealerSearchBody } from './dealer-schemas.js';
import { searchDealerRows, toDealers } from './dealers.js';

export const dealerRoutes: ApiRouteModule = (api) => (app) => {
  app.post<{ Body: DealerSearchBody }>(
    '/api/v0/dealers/search',
    {
      config: { access: { token: 'service', scopes: ['vendor:read'] } },
      preValidation: missingBodyIsEmptySearch,
      schema: {
        tags: ['Dealers'],
        summary: 'Search dealers',
        description: 'Pages through the dealer profiles in a stable order, at most 100 per page, each with its applications for the current convention. Send `nextPage` back for the next page; `hasMore` tells whether one follows.',
        body: dealerSearchBodySchema,
        response: { 200: dealerPageSchema, ...authenticatedErrorResponses, ...jsonBodyErrorResponses },
      },
    },
    async (request) => {
      const body = request.body;
      const scope = cursorScopeOf(request, 'dealers/search');
      const page = readPageRequest(body, api.cursorKey, scope);
      const rows = await searchDealerRows(api.db, scope.orgId, { userIds: readIdList(body.filter?.userIds) }, page);
      const { data, nextPage, hasMore } = pageOf(rows, page, (row) => row.id, api.cursorKey, scope);
      return { hasMore, nextPage, data: await toDealers(api.db, scope.orgId, data) };
    },
  );
  return Promise.resolve();
};
