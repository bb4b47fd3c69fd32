import { apiError, type ApiError } from './errors.js';

/**
 * U+0000 has no use in any field we take, and PostgreSQL cannot store it in text: a value holding
 * one made the query fail (a 500) on PostgreSQL while SQLite stored it. Input is refused before it
 * reaches a route, for the API (JSON bodies, query strings) and every page form alike.
 */

/** The dotted path of the first string (value or key) holding U+0000 in `input`, or null. */
export function fieldWithNul(input: unknown): string | null {
  // Iterative: a deeply nested body must not exhaust the stack.
  const pending: { value: unknown; path: string }[] = [{ value: input, path: '' }];
  for (let item = pending.pop(); item !== undefined; item = pending.pop()) {
    const { value, path } = item;
    if (typeof value === 'string') {
      if (value.includes('\0')) return path;
    } else if (typeof value === 'object' && value !== null) {
      for (const [key, child] of Object.entries(value)) {
        const childPath = path === '' ? key : `${path}.${key}`;
        if (key.includes('\0')) return path;
        pending.push({ value: child, path: childPath });
      }
    }
  }
  return null;
}

/** The 400 for a request whose body or query holds U+0000, naming the field; null if it holds none. */
export function nulCharacterError(request: { body: unknown; query: unknown }): ApiError | null {
  const field = fieldWithNul(request.body) ?? fieldWithNul(request.query);
  if (field === null) return null;
  const name = field === '' ? 'the request' : field;
  return apiError.validation(`${name} must not contain a NUL character (U+0000)`, [{ field: name, message: 'must not contain a NUL character (U+0000)' }]);
}
