import { afterAll, beforeAll, expect, test } from 'vitest';
import { systemClock } from '../../src/clock.js';
import { createInstance, parseBaseUrl } from '../../src/instance/create-instance.js';
import { request } from '../support/https-client.js';
import { startTestPlatform, type TestPlatform } from '../support/platform.js';

let t: TestPlatform;
beforeAll(async () => {
  t = await startTestPlatform({ behindProxy: true, trustedProxies: '127.0.0.1,::1', publicUrl: 'https://platform.test' }, {
    beforeListen: async (database) => {
      await createInstance(database, { slug: 'demo', name: 'Demo Con', baseUrls: [parseBaseUrl('https://reg.demo.test', new URL('https://platform.test'))] }, { type: 'system', id: null }, systemClock);
    },
  });
});
afterAll(async () => {
  await t.stop();
});

test('behind the TLS proxy the issuer is the instance host over https, whatever a client prepended', async () => {
  const url = `http://127.0.0.1:${t.port}/.well-known/openid-configuration`;
  const direct = await request(url, { headers: { 'x-forwarded-proto': 'https', 'x-forwarded-host': 'reg.demo.test' } });
  expect(direct.status).toBe(200);
  expect(direct.headers['strict-transport-security']).toBeDefined();
  const doc = direct.json<{ issuer: string; token_endpoint: string }>();
  expect(doc.issuer).toBe('https://reg.demo.test');
  expect(doc.token_endpoint).toBe('https://reg.demo.test/api/oauth/token');
  // A client's own X-Forwarded-Host arrives first; the proxy appends the real one, which routes.
  const spoofed = await request(url, { headers: { 'x-forwarded-proto': 'https', 'x-forwarded-host': 'evil.example, reg.demo.test' } });
  expect(spoofed.body).toBe(direct.body);
});
