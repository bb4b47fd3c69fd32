/** Security checklist A (oauth-server.md §3): client registration and redirect URIs. */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { systemClock } from '../../../src/clock.js';
import { checkRedirectUri } from '../../../src/platform/redirect-uris.js';
import { insertApp, insertDeveloper } from '../../pages/portal-fixtures.js';
import { WebClient } from '../../support/web-client.js';
import { expectOauthError } from '../oauth-world.js';
import { CodeFlow, OTHER_REDIRECT, REDIRECT, startChecklistWorld, type ChecklistWorld } from './checklist-world.js';

let w: ChecklistWorld;
let flow: CodeFlow;
beforeAll(async () => {
  w = await startChecklistWorld();
  flow = new CodeFlow(w, w.obo);
});
afterAll(async () => {
  await w.t.stop();
});

/** An authorization request that must end on an error page of ours: 400, no redirect anywhere. */
async function expectLocalErrorPage(url: string): Promise<void> {
  const response = await new WebClient(w.t.baseUrl).get(url);
  expect(response.status, `${url}\n${response.body.slice(0, 300)}`).toBe(400);
  expect(response.headers.location).toBeUndefined();
  expect(response.headers['content-type']).toMatch(/^text\/html/);
  expect(response.body).toContain('This sign-in request cannot be completed');
}

describe('A. client registration and redirect URIs', () => {
  test.each([
    ['a trailing slash', `${REDIRECT}/`],
    ['an added query', `${REDIRECT}?x=1`],
    ['another path case', 'https://app.test/CB'],
    ['another host case', 'https://APP.test/cb'],
    ['a dot-dot path', `${REDIRECT}/../evil`],
    ['a fragment', `${REDIRECT}#f`],
    ['plain http', 'http://app.test/cb'],
    ['another port', 'https://app.test:444/cb'],
    ['a user part', 'https://evil@app.test/cb'],
  ])('A1 exact redirect matching: %s is refused with an error page here, no redirect', async (_name, uri) => {
    await expectLocalErrorPage(flow.authorizeUrl({ redirect_uri: uri }));
  });

  test('A1 exact redirect matching: the registered URI itself works', async () => {
    const callback = await flow.callback(new WebClient(w.t.baseUrl), { scope: 'pii:basic' });
    expect(`${callback.origin}${callback.pathname}`).toBe(REDIRECT);
    expect(callback.searchParams.get('code')).not.toBeNull();
  });

  test('A2 no open redirector: unknown client_id or unregistered redirect_uri is a local 400 page', async () => {
    await expectLocalErrorPage(flow.authorizeUrl({ client_id: '9999999' }));
    await expectLocalErrorPage(flow.authorizeUrl({ client_id: 'not-a-number' }));
    await expectLocalErrorPage(flow.authorizeUrl({ redirect_uri: 'https://evil.example/cb' }));
    // Another instance's app, with a redirect URI registered for it, is still unknown here.
    await expectLocalErrorPage(new CodeFlow(w, w.apps.animeconOnly).authorizeUrl());
  });

  test.each([
    ['https://app.example.com/*', 'wildcard'],
    ['https://*.example.com/cb', 'wildcard'],
    ['https://app.example.com/cb#frag', 'fragment'],
    ['javascript:alert(1)', 'scheme'],
    ['data:text/html,<script>alert(1)</script>', 'scheme'],
    ['http://app.example.com/cb', 'http-not-loopback'],
    ['http://10.0.0.1/cb', 'http-not-loopback'],
  ])('A3 registration hygiene: %s is refused at registration (%s)', (uri, rule) => {
    expect(checkRedirectUri(uri)).toMatchObject({ ok: false, rule });
  });

  test.each(['http://127.0.0.1:8765/cb', 'http://127.0.0.1/cb', 'http://[::1]:3000/cb', 'http://localhost:4000/cb'])('A3 registration hygiene: the loopback redirect %s is accepted', (uri) => {
    expect(checkRedirectUri(uri)).toEqual({ ok: true, uri });
  });

  test('A3 registration hygiene: the developer portal form refuses the same URIs and accepts loopback', async () => {
    const db = w.database.db;
    const password = 'developer password 1';
    const developer = await insertDeveloper(db, systemClock, { email: 'hygiene@example.net', password });
    const app = await insertApp(db, systemClock, developer.id, { status: 'approved', name: 'Hygiene App' });
    const client = new WebClient(w.t.baseUrl);
    await client.get('/portal/login');
    expect((await client.post('/portal/login', { email: developer.email, password, next: '/portal' })).status).toBe(303);
    await client.get(`/portal/apps/${app.id}`);
    for (const uri of ['javascript:alert(1)', 'data:text/html,hi', 'https://app.example.com/*', 'https://app.example.com/cb#x', 'http://app.example.com/cb']) {
      const refused = await client.post(`/portal/apps/${app.id}/redirect-uris`, { redirectUri: uri });
      expect(refused.status, uri).toBe(400);
    }
    const accepted = await client.post(`/portal/apps/${app.id}/redirect-uris`, { redirectUri: 'http://127.0.0.1:8765/cb' });
    expect(accepted.status).toBe(303);
    const row = await db.selectFrom('apps').select('redirect_uris').where('id', '=', app.id).executeTakeFirstOrThrow();
    expect(JSON.parse(row.redirect_uris)).toEqual(['http://127.0.0.1:8765/cb']);
  });

  test('A4 redirect_uri is required in the request, even for an app with one registered URI', async () => {
    const single = new CodeFlow(w, w.second);
    const registered = await w.database.db.selectFrom('apps').select('redirect_uris').where('id', '=', w.second.appId).executeTakeFirstOrThrow();
    expect(JSON.parse(registered.redirect_uris)).toEqual([REDIRECT]);
    await expectLocalErrorPage(single.authorizeUrl({}, ['redirect_uri']));
    await expectLocalErrorPage(single.authorizeUrl({ redirect_uri: '' }));
  });

  test('A5 code bound to its redirect: another registered redirect_uri, or none, at the token endpoint is refused', async () => {
    const code = await flow.code({ scope: 'pii:basic', state: 'a5' });
    expectOauthError(await flow.exchange(code, { redirect_uri: OTHER_REDIRECT }), 400, 'invalid_grant');
    const second = await flow.code({ scope: 'pii:basic', state: 'a5b' });
    const omitted = await flow.exchange(second, { redirect_uri: '' });
    expect(omitted.status).toBe(400);
    expect(['invalid_request', 'invalid_grant']).toContain(omitted.json<{ error: string }>().error);
    // The code issued for OTHER_REDIRECT works only with it.
    const third = await flow.code({ scope: 'pii:basic', state: 'a5c', redirect_uri: OTHER_REDIRECT });
    expectOauthError(await flow.exchange(third, { redirect_uri: REDIRECT }), 400, 'invalid_grant');
  });
});
