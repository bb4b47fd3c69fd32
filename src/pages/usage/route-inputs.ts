import { apiError, type ApiError } from '../../http/errors.js';
import { idParam, queryParam } from '../../http/web/form-fields.js';
import { isCsvGranularity, type CsvGranularity } from '../../usage/usage-csv.js';

/** Row ids are 32-bit integers on both engines; a larger number names no row (and PostgreSQL would refuse to compare it). */
const MAX_ROW_ID = 2_147_483_647;

/** A row id from a path parameter, or null (answered with 404) for anything that cannot name a row. */
export function rowIdParam(params: unknown, name: string): number | null {
  const id = idParam(params, name);
  return id === null || id > MAX_ROW_ID ? null : id;
}

/** The `by` of a CSV download: `day` (the default) or `endpoint`; anything else is a validation error. */
export function csvGranularityOf(query: unknown): CsvGranularity | ApiError {
  const by = queryParam(query, 'by');
  if (by === '') return 'day';
  if (isCsvGranularity(by)) return by;
  return apiError.validation('by must be "day" or "endpoint"', [{ field: 'by', message: 'must be "day" or "endpoint"' }]);
}
