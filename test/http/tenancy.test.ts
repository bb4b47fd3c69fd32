import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/clock.js';
import { openDatabase } from '../../src/db/database.js';
import { migrateToLatest } from '../../src/db/migrate.js';
import { TenantDirectory } from '../../src/http/tenancy.js';
import { createInstance, InstanceInputError, parseBaseUrl } from '../../src/instance/create-instance.js';
import { createTestDatabase } from '../support/database.js';
import { request } from '../support/https-client.js';
import { startTestPlatform, type TestPlatform } from '../support/platform.js';

const publicUrl = new URL('https://localhost:8443');

describe('TenantDirectory.resolve', () => {
  it('maps path prefixes on the platform host and dedicated hosts to exactly one instance', async () => {
    const testDb = await createTestDatabase();
    const database = openDatabase(testDb.url);
    await migrateToLatest(database);
    const actor = { type: 'system' as const, id: null };
    const a = await createInstance(database, { slug: 'alpha', name: 'Alpha', baseUrls: [parseBaseUrl('/o/alpha', publicUrl)] }, actor, systemClock);
    const ab = await createInstance(database, { slug: 'alpha-b', name: 'Alpha B', baseUrls: [parseBaseUrl('/o/alpha/b', publicUrl)] }, actor, systemClock);
    const big = await createInstance(database, { slug: 'big', name: 'Big', baseUrls: [parseBaseUrl('https://reg.big.example', publicUrl), parseBaseUrl('https://localhost:8443/o/big', publicUrl)] }, actor, systemClock);
    const tenants = new TenantDirectory(database, publicUrl);
    await tenants.reload();

    const orgOf = (host: string, path: string) => {
      const t = tenants.resolve(host, path);
      return t.kind === 'instance' ? t.instance.orgId : t.kind;
    };
    expect(orgOf('localhost:8443', '/o/alpha')).toBe(a.orgId);
    expect(orgOf('localhost:8443', '/o/alpha/api/v0/roles')).toBe(a.orgId);
    expect(orgOf('localhost:8443', '/o/alpha/b/x')).toBe(ab.orgId);
    expect(orgOf('localhost:8443', '/o/alphabet')).toBe('platform');
    expect(orgOf('127.0.0.1:8443', '/o/big/')).toBe(big.orgId);
    expect(orgOf('[::1]:8443', '/o/big/')).toBe(big.orgId);
    expect(orgOf('reg.big.example', '/anything')).toBe(big.orgId);
    expect(orgOf('reg.big.example', '/o/alpha')).toBe(big.orgId);
    expect(orgOf('localhost:9999', '/o/alpha')).toBe('unknown');
    expect(orgOf('other.example', '/')).toBe('unknown');
    expect(orgOf('localhost:8443', '/healthz')).toBe('platform');

    const viaHost = tenants.resolve('reg.big.example', '/');
    expect(viaHost.kind === 'instance' && viaHost.baseUrl).toBe('https://reg.big.example');
    const viaPrefix = tenants.resolve('localhost:8443', '/o/big');
    expect(viaPrefix.kind === 'instance' && viaPrefix.baseUrl).toBe('https://localhost:8443/o/big');

    await database.close();
    await testDb.cleanup();
  });

  it('refuses base URLs that are taken, reserved, or not https', async () => {
    const testDb = await createTestDatabase();
    const database = openDatabase(testDb.url);
    await migrateToLatest(database);
    const actor = { type: 'system' as const, id: null };
    await createInstance(database, { slug: 'one', name: 'One', baseUrls: [parseBaseUrl('/o/one', publicUrl)] }, actor, systemClock);
    await expect(createInstance(database, { slug: 'two', name: 'Two', baseUrls: [parseBaseUrl('/o/one', publicUrl)] }, actor, systemClock)).rejects.toThrow(/already in use/);
    await expect(createInstance(database, { slug: 'one', name: 'One again', baseUrls: [parseBaseUrl('/o/x', publicUrl)] }, actor, systemClock)).rejects.toThrow(/slug "one" already exists/);
    expect(() => parseBaseUrl('http://reg.example', publicUrl)).toThrow(InstanceInputError);
    expect(() => parseBaseUrl('/healthz', publicUrl)).toThrow(/reserved/);
    expect(() => parseBaseUrl('https://localhost:8443', publicUrl)).toThrow(/needs a path prefix/);
    expect(() => parseBaseUrl('https://reg.example/x?y=1', publicUrl)).toThrow(/query/);
    expect(await database.db.selectFrom('orgs').select('slug').execute()).toEqual([{ slug: 'one' }]);
    await database.close();
    await testDb.cleanup();
  });
});

describe('requests routed by host and prefix', () => {
  let t: TestPlatform;
  beforeAll(async () => {
    t = await startTestPlatform({}, {
      beforeListen: async (database) => {
        const url = new URL('https://platform.invalid');
        const actor = { type: 'system' as const, id: null };
        await createInstance(database, { slug: 'demo', name: 'Demo Con', baseUrls: [parseBaseUrl('/o/demo', url), parseBaseUrl('https://reg.demo.test', url)] }, actor, systemClock);
      },
    });
  });
  afterAll(async () => {
    await t.stop();
  });

  it('serves the instance at its prefix and at its own host, and the platform elsewhere', async () => {
    const viaPrefix = await request(`${t.baseUrl}/o/demo/`);
    expect(viaPrefix.status).toBe(200);
    expect(viaPrefix.body).toContain('Demo Con');
    expect(viaPrefix.body).toContain(`${t.baseUrl}/o/demo`);

    const viaHost = await request(`${t.baseUrl}/`, { headers: { host: 'reg.demo.test' } });
    expect(viaHost.status).toBe(200);
    expect(viaHost.body).toContain('https://reg.demo.test');

    const platform = await request(`${t.baseUrl}/`);
    expect(platform.status).toBe(200);
    expect(platform.body).toContain('ConCat developer platform');
    expect(platform.body).toContain(`${t.baseUrl}/o/demo`);
  });

  it('keeps platform-only routes off instances and answers 404 for unknown hosts and prefixes', async () => {
    expect((await request(`${t.baseUrl}/o/demo/healthz`)).status).toBe(404);
    expect((await request(`${t.baseUrl}/healthz`, { headers: { host: 'reg.demo.test' } })).status).toBe(404);
    const unknownPrefix = await request(`${t.baseUrl}/o/nope/`);
    expect(unknownPrefix.status).toBe(404);
    const unknownHost = await request(`${t.baseUrl}/`, { headers: { host: 'evil.test' } });
    expect(unknownHost.status).toBe(404);
    expect(unknownHost.json()).toEqual({ errors: { resource: { message: 'No instance or platform is served at this address' } } });
  });

  it('ignores X-Forwarded-Host from a peer that is not a trusted proxy', async () => {
    const response = await request(`${t.baseUrl}/`, { headers: { 'x-forwarded-host': 'reg.demo.test' } });
    expect(response.body).toContain('ConCat developer platform');
  });

  it('serves the stylesheet under each surface', async () => {
    expect((await request(`${t.baseUrl}/assets/style.css`)).headers['content-type']).toMatch(/text\/css/);
    expect((await request(`${t.baseUrl}/o/demo/assets/style.css`)).status).toBe(200);
  });
});
