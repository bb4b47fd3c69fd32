/**
 * What the OpenAPI document says beyond the routes' own schemas: the introduction (tokens, the
 * Authorization header rule, errors, pagination, rate limits), the tags, and the OAuth2 security
 * scheme with both flows and every scope. Each operation gets its `security` from the route's
 * declared access (`config.access`), so the document cannot disagree with what the hook enforces.
 *
 * The flows' URLs name the instance: @fastify/swagger builds one document per server, and
 * `forInstance` fills in the instance's base URL when it is served.
 */
import type { FastifyDynamicSwaggerOptions } from '@fastify/swagger';
import type { Config } from '../../config.js';
import type { ApiAccess } from '../api-access.js';
import { openApiWebhooks } from '../../events/event-schemas.js';
import { LogicErrorCode } from '../../http/errors.js';
import { OAUTH_ROUTES } from '../../oauth/provider-config.js';
import { OBO_SCOPES, OIDC_SCOPES, SERVICE_SCOPES, type ScopeDefinition } from '../../oauth/scopes.js';
import { MAX_PAGE_SIZE } from '../pagination/search-page.js';

/** The name of the security scheme in `components.securitySchemes`. */
export const OAUTH_SCHEME = 'oauth2';

/** The tags of the reference, in the order it shows them. */
export const API_TAGS = [
  { name: 'Users', description: 'The people of the instance: attendees, staff, volunteers, dealers. Scope `user:read`.' },
  { name: 'Roles', description: 'Roles group users (staff, signed an NDA…). Reading needs `user:read`; giving and taking away roles needs `user:roles:update`.' },
  { name: 'Registrations', description: 'Attendee registrations for the current convention. Reading needs `registration:read`; changing them (an extension) needs `registration:update`.' },
  { name: 'Volunteers', description: 'Volunteer applications and departments. Reading needs `volunteer:read`; assigning volunteers to departments (an extension) needs `volunteer:update`.' },
  { name: 'Dealers', description: 'Dealer profiles and their applications. Scope `vendor:read`.' },
  { name: 'Webhooks', description: 'Events this instance POSTs to the endpoints of your integration, as `{event, data}`, signed twice: Standard Webhooks (`webhook-id`, `webhook-timestamp`, `webhook-signature`) and ConCat\'s `authorization: Bearer <JWT>`. Each event is sent only to integrations granted the scope that reads its data.' },
  { name: 'Users (legacy)', description: 'The unversioned `/api/users/current`: the user a token acting for a user (authorization code flow) stands for. Scope `pii:basic`; more `pii:*` scopes add fields.' },
] as const;

function scopeTable(scopes: readonly ScopeDefinition[]): Record<string, string> {
  return Object.fromEntries(scopes.map((s) => [s.name, s.administrative ? `${s.description} (administrative: only users holding the \`${s.requiredPermission ?? 'admin'}\` permission can grant it)` : s.description]));
}

/** The OAuth2 scheme; `base` is the instance's base URL (empty for relative URLs). */
export function oauthScheme(base: string) {
  return {
    type: 'oauth2' as const,
    description:
      'Every call sends `Authorization: Bearer <access token>`. The v0 endpoints take **service tokens** (client credentials grant of an app integrated in this instance); `/api/users/current` takes tokens **acting for a user** (authorization code grant). The client authenticates at the token endpoint with `client_id` and `client_secret` in the form body (or HTTP Basic).',
    flows: {
      clientCredentials: {
        tokenUrl: `${base}${OAUTH_ROUTES.token}`,
        scopes: scopeTable(SERVICE_SCOPES),
      },
      authorizationCode: {
        authorizationUrl: `${base}${OAUTH_ROUTES.authorization}`,
        tokenUrl: `${base}${OAUTH_ROUTES.token}`,
        refreshUrl: `${base}${OAUTH_ROUTES.token}`,
        scopes: scopeTable([...OBO_SCOPES, ...OIDC_SCOPES]),
      },
    },
  };
}

const logicCodes = Object.entries(LogicErrorCode)
  .map(([name, code]) => `| ${code} | \`${name}\` |`)
  .join('\n');

/** The rate limits this server applies (config.ts), as the introduction states them. */
export type RateLimits = Pick<Config, 'rateLimitWindow' | 'rateLimitApi' | 'rateLimitApiAddress' | 'rateLimitToken' | 'rateLimitTokenAddress' | 'rateLimitAnonymous'>;

function perWindow(limit: number, window: number): string {
  return limit === 0 ? 'no limit' : `${limit} requests per ${window} s`;
}

/** The introduction shown above the operations (CommonMark). */
export function apiIntroduction(limits: RateLimits): string {
  const w = limits.rateLimitWindow;
  return `The resource API of this instance, compatible with ConCat's v0 API: an integration written for ConCat works here unchanged. Every path is relative to the instance's base URL (the server below), and every request uses HTTPS.

## Tokens

- **Service integrations** (v0 endpoints): an organization admin adds your app as an integration in Housekeeping and grants its permissions. Get a token with the client credentials grant:
  \`POST ${OAUTH_ROUTES.token}\` with the form body \`grant_type=client_credentials&client_id=…&client_secret=…&scope=user:read\` (\`scope\` optional: none requested means every permission granted). No refresh token: when the token expires, ask for a new one.
- **On behalf of a user** (\`/api/users/current\`): the authorization code flow at \`${OAUTH_ROUTES.authorization}\`, with a consent page; codes and refresh tokens are exchanged at the same token endpoint. Refresh tokens are single use.
- Access tokens are opaque and live \`expires_in\` seconds (3600 unless the operator changed it). A token stops working at the next request once it is revoked, its permission is withdrawn or the integration is removed: on a **401**, get a new token and retry **once**.

## The Authorization header

Send \`Authorization\` on **every** request to \`/api/…\`, the token endpoint and this reference included: it is how requests are counted per app for usage statistics and rate limits. On endpoints that need no token, send \`Bearer <client_id>\` (or \`Basic\` credentials at the token endpoint). A request without the header is still served where no token is needed, but it counts as anonymous and falls under the much stricter anonymous rate limit.

## Errors

Errors answer \`{"errors": {"<category>": {"message": "…", …}}}\`:

| status | category | meaning |
| --- | --- | --- |
| 400 | \`validation\` | Invalid input; \`fields\` lists each \`{field, message}\` (dotted paths such as \`filter.userIds.0\`). |
| 400 | \`logic\` | The request breaks a rule; \`code\` is one of the logic error codes below. |
| 401 | \`authentication\` | Missing, malformed, expired or revoked token (with \`WWW-Authenticate: Bearer\`). |
| 403 | \`access\` | Wrong kind of token or a missing scope; \`permissions\` lists the scopes needed. |
| 404 | \`resource\` | No such record **in this instance** (ids of other instances are unknown here). |
| 429 | \`rateLimit\` | Too many requests; \`retryAfter\` seconds, also in \`Retry-After\`. |
| 5xx | \`server\` | Our fault; quote \`hash\` to support. |

Logic error codes:

| code | name |
| --- | --- |
${logicCodes}

## Pagination

Every \`POST …/search\` takes \`limit\` (1 to ${MAX_PAGE_SIZE}, default ${MAX_PAGE_SIZE}; larger values are treated as ${MAX_PAGE_SIZE}) and \`nextPage\`, and answers \`data\`, \`nextPage\` and \`hasMore\`. Omit \`nextPage\` on the first call, then send back the \`nextPage\` of the previous response until it is \`null\` (\`hasMore\` false). Cursors are opaque, tied to your app, this instance and the endpoint, and stable while rows are added; a page deep into the results costs what the first page costs. \`GET /api/v0/roles\` takes \`limit\` and \`nextPage\` in the query.

## Rate limits

Requests are counted per app and instance and per client address, separately for the API and for the token endpoint (with introspection and revocation), in fixed windows of ${w} s. On this server:

| what | per app and instance | per client address |
| --- | --- | --- |
| API requests (this reference and discovery included) | ${perWindow(limits.rateLimitApi, w)} | ${perWindow(limits.rateLimitApiAddress, w)} |
| token, introspection and revocation requests | ${perWindow(limits.rateLimitToken, w)} | ${perWindow(limits.rateLimitTokenAddress, w)} |
| requests naming no client (no \`Authorization\`) | | ${perWindow(limits.rateLimitAnonymous, w)} |

Responses carry the \`RateLimit-Policy\` (quota and window) and \`RateLimit\` (remaining quota and seconds until it resets) headers; a request over a limit gets **429** with the \`rateLimit\` error and \`Retry-After\`. Spread requests out instead of retrying at once.`;
}

/** The options of @fastify/swagger for the instance's resource API. */
export function swaggerOptions(limits: RateLimits): FastifyDynamicSwaggerOptions {
  return {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'ConCat API', version: '0', description: apiIntroduction(limits) },
      tags: API_TAGS.map((tag) => ({ ...tag })),
      components: { securitySchemes: { [OAUTH_SCHEME]: oauthScheme('') } },
      webhooks: openApiWebhooks(),
    },
    transform: ({ schema, url, route }) => {
      const access = route.config?.access;
      if (access === undefined || schema === undefined) return { schema, url };
      return { schema: { ...schema, security: securityOf(access) }, url };
    },
  };
}

/** The security requirement of an operation that declares this access. */
export function securityOf(access: ApiAccess): { [OAUTH_SCHEME]: string[] }[] {
  return [{ [OAUTH_SCHEME]: [...access.scopes] }];
}

/** The document as served by one instance: its base URL as the server and in the OAuth URLs. */
export function forInstance(document: object, base: string): Record<string, unknown> {
  const components: unknown = Reflect.get(document, 'components');
  return {
    ...document,
    servers: [{ url: base, description: 'This instance' }],
    components: { ...(typeof components === 'object' ? components : {}), securitySchemes: { [OAUTH_SCHEME]: oauthScheme(base) } },
  };
}
