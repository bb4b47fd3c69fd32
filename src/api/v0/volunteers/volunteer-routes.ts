import type { ApiRouteModule } from '../../api-routes.js';

// Being written (issue 5): the routes of this resource.
export const volunteerRoutes: ApiRouteModule = () => async () => {};
