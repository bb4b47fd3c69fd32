/**
 * JSON schemas of the dealer search (reference §6.5): they validate the input, serialize the
 * output (fields not listed are dropped) and document the OpenAPI reference.
 */
import { pageRequestProperties, pageResponseProperties } from '../../pagination/search-page.js';
import { optionSchema, userSummarySchema } from '../../schemas/common-schemas.js';
import { idListSchema } from '../search-filters.js';
import { DEALER_APPLICATION_STATUSES } from './dealers.js';

/** Dealer options carry their id; on the profile they may also be a phone number or an address (its lines). */
function identifiedOptionSchema(types: readonly string[]) {
  return {
    type: 'object',
    required: ['id', 'name', 'type', 'value'],
    properties: { id: { type: 'string' }, ...optionSchema.properties, type: { type: 'string', enum: types } },
  } as const;
}

const FORM_TYPES = optionSchema.properties.type.enum;

const productSchema = {
  type: 'object',
  required: ['id', 'name', 'displayName', 'paid'],
  properties: {
    id: { type: 'string' },
    name: { type: 'string' },
    displayName: { type: ['string', 'null'], description: 'What users see, when it differs from `name`.' },
    paid: { type: 'boolean' },
  },
} as const;

const applicationSchema = {
  type: 'object',
  required: ['id', 'specialRequests', 'status', 'tableNumber', 'dealerRequestTypes', 'tableType', 'dealerArea', 'options'],
  properties: {
    id: { type: 'string' },
    specialRequests: { type: ['string', 'null'] },
    status: { type: 'string', enum: DEALER_APPLICATION_STATUSES, description: 'Where the application stands in review.' },
    tableNumber: { type: ['string', 'null'], description: 'Set once a table is assigned.' },
    dealerRequestTypes: { type: 'array', items: productSchema, description: 'The add-ons the dealer asked for.' },
    tableType: { ...productSchema, description: 'The table type the dealer asked for.' },
    dealerArea: {
      type: ['object', 'null'],
      required: ['id', 'name'],
      properties: { id: { type: 'string' }, name: { type: 'string' } },
      description: 'Where the table is, once decided.',
    },
    options: { type: 'array', items: identifiedOptionSchema(FORM_TYPES), description: "The dealer's answers to the application's questions." },
  },
} as const;

export const dealerSchema = {
  type: 'object',
  required: ['id', 'name', 'email', 'addressLine1', 'addressLine2', 'addressCity', 'addressZipcode', 'addressState', 'addressCountry', 'user', 'applications', 'options'],
  properties: {
    id: { type: 'string' },
    name: { type: 'string', description: 'Business name.' },
    email: { type: ['string', 'null'], description: 'Business email.' },
    addressLine1: { type: 'string' },
    addressLine2: { type: ['string', 'null'] },
    addressCity: { type: 'string' },
    addressZipcode: { type: 'string' },
    addressState: { type: 'string' },
    addressCountry: { type: 'string', description: 'ISO 3166-1 alpha-2.' },
    user: { ...userSummarySchema, description: 'The user who owns the profile.' },
    applications: { type: 'array', items: applicationSchema, description: "The dealer's applications for a table at the current convention." },
    options: { type: 'array', items: identifiedOptionSchema([...FORM_TYPES, 'phone', 'address']), description: "Answers to the dealer profile's questions." },
  },
} as const;

export const dealerSearchBodySchema = {
  type: 'object',
  properties: {
    ...pageRequestProperties,
    filter: {
      type: ['object', 'null'],
      description: 'Optional here, although ConCat documents it as required.',
      properties: { userIds: idListSchema('Dealer profiles owned by these users.') },
    },
  },
} as const;

export interface DealerSearchBody {
  nextPage?: string | null;
  limit?: number;
  filter?: { userIds?: string[] | null } | null;
}

export const dealerPageSchema = {
  type: 'object',
  required: ['hasMore', 'nextPage', 'data'],
  properties: { ...pageResponseProperties, data: { type: 'array', items: dealerSchema } },
} as const;
