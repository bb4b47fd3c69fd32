/**
 * The `If-Match` request header (RFC 9110 §13.1.1): a write conditioned on the version of the
 * resource the client last read. Comparison is strong, so weak tags (`W/"…"`) never match.
 */
import { apiError } from '../../http/errors.js';

// One entity tag: optional weak prefix, then a quoted run of etagc (no quote, space or control).
const ENTITY_TAG = /^(W\/)?("[\x21\x23-\x7e\x80-\xff]*")$/;

/**
 * The strong ETags the header lists, or null when it sets no condition (absent, or `*` — which
 * only asks for the resource to exist, as the write does anyway). A malformed header is a
 * `validation` error naming `If-Match`.
 */
export function readIfMatch(header: string | string[] | undefined): string[] | null {
  if (header === undefined) return null;
  const value = (Array.isArray(header) ? header.join(',') : header).trim();
  if (value === '*') return null;
  const tags: string[] = [];
  for (const part of value.split(',')) {
    const match = ENTITY_TAG.exec(part.trim());
    const tag = match?.[2];
    if (match === null || tag === undefined) {
      throw apiError.validation('If-Match must be * or a list of entity tags such as "12-3"', [{ field: 'If-Match', message: 'must be * or quoted entity tags separated by commas' }]);
    }
    if (match[1] === undefined) tags.push(tag);
  }
  return tags;
}
