import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import type { Database } from '../../src/db/database.js';
import {
  changeIntegrationPermissions,
  createIntegration,
  findIntegration,
  integrableApps,
  IntegrationInputError,
  IntegrationNotFoundError,
  listIntegrations,
  namesInstance,
  parseServiceScopes,
  removeIntegration,
  storedScopes,
  type ChangeOrigin,
} from '../../src/platform/integrations.js';
import { createOrgApp } from '../../src/platform/org-apps.js';
import { openTestDatabase } from '../support/database.js';
import { addDeveloperApp, addOrg, type FixtureOrg } from '../instance/fixtures.js';

describe('integrations', () => {
  const clock = new ManualClock('2026-06-01T10:00:00.000Z');
  const admin: ChangeOrigin = { actor: { type: 'user', userId: 42 }, ip: '203.0.113.5' };
  let database: Database;
  let close: () => Promise<void>;
  let furfest: FixtureOrg;
  let animecon: FixtureOrg;

  beforeAll(async () => {
    const opened = await openTestDatabase();
    database = opened.database;
    close = () => opened.close();
    furfest = await addOrg(database, 'furfest', 'Lakeshore FurFest', clock);
    animecon = await addOrg(database, 'animecon', 'Harborview Anime Con', clock);
  });
  afterAll(async () => {
    await close();
  });

  const auditOf = (integrationId: number) =>
    database.db.selectFrom('audit_log').selectAll().where('target_type', '=', 'integration').where('target_id', '=', String(integrationId)).orderBy('id').execute();

  it('accepts only service scopes, folding repeats into catalog order', () => {
    expect(parseServiceScopes(['vendor:read', 'user:read', 'user:read'])).toEqual(['user:read', 'vendor:read']);
    expect(() => parseServiceScopes(['user:read', 'pii:basic'])).toThrow(/"pii:basic" is not a permission/);
    expect(() => parseServiceScopes(['admin', 'openid'])).toThrow(IntegrationInputError);
    expect(storedScopes('["registration:read","bogus",3]')).toEqual(['registration:read']);
    expect(storedScopes('not json')).toEqual([]);
    expect(storedScopes('{"user:read":true}')).toEqual([]);
  });

  it('reads which instances an application named, from JSON or free text', () => {
    const furfestRef = { slug: 'furfest', name: 'Lakeshore FurFest' };
    expect(namesInstance('{"instances":["furfest"],"other":""}', furfestRef)).toBe(true);
    expect(namesInstance('{"instances":["animecon"],"other":"also Lakeshore FurFest next year"}', furfestRef)).toBe(true);
    expect(namesInstance('{"instances":["animecon"]}', furfestRef)).toBe(false);
    expect(namesInstance('Lakeshore FurFest', furfestRef)).toBe(true);
    expect(namesInstance('we work with furfest and others', furfestRef)).toBe(true);
    expect(namesInstance('notfurfestival', furfestRef)).toBe(false);
    expect(namesInstance('', furfestRef)).toBe(false);
    expect(namesInstance('{"instances":"furfest"}', furfestRef)).toBe(false);
    expect(namesInstance('[1,2]', furfestRef)).toBe(false);
  });

  it('integrates an approved app with the chosen permissions, audited with actor, instance and address', async () => {
    const app = await addDeveloperApp(database.db, { name: 'Schedule Sync', status: 'approved', company: 'Sync Co' }, clock);
    const id = await createIntegration(database.db, { orgId: furfest.orgId, appId: app.appId, scopes: ['registration:read', 'user:read'], oboEnabled: true }, admin, clock);
    const row = await database.db.selectFrom('integrations').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    expect(row).toMatchObject({ org_id: furfest.orgId, app_id: app.appId, scopes: '["user:read","registration:read"]', obo_enabled: 1, status: 'active', created_by_user_id: 42 });
    const [entry] = await auditOf(id);
    expect(entry).toMatchObject({ org_id: furfest.orgId, actor_type: 'user', actor_id: '42', action: 'integration.created', ip: '203.0.113.5' });
    expect(JSON.parse(entry?.details ?? '{}')).toMatchObject({ appId: app.appId, clientId: app.clientId, scopes: ['user:read', 'registration:read'], oboEnabled: true });
    const listed = await listIntegrations(database.db, furfest.orgId);
    expect(listed.find((i) => i.id === id)).toMatchObject({ appName: 'Schedule Sync', owner: { kind: 'developer', company: 'Sync Co' }, scopes: ['user:read', 'registration:read'], oboEnabled: true });
    // The other instance does not see it, and cannot reach it by id.
    expect(await listIntegrations(database.db, animecon.orgId)).toEqual([]);
    expect(await findIntegration(database.db, animecon.orgId, id)).toBeUndefined();
    await expect(createIntegration(database.db, { orgId: furfest.orgId, appId: app.appId, scopes: ['user:read'], oboEnabled: false }, admin, clock)).rejects.toThrow(/already integrated/);
  });

  it.each(['applied', 'needs_info', 'rejected', 'revoked'] as const)('refuses an app in status %s', async (status) => {
    const app = await addDeveloperApp(database.db, { name: `App ${status}`, status }, clock);
    const attempt = createIntegration(database.db, { orgId: furfest.orgId, appId: app.appId, scopes: ['user:read'], oboEnabled: false }, admin, clock);
    await expect(attempt).rejects.toThrow(IntegrationInputError);
    await expect(attempt).rejects.toThrow(/cannot be integrated/);
    expect(await database.db.selectFrom('integrations').select('id').where('app_id', '=', app.appId).execute()).toEqual([]);
  });

  it("refuses unknown apps, scopes outside the catalog, and another organization's own app", async () => {
    const app = await addDeveloperApp(database.db, { name: 'Scope Tester', status: 'approved' }, clock);
    for (const scopes of [['pii:basic'], ['admin'], ['user:read', 'admin:ticket:read']]) {
      await expect(createIntegration(database.db, { orgId: furfest.orgId, appId: app.appId, scopes, oboEnabled: false }, admin, clock)).rejects.toMatchObject({ field: 'scopes' });
    }
    await expect(createIntegration(database.db, { orgId: furfest.orgId, appId: app.appId, scopes: [], oboEnabled: false }, admin, clock)).rejects.toThrow(/at least one permission/);
    await expect(createIntegration(database.db, { orgId: furfest.orgId, appId: 999_999, scopes: ['user:read'], oboEnabled: false }, admin, clock)).rejects.toMatchObject({ field: 'app' });
    const own = await createOrgApp(database.db, { orgId: animecon.orgId, name: 'Animecon Tool', description: '', redirectUris: [], scopes: ['user:read'], oboEnabled: false }, admin, clock);
    await expect(createIntegration(database.db, { orgId: furfest.orgId, appId: own.appId, scopes: ['user:read'], oboEnabled: false }, admin, clock)).rejects.toMatchObject({ field: 'app' });
  });

  it('changes permissions in place, audits what was added and withdrawn, and ignores a change that changes nothing', async () => {
    const app = await addDeveloperApp(database.db, { name: 'Badge Printer', status: 'approved' }, clock);
    const id = await createIntegration(database.db, { orgId: furfest.orgId, appId: app.appId, scopes: ['user:read', 'registration:read'], oboEnabled: true }, admin, clock);
    clock.advance(60_000);
    expect(await changeIntegrationPermissions(database.db, { orgId: furfest.orgId, integrationId: id, scopes: ['registration:read', 'vendor:read'], oboEnabled: false }, admin, clock)).toBe(true);
    const row = await database.db.selectFrom('integrations').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    expect(row).toMatchObject({ scopes: '["registration:read","vendor:read"]', obo_enabled: 0, updated_at: clock.now().toISOString() });
    const entries = await auditOf(id);
    expect(entries.map((e) => e.action)).toEqual(['integration.created', 'integration.permissions-changed']);
    expect(JSON.parse(entries[1]?.details ?? '{}')).toMatchObject({ added: ['vendor:read'], withdrawn: ['user:read'], oboEnabled: false, previousOboEnabled: true });
    expect(await changeIntegrationPermissions(database.db, { orgId: furfest.orgId, integrationId: id, scopes: ['vendor:read', 'registration:read'], oboEnabled: false }, admin, clock)).toBe(false);
    expect(await auditOf(id)).toHaveLength(2);
    await expect(changeIntegrationPermissions(database.db, { orgId: furfest.orgId, integrationId: id, scopes: ['pii:email'], oboEnabled: false }, admin, clock)).rejects.toThrow(IntegrationInputError);
    // From another instance the integration does not exist.
    await expect(changeIntegrationPermissions(database.db, { orgId: animecon.orgId, integrationId: id, scopes: ['user:read'], oboEnabled: false }, admin, clock)).rejects.toThrow(IntegrationNotFoundError);
    await expect(removeIntegration(database.db, { orgId: animecon.orgId, integrationId: id }, admin, clock)).rejects.toThrow(IntegrationNotFoundError);
  });

  it('lets a revoked app only lose permissions', async () => {
    const app = await addDeveloperApp(database.db, { name: 'Fading App', status: 'approved' }, clock);
    const id = await createIntegration(database.db, { orgId: furfest.orgId, appId: app.appId, scopes: ['user:read', 'vendor:read'], oboEnabled: false }, admin, clock);
    await database.db.updateTable('apps').set({ status: 'revoked' }).where('id', '=', app.appId).execute();
    await expect(changeIntegrationPermissions(database.db, { orgId: furfest.orgId, integrationId: id, scopes: ['user:read', 'vendor:read', 'registration:read'], oboEnabled: false }, admin, clock)).rejects.toThrow(/only take permissions away/);
    await expect(changeIntegrationPermissions(database.db, { orgId: furfest.orgId, integrationId: id, scopes: ['user:read', 'vendor:read'], oboEnabled: true }, admin, clock)).rejects.toThrow(/only take permissions away/);
    expect(await changeIntegrationPermissions(database.db, { orgId: furfest.orgId, integrationId: id, scopes: ['vendor:read'], oboEnabled: false }, admin, clock)).toBe(true);
  });

  it('removes an integration, and adding the app again reactivates the same row with the new permissions', async () => {
    const app = await addDeveloperApp(database.db, { name: 'Come Back App', status: 'approved' }, clock);
    const id = await createIntegration(database.db, { orgId: furfest.orgId, appId: app.appId, scopes: ['user:read'], oboEnabled: true }, admin, clock);
    await removeIntegration(database.db, { orgId: furfest.orgId, integrationId: id }, admin, clock);
    expect(await database.db.selectFrom('integrations').select('status').where('id', '=', id).executeTakeFirstOrThrow()).toEqual({ status: 'removed' });
    expect(await findIntegration(database.db, furfest.orgId, id)).toBeUndefined();
    await expect(removeIntegration(database.db, { orgId: furfest.orgId, integrationId: id }, admin, clock)).rejects.toThrow(IntegrationNotFoundError);
    await expect(changeIntegrationPermissions(database.db, { orgId: furfest.orgId, integrationId: id, scopes: ['user:read'], oboEnabled: false }, admin, clock)).rejects.toThrow(IntegrationNotFoundError);
    const again = await createIntegration(database.db, { orgId: furfest.orgId, appId: app.appId, scopes: ['vendor:read'], oboEnabled: false }, { actor: { type: 'user', userId: 43 }, ip: null }, clock);
    expect(again).toBe(id);
    expect(await database.db.selectFrom('integrations').select(['status', 'scopes', 'obo_enabled', 'created_by_user_id']).where('id', '=', id).executeTakeFirstOrThrow()).toEqual({ status: 'active', scopes: '["vendor:read"]', obo_enabled: 0, created_by_user_id: 43 });
    expect((await auditOf(id)).map((e) => e.action)).toEqual(['integration.created', 'integration.removed', 'integration.created']);
  });

  it('offers approved apps not yet integrated: those that named the instance first, then by name', async () => {
    const opened = await openTestDatabase();
    const fresh = opened.database;
    try {
      const org = await addOrg(fresh, 'furfest', 'Lakeshore FurFest', clock);
      const other = await addOrg(fresh, 'animecon', 'Harborview Anime Con', clock);
      await addDeveloperApp(fresh.db, { name: 'zeta tools', status: 'approved' }, clock);
      await addDeveloperApp(fresh.db, { name: 'Alpha Badges', status: 'approved', interested: '{"instances":["animecon"],"other":""}' }, clock);
      await addDeveloperApp(fresh.db, { name: 'Yonder', status: 'approved', interested: '{"instances":["furfest"],"other":""}' }, clock);
      await addDeveloperApp(fresh.db, { name: 'Bravo', status: 'approved', interested: 'Lakeshore FurFest' }, clock);
      await addDeveloperApp(fresh.db, { name: 'Pending', status: 'applied', interested: '{"instances":["furfest"]}' }, clock);
      await addDeveloperApp(fresh.db, { name: 'Gone', status: 'revoked' }, clock);
      const integrated = await addDeveloperApp(fresh.db, { name: 'Already There', status: 'approved' }, clock);
      await createIntegration(fresh.db, { orgId: org.orgId, appId: integrated.appId, scopes: ['user:read'], oboEnabled: false }, admin, clock);
      await createOrgApp(fresh.db, { orgId: other.orgId, name: 'Their Own', description: '', redirectUris: [], scopes: ['user:read'], oboEnabled: false }, admin, clock);
      const own = await createOrgApp(fresh.db, { orgId: org.orgId, name: 'Our Own', description: '', redirectUris: [], scopes: ['user:read'], oboEnabled: false }, admin, clock);
      await removeIntegration(fresh.db, { orgId: org.orgId, integrationId: own.integrationId }, admin, clock);

      const offered = await integrableApps(fresh.db, org);
      expect(offered.map((a) => [a.displayName, a.namedThisInstance])).toEqual([
        ['Bravo', true],
        ['Yonder', true],
        ['Alpha Badges', false],
        ['Our Own', false],
        ['zeta tools', false],
      ]);
      expect(offered.find((a) => a.displayName === 'Our Own')?.owner).toEqual({ kind: 'organization' });
    } finally {
      await opened.close();
    }
  });
});
