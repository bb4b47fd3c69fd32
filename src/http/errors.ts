/**
 * The one way to report an error from an HTTP route. `/api/…` and every non-browser client get
 * the ConCat envelope `{"errors": {"<category>": {...}}}`; browsers get a readable page
 * (see error-handler.ts). OAuth endpoints answer RFC 6749 errors from the provider itself.
 */
export type ErrorCategory =
  | 'server'
  | 'access'
  | 'logic'
  | 'resource'
  | 'usage'
  | 'authentication'
  | 'validation'
  | 'rateLimit'
  | 'internal';

/** ConCat logic error codes (reference §8). */
export const LogicErrorCode = {
  RecordIsReferenced: 1,
  CannotChangeDealerStatus: 2,
  UserWasAlreadyAdded: 3,
  CannotDeleteApplication: 4,
  CardDeclined: 5,
  EmailAlreadyInUse: 6,
  CannotAddCompensationToOwn: 7,
} as const;

export interface FieldProblem {
  /** Dotted path of the offending input, e.g. `filter.userIds.0`, or the header/query name. */
  field: string;
  message: string;
}

export type ErrorDetail = { message: string } & Record<string, unknown>;

export class ApiError extends Error {
  override name = 'ApiError';
  constructor(
    readonly statusCode: number,
    readonly category: ErrorCategory,
    readonly detail: ErrorDetail,
    readonly headers: Record<string, string> = {},
  ) {
    super(detail.message);
  }
}

export function errorEnvelope(category: ErrorCategory, detail: Record<string, unknown>): { errors: Record<string, Record<string, unknown>> } {
  return { errors: { [category]: detail } };
}

export const apiError = {
  validation: (message: string, fields: FieldProblem[] = []) => new ApiError(400, 'validation', { message, fields }),
  logic: (code: number, message: string) => new ApiError(400, 'logic', { code, message }),
  authentication: (message: string) =>
    new ApiError(401, 'authentication', { message }, { 'www-authenticate': 'Bearer' }),
  access: (message: string, permissions?: string[]) =>
    new ApiError(403, 'access', permissions === undefined ? { message } : { message, permissions }),
  notFound: (message = 'Not found') => new ApiError(404, 'resource', { message }),
  usage: (statusCode: number, message: string) => new ApiError(statusCode, 'usage', { message }),
  rateLimit: (message: string, retryAfterSeconds: number) =>
    new ApiError(429, 'rateLimit', { message, retryAfter: retryAfterSeconds }, { 'retry-after': String(retryAfterSeconds) }),
};

/** The category a plain HTTP status falls under, for errors raised by the framework itself. */
export function categoryForStatus(statusCode: number): ErrorCategory {
  switch (statusCode) {
    case 400:
    case 422:
      return 'validation';
    case 401:
      return 'authentication';
    case 403:
      return 'access';
    case 404:
      return 'resource';
    case 429:
      return 'rateLimit';
    default:
      return statusCode >= 500 ? 'server' : 'usage';
  }
}
