import { parseRowId } from '../../db/row-id.js';

/**
 * Reading url-encoded form bodies without trusting their shape: every field is a string, a
 * repeated field a list of strings, and a missing or odd one reads as empty.
 */
export function formField(body: unknown, name: string): string {
  const value: unknown = typeof body === 'object' && body !== null ? Reflect.get(body, name) : undefined;
  if (typeof value === 'string') return value.trim();
  if (Array.isArray(value) && typeof value[0] === 'string') return value[0].trim();
  return '';
}

export function formList(body: unknown, name: string): string[] {
  const value: unknown = typeof body === 'object' && body !== null ? Reflect.get(body, name) : undefined;
  const items: unknown[] = Array.isArray(value) ? value : [value];
  return items.filter((item): item is string => typeof item === 'string').map((item) => item.trim()).filter((item) => item !== '');
}

/** A password field exactly as typed: unlike formField it is not trimmed, since spaces may be part of it. */
export function formPassword(body: unknown, name: string): string {
  const value: unknown = typeof body === 'object' && body !== null ? Reflect.get(body, name) : undefined;
  return typeof value === 'string' ? value : '';
}

/** A positive integer id from a path parameter, or null for anything else (answered with 404). */
export function idParam(params: unknown, name = 'id'): number | null {
  const value: unknown = typeof params === 'object' && params !== null ? Reflect.get(params, name) : undefined;
  return typeof value === 'string' ? parseRowId(value) : null;
}

/** A query-string value as a string ('' when absent or repeated oddly). */
export function queryParam(query: unknown, name: string): string {
  const value: unknown = typeof query === 'object' && query !== null ? Reflect.get(query, name) : undefined;
  return typeof value === 'string' ? value : '';
}

/** A path parameter as a string ('' when absent). */
export function pathParam(params: unknown, name: string): string {
  const value: unknown = typeof params === 'object' && params !== null ? Reflect.get(params, name) : undefined;
  return typeof value === 'string' ? value : '';
}
