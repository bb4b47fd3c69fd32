import type { StatusClass } from '../db/schema.js';

/**
 * How usage names an endpoint: the method and the route template in OpenAPI's form, e.g.
 * `GET /api/v0/users/{userId}`. Templates, never concrete paths, so the number of distinct
 * names stays that of the routes, and ids never end up in statistics.
 */
export function endpointLabel(method: string, routeUrl: string): string {
  const template = routeUrl.replace(/:([A-Za-z0-9_]+)(\([^)]*\))?\??/g, '{$1}');
  return `${method.toUpperCase()} ${template}`;
}

/** The status class of an HTTP status code (1xx never ends a request, so it is not a class here). */
export function statusClassOf(status: number): StatusClass {
  if (status < 300) return '2xx';
  if (status < 400) return '3xx';
  if (status < 500) return '4xx';
  return '5xx';
}

export const STATUS_CLASSES: readonly StatusClass[] = ['2xx', '3xx', '4xx', '5xx'];

export function isStatusClass(value: string): value is StatusClass {
  return STATUS_CLASSES.some((known) => known === value);
}
