/**
 * The user object of `GET /api/v0/users/{userId}` and of the users search (reference §6.1), and
 * the search's request body. The response schema also serializes: only these fields leave.
 */
import { idPattern } from '../../schemas/common-schemas.js';
import { idListSchema, updatedSinceSchema } from '../search-filters.js';
import { MAX_ROW_ID } from '../../../db/row-id.js';
import { pageRequestProperties, pageResponseProperties } from '../../pagination/search-page.js';

const nullableString = { type: ['string', 'null'] } as const;

export const addressSchema = {
  type: 'object',
  description: 'The postal address. Its fields are null when the instance does not ask for the address at registration.',
  required: ['addressCity', 'addressCountry', 'addressLine1', 'addressLine2', 'addressState', 'addressZipcode'],
  properties: {
    addressCity: nullableString,
    addressCountry: { type: ['string', 'null'], description: 'ISO 3166-1 alpha-2 country code, e.g. US.' },
    addressLine1: nullableString,
    addressLine2: nullableString,
    addressState: { type: ['string', 'null'], description: 'State or province.' },
    addressZipcode: nullableString,
  },
} as const;

export const userSchema = {
  type: 'object',
  required: ['id', 'email', 'preferredName', 'firstName', 'lastName', 'username', 'verified', 'phone', 'address'],
  properties: {
    id: { type: 'string' },
    email: { type: 'string' },
    preferredName: { type: ['string', 'null'], description: 'Show it instead of first and last name except where the legal name is required.' },
    firstName: { type: 'string', description: 'Legal first name.' },
    lastName: { type: 'string', description: 'Legal last name.' },
    username: { type: 'string' },
    verified: { type: 'boolean', description: 'Whether the email address is verified.' },
    phone: { type: ['string', 'null'], description: 'E.164, e.g. +15555555555.' },
    address: addressSchema,
  },
} as const;


export const userSearchBodySchema = {
  type: 'object',
  properties: {
    ...pageRequestProperties,
    filter: {
      type: ['object', 'null'],
      description: 'Every filter given must match (AND). Omitted or null filters do not restrict.',
      properties: {
        roleId: { type: ['integer', 'null'], minimum: 1, maximum: MAX_ROW_ID, description: 'Users holding this role globally or for the current convention.' },
        email: { type: ['string', 'null'], maxLength: 320, description: 'The user with this email address (compared case-insensitively).' },
        userIds: idListSchema('Users with these ids.'),
        updatedSince: updatedSinceSchema,
      },
    },
  },
} as const;

export interface UserSearchBody {
  limit?: number;
  nextPage?: string | null;
  filter?: {
    roleId?: number | null;
    email?: string | null;
    userIds?: (string | number)[] | null;
    updatedSince?: string | null;
  } | null;
}

export const userSearchResponseSchema = {
  type: 'object',
  required: ['data', 'nextPage', 'hasMore'],
  properties: {
    data: { type: 'array', items: userSchema },
    ...pageResponseProperties,
  },
} as const;

export const userIdParamsSchema = {
  type: 'object',
  required: ['userId'],
  properties: { userId: { type: 'string', pattern: idPattern, description: 'The user id.' } },
} as const;
