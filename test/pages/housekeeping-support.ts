import { expect } from 'vitest';
import { systemClock } from '../../src/clock.js';
import type { Database } from '../../src/db/database.js';
import { createOrgApp } from '../../src/platform/org-apps.js';
import { addDeveloperApp, addOrg, addUser, grantRole } from '../instance/fixtures.js';
import { startTestPlatform, type TestPlatform } from '../support/platform.js';
import { WebClient } from '../support/web-client.js';

/**
 * A running platform with two instances (furfest at /o/furfest, animecon at /o/animecon), each
 * with an `admin` holding oauth:manage (different passwords), plus furfest users without it, and
 * developer apps in every review state.
 */
export interface HousekeepingWorld {
  t: TestPlatform;
  database: Database;
  furfest: { orgId: number; adminId: number };
  animecon: { orgId: number; adminId: number };
  apps: Record<'named' | 'other' | 'applied' | 'rejected' | 'revoked' | 'animeconOwn', { appId: number; clientId: number }>;
}

export const PASSWORDS = {
  furfestAdmin: 'furfest admin password',
  animeconAdmin: 'animecon admin password',
  plain: 'plain user password',
  auditor: 'auditor password',
  former: 'former admin password',
} as const;

export async function startHousekeepingWorld(): Promise<HousekeepingWorld> {
  const clock = systemClock;
  let world: Omit<HousekeepingWorld, 't' | 'database'> | undefined;
  const t = await startTestPlatform({}, {
    beforeListen: async (database) => {
      const db = database.db;
      const furfest = await addOrg(database, 'furfest', 'Lakeshore FurFest', clock);
      const animecon = await addOrg(database, 'animecon', 'Harborview Anime Con', clock);
      const furfestAdmin = await addUser(db, furfest.orgId, 'admin', PASSWORDS.furfestAdmin, clock);
      await grantRole(db, furfest.orgId, furfestAdmin, ['admin', 'oauth:manage', 'audit:read'], clock);
      const animeconAdmin = await addUser(db, animecon.orgId, 'admin', PASSWORDS.animeconAdmin, clock);
      await grantRole(db, animecon.orgId, animeconAdmin, ['oauth:manage'], clock);
      await addUser(db, furfest.orgId, 'plain', PASSWORDS.plain, clock);
      const auditor = await addUser(db, furfest.orgId, 'auditor', PASSWORDS.auditor, clock);
      await grantRole(db, furfest.orgId, auditor, ['audit:read'], clock);
      const former = await addUser(db, furfest.orgId, 'former', PASSWORDS.former, clock);
      await grantRole(db, furfest.orgId, former, ['oauth:manage'], clock, furfest.pastConventionId);
      const own = await createOrgApp(db, { orgId: animecon.orgId, name: 'Animecon Door Tool', description: '', redirectUris: [], scopes: ['user:read'], oboEnabled: false }, { actor: { type: 'cli' }, ip: null }, clock);
      world = {
        furfest: { orgId: furfest.orgId, adminId: furfestAdmin },
        animecon: { orgId: animecon.orgId, adminId: animeconAdmin },
        apps: {
          named: await addDeveloperApp(db, { name: 'Zebra Badges', status: 'approved', interested: '{"instances":["furfest"],"other":""}', company: 'Zebra Inc' }, clock),
          other: await addDeveloperApp(db, { name: 'Alpha Schedules', status: 'approved', company: 'Alpha LLC' }, clock),
          applied: await addDeveloperApp(db, { name: 'Waiting App', status: 'applied' }, clock),
          rejected: await addDeveloperApp(db, { name: 'Rejected App', status: 'rejected' }, clock),
          revoked: await addDeveloperApp(db, { name: 'Revoked App', status: 'revoked' }, clock),
          animeconOwn: { appId: own.appId, clientId: own.clientId },
        },
      };
    },
  });
  if (world === undefined) throw new Error('the fixtures were not created');
  return { t, database: t.platform.database, ...world };
}

/** A client signed in at /o/<slug> (its session cookie set), having read a Housekeeping page for its CSRF token. */
export async function signedIn(t: TestPlatform, slug: string, login: string, password: string): Promise<WebClient> {
  const client = new WebClient(t.baseUrl);
  await client.get(`/o/${slug}/login`);
  const response = await client.post(`/o/${slug}/login`, { login, password, next: '/housekeeping' });
  expect(response.status).toBe(303);
  expect(response.headers.location).toBe(`/o/${slug}/housekeeping`);
  await client.get(`/o/${slug}/housekeeping`);
  return client;
}
