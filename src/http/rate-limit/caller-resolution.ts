/**
 * Turns the client a request names (api/request-attribution.ts) into who it is counted for,
 * cheaply, before anything else runs:
 *
 * - A bearer token is looked up by its hash in `oauth_records` (this instance only) and the
 *   answer kept in a small LRU until the token expires (5 minutes at most), so a client's
 *   requests after the first cost no query. Only tokens we issued are remembered: random
 *   tokens cannot flush the cache, and count as anonymous.
 * - A Basic secret is checked like the authorization server checks it, also remembered for a
 *   minute once right. While the client's authentication is locked from this address
 *   (client-auth-throttle.ts) it is not checked at all, so the rate-limit headers cannot serve
 *   as a guessing oracle.
 * - A bare client id is only a claim.
 *
 * Attribution only decides which quota a request uses; it never grants access (a revoked token
 * still remembered here is counted for its app and then refused by the API).
 */
import { createHash } from 'node:crypto';
import type { Kysely } from 'kysely';
import { isoTimestamp, type Clock } from '../../clock.js';
import type { Schema } from '../../db/schema.js';
import type { ClientClaim } from '../../api/request-attribution.js';
import { parseClientId } from '../../oauth/clients.js';
import { hashRecordId } from '../../oauth/storage-adapter.js';
import { findTokenRecord } from '../../oauth/token-check.js';
import { findValidSecret } from '../../platform/app-credentials.js';
import { clientAuthLockedUntil } from './client-auth-throttle.js';
import { ExpiringLru } from './expiring-lru.js';
import type { Caller } from './rate-limit-policy.js';

export type Resolution =
  | Caller
  /** A Basic secret that is wrong: a failed client authentication, whoever answers the request. */
  | { kind: 'claimed'; clientId: number; wrongSecret: true }
  | { kind: 'locked'; until: Date };

const TOKEN_MEMORY_MS = 5 * 60_000;
const SECRET_MEMORY_MS = 60_000;

export class CallerResolver {
  readonly #tokens: ExpiringLru<number>;
  readonly #secrets: ExpiringLru<true>;

  constructor(
    private readonly db: Kysely<Schema>,
    private readonly clock: Clock,
    capacity = 10_000,
  ) {
    this.#tokens = new ExpiringLru(capacity);
    this.#secrets = new ExpiringLru(capacity);
  }

  /** `address` is the client address key (client-address.ts). */
  async resolve(claim: ClientClaim, orgId: number, address: string): Promise<Resolution> {
    if (claim.kind === 'anonymous') return claim;
    if (claim.kind === 'token') {
      const clientId = await this.#tokenClient(orgId, claim.token);
      return clientId === null ? { kind: 'anonymous' } : { kind: 'app', clientId };
    }
    if (claim.secret === null) return { kind: 'claimed', clientId: claim.clientId };
    const now = this.clock.now().getTime();
    const secretKey = createHash('sha256').update(`${claim.clientId}:${claim.secret}`).digest('hex');
    if (this.#secrets.get(secretKey, now) !== undefined) return { kind: 'app', clientId: claim.clientId };
    const lockedUntil = await clientAuthLockedUntil(this.db, claim.clientId, address, this.clock);
    if (lockedUntil !== null) return { kind: 'locked', until: lockedUntil };
    if ((await findValidSecret(this.db, claim.clientId, claim.secret, this.clock)) === null) return { kind: 'claimed', clientId: claim.clientId, wrongSecret: true };
    this.#secrets.set(secretKey, true, now + SECRET_MEMORY_MS);
    return { kind: 'app', clientId: claim.clientId };
  }

  async #tokenClient(orgId: number, token: string): Promise<number | null> {
    const now = this.clock.now();
    const hash = hashRecordId(token);
    const key = `${orgId}:${hash}`;
    const known = this.#tokens.get(key, now.getTime());
    if (known !== undefined) return known;
    // The token check's own lookup: by primary key, so a random token costs one index probe.
    const row = await findTokenRecord(this.db, orgId, token);
    if (row?.client_id == null || row.expires_at === null || row.expires_at <= isoTimestamp(now)) return null;
    const clientId = parseClientId(row.client_id);
    if (clientId === null) return null;
    this.#tokens.set(key, clientId, Math.min(new Date(row.expires_at).getTime(), now.getTime() + TOKEN_MEMORY_MS));
    return clientId;
  }
}
