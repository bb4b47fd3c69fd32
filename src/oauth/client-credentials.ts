/**
 * The client-credentials grant as ConCat defines it for service integrations. Replaces the
 * provider's built-in handler (which would silently drop unknown scopes and grant none when none
 * is asked for):
 * - only an app with an active integration holding service permissions in this instance;
 * - requested scopes must be within the integration's granted permissions; none requested means
 *   all of them; an unknown or on-behalf-of scope is `invalid_scope`;
 * - never a refresh token; the response is exactly `{access_token, token_type, expires_in, scope}`.
 */
import type { Kysely } from 'kysely';
import type * as Oidc from 'oidc-provider';
import type { TokenEndpointGrantContext } from 'oidc-provider';
import type { Schema } from '../db/schema.js';
import { findInstanceClient, parseClientId } from './clients.js';
import { isServiceScope, type ServiceScope } from './scopes.js';

/** The scopes to issue, or the offending scope name. */
export function resolveServiceScopes(requested: string | undefined, granted: readonly ServiceScope[]): { ok: true; scopes: ServiceScope[] } | { ok: false; scope: string; reason: string } {
  const names = (requested ?? '').split(' ').filter((name) => name !== '');
  if (names.length === 0) return { ok: true, scopes: [...granted] };
  for (const name of names) {
    if (!isServiceScope(name)) return { ok: false, scope: name, reason: `"${name.slice(0, 60)}" is not a scope of the client-credentials grant` };
    if (!granted.includes(name)) return { ok: false, scope: name, reason: `"${name}" is not among the permissions the organization granted this app` };
  }
  return { ok: true, scopes: granted.filter((scope) => names.includes(scope)) };
}

/** `errors` is the provider module's (loaded lazily, see providers.ts). */
export function clientCredentialsHandler(db: Kysely<Schema>, orgId: number, errors: typeof Oidc.errors): (ctx: TokenEndpointGrantContext) => Promise<void> {
  return async (ctx) => {
    const { client, params, provider } = ctx.oidc;
    const clientId = parseClientId(client.clientId);
    const app = clientId === null ? undefined : await findInstanceClient(db, orgId, clientId);
    if (app === undefined || app.serviceScopes.length === 0) throw new errors.UnauthorizedClient('the app has no service integration in this instance');
    const resolved = resolveServiceScopes(params.scope, app.serviceScopes);
    if (!resolved.ok) throw new errors.InvalidScope(resolved.reason, resolved.scope);
    const token = new provider.ClientCredentials({ client, scope: resolved.scopes.join(' ') });
    ctx.oidc.entity('ClientCredentials', token);
    const value = await token.save();
    ctx.body = { access_token: value, token_type: 'Bearer', expires_in: token.expiration, scope: token.scope ?? '' };
  };
}
