import * as oauth from 'oauth4webapi';
import { expect } from 'vitest';
import { request, type SimpleResponse } from '../support/https-client.js';
import type { WebClient } from '../support/web-client.js';
import { postForm, type WorldApp } from './oauth-world.js';

/**
 * The authorization-code flow driven over HTTP the way a browser and a ConCat-style app do it
 * (form-body secret, no PKCE), for tests that need a real grant: authorize → sign in → consent →
 * code → tokens, then refresh and introspection as the app.
 */
export interface CodeFlowTarget {
  /** The platform origin, https://localhost:<port>. */
  origin: string;
  /** The instance's path prefix on it, e.g. /o/furfest. */
  prefix: string;
  app: WorldApp;
  redirectUri: string;
  password: string;
}

export interface CodeTokens {
  access_token: string;
  token_type: string;
  expires_in: number;
  scope: string;
  refresh_token: string;
}

function instanceBase(target: CodeFlowTarget): string {
  return `${target.origin}${target.prefix}`;
}

export function authorizeUrl(target: CodeFlowTarget, params: Record<string, string> = {}): string {
  const query = new URLSearchParams({ client_id: String(target.app.clientId), response_type: 'code', redirect_uri: target.redirectUri, scope: 'pii:basic', state: 'st', ...params });
  return `${instanceBase(target)}/oauth/authorize?${query.toString()}`;
}

/** The absolute URL a redirect response points to. */
export function location(target: CodeFlowTarget, response: SimpleResponse): string {
  expect([302, 303], `${response.status} ${response.body}`).toContain(response.status);
  const value = response.headers.location;
  expect(typeof value).toBe('string');
  return new URL(String(value), target.origin).toString();
}

/** GETs `url` and follows redirects on our own origin; the last response and its URL. */
export async function browse(target: CodeFlowTarget, client: WebClient, url: string): Promise<{ response: SimpleResponse; url: string }> {
  let current = url;
  for (let hops = 0; hops < 10; hops += 1) {
    const response = await client.get(current);
    if (response.status !== 302 && response.status !== 303) return { response, url: current };
    const next = location(target, response);
    if (!next.startsWith(target.origin)) return { response, url: current };
    current = next;
  }
  throw new Error('too many redirects');
}

/** Authorize → (sign in as `login` when asked) → the page the flow stops at: consent, or a redirect to the app. */
export async function toConsent(target: CodeFlowTarget, client: WebClient, login: string, params: Record<string, string> = {}): Promise<{ response: SimpleResponse; url: string }> {
  let page = await browse(target, client, authorizeUrl(target, params));
  if (new URL(page.url).pathname === `${target.prefix}/login`) {
    const next = new URL(page.url).searchParams.get('next') ?? '';
    const signedIn = await client.post(`${target.prefix}/login`, { login, password: target.password, next });
    expect(signedIn.status, signedIn.body).toBe(303);
    page = await browse(target, client, location(target, signedIn));
  }
  return page;
}

/** Posts the consent form's Authorize (`confirm`) or Deny and follows to the app's redirect; the callback URL. */
export async function decide(target: CodeFlowTarget, client: WebClient, consent: SimpleResponse, choice: 'confirm' | 'deny'): Promise<URL> {
  const action = new RegExp(`action="([^"]+/${choice})"`).exec(consent.body)?.[1];
  expect(action, consent.body).toBeDefined();
  let next = location(target, await client.post(action ?? '', {}));
  while (next.startsWith(target.origin)) next = location(target, await client.get(next));
  return new URL(next);
}

/** Posts the consent form's Authorize and follows to the app's redirect; the callback URL. */
export function authorize(target: CodeFlowTarget, client: WebClient, consent: SimpleResponse): Promise<URL> {
  return decide(target, client, consent, 'confirm');
}

/** Authorize with `params` as `login`, consenting if asked; the app's callback URL (code or error). */
export async function callbackFor(target: CodeFlowTarget, client: WebClient, login: string, params: Record<string, string>): Promise<URL> {
  const page = await toConsent(target, client, login, params);
  return page.response.status === 200 ? authorize(target, client, page.response) : new URL(location(target, page.response));
}

export function exchangeCode(target: CodeFlowTarget, code: string): Promise<SimpleResponse> {
  return postForm(`${instanceBase(target)}/api/oauth/token`, { grant_type: 'authorization_code', code, client_id: String(target.app.clientId), client_secret: target.app.secret, redirect_uri: target.redirectUri });
}

export function refresh(target: CodeFlowTarget, refreshToken: string): Promise<SimpleResponse> {
  return postForm(`${instanceBase(target)}/api/oauth/token`, { grant_type: 'refresh_token', refresh_token: refreshToken, client_id: String(target.app.clientId), client_secret: target.app.secret });
}

/** Whether the app's introspection reports the token active. */
export async function isActive(target: CodeFlowTarget, token: string): Promise<boolean> {
  const response = await postForm(`${instanceBase(target)}/oauth/introspect`, { token, client_id: String(target.app.clientId), client_secret: target.app.secret });
  expect(response.status, response.body).toBe(200);
  return response.json<{ active: boolean }>().active;
}

/** The whole flow for `login` with `scope`; the app's tokens. Consent is given if it is asked. */
export async function signInAndAuthorize(target: CodeFlowTarget, client: WebClient, login: string, scope: string): Promise<CodeTokens> {
  const callback = await callbackFor(target, client, login, { scope });
  const code = callback.searchParams.get('code');
  expect(code, callback.toString()).not.toBeNull();
  const response = await exchangeCode(target, code ?? '');
  expect(response.status, response.body).toBe(200);
  return response.json<CodeTokens>();
}

/** fetch over our test HTTPS client (which trusts the self-signed certificate), for oauth4webapi. */
async function testFetch(url: string, options: { method: string; headers: Record<string, string> | Headers; body?: unknown }): Promise<Response> {
  const { body: raw } = options;
  if (raw !== undefined && raw !== null && typeof raw !== 'string' && !(raw instanceof URLSearchParams)) throw new Error('unexpected request body type');
  const body = raw === undefined || raw === null ? undefined : raw.toString();
  const headers = options.headers instanceof Headers ? Object.fromEntries(options.headers.entries()) : options.headers;
  const response = await request(url, { method: options.method, headers, ...(body === undefined ? {} : { body }) });
  const answered = new Headers();
  for (const [name, value] of Object.entries(response.headers)) {
    if (typeof value === 'string') answered.set(name, value);
    else if (Array.isArray(value)) for (const item of value) answered.append(name, item);
  }
  return new Response(response.status === 204 ? null : response.body, { status: response.status, headers: answered });
}

/** The options every oauth4webapi call takes to reach the test server. */
export const strictHttp = { [oauth.customFetch]: testFetch };

/** The instance's metadata as a strict client (oauth4webapi) reads and checks it. */
export async function discoverStrictly(base: string): Promise<oauth.AuthorizationServer> {
  const issuer = new URL(base);
  return oauth.processDiscoveryResponse(issuer, await oauth.discoveryRequest(issuer, { algorithm: 'oidc', ...strictHttp }));
}
