/**
 * Who may call an API route, declared on the route (`config.access`) and enforced by one hook
 * (`authenticateApiRequest`, installed by api-routes.ts). The route handler then reads
 * `request.apiCaller`, which is always set when the route declares access.
 *
 * - v0 takes service tokens (client credentials) of an integration in this instance: an
 *   on-behalf-of token there is refused with 403, as ConCat does.
 * - The legacy `/api/users/current` takes on-behalf-of tokens only.
 * - A missing, malformed, expired or revoked token is 401 `authentication` with
 *   `WWW-Authenticate: Bearer` (real clients retry once on 401); a missing scope is 403 `access`
 *   listing the scopes needed.
 */
import type { FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import type { Clock } from '../clock.js';
import type { Schema } from '../db/schema.js';
import { ApiError, apiError } from '../http/errors.js';
import { checkAccessToken } from '../oauth/token-check.js';
import type { OboScope, ServiceScope } from '../oauth/scopes.js';

export type ApiAccess =
  | { token: 'service'; scopes: readonly ServiceScope[] }
  | { token: 'user'; scopes: readonly OboScope[] };

/** The authenticated caller of an API route. */
export interface ApiCaller {
  clientId: number;
  appId: number;
  /** The user an on-behalf-of token acts for; null for a service token. */
  userId: number | null;
  scopes: readonly string[];
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Declares the route as an API route needing this kind of token and these scopes. */
    access?: ApiAccess;
  }
  interface FastifyRequest {
    /** Set by the API authentication hook on routes that declare `config.access`. */
    apiCaller: ApiCaller | null;
  }
}

/** `Bearer <token>` (scheme case-insensitive, as RFC 6750 allows), or null for anything else. */
export function bearerTokenOf(header: string | undefined): string | null {
  if (header === undefined) return null;
  const match = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i.exec(header);
  return match?.[1] ?? null;
}

function invalidToken(message: string): ApiError {
  const error = apiError.authentication(message);
  return new ApiError(error.statusCode, error.category, error.detail, { 'www-authenticate': 'Bearer error="invalid_token"' });
}

/** The caller behind the request's bearer token, checked against the route's declared access. */
export async function authenticateApiRequest(request: FastifyRequest, access: ApiAccess, db: Kysely<Schema>, clock: Clock): Promise<ApiCaller> {
  const tenant = request.tenant;
  if (tenant.kind !== 'instance') throw apiError.notFound();
  const header = request.headers.authorization;
  if (header === undefined || header.trim() === '') throw apiError.authentication('An access token is required: send Authorization: Bearer <token>');
  const token = bearerTokenOf(header);
  if (token === null) throw invalidToken('The Authorization header must be Bearer <token>');
  const check = await checkAccessToken(db, tenant.instance.orgId, token, clock);
  if (!check.active) throw invalidToken('The access token is invalid, expired or revoked');
  const caller: ApiCaller = { clientId: check.clientId, appId: check.appId, userId: check.userId, scopes: check.scopes };
  // Known from here on even if refused below, so usage statistics count the refusal for the app.
  request.apiCaller = caller;
  if (access.token === 'service' && check.userId !== null) {
    throw apiError.access('This endpoint takes a service token (client credentials); a token acting for a user is not accepted', [...access.scopes]);
  }
  if (access.token === 'user' && check.userId === null) {
    throw apiError.access('This endpoint takes a token acting for a user (authorization code); a service token is not accepted', [...access.scopes]);
  }
  const missing = access.scopes.filter((scope) => !check.scopes.includes(scope));
  if (missing.length > 0) throw apiError.access(`The token lacks the scope${missing.length > 1 ? 's' : ''} ${missing.join(', ')}`, [...access.scopes]);
  return caller;
}
