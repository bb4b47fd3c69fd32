/**
 * Which requests are limited, and which buckets each one is counted in.
 *
 * - API (`/api/v0/…`, `/api/users/current`, userinfo) and the endpoints that need no token
 *   (`/api/docs…`, discovery, JWKS): per app and instance, and per client address.
 * - Token endpoint, introspection, revocation: the same, with their own (lower) limits.
 * - Requests naming no client (no Authorization, or a token we did not issue): only the much
 *   stricter anonymous limit, per client address.
 * - A client named but not proven (`Bearer <client_id>`, Basic with a wrong secret) is counted
 *   per (client, address): the app's limit, but only for that address, so naming someone
 *   else's client cannot use up that client's quota.
 * - The browser steps of sign-in (authorize, logout) count per address with the token endpoint.
 */
import type { Config } from '../../config.js';
import { OAUTH_ROUTES } from '../../oauth/provider-config.js';
import type { Bucket } from './rate-limit-store.js';

export type EndpointKind =
  /** Needs an access token. */
  | 'api'
  /** Needs no token: documentation, discovery, JWKS. */
  | 'public'
  /** Client authentication: token, introspection, revocation. */
  | 'token'
  /** Browser steps of OAuth sign-in. */
  | 'interactive';

export interface LimitedEndpoint {
  kind: EndpointKind;
  /** How a refusal is answered: the ConCat envelope (or a page, to a browser), or an RFC 6749 error. */
  answer: 'envelope' | 'oauth';
}

/** The endpoint class of a request on an instance (path relative to the base URL), or null when not limited. */
export function limitedEndpointOf(method: string, path: string): LimitedEndpoint | null {
  if (method === 'POST' && (path === OAUTH_ROUTES.token || path === OAUTH_ROUTES.introspection || path === OAUTH_ROUTES.revocation)) {
    return { kind: 'token', answer: 'oauth' };
  }
  if (path === '/api/docs' || path.startsWith('/api/docs/')) return { kind: 'public', answer: 'envelope' };
  if (path === '/api' || path.startsWith('/api/')) return { kind: 'api', answer: 'envelope' };
  if (path.startsWith('/.well-known/') || path === OAUTH_ROUTES.jwks) return { kind: 'public', answer: 'oauth' };
  if (path === OAUTH_ROUTES.userinfo) return { kind: 'api', answer: 'oauth' };
  if (path === OAUTH_ROUTES.authorization || path.startsWith(`${OAUTH_ROUTES.authorization}/`) || path === OAUTH_ROUTES.end_session) {
    return { kind: 'interactive', answer: 'envelope' };
  }
  return null;
}

/** Requests per window; 0 switches a limit off. */
export interface RateLimits {
  windowMs: number;
  /** Per app and instance: API and token-free endpoints. */
  api: number;
  /** Per client address: API and token-free endpoints. */
  apiAddress: number;
  /** Per app and instance: token, introspection, revocation. */
  token: number;
  /** Per client address: token, introspection, revocation, and the browser sign-in steps. */
  tokenAddress: number;
  /** Per client address, for requests naming no client. */
  anonymous: number;
}

export function rateLimitsOf(config: Config): RateLimits {
  return {
    windowMs: config.rateLimitWindow * 1000,
    api: config.rateLimitApi,
    apiAddress: config.rateLimitApiAddress,
    token: config.rateLimitToken,
    tokenAddress: config.rateLimitTokenAddress,
    anonymous: config.rateLimitAnonymous,
  };
}

/** Who a request is counted for, once its claim is checked (caller-resolution.ts). */
export type Caller =
  /** Proven: a token we issued, or a right client secret. */
  | { kind: 'app'; clientId: number }
  /** Named, not proven. */
  | { kind: 'claimed'; clientId: number }
  | { kind: 'anonymous' };

/** A bucket and the policy name it is advertised under (the `RateLimit` headers). */
export interface PolicyBucket extends Bucket {
  policy: string;
}

export function bucketsFor(endpoint: LimitedEndpoint, caller: Caller, orgId: number, address: string, limits: RateLimits): PolicyBucket[] {
  const bucket = (policy: string, key: string, limit: number): PolicyBucket => ({ policy, key, limit, windowMs: limits.windowMs });
  const tokenAddress = bucket('token-address', `token:address:${address}`, limits.tokenAddress);
  let buckets: PolicyBucket[];
  if (endpoint.kind === 'interactive') {
    buckets = [tokenAddress];
  } else if (caller.kind === 'anonymous') {
    buckets = [bucket('anonymous', `anonymous:${address}`, limits.anonymous)];
  } else {
    const [name, limit, perAddress] =
      endpoint.kind === 'token' ? (['token', limits.token, tokenAddress] as const) : (['api', limits.api, bucket('api-address', `api:address:${address}`, limits.apiAddress)] as const);
    const client = caller.kind === 'app' ? `${name}:app:${orgId}:${caller.clientId}` : `${name}:claim:${orgId}:${caller.clientId}:${address}`;
    buckets = [bucket(name, client, limit), perAddress];
  }
  return buckets.filter((b) => b.limit > 0);
}
