import type { Kysely, KyselyPlugin } from 'kysely';
import { expect } from 'vitest';
import { systemClock } from '../../src/clock.js';
import type { Schema } from '../../src/db/schema.js';
import { SERVICE_SCOPE_NAMES } from '../../src/oauth/scopes.js';
import { createOrgApp } from '../../src/platform/org-apps.js';
import { apiClient, type ApiClient } from '../support/api-client.js';
import type { SimpleResponse } from '../support/https-client.js';
import { startDemoPlatform, type TestPlatform } from '../support/platform.js';
import { postForm } from '../oauth/oauth-world.js';
import { addUser } from '../instance/fixtures.js';
import { storedOboToken } from '../oauth/stored-obo-token.js';

/**
 * The demo platform for the event-data endpoints (registrations, volunteers, dealers): the demo
 * app integrated in furfest with every service permission, a second app of furfest's own (for
 * cursors of another app), an app of animecon's own (for tokens of another instance), and
 * helpers for tokens and rows.
 */
export interface Client {
  clientId: number;
  secret: string;
}

export interface WorldInstance {
  orgId: number;
  base: string;
  currentConventionId: number;
}

export interface EventDataWorld {
  t: TestPlatform;
  db: Kysely<Schema>;
  dialect: 'sqlite' | 'postgres';
  furfest: WorldInstance;
  animecon: WorldInstance;
  demoApp: Client;
  otherApp: Client;
  animeconApp: Client;
  /** The furfest API, every response checked against the OpenAPI document. */
  api: ApiClient;
  /** A client-credentials token the ConCat way (form body); all the app's permissions unless `scope`. */
  token(options?: { scope?: string; app?: Client; base?: string }): Promise<string>;
  /** A token acting for a user of furfest, stored as the authorization server stores it. */
  oboToken(userId: number, scope: string): Promise<string>;
}

async function instance(db: Kysely<Schema>, slug: string, base: string): Promise<WorldInstance> {
  const row = await db
    .selectFrom('orgs')
    .innerJoin('conventions', (join) => join.onRef('conventions.org_id', '=', 'orgs.id').on('conventions.is_current', '=', 1))
    .select(['orgs.id', 'conventions.id as conventionId'])
    .where('orgs.slug', '=', slug)
    .executeTakeFirstOrThrow();
  return { orgId: row.id, base: `${base}/o/${slug}`, currentConventionId: row.conventionId };
}

async function ownApp(db: Kysely<Schema>, orgId: number, name: string): Promise<Client> {
  const app = await createOrgApp(db, { orgId, name, description: '', redirectUris: [], scopes: [...SERVICE_SCOPE_NAMES], oboEnabled: false }, { actor: { type: 'cli' }, ip: null }, systemClock);
  return { clientId: app.clientId, secret: app.clientSecret };
}

export async function startEventDataWorld(users: number): Promise<EventDataWorld> {
  const t = await startDemoPlatform(users);
  const database = t.platform.database;
  const db = database.db;
  const furfest = await instance(db, 'furfest', t.baseUrl);
  const animecon = await instance(db, 'animecon', t.baseUrl);
  const demoApp = { clientId: t.demo.app.clientId, secret: t.demo.app.clientSecret };
  const otherApp = await ownApp(db, furfest.orgId, 'Furfest Checker');
  const animeconApp = await ownApp(db, animecon.orgId, 'Animecon Checker');
  return {
    t,
    db,
    dialect: database.dialect,
    furfest,
    animecon,
    demoApp,
    otherApp,
    animeconApp,
    api: apiClient(furfest.base),
    async token(options = {}) {
      const app = options.app ?? demoApp;
      const fields: Record<string, string> = { grant_type: 'client_credentials', client_id: String(app.clientId), client_secret: app.secret };
      if (options.scope !== undefined) fields.scope = options.scope;
      const response = await postForm(`${options.base ?? furfest.base}/api/oauth/token`, fields);
      expect(response.status, response.body).toBe(200);
      return response.json<{ access_token: string }>().access_token;
    },
    oboToken: (userId, scope) => storedOboToken(db, furfest.orgId, demoApp.clientId, userId, scope),
  };
}

export interface ErrorBody {
  errors: Record<string, { message: string; fields?: { field: string; message: string }[]; permissions?: string[] }>;
}

/** Expects the ConCat error envelope with this status and category; returns the category's detail. */
export function expectError(response: SimpleResponse, status: number, category: string): ErrorBody['errors'][string] {
  expect(response.status, response.body).toBe(status);
  const body = response.json<ErrorBody>();
  expect(Object.keys(body.errors)).toEqual([category]);
  const detail = body.errors[category];
  if (detail === undefined) throw new Error('unreachable: the category was just checked');
  return detail;
}

/** Expects a validation error naming this field. */
export function expectValidation(response: SimpleResponse, field: string): void {
  const detail = expectError(response, 400, 'validation');
  expect(detail.fields?.map((f) => f.field), response.body).toContain(field);
}

/** A user of the instance with nothing else (no password, roles or registration). */
export function addPlainUser(db: Kysely<Schema>, orgId: number, username: string): Promise<number> {
  return addUser(db, orgId, username, null, systemClock);
}

/** Follows `nextPage` from the first page to the last; every page is checked by the API client. */
export async function allPages<T>(api: ApiClient, path: string, token: string, body: Record<string, unknown>): Promise<{ pages: { data: T[]; nextPage: string | null; hasMore: boolean }[]; items: T[] }> {
  const pages: { data: T[]; nextPage: string | null; hasMore: boolean }[] = [];
  let nextPage: string | null = null;
  do {
    const response = await api.post(path, { ...body, ...(nextPage === null ? {} : { nextPage }) }, token);
    expect(response.status, response.body).toBe(200);
    const page = response.json<{ data: T[]; nextPage: string | null; hasMore: boolean }>();
    expect(page.hasMore).toBe(page.nextPage !== null);
    pages.push(page);
    nextPage = page.nextPage;
    expect(pages.length).toBeLessThan(1000);
  } while (nextPage !== null);
  return { pages, items: pages.flatMap((page) => page.data) };
}

/** The user summary of a users row, as the API must show it. */
export function expectedUserSummary(user: { id: number; first_name: string; last_name: string; username: string; preferred_name: string | null; phone: string | null; email: string }): Record<string, unknown> {
  return { id: String(user.id), firstName: user.first_name, lastName: user.last_name, username: user.username, preferredName: user.preferred_name, phone: user.phone, email: user.email };
}

export const USER_SUMMARY_KEYS = ['email', 'firstName', 'id', 'lastName', 'phone', 'preferredName', 'username'];

/** The sorted keys of an object, for exact-shape checks. */
export function keysOf(value: unknown): string[] {
  return typeof value === 'object' && value !== null ? Object.keys(value).sort() : [];
}

/** The same database, counting the statements executed through it (results, not subqueries). */
export function countingQueries(db: Kysely<Schema>): { db: Kysely<Schema>; count(): number } {
  let count = 0;
  const plugin: KyselyPlugin = {
    transformQuery: (args) => args.node,
    transformResult(args) {
      count += 1;
      return Promise.resolve(args.result);
    },
  };
  return { db: db.withPlugin(plugin), count: () => count };
}
