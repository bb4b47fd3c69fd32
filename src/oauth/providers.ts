/**
 * One oidc-provider `Provider` per instance, issuer = the instance's primary base URL. Built lazily
 * on the instance's first OAuth request, cached (LRU, capped), and rebuilt after a while so a
 * changed base URL or signing key is picked up without a restart.
 */
import { createHmac } from 'node:crypto';
import type { Kysely } from 'kysely';
import type * as Oidc from 'oidc-provider';
import type { Adapter, AdapterPayload, Provider } from 'oidc-provider';
import type { Clock } from '../clock.js';
import type { Config } from '../config.js';
import type { Schema } from '../db/schema.js';
import { userSessionCookieName } from '../http/web/session-cookies.js';
import { baseUrlString } from '../instance/instances.js';
import { findValidSecret } from '../platform/app-credentials.js';
import { clientSecretGuard } from '../http/rate-limit/client-auth-throttle.js';
import { resumeSession } from '../security/web-sessions.js';
import { findAccountClaims } from './account-claims.js';
import { clientCredentialsHandler } from './client-credentials.js';
import { clientMetadata, findInstanceClient, parseClientId } from './clients.js';
import { instanceLogout } from './logout-pages.js';
import { OauthAudit } from './oauth-audit.js';
import { providerConfiguration } from './provider-config.js';
import { instanceSigningKeys, loadKeyEncryptionKey } from './signing-keys.js';
import { instanceAdapterFactory, InstanceAdapter } from './storage-adapter.js';
import { scopesUserLacks } from './user-scope-permissions.js';

/** Live providers at most; the least recently used is dropped beyond it. */
export const PROVIDER_CACHE_SIZE = 200;
/** A cached provider is rebuilt after this long (base URL or key changes, other processes' edits). */
export const PROVIDER_MAX_AGE_MS = 5 * 60_000;

/**
 * oidc-provider is loaded on the first OAuth request, not at start: commands that never serve
 * OAuth do not pay for it, and its "unsupported runtime" notice on Node 20 is printed (once, on
 * stderr) only by a server that uses it.
 */
let oidcModule: Promise<typeof Oidc> | undefined;
function loadOidc(): Promise<typeof Oidc> {
  oidcModule ??= import('oidc-provider');
  return oidcModule;
}

export interface ProviderDependencies {
  db: Kysely<Schema>;
  config: Config;
  clock: Clock;
  /** Where provider-internal failures (server_error) are reported. */
  logError: (error: unknown, message: string) => void;
  /** Counts tokens issued and token requests per app (src/usage/usage-tracking.ts). */
  usage?: { watchProvider(provider: Provider, orgId: number): void };
}

export interface InstanceProvider {
  provider: Provider;
  orgId: number;
  issuer: string;
}

interface Entry {
  built: Promise<InstanceProvider>;
  at: number;
}

/** The issuer of an instance: its primary base URL (else its first), or undefined if it has none. */
export async function instanceIssuer(db: Kysely<Schema>, orgId: number, publicUrl: URL): Promise<string | undefined> {
  const row = await db
    .selectFrom('org_base_urls')
    .select(['host', 'path_prefix'])
    .where('org_id', '=', orgId)
    .orderBy('is_primary', 'desc')
    .orderBy('id')
    .executeTakeFirst();
  return row === undefined ? undefined : baseUrlString({ orgId, host: row.host, pathPrefix: row.path_prefix, isPrimary: true }, publicUrl);
}

/** Clients come from our apps: the adapter of model `Client` answers `find` from apps and integrations. */
class ClientAdapter extends InstanceAdapter {
  constructor(
    private readonly db: Kysely<Schema>,
    private readonly orgId: number,
    clock: Clock,
  ) {
    super({ db, orgId, clock }, 'Client');
  }

  override async find(id: string): Promise<AdapterPayload | undefined> {
    const clientId = parseClientId(id);
    if (clientId === null) return undefined;
    const client = await findInstanceClient(this.db, this.orgId, clientId);
    return client === undefined ? undefined : clientMetadata(client);
  }

  override upsert(): Promise<void> {
    return Promise.reject(new Error('clients are managed by the developer program, not the provider'));
  }
}

export class InstanceProviders {
  readonly #entries = new Map<number, Entry>();
  #encryptionKey: Buffer | undefined;

  constructor(private readonly deps: ProviderDependencies) {}

  /** The provider of an instance; undefined when the instance has no base URL. */
  async get(orgId: number): Promise<InstanceProvider | undefined> {
    const now = this.deps.clock.now().getTime();
    const entry = this.#entries.get(orgId);
    if (entry !== undefined && now - entry.at < PROVIDER_MAX_AGE_MS) {
      // Re-insert: a Map iterates in insertion order, so the first key is the least recently used.
      this.#entries.delete(orgId);
      this.#entries.set(orgId, entry);
      return entry.built;
    }
    const issuer = await instanceIssuer(this.deps.db, orgId, this.deps.config.publicUrl);
    if (issuer === undefined) return undefined;
    const built = this.#build(orgId, issuer);
    this.#entries.delete(orgId);
    this.#entries.set(orgId, { built, at: now });
    built.catch(() => this.#entries.delete(orgId));
    while (this.#entries.size > PROVIDER_CACHE_SIZE) {
      const oldest = this.#entries.keys().next();
      if (oldest.done === true) break;
      this.#entries.delete(oldest.value);
    }
    return built;
  }

  /** Drops a cached provider (after a base URL or key change in this process). */
  forget(orgId: number): void {
    this.#entries.delete(orgId);
  }

  #key(): Buffer {
    this.#encryptionKey ??= loadKeyEncryptionKey(this.deps.config.dataDir);
    return this.#encryptionKey;
  }

  async #build(orgId: number, issuer: string): Promise<InstanceProvider> {
    const { db, clock, config } = this.deps;
    const oidc = await loadOidc();
    const signingKeys = await instanceSigningKeys(db, orgId, this.#key(), clock);
    const cookieKey = createHmac('sha256', this.#key()).update(`oidc-cookies:${orgId}`).digest();
    const records = instanceAdapterFactory({ db, orgId, clock });
    const adapter = (model: string): Adapter => (model === 'Client' ? new ClientAdapter(db, orgId, clock) : records(model));
    const audit = new OauthAudit({ db, orgId, clock, logError: this.deps.logError });
    const logout = instanceLogout({ db, orgId, clock });
    const provider = new oidc.default(
      issuer,
      providerConfiguration({
        adapter,
        signingKeys,
        cookieKeys: [cookieKey],
        cookieSuffix: String(orgId),
        cookiePath: new URL(issuer).pathname,
        accessTokenTtl: config.accessTokenTtl,
        interactionPolicy: oidc.interactionPolicy,
        accountUsable: async (sub, scope) => {
          const id = parseClientId(sub);
          if (id === null) return false;
          const row = await db.selectFrom('users').select('id').where('id', '=', id).where('org_id', '=', orgId).executeTakeFirst();
          if (row === undefined) return false;
          // A token whose admin:* scope the user can no longer hold is refused (refresh: invalid_grant).
          return (await scopesUserLacks(db, orgId, id, (scope ?? '').split(' ').filter((name) => name !== ''))).length === 0;
        },
        signedInUser: async (ctx) => {
          const token = ctx.cookies.get(userSessionCookieName(orgId), { signed: false });
          if (token === undefined || token.length > 200) return undefined;
          const session = await resumeSession(db, token, 'user', orgId, clock);
          return session === null ? undefined : { accountId: String(session.subjectId), signedInAt: session.signedInAt };
        },
        now: () => clock.now(),
        findAccountClaims: (sub) => findAccountClaims(db, orgId, sub),
        logout,
        onRevocation: (ctx, token) => audit.revoked(ctx, token),
        onIntrospectionDenied: (ctx, token) => audit.introspectionDenied(ctx, token),
      }),
    );
    // Behind our TLS (or the TLS proxy): the mount (routes.ts) sets the forwarded headers itself
    // from the issuer, so trusting them here cannot be abused by a client.
    provider.proxy = true;
    // Signing out at /oauth/logout also ends the instance session (logout-pages.ts).
    provider.use(logout.middleware);
    // Secrets are stored hashed: compare through the developer program (both secrets of a
    // rotation overlap are valid; only approved apps; records last use), behind the brute-force lock.
    const guardSecret = clientSecretGuard({ db, clock, config, orgId, oidc });
    provider.Client.prototype.compareClientSecret = async function compareHashedSecret(this: { clientId: string }, actual: string): Promise<boolean> {
      return guardSecret(this.clientId, async () => (await findValidSecret(db, this.clientId, actual, clock)) !== null);
    };
    provider.registerGrantType('client_credentials', clientCredentialsHandler(db, orgId, oidc.errors), 'scope');
    audit.attach(provider);
    provider.on('server_error', (_ctx, error) => this.deps.logError(error, 'authorization server error'));
    this.deps.usage?.watchProvider(provider, orgId);
    return { provider, orgId, issuer };
  }
}
