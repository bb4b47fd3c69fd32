import type { Kysely } from 'kysely';
import { expect } from 'vitest';
import { isoTimestamp, systemClock, type Clock } from '../../src/clock.js';
import type { Database } from '../../src/db/database.js';
import type { AppStatus, Schema } from '../../src/db/schema.js';
import { createSecret } from '../../src/platform/app-credentials.js';
import { addDeveloperApp, addOrg } from '../instance/fixtures.js';
import { request, type SimpleResponse } from '../support/https-client.js';
import type { RawSettings } from '../../src/config.js';
import { startTestPlatform, type TestPlatform } from '../support/platform.js';

export interface WorldApp {
  appId: number;
  clientId: number;
  developerId: number;
  secret: string;
}

/**
 * Two instances (furfest, animecon at /o/<slug>) and apps:
 * - `service`: integrated in both (furfest: user:read + registration:read; animecon: user:read);
 * - `other`: integrated in furfest with user:read;
 * - `animeconOnly`: integrated in animecon only;
 * - `rejected`: a rejected app with an (old) integration row in furfest;
 * - `oboOnly`: sign-in only in furfest, no service permissions.
 */
export interface OauthWorld {
  t: TestPlatform;
  database: Database;
  furfest: { orgId: number; base: string };
  animecon: { orgId: number; base: string };
  apps: Record<'service' | 'other' | 'animeconOnly' | 'rejected' | 'oboOnly', WorldApp>;
}

async function integrate(db: Kysely<Schema>, orgId: number, appId: number, scopes: string[], oboEnabled = false): Promise<void> {
  const now = isoTimestamp(new Date());
  await db
    .insertInto('integrations')
    .values({ org_id: orgId, app_id: appId, scopes: JSON.stringify(scopes), obo_enabled: oboEnabled ? 1 : 0, status: 'active', created_by_user_id: null, created_at: now, updated_at: now })
    .execute();
}

async function app(db: Kysely<Schema>, name: string, status: AppStatus): Promise<WorldApp> {
  // Secrets exist only for approved apps: create it approved, then set the status.
  const { appId, clientId } = await addDeveloperApp(db, { name, status: 'approved' }, systemClock);
  const { developer_id: developerId } = await db.selectFrom('apps').select('developer_id').where('id', '=', appId).executeTakeFirstOrThrow();
  if (developerId === null) throw new Error('fixture app without developer');
  const issued = await createSecret(db, { developerId, appId, ip: null }, systemClock);
  if (!issued.ok) throw new Error(`no secret: ${issued.reason}`);
  if (status !== 'approved') await db.updateTable('apps').set({ status }).where('id', '=', appId).execute();
  return { appId, clientId, developerId, secret: issued.secret };
}

/**
 * `clock`: the platform's clock (a ManualClock for tests that move time); the fixtures use the system clock.
 * `settings`: configuration for the platform (e.g. low rate limits).
 */
export async function startOauthWorld(options: { clock?: Clock; settings?: RawSettings } = {}): Promise<OauthWorld> {
  let world: Omit<OauthWorld, 't' | 'database'> | undefined;
  const t = await startTestPlatform(options.settings ?? {}, {
    ...(options.clock === undefined ? {} : { clock: options.clock }),
    beforeListen: async (database) => {
      const db = database.db;
      const furfest = await addOrg(database, 'furfest', 'Lakeshore FurFest', systemClock);
      const animecon = await addOrg(database, 'animecon', 'Harborview Anime Con', systemClock);
      const apps = {
        service: await app(db, 'Badge Service', 'approved'),
        other: await app(db, 'Other Service', 'approved'),
        animeconOnly: await app(db, 'Animecon Tool', 'approved'),
        rejected: await app(db, 'Rejected Tool', 'approved'),
        oboOnly: await app(db, 'Sign-in Only', 'approved'),
      };
      await integrate(db, furfest.orgId, apps.service.appId, ['user:read', 'registration:read']);
      await integrate(db, animecon.orgId, apps.service.appId, ['user:read']);
      await integrate(db, furfest.orgId, apps.other.appId, ['user:read']);
      await integrate(db, animecon.orgId, apps.animeconOnly.appId, ['volunteer:read']);
      await integrate(db, furfest.orgId, apps.rejected.appId, ['user:read']);
      await db.updateTable('apps').set({ status: 'rejected' }).where('id', '=', apps.rejected.appId).execute();
      await integrate(db, furfest.orgId, apps.oboOnly.appId, [], true);
      world = { furfest: { orgId: furfest.orgId, base: '' }, animecon: { orgId: animecon.orgId, base: '' }, apps };
    },
  });
  if (world === undefined) throw new Error('the fixtures were not created');
  world.furfest.base = `${t.baseUrl}/o/furfest`;
  world.animecon.base = `${t.baseUrl}/o/animecon`;
  return { t, database: t.platform.database, ...world };
}

export function form(fields: Record<string, string>): string {
  return new URLSearchParams(fields).toString();
}

/** POSTs a form to `url`, optionally with HTTP Basic credentials. */
export function postForm(url: string, fields: Record<string, string>, basic?: { clientId: number; secret: string }): Promise<SimpleResponse> {
  const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' };
  if (basic !== undefined) headers.authorization = `Basic ${Buffer.from(`${encodeURIComponent(String(basic.clientId))}:${encodeURIComponent(basic.secret)}`).toString('base64')}`;
  return request(url, { method: 'POST', headers, body: form(fields) });
}

export interface TokenResponse {
  access_token: string;
  token_type: string;
  expires_in: number;
  scope: string;
}

/** A client-credentials token the ConCat way (secret in the form body); fails the test otherwise. */
export async function serviceToken(base: string, client: WorldApp, scope?: string): Promise<TokenResponse> {
  const response = await postForm(`${base}/api/oauth/token`, { grant_type: 'client_credentials', client_id: String(client.clientId), client_secret: client.secret, ...(scope === undefined ? {} : { scope }) });
  expect(response.status, response.body).toBe(200);
  return response.json<TokenResponse>();
}

/** Expects an RFC 6749 error body with this code and status. */
export function expectOauthError(response: SimpleResponse, status: number, error: string): void {
  expect(response.status, response.body).toBe(status);
  expect(response.headers['content-type']).toMatch(/^application\/json/);
  const body = response.json<Record<string, unknown>>();
  expect(body.error).toBe(error);
  expect(body).not.toHaveProperty('errors');
}
