/**
 * Every configuration default of the authorization server, in one place. One `Provider` is built
 * per instance (see providers.ts) from `providerConfiguration`; the only per-instance inputs are
 * its storage adapter, its signing keys, its cookie names and keys, and the token lifetime.
 *
 * Each option carries its documentation. oidc-provider's own defaults are not relied upon where
 * they matter for security: they are restated here with the reason.
 */
import type { AccountClaims, Configuration, interactionPolicy as InteractionPolicy, KoaContextWithOIDC } from 'oidc-provider';
import { escapeHtml } from '../pages/html.js';
import { OIDC_SCOPE_CLAIMS } from './account-claims.js';
import type { InstanceLogout } from './logout-pages.js';
import { signInTooOld } from './reauthentication.js';
import { OBO_SCOPES, OIDC_SCOPES, SERVICE_SCOPES } from './scopes.js';
import type { SigningJwk } from './signing-keys.js';

/** Paths relative to the instance's base URL (the issuer). ConCat fixes authorize and token. */
export const OAUTH_ROUTES = {
  authorization: '/oauth/authorize',
  token: '/api/oauth/token',
  jwks: '/oauth/jwks',
  revocation: '/oauth/revoke',
  introspection: '/oauth/introspect',
  userinfo: '/oauth/userinfo',
  end_session: '/oauth/logout',
} as const;

/** Every scope name of the catalog: service, on-behalf-of and OpenID Connect. */
export const ALL_SCOPE_NAMES: readonly string[] = [...SERVICE_SCOPES, ...OBO_SCOPES, ...OIDC_SCOPES].map((s) => s.name);

export interface InstanceProviderInputs {
  /** The storage adapter factory, namespaced by the instance (storage-adapter.ts). */
  adapter: NonNullable<Configuration['adapter']>;
  /** The instance's private signing keys, newest first. */
  signingKeys: readonly SigningJwk[];
  /** Keys that sign the provider's cookies (keygrip), derived per instance. */
  cookieKeys: readonly Buffer[];
  /** Distinguishes this instance's cookie names from other instances on the same host. */
  cookieSuffix: string;
  /** The path of the provider's session cookie: the instance's base path (`/` on its own host). */
  cookiePath: string;
  /** Access-token lifetime in seconds (config `accessTokenTtl`). */
  accessTokenTtl: number;
  /** Called when an app revokes one of its own tokens, before it is destroyed (the audit entry). */
  onRevocation: (ctx: KoaContextWithOIDC, token: AuditedToken) => Promise<void>;
  /** Called when an app introspects a token that is not its own (the audit entry). */
  onIntrospectionDenied: (ctx: KoaContextWithOIDC, token: AuditedToken) => Promise<void>;
  /** oidc-provider's `interactionPolicy` (the module is loaded lazily, see providers.ts). */
  interactionPolicy: typeof InteractionPolicy;
  /**
   * Whether `sub` names a user of this instance (a user of another instance never resolves) who
   * still holds the permissions the administrative scopes of `scope` (the token's) need.
   */
  accountUsable: (sub: string, scope: string | undefined) => Promise<boolean>;
  /** The OpenID Connect claims of a user of this instance, read when they are used (account-claims.ts). */
  findAccountClaims: (sub: string) => Promise<AccountClaims | undefined>;
  /** The end-session pages (logout-pages.ts). */
  logout: Pick<InstanceLogout, 'logoutSource' | 'postLogoutSuccessSource'>;
  /** Who is signed in to the instance on this request (its own session cookie), and since when. */
  signedInUser: (ctx: KoaContextWithOIDC) => Promise<{ accountId: string; signedInAt: Date } | undefined>;
  /** The platform's clock (max_age is measured against the instance session's sign-in time). */
  now: () => Date;
}

/** The interaction pages (login and consent), relative to the instance's base URL (interactions.ts). */
export const INTERACTION_PATH = '/oauth/interaction';

/** What the audit trail records of a token (oauth-audit.ts). */
export interface AuditedToken {
  kind: string;
  clientId?: string | undefined;
  accountId?: string | undefined;
  grantId?: string | undefined;
}

/** The audited fields of a token the provider passes to a policy. */
function audited(token: { kind: string; clientId?: string | undefined; grantId?: string | undefined }): AuditedToken {
  const accountId: unknown = Reflect.get(token, 'accountId');
  return { kind: token.kind, clientId: token.clientId, grantId: token.grantId, accountId: typeof accountId === 'string' ? accountId : undefined };
}

/** Whether the token belongs to the client asking: an app sees and revokes only its own tokens. */
function ownToken(_ctx: KoaContextWithOIDC, client: { clientId: string }, token: { clientId?: string | undefined }): boolean {
  return token.clientId === client.clientId;
}

/**
 * The default prompts, plus a login check: who is signed in is decided by the instance's own
 * session, not by the provider's session cookie (which may still name a user who signed out of
 * the instance since). Unless the provider's session names the user signed in to the instance,
 * with a sign-in recent enough for `max_age`, the login interaction runs; it is answered at once,
 * without a page, when the instance session exists (interactions.ts). So `prompt=none` works for a
 * signed-in user, and answers `login_required` otherwise.
 */
function instanceSessionDecides(policy: typeof InteractionPolicy, inputs: InstanceProviderInputs): InteractionPolicy.DefaultPolicy {
  const prompts = policy.base();
  prompts.get('login')?.checks.add(
    new policy.Check('concat_instance_session', 'the instance session decides who signs in', 'login_required', async (ctx) => {
      const result = ctx.oidc.result as { login?: unknown } | undefined;
      if (result?.login !== undefined) return policy.Check.NO_NEED_TO_PROMPT;
      const signedIn = await inputs.signedInUser(ctx);
      if (signedIn === undefined || signedIn.accountId !== ctx.oidc.session?.accountId) return policy.Check.REQUEST_PROMPT;
      return signInTooOld(signedIn.signedInAt, inputs.now(), ctx.oidc.params?.max_age) ? policy.Check.REQUEST_PROMPT : policy.Check.NO_NEED_TO_PROMPT;
    }),
  );
  return prompts;
}

export function providerConfiguration(inputs: InstanceProviderInputs): Configuration {
  return {
    /** Tokens, codes, grants and sessions live in `oauth_records`, scoped by the instance's org_id. Clients come from our apps through the same adapter (model `Client`). */
    adapter: inputs.adapter,

    /** No static clients: every client is an app with an integration in this instance. */
    clients: [],

    /** ES256 keys from `oauth_signing_keys`; the first signs. Published at the JWKS endpoint. */
    jwks: { keys: inputs.signingKeys.map((key) => ({ ...key })) },

    /** Only the authorization code flow. The 9.x default also lists `code id_token` and `id_token` (implicit), which RFC 9700 retires. */
    responseTypes: ['code'],

    /**
     * PKCE: S256 only (the provider never accepts `plain`); a challenge that is sent is enforced.
     * Required for public clients, none of which we register; confidential ConCat clients may omit
     * it, as real ones do (issue 4), unless the developer turned on "require PKCE" (apps.require_pkce,
     * passed as client metadata `concat_require_pkce` by clients.ts).
     */
    pkce: { required: (_ctx, client) => client.clientAuthMethod === 'none' || client['concat_require_pkce'] === true },

    /** `concat_require_pkce`: the app's "require PKCE" flag (apps.require_pkce), set by clients.ts. */
    extraClientMetadata: {
      properties: ['concat_require_pkce'],
      validator: (_ctx, key, value) => {
        if (key === 'concat_require_pkce' && value !== undefined && typeof value !== 'boolean') throw new Error('concat_require_pkce must be a boolean');
      },
    },

    /** Client authentication at the token, introspection and revocation endpoints: a secret in the form body (ConCat's way) or HTTP Basic. Secrets are compared against their hashes (`compareClientSecret` is replaced in providers.ts). */
    clientAuthMethods: ['client_secret_post', 'client_secret_basic'],

    /** Lifetimes in seconds. Access tokens and client-credentials tokens follow config; codes live 60 s (RFC 9700 §4.5). */
    ttl: {
      AccessToken: inputs.accessTokenTtl,
      ClientCredentials: inputs.accessTokenTtl,
      AuthorizationCode: 60,
      IdToken: 3600,
      Interaction: 3600,
      Session: 14 * 24 * 3600,
      Grant: 365 * 24 * 3600,
      // ConCat refresh tokens do not expire on time; they die when used (rotation) or revoked.
      RefreshToken: 10 * 365 * 24 * 3600,
    },

    /** The scope names the provider recognises; which of them an app may receive is decided per grant (client-credentials.ts for services). */
    scopes: [...ALL_SCOPE_NAMES],

    /** Claims per OIDC scope: the provider releases only those of the scopes the user granted (checklist C19). */
    claims: Object.fromEntries(Object.entries(OIDC_SCOPE_CLAIMS).map(([scope, names]) => [scope, [...names]])),

    /** Accounts are the instance's users; `sub` is the user id. Users of other instances never resolve. */
    findAccount: async (_ctx, sub, token) => {
      if (!(await inputs.accountUsable(sub, token?.scope))) return undefined;
      // Read when used (userinfo, ID token), so they are never staler than the request.
      return { accountId: sub, claims: async () => (await inputs.findAccountClaims(sub)) ?? { sub } };
    },

    /** Our own login and consent pages (interactions.ts), under the instance's base URL. */
    interactions: {
      policy: instanceSessionDecides(inputs.interactionPolicy, inputs),
      url: (ctx, interaction) => `${new URL(ctx.oidc.issuer).pathname.replace(/\/$/, '')}${INTERACTION_PATH}/${interaction.uid}`,
    },

    /** Every sign-in grant gets a refresh token (ConCat: no `offline_access` needed). */
    issueRefreshToken: (_ctx, client) => client.grantTypeAllowed('refresh_token'),

    /** Refresh tokens outlive the provider's browser session: they end only by rotation or revocation. */
    expiresWithSession: () => false,

    features: {
      /** The development-only login/consent pages: never. Our own pages handle interactions. */
      devInteractions: { enabled: false },
      /** The client-credentials grant (ConCat's service integrations). Scope rules: client-credentials.ts. */
      clientCredentials: { enabled: true },
      /** RFC 7009. An app revokes only its own tokens; another's token gets the normal 200 and is left alone. */
      revocation: {
        enabled: true,
        allowedPolicy: async (ctx, client, token) => {
          if (!ownToken(ctx, client, token)) return false;
          await inputs.onRevocation(ctx, audited(token));
          return true;
        },
      },
      /** RFC 7662. An app sees only its own tokens; anything else is `{active: false}`. */
      introspection: {
        enabled: true,
        allowedPolicy: async (ctx, client, token) => {
          if (ownToken(ctx, client, token)) return true;
          await inputs.onIntrospectionDenied(ctx, audited(token));
          return false;
        },
      },
      /** OpenID Connect userinfo (GET and POST; the bearer token in the header only, see `acceptQueryParamAccessTokens`); answers `no-store`. */
      userinfo: { enabled: true },
      /**
       * RP-Initiated Logout at `/oauth/logout`, with our pages (logout-pages.ts). GET only: POST
       * would need `enableHttpPostMethods` and SameSite=None session cookies. A
       * post_logout_redirect_uri must be one of the app's redirect URIs (clients.ts).
       */
      rpInitiatedLogout: { enabled: true, logoutSource: inputs.logout.logoutSource, postLogoutSuccessSource: inputs.logout.postLogoutSuccessSource },
      /** No dynamic client registration: apps come from the developer program. */
      registration: { enabled: false },
      /** No device flow, CIBA, PAR, or JWT access tokens: access tokens are opaque (revocation and permission changes take effect at once). */
      deviceFlow: { enabled: false },
      resourceIndicators: { enabled: false },
      pushedAuthorizationRequests: { enabled: false },
      /** Sender-constrained tokens (DPoP) are not offered: ConCat clients send plain bearer tokens. */
      dPoP: { enabled: false },
    },

    /** Our discovery must not change with the request's origin: the provider builds URLs from the request, which the mount pins to the issuer (routes.ts). */
    routes: { ...OAUTH_ROUTES },

    /** Cookies are per instance: several instances share the platform host, so the names carry the instance. Signed with per-instance keys. */
    cookies: {
      names: {
        session: `_concat_oidc_session_${inputs.cookieSuffix}`,
        interaction: `_concat_oidc_interaction_${inputs.cookieSuffix}`,
        resume: `_concat_oidc_resume_${inputs.cookieSuffix}`,
      },
      keys: inputs.cookieKeys.map((key) => key),
      // The session cookie goes only to this instance's paths. (The short-lived interaction and
      // resume cookies get the path of their own endpoint from the provider.)
      long: { httpOnly: true, sameSite: 'lax', secure: true, path: inputs.cookiePath },
      short: { httpOnly: true, sameSite: 'lax', secure: true },
    },

    /** Browser CORS to the token, introspection and revocation endpoints is never allowed: apps call them from their servers. */
    clientBasedCORS: () => false,

    /** ID tokens carry only `sub` and protocol claims when an access token is also issued; the rest comes from userinfo (OIDC Core 5.4). */
    conformIdTokenClaims: true,

    /** `redirect_uri` is required in every authorization request, even with one registered URI (OIDC; checklist A4). */
    allowOmittingSingleRegisteredRedirectUri: false,

    /**
     * The page shown when an authorization request cannot be sent back to the app (unknown
     * client, unregistered redirect_uri): plain, ours, no third-party fonts, never a redirect.
     */
    renderError: (ctx, out) => {
      const what = ctx.oidc.route.startsWith('end_session') ? 'sign-out' : 'sign-in';
      ctx.type = 'html';
      ctx.body = `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Request refused</title><meta name="viewport" content="width=device-width, initial-scale=1"></head><body><main><h1>This ${what} request cannot be completed</h1><p>${escapeHtml(String(out.error_description ?? out.error))}</p><p>Go back to the app and try again, or contact its developer.</p></main></body></html>`;
    },

    /** Bearer tokens in query strings are refused (OAuth 2.1; checklist D33). */
    acceptQueryParamAccessTokens: false,

    /** Signed-token algorithms: ES256 only (the instance's key). `none` and HS* are never used. */
    enabledJWA: { idTokenSigningAlgValues: ['ES256'] },

    /**
     * Refresh tokens rotate on every use (ConCat: single use); reuse revokes the grant (the
     * provider's behaviour). A narrower `scope` on refresh narrows the new refresh token too
     * (ConCat: dropped scopes come back only through a new authorization). The provider builds
     * the new token from the presented one, whose in-memory scope is set here; it is not saved
     * (the presented token is only marked consumed), and a wider scope was refused before.
     */
    rotateRefreshToken: (ctx) => {
      const presented = ctx.oidc.entities.RefreshToken;
      if (presented !== undefined && typeof ctx.oidc.params?.scope === 'string' && ctx.oidc.params.scope !== '') {
        presented.scope = [...ctx.oidc.requestParamScopes].join(' ');
      }
      return true;
    },
  };
}
