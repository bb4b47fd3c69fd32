import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/database.js';
import type { DemoSummary } from '../../src/demo/seed.js';
import { apiClient, type ApiClient } from '../support/api-client.js';
import { request, type SimpleResponse } from '../support/https-client.js';
import { startDemoPlatform, type TestPlatform } from '../support/platform.js';

/**
 * An integration written the way real ConCat clients are (DESIGN.md, "Wire compatibility"): the
 * secret in the form body, no PKCE, `hasMore`/`nextPage` read on every search, `limit=1000` on
 * roles, users found by email, one retry with a fresh token on 401, and 404 read as "not found".
 * Every response also passes through the test API client, which checks it against the
 * instance's OpenAPI document.
 */
class ConcatStyleClient {
  private token: string | null = null;
  /** How many tokens this client asked for. */
  tokensIssued = 0;
  /** Every 401 the client saw, with its WWW-Authenticate header. */
  readonly unauthorized: string[] = [];

  constructor(
    private readonly base: string,
    private readonly api: ApiClient,
    private readonly credentials: { clientId: number; clientSecret: string },
    private readonly scope = 'user:read registration:read volunteer:read vendor:read',
  ) {}

  async fetchToken(): Promise<{ access_token: string; token_type: string; expires_in: number; scope: string; refresh_token?: string }> {
    const form = new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: String(this.credentials.clientId),
      client_secret: this.credentials.clientSecret,
      scope: this.scope,
    });
    // ConCat asks for Authorization on every request, the token endpoint included (`Bearer <client_id>`).
    const response = await request(`${this.base}/api/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Bearer ${this.credentials.clientId}` },
      body: form.toString(),
    });
    if (response.status !== 200) throw new Error(`token request refused: ${response.status} ${response.body}`);
    this.tokensIssued += 1;
    const body = response.json<{ access_token: string; token_type: string; expires_in: number; scope: string }>();
    this.token = body.access_token;
    return body;
  }

  /** Sends the call with the current token; on 401 gets a new token and tries once more. */
  private async call(send: (token: string) => Promise<SimpleResponse>): Promise<SimpleResponse> {
    if (this.token === null) await this.fetchToken();
    const first = await send(this.token ?? '');
    if (first.status !== 401) return first;
    this.unauthorized.push(String(first.headers['www-authenticate']));
    await this.fetchToken();
    return send(this.token ?? '');
  }

  private async okJson<T>(response: SimpleResponse): Promise<T> {
    if (response.status !== 200) throw new Error(`unexpected ${response.status}: ${response.body}`);
    return Promise.resolve(response.json<T>());
  }

  /** One record by id, or null on 404. */
  async getOrNull<T>(path: string): Promise<T | null> {
    const response = await this.call((token) => this.api.get(path, token));
    if (response.status === 404) return null;
    return this.okJson<T>(response);
  }

  /** The first page of a search. */
  async firstPage<T>(path: string, limit: number): Promise<{ data: T[]; nextPage: string | null; hasMore: boolean }> {
    return this.okJson(await this.call((token) => this.api.post(path, { limit }, token)));
  }

  /** Every page of a search, following `nextPage` while `hasMore`; returns the pages. */
  async searchAll<T>(path: string, filter: Record<string, unknown> | undefined, limit?: number): Promise<{ data: T[]; nextPage: string | null; hasMore: boolean }[]> {
    const pages: { data: T[]; nextPage: string | null; hasMore: boolean }[] = [];
    let nextPage: string | null = null;
    do {
      const body: Record<string, unknown> = { ...(filter === undefined ? {} : { filter }), ...(limit === undefined ? {} : { limit }), ...(nextPage === null ? {} : { nextPage }) };
      const page: { data: T[]; nextPage: string | null; hasMore: boolean } = await this.okJson(await this.call((token) => this.api.post(path, body, token)));
      pages.push(page);
      nextPage = page.hasMore ? page.nextPage : null;
      if (pages.length > 1000) throw new Error(`${path} never ends`);
    } while (nextPage !== null);
    return pages;
  }

  /** Every role, as real clients ask for them: `limit=1000` in the query, then `nextPage`. */
  async allRoles(): Promise<{ pages: number; roles: { id: string; name: string }[] }> {
    const roles: { id: string; name: string }[] = [];
    let nextPage: string | null = null;
    let pages = 0;
    do {
      const query: string = new URLSearchParams({ limit: '1000', ...(nextPage === null ? {} : { nextPage }) }).toString();
      const page: { data: { id: string; name: string }[]; nextPage: string | null; hasMore: boolean } = await this.okJson(await this.call((token) => this.api.get(`/api/v0/roles?${query}`, token)));
      roles.push(...page.data);
      nextPage = page.nextPage;
      pages += 1;
      if (pages > 1000) throw new Error('roles never end');
    } while (nextPage !== null);
    return { pages, roles };
  }

  async findUserByEmail(email: string): Promise<{ id: string; email: string } | null> {
    const [page] = await this.searchAll<{ id: string; email: string }>('/api/v0/users/search', { email });
    return page?.data[0] ?? null;
  }
}

interface ApiUser {
  id: string;
  email: string;
  username: string;
}

/** The searches a ConCat client pages through, with the key that identifies a result. */
const SEARCHES: { path: string; keyOf: (item: Record<string, unknown>) => string }[] = [
  { path: '/api/v0/users/search', keyOf: (item) => String(item.id) },
  { path: '/api/v0/registration/search', keyOf: (item) => JSON.stringify([(item.user as { id?: unknown } | undefined)?.id, item.createdAt]) },
  { path: '/api/v0/volunteers/search', keyOf: (item) => JSON.stringify([(item.user as { id?: unknown } | undefined)?.id, item.createdAt]) },
  { path: '/api/v0/dealers/search', keyOf: (item) => String(item.id) },
];

describe('a ConCat-style client against the demo instance', () => {
  let t: TestPlatform & { demo: DemoSummary };
  let base: string;
  let database: Database;
  let client: ConcatStyleClient;
  let orgId: number;
  let allUsers: ApiUser[];

  beforeAll(async () => {
    t = await startDemoPlatform();
    base = t.demo.instances[0]?.baseUrl.replace('https://localhost', t.baseUrl) ?? '';
    database = t.platform.database;
    orgId = (await database.db.selectFrom('orgs').select('id').where('slug', '=', t.demo.instances[0]?.slug ?? '').executeTakeFirstOrThrow()).id;
    client = new ConcatStyleClient(base, apiClient(base), t.demo.app);
    allUsers = (await client.searchAll<ApiUser>('/api/v0/users/search', undefined)).flatMap((page) => page.data);
  });
  afterAll(async () => {
    await t.stop();
  });

  it('gets a service token with the secret in the form body, in ConCat\'s shape and without a refresh token', async () => {
    const token = await client.fetchToken();
    expect(token.token_type).toBe('Bearer');
    expect(token.expires_in).toBe(3600);
    expect(token.scope.split(' ').sort()).toEqual(['registration:read', 'user:read', 'vendor:read', 'volunteer:read']);
    expect(token.refresh_token).toBeUndefined();
    expect(token.access_token.length).toBeGreaterThan(20);
  });

  it('pages through every user: all of the instance, each once, in id order', async () => {
    const count = await database.db.selectFrom('users').select((eb) => eb.fn.countAll<number>().as('n')).where('org_id', '=', orgId).executeTakeFirstOrThrow();
    expect(allUsers).toHaveLength(Number(count.n));
    expect(new Set(allUsers.map((u) => u.id)).size).toBe(allUsers.length);
    const ids = allUsers.map((u) => Number(u.id));
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
  });

  for (const search of SEARCHES) {
    it(`pages through ${search.path} with small pages and gets what one large page holds, reading hasMore and nextPage on every page`, async () => {
      const filter = search.path === '/api/v0/dealers/search' ? { userIds: allUsers.map((u) => u.id) } : undefined;
      const [whole, ...beyond] = await client.searchAll<Record<string, unknown>>(search.path, filter);
      expect(beyond).toEqual([]);
      expect(whole?.hasMore).toBe(false);
      expect(whole?.nextPage).toBeNull();
      const all = whole?.data ?? [];
      expect(all.length, `${search.path} found nothing in the demo`).toBeGreaterThan(0);

      const pages = await client.searchAll<Record<string, unknown>>(search.path, filter, 3);
      for (const [index, page] of pages.entries()) {
        expect(page).toHaveProperty('hasMore');
        expect(page).toHaveProperty('nextPage');
        expect(page.hasMore).toBe(index < pages.length - 1);
        expect(page.nextPage === null).toBe(!page.hasMore);
        expect(page.data.length).toBeLessThanOrEqual(3);
      }
      expect(pages.length).toBe(Math.max(1, Math.ceil(all.length / 3)));
      expect(pages.flatMap((p) => p.data).map(search.keyOf)).toEqual(all.map(search.keyOf));
    });
  }

  it('lists every role with limit=1000, which is treated as 100 rather than refused', async () => {
    const { roles } = await client.allRoles();
    const stored = await database.db.selectFrom('roles').select(['id', 'name']).where('org_id', '=', orgId).orderBy('id').execute();
    expect(roles).toEqual(stored.map((r) => ({ id: String(r.id), name: r.name })));
  });

  it('finds a user by email, whatever its case, and finds nobody for an unknown address', async () => {
    const someone = allUsers.at(-1);
    if (someone === undefined) throw new Error('the demo has no users');
    expect(await client.findUserByEmail(someone.email.toUpperCase())).toMatchObject({ id: someone.id, email: someone.email });
    expect(await client.findUserByEmail('nobody-here@example.invalid')).toBeNull();
  });

  it('reads a user, their roles, registration and volunteer record by id, and reads 404 as "not found"', async () => {
    const someone = allUsers[1];
    if (someone === undefined) throw new Error('the demo has too few users');
    expect(await client.getOrNull<ApiUser>(`/api/v0/users/${someone.id}`)).toMatchObject({ id: someone.id, username: someone.username });
    expect(await client.getOrNull<{ data: unknown[] }>(`/api/v0/users/${someone.id}/roles`)).toHaveProperty('data');
    expect(await client.getOrNull<unknown[]>('/api/v0/volunteers/departments')).toBeInstanceOf(Array);

    // A registration and a volunteer record the searches found, read again by their user's id.
    for (const [search, single] of [
      ['/api/v0/registration/search', 'registration'],
      ['/api/v0/volunteers/search', 'volunteer'],
    ] as const) {
      const found = (await client.firstPage<{ user: { id: string } }>(search, 1)).data[0];
      if (found === undefined) throw new Error(`${search} found nothing`);
      expect(await client.getOrNull<{ user: { id: string } }>(`/api/v0/users/${found.user.id}/${single}`)).toEqual(found);
    }

    const elsewhere = await database.db.selectFrom('users').select('id').where('org_id', '!=', orgId).limit(1).executeTakeFirstOrThrow();
    expect(await client.getOrNull(`/api/v0/users/${elsewhere.id}`)).toBeNull();
    expect(await client.getOrNull('/api/v0/users/999999999')).toBeNull();
  });

  it('retries once with a fresh token when its token was revoked, and goes on', async () => {
    const { access_token: revoked } = await client.fetchToken();
    const revocation = await request(`${base}/oauth/revoke`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: revoked, client_id: String(t.demo.app.clientId), client_secret: t.demo.app.clientSecret }).toString(),
    });
    expect(revocation.status).toBe(200);

    const issuedBefore = client.tokensIssued;
    const unauthorizedBefore = client.unauthorized.length;
    const someone = allUsers[0];
    expect(await client.getOrNull<ApiUser>(`/api/v0/users/${someone?.id ?? ''}`)).toMatchObject({ id: someone?.id });
    expect(client.tokensIssued).toBe(issuedBefore + 1);
    expect(client.unauthorized.slice(unauthorizedBefore)).toHaveLength(1);
    expect(client.unauthorized.at(-1)).toMatch(/^Bearer/);

    // The new token keeps working: no second retry.
    expect(await client.getOrNull<ApiUser>(`/api/v0/users/${someone?.id ?? ''}`)).toMatchObject({ id: someone?.id });
    expect(client.tokensIssued).toBe(issuedBefore + 1);
  });
});
