/**
 * The JSON schema and an example of each catalog event's `data`, as the payload builders
 * (event-user.ts, event-registration.ts, event-volunteer.ts, user-roles.ts, integration-events.ts)
 * produce it: ConCat's shapes (reference §9) plus what this platform adds. They document the
 * webhooks in the OpenAPI document; the tests check recorded payloads against them.
 */
import type { FastifyDynamicSwaggerOptions } from '@fastify/swagger';
import { EVENT_TYPES, type EventType } from './event-types.js';

type JsonSchema = Record<string, unknown>;

const text = { type: 'string' };
const nullableText = { type: ['string', 'null'] };
const idText = { type: 'string', pattern: '^[0-9]+$', description: 'A numeric id, as a string (ConCat ids are strings).' };
const timestamp = { type: 'string', format: 'date-time' };

function object(properties: Record<string, JsonSchema>, description?: string): JsonSchema {
  return { type: 'object', ...(description === undefined ? {} : { description }), properties, required: Object.keys(properties), additionalProperties: false };
}

const userProperties = {
  id: idText,
  username: text,
  firstName: text,
  preferredName: nullableText,
  lastName: text,
  email: text,
  verified: { type: 'boolean', description: 'Whether the email address is verified.' },
  createdAt: timestamp,
  updatedAt: timestamp,
};
const user = object(userProperties, 'The user the event is about.');

const volunteer = object(
  {
    id: idText,
    contactMethod: { ...nullableText, description: 'The preferred contact method (a key of contactMethods), or null.' },
    contactMethods: { type: 'object', additionalProperties: text, description: 'Contact method name → address or handle.' },
    availableBeforeCon: { type: 'boolean' },
    anythingElse: nullableText,
    previousConExperience: nullableText,
    previousOtherExperience: nullableText,
    eventsCanNotMiss: nullableText,
    createdAt: timestamp,
    updatedAt: timestamp,
  },
  'The volunteer application.',
);

const department = object({ id: idText, name: text, email: text, publiclyVisible: { type: 'boolean' }, createdAt: timestamp, updatedAt: timestamp }, 'The department.');

const registration = object(
  {
    id: idText,
    userId: idText,
    attendanceTypeId: { ...idText, description: 'The badge level (product) id.' },
    badgeArtId: { type: ['integer', 'null'] },
    badgeName: text,
    status: { type: 'string', enum: ['paid', 'unpaid', 'cancelled', 'refunded'] },
    flags: { type: 'array', items: object({ id: idText, shortName: text }) },
    createdAt: timestamp,
    updatedAt: timestamp,
  },
  'The registration for the current convention.',
);

const integrationProperties = {
  id: idText,
  appClientId: { ...idText, description: "The app's OAuth client id." },
  scopes: { type: 'array', items: text, description: 'The service permissions granted to the integration.' },
  oboEnabled: { type: 'boolean', description: "Whether the instance's users may sign in to the app." },
};
const integration = object(integrationProperties, 'The integration (the app installed in this instance) the event is about.');
const integrationData = object({ integration });

const volunteerData = object({ volunteer, user });
const assignmentData = object({ volunteer, user, department });
const roleData = object({ user, role: object({ id: idText, name: text }), scope: { type: 'string', enum: ['global', 'convention'], description: 'Whether the role is held for good or for the current convention.' } });

const exampleUser = {
  id: '1042',
  username: 'kit',
  firstName: 'Kit',
  preferredName: 'Kitty',
  lastName: 'Fox',
  email: 'kit@example.org',
  verified: true,
  createdAt: '2026-03-01T09:00:00.000Z',
  updatedAt: '2026-06-01T11:00:00.000Z',
};
const exampleVolunteer = {
  id: '77',
  contactMethod: 'email',
  contactMethods: { discord: 'kit#1', email: 'kit@example.org' },
  availableBeforeCon: true,
  anythingElse: null,
  previousConExperience: 'Operations, 2024',
  previousOtherExperience: null,
  eventsCanNotMiss: 'The fursuit parade',
  createdAt: '2026-05-01T09:00:00.000Z',
  updatedAt: '2026-06-01T11:00:00.000Z',
};
const exampleDepartment = { id: '5', name: 'Security', email: 'security@furfest.example', publiclyVisible: true, createdAt: '2026-01-10T08:00:00.000Z', updatedAt: '2026-01-10T08:00:00.000Z' };
const exampleIntegration = { id: '12', appClientId: '4310001', scopes: ['user:read', 'registration:read'], oboEnabled: false };

export interface EventSchema {
  /** The JSON schema (2020-12) of the event's `data`. */
  schema: JsonSchema;
  example: Record<string, unknown>;
}

export const EVENT_SCHEMAS: Record<EventType, EventSchema> = {
  'registration-updated': {
    schema: object({ registration, user: object({ ...userProperties, socialLinks: { type: 'object', additionalProperties: text, description: 'Service → account.' } }) }),
    example: {
      registration: { id: '301', userId: '1042', attendanceTypeId: '3', badgeArtId: null, badgeName: 'Kitty', status: 'paid', flags: [{ id: '2', shortName: 'fursuiter' }], createdAt: '2026-04-02T10:00:00.000Z', updatedAt: '2026-06-01T11:00:00.000Z' },
      user: { ...exampleUser, socialLinks: { telegram: '@kitfox' } },
    },
  },
  'user-updated': {
    schema: object({ user: object({ ...userProperties, organizationId: { type: 'string', description: 'The instance (organization) id.' } }) }),
    example: { user: { ...exampleUser, organizationId: '0b8f3c2e-6d1a-4f55-9a3e-2f1c7d9e4b10' } },
  },
  'volunteer-submitted': { schema: volunteerData, example: { volunteer: exampleVolunteer, user: exampleUser } },
  'volunteer-updated': { schema: volunteerData, example: { volunteer: exampleVolunteer, user: exampleUser } },
  'volunteer-assigned': { schema: assignmentData, example: { volunteer: exampleVolunteer, user: exampleUser, department: exampleDepartment } },
  'volunteer-unassigned': { schema: assignmentData, example: { volunteer: exampleVolunteer, user: exampleUser, department: exampleDepartment } },
  'volunteer-deleted': { schema: volunteerData, example: { volunteer: exampleVolunteer, user: exampleUser } },
  'role-assigned': { schema: roleData, example: { user: exampleUser, role: { id: '9', name: 'staff' }, scope: 'convention' } },
  'role-unassigned': { schema: roleData, example: { user: exampleUser, role: { id: '9', name: 'staff' }, scope: 'global' } },
  'integration-created': { schema: integrationData, example: { integration: exampleIntegration } },
  'integration-permissions-changed': {
    schema: object({ integration, previous: object({ scopes: integrationProperties.scopes, oboEnabled: integrationProperties.oboEnabled }, 'The permissions before the change.') }),
    example: { integration: exampleIntegration, previous: { scopes: ['user:read'], oboEnabled: true } },
  },
  'integration-removed': { schema: integrationData, example: { integration: exampleIntegration } },
  'app-revoked': { schema: integrationData, example: { integration: exampleIntegration } },
};

/** The body a subscriber receives for one event type: `{event, data}`. */
export function messageSchema(type: EventType): JsonSchema {
  return object({ event: { type: 'string', const: type }, data: EVENT_SCHEMAS[type].schema });
}

const DELIVERY_HEADERS = [
  { name: 'webhook-id', description: 'Standard Webhooks message id (`msg_…`): the same on every retry of the message; use it to drop duplicates.' },
  { name: 'webhook-timestamp', description: 'Standard Webhooks: seconds since the epoch when this attempt was signed. Refuse messages far from your clock.' },
  { name: 'webhook-signature', description: 'Standard Webhooks: space-separated `v1,<base64 HMAC-SHA256>` of `{webhook-id}.{webhook-timestamp}.{body}` with the endpoint secret (`whsec_…`); two while a rotated secret overlaps.' },
  { name: 'authorization', description: "ConCat: `Bearer <JWT>` signed with the instance key published at `/api/webhooks/key`; claims `iss`, `sub: webhook`, `aud` the endpoint URL, `iat`, `exp` (120 s later) and `int` (base64 SHA-256 of the `data` JSON)." },
] as const;

/** The `webhooks` of the OpenAPI versions that have them (3.1 on), as @fastify/swagger types them. */
type WebhooksOf<D> = D extends { webhooks?: infer W } ? ('webhooks' extends keyof D ? W : never) : never;
type OpenApiWebhooks = NonNullable<WebhooksOf<NonNullable<FastifyDynamicSwaggerOptions['openapi']>>>;

/** The OpenAPI 3.1 `webhooks` object: one POST per catalog event. */
export function openApiWebhooks(): OpenApiWebhooks {
  return Object.fromEntries(
    EVENT_TYPES.map((definition) => {
      const gate = definition.scope === null ? "Not gated by a scope: sent only to the endpoints of the integration it concerns." : `Sent only to integrations granted \`${definition.scope}\`.`;
      return [
        definition.name,
        {
          post: {
            summary: definition.description,
            description: `${definition.description} ${gate} Answer with a 2xx status within 15 s; anything else (redirects included) is retried.`,
            tags: ['Webhooks'],
            parameters: DELIVERY_HEADERS.map((header) => ({ in: 'header', name: header.name, required: true, description: header.description, schema: { type: 'string' } })),
            requestBody: { required: true, content: { 'application/json': { schema: messageSchema(definition.name), example: { event: definition.name, data: EVENT_SCHEMAS[definition.name].example } } } },
            responses: { '2XX': { description: 'Received; not sent again.' }, '410': { description: 'Gone: the endpoint is disabled and receives nothing more.' } },
            'x-required-scope': definition.scope,
          },
        },
      ];
    }),
  );
}
