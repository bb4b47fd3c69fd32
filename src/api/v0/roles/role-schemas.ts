/**
 * Roles (reference §6.2): the role list, a user's roles, and the body of a role assignment.
 * Ids are strings, as everywhere in v0.
 */
import { idPattern } from '../../schemas/common-schemas.js';
import { pageRequestProperties, pageResponseProperties } from '../../pagination/search-page.js';

const roleScopeSchema = {
  type: 'string',
  enum: ['convention', 'global'],
  description: '`convention`: for the current convention only; `global`: for every convention of the organization.',
} as const;

export const roleListQuerySchema = {
  type: 'object',
  properties: { ...pageRequestProperties },
} as const;

export interface RoleListQuery {
  limit?: number;
  nextPage?: string | null;
}

export const roleListResponseSchema = {
  type: 'object',
  required: ['data', 'nextPage', 'hasMore'],
  properties: {
    data: {
      type: 'array',
      items: {
        type: 'object',
        required: ['id', 'name'],
        properties: { id: { type: 'string' }, name: { type: 'string', description: 'Unique in the instance.' } },
      },
    },
    ...pageResponseProperties,
  },
} as const;

export const userRolesResponseSchema = {
  type: 'object',
  required: ['data'],
  properties: {
    data: {
      type: 'array',
      description: 'The roles the user holds globally and for the current convention. A role held both ways appears twice, once per scope.',
      items: {
        type: 'object',
        required: ['id', 'name', 'scope'],
        properties: { id: { type: 'string' }, name: { type: 'string' }, scope: roleScopeSchema },
      },
    },
  },
} as const;

export const userRoleParamsSchema = {
  type: 'object',
  required: ['userId', 'roleId'],
  properties: {
    userId: { type: 'string', pattern: idPattern, description: 'The user id.' },
    roleId: { type: 'string', pattern: idPattern, description: 'The role id.' },
  },
} as const;

export interface UserRoleParams {
  userId: string;
  roleId: string;
}

export const roleAssignmentBodySchema = {
  type: 'object',
  required: ['scope'],
  properties: { scope: roleScopeSchema },
} as const;

export interface RoleAssignmentBody {
  scope: 'convention' | 'global';
}

export const roleRemovalQuerySchema = {
  type: 'object',
  properties: {
    scope: { ...roleScopeSchema, description: 'Remove only the assignment of this scope. Without it, both the global assignment and the current convention\'s are removed.' },
  },
} as const;

export interface RoleRemovalQuery {
  scope?: 'convention' | 'global';
}
