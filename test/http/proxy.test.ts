import { afterEach, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/clock.js';
import type { Database } from '../../src/db/database.js';
import { createInstance, parseBaseUrl } from '../../src/instance/create-instance.js';
import { request } from '../support/https-client.js';
import { startTestPlatform, type TestPlatform } from '../support/platform.js';

const seedInstance = async (database: Database) => {
  await createInstance(database, { slug: 'demo', name: 'Demo Con', baseUrls: [parseBaseUrl('https://reg.demo.test', new URL('https://platform.test'))] }, { type: 'system', id: null }, systemClock);
};

describe('behind a TLS-terminating proxy', () => {
  let t: TestPlatform | undefined;
  afterEach(async () => {
    await t?.stop();
    t = undefined;
  });

  it('serves plain HTTP to the trusted proxy and routes by the forwarded host', async () => {
    t = await startTestPlatform({ behindProxy: true, trustedProxies: '127.0.0.1,::1', publicUrl: 'https://platform.test' }, { beforeListen: seedInstance });
    expect(t.platform.tls).toBeNull();
    const url = `http://127.0.0.1:${t.port}/`;
    const platform = await request(url, { headers: { host: 'internal:1', 'x-forwarded-proto': 'https', 'x-forwarded-host': 'platform.test' } });
    expect(platform.status).toBe(200);
    expect(platform.body).toContain('ConCat developer platform');
    expect(platform.headers['strict-transport-security']).toBeDefined();

    // A client-supplied X-Forwarded-Host arrives first; the value the proxy appended last wins.
    const instance = await request(url, { headers: { 'x-forwarded-proto': 'https', 'x-forwarded-host': 'platform.test, reg.demo.test' } });
    expect(instance.body).toContain('Demo Con');
  });

  it('refuses what the proxy forwarded over plain HTTP', async () => {
    t = await startTestPlatform({ behindProxy: true, trustedProxies: '127.0.0.1,::1', publicUrl: 'https://platform.test' });
    const response = await request(`http://127.0.0.1:${t.port}/`, { headers: { 'x-forwarded-proto': 'http', 'x-forwarded-host': 'platform.test' } });
    expect(response.status).toBe(403);
    expect(response.json()).toEqual({ errors: { access: { message: 'HTTPS is required' } } });
  });

  it('refuses direct connections from untrusted addresses, except the health probes', async () => {
    t = await startTestPlatform({ behindProxy: true, trustedProxies: '10.9.9.9', publicUrl: 'https://platform.test' });
    const spoofed = await request(`http://127.0.0.1:${t.port}/`, { headers: { host: 'platform.test', 'x-forwarded-proto': 'https', 'x-forwarded-host': 'platform.test' } });
    expect(spoofed.status).toBe(403);
    const probe = await request(`http://127.0.0.1:${t.port}/healthz`, { headers: { host: 'platform.test' } });
    expect(probe.status).toBe(200);
    const ready = await request(`http://127.0.0.1:${t.port}/readyz`, { headers: { host: 'platform.test' } });
    expect(ready.json()).toEqual({ status: 'ready' });
  });

  it('over TLS, believes forwarded headers only from configured proxies', async () => {
    t = await startTestPlatform({ trustedProxies: '127.0.0.1,::1' }, { beforeListen: seedInstance });
    const viaProxy = await request(`${t.baseUrl}/`, { headers: { 'x-forwarded-host': 'reg.demo.test', 'x-forwarded-proto': 'https' } });
    expect(viaProxy.body).toContain('Demo Con');
  });
});

describe('health probes', () => {
  it('report alive, and not ready once the database is gone', async () => {
    const t = await startTestPlatform();
    expect((await request(`${t.baseUrl}/healthz`)).json()).toEqual({ status: 'ok' });
    expect((await request(`${t.baseUrl}/readyz`)).json()).toEqual({ status: 'ready' });
    await t.platform.database.close();
    const notReady = await request(`${t.baseUrl}/readyz`);
    expect(notReady.status).toBe(503);
    expect(notReady.json()).toEqual({ status: 'unavailable', reason: 'database unreachable' });
    expect((await request(`${t.baseUrl}/healthz`)).status).toBe(200);
    await t.platform.app.close();
    await t.testDb.cleanup();
  });
});
