/**
 * JSON schemas of the registration endpoints (reference §6.3): they validate the input, serialize
 * the output (fields not listed are dropped) and document the OpenAPI reference.
 */
import { pageRequestProperties, pageResponseProperties } from '../../pagination/search-page.js';
import type { RegistrationStatus } from '../../../db/schema.js';
import { BADGE_NAME_MAX_LENGTH } from '../../../instance/registration-changes.js';
import { flagSchema, idPattern, optionSchema, userSummarySchema } from '../../schemas/common-schemas.js';
import { idListSchema, updatedSinceSchema } from '../search-filters.js';
import { REGISTRATION_STATUSES } from './registrations.js';

const statusSchema = { type: 'string', enum: REGISTRATION_STATUSES } as const;

export const registrationSchema = {
  type: 'object',
  required: ['createdAt', 'updatedAt', 'badgeName', 'status', 'productName', 'productDisplayName', 'productId', 'options', 'flags', 'user'],
  properties: {
    createdAt: { type: 'string', format: 'date-time' },
    updatedAt: { type: 'string', format: 'date-time' },
    badgeName: { type: 'string', description: 'The name the user asked to have on the badge.' },
    status: {
      ...statusSchema,
      description: '`paid` or `unpaid` while the registration stands; `cancelled` or `refunded` once it no longer does.',
    },
    productName: { type: 'string', description: 'The badge level bought (paid) or intended (unpaid).' },
    productDisplayName: { type: ['string', 'null'], description: 'The badge level as shown to attendees, when it differs from `productName`.' },
    productId: { type: 'string' },
    options: { type: 'array', items: optionSchema, description: "The user's answers to the event's registration questions." },
    flags: { type: 'array', items: flagSchema },
    user: userSummarySchema,
  },
} as const;

export const registrationSearchBodySchema = {
  type: 'object',
  properties: {
    ...pageRequestProperties,
    filter: {
      type: ['object', 'null'],
      description: 'Every filter given must match (AND).',
      properties: {
        userIds: idListSchema('Registrations of these users.'),
        status: {
          anyOf: [statusSchema, { type: 'array', maxItems: REGISTRATION_STATUSES.length * 4, items: statusSchema }, { type: 'null' }],
          description: 'Registrations in this status, or in any of these statuses.',
        },
        productIds: idListSchema('Registrations for these badge levels (`productId`).'),
        updatedSince: updatedSinceSchema,
      },
    },
  },
} as const;

export interface RegistrationSearchBody {
  nextPage?: string | null;
  limit?: number;
  filter?: {
    userIds?: string[] | null;
    status?: string | string[] | null;
    productIds?: string[] | null;
    updatedSince?: string | null;
  } | null;
}

export const registrationPageSchema = {
  type: 'object',
  required: ['data', 'nextPage', 'hasMore'],
  properties: { data: { type: 'array', items: registrationSchema }, ...pageResponseProperties },
} as const;

/** The most flags one change may add (or remove): far more than an instance defines. */
const MAX_FLAG_CHANGES = 100;

const flagIdListSchema = (description: string) =>
  ({ type: 'array', maxItems: MAX_FLAG_CHANGES, items: { type: 'string', pattern: idPattern }, description }) as const;

// `additionalProperties: { not: {} }` refuses unknown fields (a misspelt `stauts` must not pass as
// an empty change); `false` would have the validator drop them silently.
export const registrationChangeBodySchema = {
  type: 'object',
  additionalProperties: { not: {} },
  properties: {
    status: { ...statusSchema, description: 'The new status.' },
    badgeName: {
      type: 'string',
      minLength: 1,
      maxLength: BADGE_NAME_MAX_LENGTH,
      description: `The new badge name: 1 to ${BADGE_NAME_MAX_LENGTH} characters, not blank, no leading or trailing spaces, no control characters.`,
    },
    flags: {
      type: 'object',
      additionalProperties: { not: {} },
      description: 'Flags to add and to remove, by id (`flags[].id`). Adding a flag the registration has, or removing one it lacks, changes nothing.',
      properties: { add: flagIdListSchema('Flag ids to add.'), remove: flagIdListSchema('Flag ids to remove.') },
    },
  },
} as const;

export interface RegistrationChangeBody {
  status?: RegistrationStatus;
  badgeName?: string;
  flags?: { add?: string[]; remove?: string[] };
}
