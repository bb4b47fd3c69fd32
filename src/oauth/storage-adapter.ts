/**
 * oidc-provider's storage adapter on our database, namespaced by instance: every query names the
 * instance's org_id, so a token, grant or session of one instance is never found by another's
 * provider (oauth-server.md §2.3: a shared, non-namespaced adapter makes instance B's
 * introspection report instance A's tokens as active).
 *
 * Ids are stored as their SHA-256: the value of an opaque token is its id, so the table holds no
 * usable bearer token. For the same reason the payload of a token model is stored without `jti`
 * and given it back on read (tokens are only ever looked up by id).
 */
import { createHash } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Adapter, AdapterPayload } from 'oidc-provider';
import { isoTimestamp, type Clock } from '../clock.js';
import type { Schema } from '../db/schema.js';

/** Models whose id is a bearer credential, looked up by id only. */
const TOKEN_MODELS = new Set(['AccessToken', 'ClientCredentials', 'RefreshToken', 'AuthorizationCode', 'DeviceCode', 'BackchannelAuthenticationRequest']);
/** Prune expired rows of the instance about once every this many writes. */
const PRUNE_EVERY = 200;

export function hashRecordId(id: string): string {
  return createHash('sha256').update(id, 'utf8').digest('hex');
}

function parsePayload(text: string): AdapterPayload | undefined {
  const parsed: unknown = JSON.parse(text);
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return undefined;
  const payload: AdapterPayload = {};
  return Object.assign(payload, parsed);
}

function textOrNull(value: unknown): string | null {
  return typeof value === 'string' && value !== '' ? value : typeof value === 'number' ? String(value) : null;
}

export interface AdapterContext {
  db: Kysely<Schema>;
  orgId: number;
  clock: Clock;
}

/** The adapter factory the provider of one instance is configured with (`new Adapter(name)` per model). */
export function instanceAdapterFactory(context: AdapterContext): (model: string) => Adapter {
  let writes = 0;
  return (model) => new InstanceAdapter(context, model, () => ++writes % PRUNE_EVERY === 0);
}

export class InstanceAdapter implements Adapter {
  readonly #db: Kysely<Schema>;
  readonly #orgId: number;
  readonly #clock: Clock;

  constructor(
    context: AdapterContext,
    private readonly model: string,
    private readonly shouldPrune: () => boolean = () => false,
  ) {
    this.#db = context.db;
    this.#orgId = context.orgId;
    this.#clock = context.clock;
  }

  #nowIso(): string {
    return isoTimestamp(this.#clock.now());
  }

  async upsert(id: string, payload: AdapterPayload, expiresIn?: number): Promise<void> {
    const now = this.#clock.now();
    const stored: AdapterPayload = { ...payload };
    if (TOKEN_MODELS.has(this.model)) delete stored.jti;
    const row = {
      payload: JSON.stringify(stored),
      grant_id: textOrNull(payload.grantId),
      uid: textOrNull(payload.uid),
      user_code: textOrNull(payload.userCode),
      client_id: textOrNull(payload.clientId),
      account_id: textOrNull(payload.accountId),
      expires_at: expiresIn === undefined || !Number.isFinite(expiresIn) ? null : isoTimestamp(new Date(now.getTime() + expiresIn * 1000)),
    };
    await this.#db
      .insertInto('oauth_records')
      .values({ org_id: this.#orgId, model: this.model, id: hashRecordId(id), ...row, consumed_at: null, created_at: isoTimestamp(now) })
      .onConflict((oc) => oc.columns(['org_id', 'model', 'id']).doUpdateSet(row))
      .execute();
    if (this.shouldPrune()) await this.prune();
  }

  /** Deletes the instance's expired rows (all models). */
  async prune(): Promise<void> {
    await this.#db.deleteFrom('oauth_records').where('org_id', '=', this.#orgId).where('expires_at', '<=', this.#nowIso()).execute();
  }

  async #findWhere(column: 'id' | 'uid' | 'user_code', value: string): Promise<AdapterPayload | undefined> {
    const row = await this.#db
      .selectFrom('oauth_records')
      .select(['payload', 'consumed_at'])
      .where('org_id', '=', this.#orgId)
      .where('model', '=', this.model)
      .where(column, '=', value)
      .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', this.#nowIso())]))
      .executeTakeFirst();
    if (row === undefined) return undefined;
    const payload = parsePayload(row.payload);
    if (payload === undefined) return undefined;
    if (row.consumed_at !== null) payload.consumed = Math.floor(Date.parse(row.consumed_at) / 1000);
    return payload;
  }

  async find(id: string): Promise<AdapterPayload | undefined> {
    const payload = await this.#findWhere('id', hashRecordId(id));
    if (payload !== undefined && TOKEN_MODELS.has(this.model)) payload.jti = id;
    return payload;
  }

  findByUid(uid: string): Promise<AdapterPayload | undefined> {
    return this.#findWhere('uid', uid);
  }

  findByUserCode(userCode: string): Promise<AdapterPayload | undefined> {
    return this.#findWhere('user_code', userCode);
  }

  async consume(id: string): Promise<void> {
    await this.#db
      .updateTable('oauth_records')
      .set({ consumed_at: this.#nowIso() })
      .where('org_id', '=', this.#orgId)
      .where('model', '=', this.model)
      .where('id', '=', hashRecordId(id))
      .execute();
  }

  async destroy(id: string): Promise<void> {
    await this.#db.deleteFrom('oauth_records').where('org_id', '=', this.#orgId).where('model', '=', this.model).where('id', '=', hashRecordId(id)).execute();
  }

  async revokeByGrantId(grantId: string): Promise<void> {
    await this.#db.deleteFrom('oauth_records').where('org_id', '=', this.#orgId).where('grant_id', '=', grantId).execute();
  }
}
