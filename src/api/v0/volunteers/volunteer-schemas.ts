/**
 * JSON schemas of the volunteer endpoints (reference §6.4): they validate the input, serialize
 * the output (fields not listed are dropped) and document the OpenAPI reference.
 */
import { pageRequestProperties, pageResponseProperties } from '../../pagination/search-page.js';
import { optionSchema, userSummarySchema } from '../../schemas/common-schemas.js';
import { idListSchema, updatedSinceSchema } from '../search-filters.js';
import { DEPARTMENT_STATES } from './volunteers.js';

export const volunteerSchema = {
  type: 'object',
  required: ['createdAt', 'updatedAt', 'contactMethods', 'departments', 'user', 'options'],
  properties: {
    createdAt: { type: 'string', format: 'date-time' },
    updatedAt: { type: 'string', format: 'date-time' },
    contactMethods: {
      type: 'array',
      description: 'How the volunteer can be reached; one is the preferred method.',
      items: {
        type: 'object',
        required: ['name', 'isPrimary', 'value'],
        properties: {
          name: { type: 'string', description: 'e.g. `email`, `discord`.' },
          isPrimary: { type: 'boolean', description: 'The preferred contact method.' },
          value: { type: 'string', description: 'The address or handle, free-form.' },
        },
      },
    },
    departments: {
      type: 'array',
      description: 'Departments the volunteer stated a preference for, or is assigned to.',
      items: {
        type: 'object',
        required: ['id', 'states', 'name'],
        properties: {
          id: { type: 'string' },
          states: { type: 'array', items: { type: 'string', enum: DEPARTMENT_STATES } },
          name: { type: 'string' },
        },
      },
    },
    user: userSummarySchema,
    options: { type: 'array', items: optionSchema, description: "The volunteer's answers to the event's questions." },
  },
} as const;

export const volunteerSearchBodySchema = {
  type: 'object',
  properties: {
    ...pageRequestProperties,
    filter: {
      type: ['object', 'null'],
      description: 'Optional (not in ConCat\'s documentation). Every filter given must match (AND).',
      properties: {
        userIds: idListSchema('Volunteer applications of these users.'),
        updatedSince: updatedSinceSchema,
      },
    },
  },
} as const;

export interface VolunteerSearchBody {
  nextPage?: string | null;
  limit?: number;
  filter?: { userIds?: string[] | null; updatedSince?: string | null } | null;
}

export const volunteerPageSchema = {
  type: 'object',
  required: ['data', 'nextPage', 'hasMore'],
  properties: { data: { type: 'array', items: volunteerSchema }, ...pageResponseProperties },
} as const;

export const departmentSchema = {
  type: 'object',
  required: ['id', 'name', 'email', 'publiclyVisible', 'leads'],
  properties: {
    id: { type: 'string' },
    name: { type: 'string', description: "The department's name." },
    email: { type: 'string', format: 'email', description: "Contact address of the department's leads." },
    publiclyVisible: { type: 'boolean', description: 'Shown to everyone applying to volunteer.' },
    leads: { type: 'array', items: userSummarySchema, description: 'The department leads.' },
  },
} as const;
