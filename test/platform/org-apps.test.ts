import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import { openDatabase, type Database } from '../../src/db/database.js';
import { migrateToLatest } from '../../src/db/migrate.js';
import type { ChangeOrigin } from '../../src/platform/integrations.js';
import { checkRedirectUriList, createOrgApp, listOrgApps, OrgAppInputError } from '../../src/platform/org-apps.js';
import { hashSecret } from '../../src/security/secrets.js';
import { runCli } from '../support/cli.js';
import { createTestDatabase, openTestDatabase, type TestDatabase } from '../support/database.js';
import { addOrg, type FixtureOrg } from '../instance/fixtures.js';

/** The problems an attempt was refused with; fails the test when it was not refused that way. */
async function problemsOf(attempt: Promise<unknown>): Promise<OrgAppInputError['problems']> {
  const error: unknown = await attempt.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof OrgAppInputError)) throw new Error(`expected an OrgAppInputError, got ${String(error)}`);
  return error.problems;
}

describe("the organization's own apps", () => {
  const clock = new ManualClock('2026-06-01T10:00:00.000Z');
  const admin: ChangeOrigin = { actor: { type: 'user', userId: 7 }, ip: '203.0.113.5' };
  let database: Database;
  let close: () => Promise<void>;
  let org: FixtureOrg;
  let other: FixtureOrg;

  beforeAll(async () => {
    const opened = await openTestDatabase();
    database = opened.database;
    close = () => opened.close();
    org = await addOrg(database, 'furfest', 'Lakeshore FurFest', clock);
    other = await addOrg(database, 'animecon', 'Harborview Anime Con', clock);
  });
  afterAll(async () => {
    await close();
  });

  it('creates an approved app of the organization, its secret (stored only as a hash) and its integration, all audited', async () => {
    const created = await createOrgApp(
      database.db,
      { orgId: org.orgId, name: '  Door Scanner ', description: 'Scans badges at the door.', redirectUris: ['https://scan.example.org/cb', '', 'http://localhost:3000/cb', 'https://scan.example.org/cb'], scopes: ['registration:read', 'user:read'], oboEnabled: true },
      admin,
      clock,
    );
    expect(created.name).toBe('Door Scanner');
    expect(created.clientId).toBeGreaterThanOrEqual(1_000_000);
    expect(created.clientSecret).toMatch(/^ccs_[\w-]{43}$/);
    expect(created.redirectUris).toEqual(['https://scan.example.org/cb', 'http://localhost:3000/cb']);
    const app = await database.db.selectFrom('apps').selectAll().where('id', '=', created.appId).executeTakeFirstOrThrow();
    expect(app).toMatchObject({ client_id: created.clientId, owner_org_id: org.orgId, developer_id: null, status: 'approved', display_name: 'Door Scanner', redirect_uris: JSON.stringify(created.redirectUris) });
    const secrets = await database.db.selectFrom('app_secrets').selectAll().where('app_id', '=', created.appId).execute();
    expect(secrets).toHaveLength(1);
    expect(secrets[0]?.secret_hash).toBe(hashSecret(created.clientSecret));
    expect(JSON.stringify(secrets)).not.toContain(created.clientSecret);
    const integration = await database.db.selectFrom('integrations').selectAll().where('id', '=', created.integrationId).executeTakeFirstOrThrow();
    expect(integration).toMatchObject({ org_id: org.orgId, app_id: created.appId, scopes: '["user:read","registration:read"]', obo_enabled: 1, status: 'active', created_by_user_id: 7 });
    const audit = await database.db.selectFrom('audit_log').selectAll().where('org_id', '=', org.orgId).where('action', '!=', 'instance.created').orderBy('id').execute();
    expect(audit.map((e) => e.action)).toEqual(['app.created', 'app.secret.created', 'integration.created']);
    expect(audit.every((e) => e.actor_type === 'user' && e.actor_id === '7' && e.ip === '203.0.113.5')).toBe(true);
    expect(JSON.stringify(audit)).not.toContain(created.clientSecret);

    const [listed] = await listOrgApps(database.db, org.orgId);
    expect(listed).toMatchObject({ clientId: created.clientId, name: 'Door Scanner', integration: { id: created.integrationId, scopes: ['user:read', 'registration:read'], oboEnabled: true } });
    expect(listed?.secrets).toEqual([{ hint: created.clientSecret.slice(-4), createdAt: clock.now().toISOString(), expiresAt: null, lastUsedAt: null }]);
    expect(JSON.stringify(listed)).not.toContain(created.clientSecret);
    expect(await listOrgApps(database.db, other.orgId)).toEqual([]);
  });

  it('refuses a name the organization already uses, whatever its case; another organization may use it', async () => {
    await createOrgApp(database.db, { orgId: org.orgId, name: 'Volunteer Board', description: '', redirectUris: [], scopes: ['volunteer:read'], oboEnabled: false }, admin, clock);
    const problems = await problemsOf(createOrgApp(database.db, { orgId: org.orgId, name: 'volunteer board', description: '', redirectUris: [], scopes: ['volunteer:read'], oboEnabled: false }, admin, clock));
    expect(problems.name).toMatch(/already has an app named "volunteer board"/);
    await createOrgApp(database.db, { orgId: other.orgId, name: 'Volunteer Board', description: '', redirectUris: [], scopes: ['volunteer:read'], oboEnabled: false }, admin, clock);
  });

  it('reports every problem of the form at once and writes nothing', async () => {
    const before = await database.db.selectFrom('apps').select('id').execute();
    const problems = await problemsOf(createOrgApp(database.db, { orgId: org.orgId, name: '', description: 'x'.repeat(1001), redirectUris: ['https://ok.example/cb', 'http://evil.example/cb'], scopes: ['pii:basic'], oboEnabled: true }, admin, clock));
    expect(Object.keys(problems).sort()).toEqual(['description', 'name', 'redirectUris', 'scopes']);
    expect(problems.name).toBe('Enter a name for the app.');
    expect(problems.description).toBe('The description can be at most 1000 characters long.');
    expect(problems.redirectUris).toMatch(/^Line 2: Plain http:\/\/ is allowed only on localhost/);
    expect(problems.scopes).toMatch(/"pii:basic" is not a permission/);
    const signInOnly = await problemsOf(createOrgApp(database.db, { orgId: org.orgId, name: 'Sign-in Only', description: '', redirectUris: [], scopes: [], oboEnabled: true }, admin, clock));
    expect(signInOnly.redirectUris).toMatch(/at least one redirect URI/);
    const nothing = await problemsOf(createOrgApp(database.db, { orgId: org.orgId, name: 'Nothing', description: '', redirectUris: [], scopes: [], oboEnabled: false }, admin, clock));
    expect(nothing.scopes).toMatch(/at least one permission/);
    expect(await database.db.selectFrom('apps').select('id').execute()).toEqual(before);
  });

  it('checks redirect URIs one per line, naming the line at fault', () => {
    expect(checkRedirectUriList(['https://a.example/cb', '  ', 'https://a.example/cb'])).toEqual({ uris: ['https://a.example/cb'] });
    expect(checkRedirectUriList(['https://*.example/cb']).problem).toMatch(/^Wildcards/);
    expect(checkRedirectUriList(['https://a.example/cb', 'https://a.example/cb#x']).problem).toMatch(/^Line 2: .*fragment/);
    expect(checkRedirectUriList(['', 'https://user:pw@a.example/cb']).problem).toMatch(/^Line 2: .*user name or password/);
    expect(checkRedirectUriList(['custom.app:/cb']).problem).toMatch(/scheme is not allowed/);
  });
});

describe('concat org-app create', () => {
  let testDb: TestDatabase;
  beforeAll(async () => {
    testDb = await createTestDatabase();
    const database = openDatabase(testDb.url);
    await migrateToLatest(database);
    await addOrg(database, 'furfest', 'Lakeshore FurFest', new ManualClock());
    await database.close();
  });
  afterAll(async () => {
    await testDb.cleanup();
  });

  const cli = (args: string[]) => runCli(['org-app', 'create', ...args, '--database-url', testDb.url, '--data-dir', testDb.dataDir]);

  it('creates the app and prints its API ID and secret once, as JSON', async () => {
    const result = await cli(['--org', 'furfest', '--name', 'Door Scanner', '--redirect-uri', 'https://scan.example.org/cb', '--redirect-uri', 'http://127.0.0.1:9000/cb', '--scopes', 'user:read registration:read', '--obo', '--json']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const printed = JSON.parse(result.stdout) as { clientId: number; clientSecret: string; scopes: string[]; oboEnabled: boolean; redirectUris: string[] };
    expect(printed).toMatchObject({ scopes: ['user:read', 'registration:read'], oboEnabled: true, redirectUris: ['https://scan.example.org/cb', 'http://127.0.0.1:9000/cb'] });
    expect(printed.clientSecret).toMatch(/^ccs_/);
    const database = openDatabase(testDb.url);
    try {
      const app = await database.db.selectFrom('apps').innerJoin('app_secrets', 'app_secrets.app_id', 'apps.id').select(['apps.owner_org_id', 'app_secrets.secret_hash']).where('apps.client_id', '=', printed.clientId).executeTakeFirstOrThrow();
      expect(app.secret_hash).toBe(hashSecret(printed.clientSecret));
      const audit = await database.db.selectFrom('audit_log').select(['actor_type', 'action']).where('action', 'in', ['app.created', 'integration.created']).execute();
      expect(audit).toEqual([{ actor_type: 'cli', action: 'app.created' }, { actor_type: 'cli', action: 'integration.created' }]);
    } finally {
      await database.close();
    }
  });

  it('prints a readable summary without --json', async () => {
    const result = await cli(['--org', 'furfest', '--name', 'Reporter', '--scopes', 'vendor:read']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/API ID \(client_id\): \d{7}/);
    expect(result.stdout).toMatch(/Secret key \(client_secret, shown once\): ccs_/);
  });

  it('refuses an unknown instance, bad redirect URIs and unknown scopes with exit code 2', async () => {
    const unknown = await cli(['--org', 'nowhere', '--name', 'X', '--scopes', 'user:read']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/no instance with slug "nowhere"/);
    const badUri = await cli(['--org', 'furfest', '--name', 'Y', '--redirect-uri', 'http://example.com/cb', '--scopes', 'user:read']);
    expect(badUri.code).toBe(2);
    expect(badUri.stderr).toMatch(/Plain http:\/\//);
    const badScope = await cli(['--org', 'furfest', '--name', 'Z', '--scopes', 'pii:basic']);
    expect(badScope.code).toBe(2);
    expect(badScope.stderr).toMatch(/pii:basic/);
    const missing = await cli(['--name', 'Z']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/--org is required/);
  });
});
