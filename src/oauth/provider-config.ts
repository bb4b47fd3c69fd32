/**
 * Every configuration default of the authorization server, in one place. One `Provider` is built
 * per instance (see providers.ts) from `providerConfiguration`; the only per-instance inputs are
 * its storage adapter, its signing keys, its cookie names and keys, and the token lifetime.
 *
 * Each option carries its documentation. oidc-provider's own defaults are not relied upon where
 * they matter for security: they are restated here with the reason.
 */
import type { Configuration, KoaContextWithOIDC } from 'oidc-provider';
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
  /** Access-token lifetime in seconds (config `accessTokenTtl`). */
  accessTokenTtl: number;
  /** Called when an app revokes one of its own tokens, before it is destroyed (the audit entry). */
  onRevocation: (ctx: KoaContextWithOIDC, token: { clientId?: string | undefined; kind: string }) => Promise<void>;
}

/** Whether the token belongs to the client asking: an app sees and revokes only its own tokens. */
function ownToken(_ctx: KoaContextWithOIDC, client: { clientId: string }, token: { clientId?: string | undefined }): boolean {
  return token.clientId === client.clientId;
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
     * PKCE: S256 only (the provider never accepts `plain`). Required for public clients, none of
     * which we register; confidential ConCat clients may omit it, as real ones do (issue 4), unless
     * the developer turned on "require PKCE" (part 2 wires that flag here).
     */
    pkce: { required: (_ctx, client) => client.clientAuthMethod === 'none' },

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

    /** Claims per OIDC scope (part 2 fills in ConCat's user data). */
    claims: { openid: ['sub'], profile: ['name', 'preferred_username'], email: ['email', 'email_verified'] },

    /** Accounts are the instance's users (part 2: login and consent). Until then no account exists. */
    findAccount: () => undefined,

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
          await inputs.onRevocation(ctx, token);
          return true;
        },
      },
      /** RFC 7662. An app sees only its own tokens; anything else is `{active: false}`. */
      introspection: { enabled: true, allowedPolicy: ownToken },
      /** Userinfo comes with sign-in (part 2); off until then so discovery does not advertise it. */
      userinfo: { enabled: false },
      /** End-session comes with sign-in (part 2); off until then. */
      rpInitiatedLogout: { enabled: false },
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
      long: { httpOnly: true, sameSite: 'lax', secure: true },
      short: { httpOnly: true, sameSite: 'lax', secure: true },
    },

    /** Browser CORS to the token, introspection and revocation endpoints is never allowed: apps call them from their servers. */
    clientBasedCORS: () => false,

    /** ID tokens carry only `sub` and protocol claims when an access token is also issued; the rest comes from userinfo (OIDC Core 5.4). */
    conformIdTokenClaims: true,

    /** `redirect_uri` is required in every authorization request, even with one registered URI (OIDC; checklist A4). */
    allowOmittingSingleRegisteredRedirectUri: false,

    /** Bearer tokens in query strings are refused (OAuth 2.1; checklist D33). */
    acceptQueryParamAccessTokens: false,

    /** Signed-token algorithms: ES256 only (the instance's key). `none` and HS* are never used. */
    enabledJWA: { idTokenSigningAlgValues: ['ES256'] },

    /** Refresh tokens rotate on every use (ConCat: single use); reuse revokes the grant (the provider's behaviour). */
    rotateRefreshToken: true,
  };
}
