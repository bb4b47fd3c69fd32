/**
 * JSON schemas shared by the API's routes (reference §5 and §8). Each route declares its body and
 * responses with them, so one definition validates input, serializes output and documents the
 * OpenAPI reference. Nullable is written `type: [T, 'null']` (JSON Schema, and OpenAPI 3.1).
 */

/** The ConCat error envelope: `{errors: {<category>: {...}}}` (reference §8). */
export const errorEnvelopeSchema = {
  type: 'object',
  required: ['errors'],
  properties: {
    errors: {
      type: 'object',
      description: 'One key per error category (`access`, `authentication`, `validation`, `resource`, `logic`, `rateLimit`, `usage`, `server`, `internal`).',
      minProperties: 1,
      additionalProperties: {
        type: 'object',
        properties: {
          message: { type: 'string' },
          code: { type: 'integer', description: 'Logic error code (category `logic`).' },
          permissions: { type: 'array', items: { type: 'string' }, description: 'Scopes needed (category `access`).' },
          fields: {
            type: 'array',
            description: 'The offending inputs (category `validation`).',
            items: { type: 'object', properties: { field: { type: 'string' }, message: { type: 'string' } } },
          },
          retryAfter: { type: 'integer', description: 'Seconds to wait (category `rateLimit`).' },
          hash: { type: 'string', description: 'Tracing hash to quote to support (category `server`).' },
        },
        additionalProperties: true,
      },
    },
  },
} as const;

/** The error responses every authenticated route can give. */
export const authenticatedErrorResponses = {
  400: { ...errorEnvelopeSchema, description: 'Invalid input (`validation`) or a broken rule (`logic`).' },
  401: { ...errorEnvelopeSchema, description: 'Missing, malformed, expired or revoked token (`authentication`). Retry once with a new token.' },
  403: { ...errorEnvelopeSchema, description: 'Wrong kind of token or missing scope (`access`, with the `permissions` needed).' },
  429: { ...errorEnvelopeSchema, description: 'Rate limit reached (`rateLimit`); see `Retry-After`.' },
} as const;

/** What a route taking a JSON body may also answer before its handler runs. */
export const jsonBodyErrorResponses = {
  413: { ...errorEnvelopeSchema, description: 'The body is larger than the server accepts (`usage`).' },
  415: { ...errorEnvelopeSchema, description: 'The body is not JSON (`usage`): send `Content-Type: application/json`.' },
} as const;

export const notFoundResponse = {
  404: { ...errorEnvelopeSchema, description: 'No such record in this instance (`resource`).' },
} as const;

/** A user as embedded in registrations, volunteers, department leads and dealers (reference §5). */
export const userSummarySchema = {
  type: 'object',
  required: ['id', 'firstName', 'lastName', 'username', 'preferredName', 'phone', 'email'],
  properties: {
    id: { type: 'string' },
    firstName: { type: 'string' },
    lastName: { type: 'string' },
    username: { type: 'string' },
    preferredName: { type: ['string', 'null'], description: 'Show it instead of first and last name except where the legal name is required.' },
    phone: { type: ['string', 'null'], description: 'E.164, e.g. +15555555555.' },
    email: { type: 'string' },
  },
} as const;

/** An event-defined option and its value (reference §5). */
export const optionSchema = {
  type: 'object',
  required: ['name', 'type', 'value'],
  properties: {
    name: { type: 'string' },
    type: { type: 'string', enum: ['select', 'multi', 'text', 'number'] },
    value: { anyOf: [{ type: 'number' }, { type: 'string' }, { type: 'array', items: { type: 'string' } }, { type: 'null' }] },
  },
} as const;

/** A registration flag (reference §5). */
export const flagSchema = {
  type: 'object',
  required: ['id', 'shortName'],
  properties: { id: { type: 'string' }, shortName: { type: 'string' } },
} as const;

/** A numeric id in a path: ConCat ids are numbers sent as strings. */
export const idPattern = '^[0-9]{1,15}$';
