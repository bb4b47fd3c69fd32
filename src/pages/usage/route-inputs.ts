import { apiError, type ApiError } from '../../http/errors.js';
import { queryParam } from '../../http/web/form-fields.js';
import { isCsvGranularity, type CsvGranularity } from '../../usage/usage-csv.js';

/** The `by` of a CSV download: `day` (the default) or `endpoint`; anything else is a validation error. */
export function csvGranularityOf(query: unknown): CsvGranularity | ApiError {
  const by = queryParam(query, 'by');
  if (by === '') return 'day';
  if (isCsvGranularity(by)) return by;
  return apiError.validation('by must be "day" or "endpoint"', [{ field: 'by', message: 'must be "day" or "endpoint"' }]);
}
