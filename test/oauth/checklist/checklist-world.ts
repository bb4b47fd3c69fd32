/**
 * The world of the security-checklist tests (oauth-server.md §3): the OAuth world of
 * oauth-world.ts on a ManualClock, two apps that sign users in at furfest, users in both
 * instances, and the authorization-code flow driven over HTTPS like a browser would.
 */
import { createHash } from 'node:crypto';
import { expect } from 'vitest';
import { ManualClock, systemClock } from '../../../src/clock.js';
import { addUser, grantRole } from '../../instance/fixtures.js';
import { request, type SimpleResponse } from '../../support/https-client.js';
import { WebClient } from '../../support/web-client.js';
import { postForm, startOauthWorld, type OauthWorld, type WorldApp } from '../oauth-world.js';

export const REDIRECT = 'https://app.test/cb';
export const OTHER_REDIRECT = 'https://app.test/other';
export const PASSWORD = 'correct horse battery staple';

export interface ChecklistWorld extends OauthWorld {
  /** The platform's clock: starts at the real time and moves only when a test moves it. */
  clock: ManualClock;
  /** Signs users in at furfest: redirect URIs REDIRECT and OTHER_REDIRECT. */
  obo: WorldApp;
  /** A second app signing users in at furfest, with REDIRECT too. */
  second: WorldApp;
  users: { alice: number; carol: number; bob: number };
}

export async function startChecklistWorld(): Promise<ChecklistWorld> {
  const clock = new ManualClock(new Date());
  const w = await startOauthWorld({ clock });
  const db = w.database.db;
  await db.updateTable('apps').set({ redirect_uris: JSON.stringify([REDIRECT, OTHER_REDIRECT]) }).where('id', '=', w.apps.oboOnly.appId).execute();
  await db.updateTable('apps').set({ redirect_uris: JSON.stringify([REDIRECT]) }).where('id', '=', w.apps.other.appId).execute();
  await db.updateTable('integrations').set({ obo_enabled: 1 }).where('app_id', '=', w.apps.other.appId).where('org_id', '=', w.furfest.orgId).execute();
  const alice = await addUser(db, w.furfest.orgId, 'alice', PASSWORD, systemClock);
  const carol = await addUser(db, w.furfest.orgId, 'carol', PASSWORD, systemClock);
  await grantRole(db, w.furfest.orgId, carol, ['admin'], systemClock);
  const bob = await addUser(db, w.animecon.orgId, 'bob', PASSWORD, systemClock);
  return { ...w, clock, obo: w.apps.oboOnly, second: w.apps.other, users: { alice, carol, bob } };
}

export interface CodeTokens {
  access_token: string;
  token_type: string;
  expires_in: number;
  scope: string;
  refresh_token: string;
  id_token?: string;
}

/** A PKCE pair (S256). */
export function pkcePair(seed = 'v'): { verifier: string; challenge: string } {
  const verifier = `${seed}${'0123456789abcdefghijklmnopqrstuvwxyz'.repeat(2)}`.slice(0, 64);
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

/**
 * The authorization-code flow against one instance for one app: a WebClient plays the browser
 * (cookies, following redirects on our origin), the token calls are the app's.
 */
export class CodeFlow {
  constructor(
    readonly w: ChecklistWorld,
    readonly app: WorldApp,
    readonly base: string = w.furfest.base,
  ) {}

  /** The instance's path on the platform host (`/o/furfest`). */
  get prefix(): string {
    return new URL(this.base).pathname;
  }

  authorizeUrl(params: Record<string, string> = {}, omit: readonly string[] = []): string {
    const query = new URLSearchParams({ client_id: String(this.app.clientId), response_type: 'code', redirect_uri: REDIRECT, scope: 'pii:basic pii:email', state: 'st-123', ...params });
    for (const name of omit) query.delete(name);
    return `${this.base}/oauth/authorize?${query.toString()}`;
  }

  /** The absolute target of a redirect response (fails the test for anything else). */
  location(response: SimpleResponse): string {
    expect([302, 303], `${response.status} ${response.body.slice(0, 300)}`).toContain(response.status);
    const value = response.headers.location;
    expect(typeof value).toBe('string');
    return new URL(String(value), this.w.t.baseUrl).toString();
  }

  /** GETs `url`, following redirects on our own origin; returns the last response and its URL. */
  async browse(client: WebClient, url: string): Promise<{ response: SimpleResponse; url: string }> {
    let current = url;
    for (let hops = 0; hops < 12; hops += 1) {
      const response = await client.get(current);
      if (response.status !== 302 && response.status !== 303) return { response, url: current };
      const next = this.location(response);
      if (!next.startsWith(this.w.t.baseUrl)) return { response, url: current };
      current = next;
    }
    throw new Error('too many redirects');
  }

  /** Posts the instance's login form from a login page URL; returns the 303 on success. */
  async signIn(client: WebClient, loginPageUrl: string, login = 'alice'): Promise<SimpleResponse> {
    expect(new URL(loginPageUrl).pathname).toBe(`${this.prefix}/login`);
    const next = new URL(loginPageUrl).searchParams.get('next') ?? '';
    const response = await client.post(`${this.prefix}/login`, { login, password: PASSWORD, next });
    expect(response.status, response.body.slice(0, 300)).toBe(303);
    return response;
  }

  /** Authorize → (login) → the page the browser stops at: consent, or a redirect to the app. */
  async toConsent(client: WebClient, params: Record<string, string> = {}, login = 'alice'): Promise<{ response: SimpleResponse; url: string }> {
    let page = await this.browse(client, this.authorizeUrl(params));
    if (new URL(page.url).pathname === `${this.prefix}/login`) {
      const after = await this.signIn(client, page.url, login);
      page = await this.browse(client, this.location(after));
    }
    return page;
  }

  actionOf(body: string, name: 'confirm' | 'deny'): string {
    const match = new RegExp(`action="([^"]+/${name})"`).exec(body);
    expect(match, body.slice(0, 500)).not.toBeNull();
    return match?.[1] ?? '';
  }

  /** Posts the consent form and follows to the app's redirect; returns the callback URL. */
  async decide(client: WebClient, consent: SimpleResponse, name: 'confirm' | 'deny'): Promise<URL> {
    const posted = await client.post(this.actionOf(consent.body, name), {});
    expect(posted.status).toBe(303);
    return this.follow(client, posted);
  }

  /** Follows redirects on our origin from `response` until one leaves it: the app's callback. */
  async follow(client: WebClient, response: SimpleResponse): Promise<URL> {
    let next = this.location(response);
    while (next.startsWith(this.w.t.baseUrl)) next = this.location(await client.get(next));
    return new URL(next);
  }

  /** The whole browser part: authorize, sign in, consent if asked; returns the callback URL. */
  async callback(client: WebClient, params: Record<string, string> = {}, login = 'alice'): Promise<URL> {
    const page = await this.toConsent(client, params, login);
    if (page.response.status === 200) return this.decide(client, page.response, 'confirm');
    return new URL(this.location(page.response));
  }

  /** A fresh code for a new browser (signed in as `login`). */
  async code(params: Record<string, string> = {}, login = 'alice', client = new WebClient(this.w.t.baseUrl)): Promise<string> {
    const callback = await this.callback(client, params, login);
    const code = callback.searchParams.get('code');
    expect(code, callback.toString()).not.toBeNull();
    return code ?? '';
  }

  credentials(app: WorldApp = this.app): Record<string, string> {
    return { client_id: String(app.clientId), client_secret: app.secret };
  }

  exchange(code: string, extra: Record<string, string> = {}, app: WorldApp = this.app): Promise<SimpleResponse> {
    return postForm(`${this.base}/api/oauth/token`, { grant_type: 'authorization_code', code, redirect_uri: REDIRECT, ...this.credentials(app), ...extra });
  }

  /** A code exchanged for tokens (fails the test unless 200). */
  async tokens(params: Record<string, string> = {}, login = 'alice', client?: WebClient): Promise<CodeTokens> {
    const response = await this.exchange(await this.code(params, login, client));
    expect(response.status, response.body).toBe(200);
    return response.json<CodeTokens>();
  }

  refresh(refreshToken: string, extra: Record<string, string> = {}, app: WorldApp = this.app): Promise<SimpleResponse> {
    return postForm(`${this.base}/api/oauth/token`, { grant_type: 'refresh_token', refresh_token: refreshToken, ...this.credentials(app), ...extra });
  }

  async introspect(token: string, app: WorldApp = this.app): Promise<Record<string, unknown>> {
    const response = await postForm(`${this.base}/oauth/introspect`, { token, ...this.credentials(app) });
    expect(response.status, response.body).toBe(200);
    return response.json<Record<string, unknown>>();
  }

  revoke(token: string, app: WorldApp = this.app): Promise<SimpleResponse> {
    return postForm(`${this.base}/oauth/revoke`, { token, ...this.credentials(app) });
  }
}

/** Audit entries of one action in an instance, oldest first. */
export async function auditEntries(w: OauthWorld, orgId: number, action: string): Promise<{ actor_type: string; actor_id: string | null; target_type: string | null; target_id: string | null; details: Record<string, unknown>; ip: string | null }[]> {
  const rows = await w.database.db
    .selectFrom('audit_log')
    .select(['actor_type', 'actor_id', 'target_type', 'target_id', 'details', 'ip'])
    .where('org_id', '=', orgId)
    .where('action', '=', action)
    .orderBy('id')
    .execute();
  return rows.map((row) => ({ ...row, details: parseDetails(row.details) }));
}

function parseDetails(text: string): Record<string, unknown> {
  const value: unknown = JSON.parse(text);
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? Object.fromEntries(Object.entries(value)) : {};
}

/** fetch over the test HTTPS client (which trusts the self-signed certificate), for oauth4webapi. */
export async function testFetch(url: string, options: { method: string; headers: Record<string, string>; body?: unknown }): Promise<Response> {
  const { body: raw } = options;
  if (raw !== undefined && typeof raw !== 'string' && !(raw instanceof URLSearchParams)) throw new Error('unexpected request body type');
  const body = raw === undefined ? undefined : raw.toString();
  const response = await request(url, { method: options.method, headers: options.headers, ...(body === undefined ? {} : { body }) });
  const headers = new Headers();
  for (const [name, value] of Object.entries(response.headers)) {
    if (typeof value === 'string') headers.set(name, value);
    else if (Array.isArray(value)) for (const item of value) headers.append(name, item);
  }
  return new Response(response.status === 204 ? null : response.body, { status: response.status, headers });
}

/** The claims of a JWT, unverified (signatures are checked where the test is about them). */
export function jwtClaims(jwt: string | undefined): Record<string, unknown> {
  const [, payload] = (jwt ?? '').split('.');
  const value: unknown = JSON.parse(Buffer.from(payload ?? '', 'base64url').toString('utf8'));
  return typeof value === 'object' && value !== null ? Object.fromEntries(Object.entries(value)) : {};
}
