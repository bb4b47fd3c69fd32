/**
 * The authorization server's audit trail (checklist G49, issue 4 item 9). Every entry names the
 * instance, the app (the actor), the user the tokens act for (`details.subject`), the grant (the
 * target, where there is one), the client's address and the result:
 * - code exchanges and refreshes, successful or not (`oauth.code-exchanged`, `oauth.token-refreshed`,
 *   `oauth.code-exchange-failed`, `oauth.refresh-failed`);
 * - a replayed code or refresh token, which revokes the grant (`oauth.token-reuse-detected`, level alert);
 * - revocations by the app (`oauth.token-revoked`) and introspection of another app's token
 *   (`oauth.introspection-denied`);
 * - failed client authentication at any endpoint (`oauth.client-auth-failed`): the client_id tried,
 *   never the secret.
 * Consent given or denied is recorded by the consent page (interactions.ts). Client-credentials
 * issuance and successful introspection are not recorded: they are the hot path and carry no user.
 *
 * The provider reports through events, which it does not wait for. Their writes are collected
 * per request and awaited by a middleware before the response goes out, so the entry exists by
 * the time the app has its answer; a failed write is logged and never changes the answer.
 */
import type { Kysely } from 'kysely';
import type { KoaContextWithOIDC, Provider } from 'oidc-provider';
import { recordAudit, type AuditEntry } from '../audit/audit-log.js';
import type { Clock } from '../clock.js';
import type { Schema } from '../db/schema.js';

export interface OauthAuditContext {
  db: Kysely<Schema>;
  orgId: number;
  clock: Clock;
  logError: (error: unknown, message: string) => void;
}

/** A provider error as its events pass it. */
interface ProviderError {
  error?: string;
  error_detail?: string;
}

/** The longest client_id kept from a failed authentication (what was sent is untrusted). */
const MAX_TRIED_CLIENT_ID = 64;

/** The client_id a request tried to authenticate as: form body or HTTP Basic, whichever it used. */
function clientIdTried(ctx: KoaContextWithOIDC): string | null {
  const known = ctx.oidc.client?.clientId;
  if (known !== undefined) return known;
  const fromBody = ctx.oidc.params?.client_id;
  if (typeof fromBody === 'string' && fromBody !== '') return fromBody.slice(0, MAX_TRIED_CLIENT_ID);
  const basic = /^Basic +([A-Za-z0-9+/=]+) *$/i.exec(ctx.get('authorization'))?.[1];
  if (basic === undefined) return null;
  const decoded = Buffer.from(basic, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon <= 0) return null;
  try {
    return decodeURIComponent(decoded.slice(0, colon)).slice(0, MAX_TRIED_CLIENT_ID);
  } catch {
    return decoded.slice(0, Math.min(colon, MAX_TRIED_CLIENT_ID));
  }
}

/** The user and grant a token request concerns, from what the provider loaded. */
function subjectAndGrant(ctx: KoaContextWithOIDC): { subject: string | null; grantId: string | null } {
  const { entities } = ctx.oidc;
  const source = entities.RefreshToken ?? entities.AuthorizationCode ?? entities.AccessToken;
  return {
    subject: entities.Grant?.accountId ?? source?.accountId ?? null,
    grantId: entities.Grant?.jti ?? source?.grantId ?? null,
  };
}

/**
 * The code or refresh token a failed request presented, when the provider failed before loading
 * it (a scope or PKCE check): the entry then still names its grant and user.
 */
async function presentedSource(ctx: KoaContextWithOIDC, needed: boolean): Promise<{ grantId?: string | undefined; accountId?: string | undefined } | undefined> {
  if (!needed) return undefined;
  const { provider, params } = ctx.oidc;
  const refreshToken = params?.refresh_token;
  const code = params?.code;
  if (params?.grant_type === 'refresh_token' && typeof refreshToken === 'string' && refreshToken !== '') return provider.RefreshToken.find(refreshToken, { ignoreExpiration: true });
  if (params?.grant_type === 'authorization_code' && typeof code === 'string' && code !== '') return provider.AuthorizationCode.find(code, { ignoreExpiration: true });
  return undefined;
}

function isReuse(error: ProviderError): boolean {
  return /already (consumed|used)$/.test(error.error_detail ?? '');
}

export class OauthAudit {
  /** The audit writes of each request still in flight. */
  readonly #pending = new WeakMap<object, Promise<void>[]>();
  /** The grant a request revoked (reuse detection names it). */
  readonly #revokedGrants = new WeakMap<object, string>();

  constructor(private readonly context: OauthAuditContext) {}

  /** Subscribes to the provider's events and waits for their entries before each response. */
  attach(provider: Provider): void {
    provider.use(async (ctx, next) => {
      await next();
      const writes = this.#pending.get(ctx);
      if (writes !== undefined) await Promise.all(writes);
    });
    provider.on('grant.revoked', (ctx: KoaContextWithOIDC, grantId: string) => {
      this.#revokedGrants.set(ctx, grantId);
    });
    provider.on('grant.success', (ctx: KoaContextWithOIDC) => {
      const grantType = ctx.oidc.params?.grant_type;
      const action = grantType === 'authorization_code' ? 'oauth.code-exchanged' : grantType === 'refresh_token' ? 'oauth.token-refreshed' : undefined;
      if (action === undefined) return;
      const { subject, grantId } = subjectAndGrant(ctx);
      this.#track(ctx, this.#entry(ctx, action, { type: 'oauth-grant', id: grantId }, { subject, scope: ctx.oidc.entities.AccessToken?.scope ?? null, result: 'success' }));
    });
    provider.on('grant.error', (ctx: KoaContextWithOIDC, error: ProviderError) => {
      if (error.error === 'invalid_client') {
        this.#clientAuthFailed(ctx, error);
        return;
      }
      const grantType = ctx.oidc.params?.grant_type;
      if (grantType !== 'authorization_code' && grantType !== 'refresh_token') return;
      const { subject, grantId } = subjectAndGrant(ctx);
      if (isReuse(error)) {
        const revoked = this.#revokedGrants.get(ctx) ?? grantId;
        this.#track(ctx, this.#entry(ctx, 'oauth.token-reuse-detected', { type: 'oauth-grant', id: revoked }, { level: 'alert', subject, detail: error.error_detail, result: 'grant revoked' }));
        return;
      }
      const action = grantType === 'authorization_code' ? 'oauth.code-exchange-failed' : 'oauth.refresh-failed';
      this.#track(
        ctx,
        presentedSource(ctx, grantId === null).then((presented) =>
          this.#entry(ctx, action, { type: 'oauth-grant', id: grantId ?? presented?.grantId ?? null }, { subject: subject ?? presented?.accountId ?? null, result: error.error ?? 'error', detail: error.error_detail ?? null }),
        ),
      );
    });
    const onEndpointError = (ctx: KoaContextWithOIDC, error: ProviderError): void => {
      if (error.error === 'invalid_client') this.#clientAuthFailed(ctx, error);
    };
    provider.on('introspection.error', onEndpointError);
    provider.on('revocation.error', onEndpointError);
  }

  /** An app revoked one of its own tokens (called from the revocation policy, which the provider awaits). */
  revoked(ctx: KoaContextWithOIDC, token: { kind: string; clientId?: string | undefined; accountId?: string | undefined; grantId?: string | undefined }): Promise<void> {
    const target = token.grantId === undefined ? { type: 'oauth-token', id: null } : { type: 'oauth-grant', id: token.grantId };
    return this.#entry(ctx, 'oauth.token-revoked', target, { kind: token.kind, subject: token.accountId ?? null, result: 'revoked' });
  }

  /** An app asked about a token that is not its own: it got `{active: false}`. */
  introspectionDenied(ctx: KoaContextWithOIDC, token: { kind: string; clientId?: string | undefined; accountId?: string | undefined }): Promise<void> {
    return this.#entry(ctx, 'oauth.introspection-denied', { type: 'app', id: token.clientId ?? null }, { kind: token.kind, subject: token.accountId ?? null, result: 'denied' });
  }

  #clientAuthFailed(ctx: KoaContextWithOIDC, error: ProviderError): void {
    const entry: AuditEntry = {
      orgId: this.context.orgId,
      actor: { type: 'app', id: clientIdTried(ctx) },
      action: 'oauth.client-auth-failed',
      target: { type: 'oauth-endpoint', id: ctx.oidc.route ?? null },
      details: { subject: null, result: 'invalid_client', detail: error.error_detail ?? null },
      ip: ctx.ip,
    };
    this.#track(ctx, recordAudit(this.context.db, entry, this.context.clock));
  }

  #entry(ctx: KoaContextWithOIDC, action: string, target: { type: string; id: string | null }, details: Record<string, unknown>): Promise<void> {
    const entry: AuditEntry = { orgId: this.context.orgId, actor: { type: 'app', id: ctx.oidc.client?.clientId ?? null }, action, target, details, ip: ctx.ip };
    return recordAudit(this.context.db, entry, this.context.clock);
  }

  #track(ctx: object, write: Promise<void>): void {
    const guarded = write.catch((failure: unknown) => this.context.logError(failure, 'an OAuth audit entry could not be written'));
    const writes = this.#pending.get(ctx);
    if (writes === undefined) this.#pending.set(ctx, [guarded]);
    else writes.push(guarded);
  }
}
