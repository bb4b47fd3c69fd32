/**
 * RP-initiated logout at `{instance}/oauth/logout` (checklist C25): a confirmation page for anyone
 * signed in, the provider's xsrf-protected form, post_logout_redirect_uri only when registered,
 * and signing out ends the instance's own session. Over HTTP, then in Chromium.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { systemClock } from '../../src/clock.js';
import { addUser } from '../instance/fixtures.js';
import { launchBrowser, submitInstanceSignIn } from '../support/browser.js';
import type { SimpleResponse } from '../support/https-client.js';
import { WebClient } from '../support/web-client.js';
import { browse, callbackFor, discoverStrictly, exchangeCode, location, type CodeFlowTarget } from './code-flow.js';
import { startOauthWorld, type OauthWorld } from './oauth-world.js';

const REDIRECT = 'https://app.example.com/callback';
const SIGNED_OUT = 'https://app.example.com/signed-out';
const PASSWORD = 'correct horse battery staple';

let w: OauthWorld;
let target: CodeFlowTarget;
let alice: number;
beforeAll(async () => {
  w = await startOauthWorld();
  await w.database.db.updateTable('apps').set({ redirect_uris: JSON.stringify([REDIRECT, SIGNED_OUT]) }).where('id', '=', w.apps.oboOnly.appId).execute();
  alice = await addUser(w.database.db, w.furfest.orgId, 'alice', PASSWORD, systemClock);
  await addUser(w.database.db, w.animecon.orgId, 'bob', PASSWORD, systemClock);
  target = { origin: w.t.baseUrl, prefix: '/o/furfest', app: w.apps.oboOnly, redirectUri: REDIRECT, password: PASSWORD };
});
afterAll(async () => {
  await w.t.stop();
});

function logoutPath(params: Record<string, string> = {}, prefix = '/o/furfest'): string {
  const query = new URLSearchParams(params).toString();
  return `${prefix}/oauth/logout${query === '' ? '' : `?${query}`}`;
}

/** Signs alice in through the app (openid), in a fresh browser; the browser and the app's ID token. */
async function signedInThroughApp(): Promise<{ client: WebClient; idToken: string }> {
  const client = new WebClient(w.t.baseUrl);
  const callback = await callbackFor(target, client, 'alice', { scope: 'openid pii:basic', state: 'in' });
  const response = await exchangeCode(target, callback.searchParams.get('code') ?? '');
  expect(response.status, response.body).toBe(200);
  const idToken = response.json<{ id_token?: string }>().id_token;
  expect(typeof idToken).toBe('string');
  return { client, idToken: idToken ?? '' };
}

/** A browser signed in to the instance's own login page only (no OAuth yet). */
async function signedInDirectly(prefix = '/o/furfest', login = 'alice'): Promise<WebClient> {
  const client = new WebClient(w.t.baseUrl);
  await client.get(`${prefix}/login`);
  const response = await client.post(`${prefix}/login`, { login, password: PASSWORD, next: '/' });
  expect(response.status, response.body).toBe(303);
  return client;
}

/** Whether the browser is signed in to the instance: its login page then sends it on. */
async function isSignedIn(client: WebClient, prefix = '/o/furfest'): Promise<boolean> {
  const page = await client.get(`${prefix}/login`);
  expect([200, 303]).toContain(page.status);
  return page.status === 303;
}

/** The confirmation form: where it posts and its xsrf token. */
function confirmationForm(page: SimpleResponse): { action: string; xsrf: string } {
  const action = /<form id="op\.logoutForm" method="post" action="([^"]+)"/.exec(page.body)?.[1];
  const xsrf = /name="xsrf" value="([^"]+)"/.exec(page.body)?.[1];
  expect(action, page.body).toBeDefined();
  expect(xsrf, page.body).toBeDefined();
  return { action: new URL(action ?? '', w.t.baseUrl).pathname, xsrf: xsrf ?? '' };
}

describe('RP-initiated logout (C25)', () => {
  test('discovery advertises the end-session endpoint', async () => {
    const as = await discoverStrictly(w.furfest.base);
    expect(as.end_session_endpoint).toBe(`${w.furfest.base}/oauth/logout`);
  });

  test('with id_token_hint: a confirmation page in our layout; Sign out ends the instance session and returns to the registered URI with state', async () => {
    const { client, idToken } = await signedInThroughApp();
    const page = await client.get(logoutPath({ id_token_hint: idToken, post_logout_redirect_uri: SIGNED_OUT, state: 'bye' }));
    expect(page.status, page.body).toBe(200);
    expect(page.body).toContain('<link rel="stylesheet" href="/o/furfest/assets/style.css">');
    expect(page.body).toContain('Sign out of Lakeshore FurFest?');
    expect(page.body).toContain('<strong>Sign-in Only</strong> asks to sign you out');
    expect(page.body).toContain('You are signed in as <strong>alice</strong>');
    expect(page.headers['cache-control']).toBe('no-store');
    const csp = String(page.headers['content-security-policy']);
    expect(csp).toContain("frame-ancestors 'none'");
    // The form's POST is answered with a redirect to the app: Chrome checks it against form-action.
    expect(csp).toMatch(/form-action 'self' https:\/\/app\.example\.com(;|$)/);

    const form = confirmationForm(page);
    expect(form.action).toBe('/o/furfest/oauth/logout/confirm');
    const sessionsBefore = await w.database.db.selectFrom('web_sessions').select('id').where('subject_id', '=', alice).where('org_id', '=', w.furfest.orgId).execute();
    const confirmed = await client.post(form.action, { xsrf: form.xsrf, logout: 'yes' });
    expect(confirmed.status, confirmed.body).toBe(303);
    expect(confirmed.headers.location).toBe(`${SIGNED_OUT}?state=bye`);
    expect((confirmed.headers['set-cookie'] ?? []).some((line) => line.startsWith(`__Secure-concat-u${w.furfest.orgId}=;`) && line.includes('path=/o/furfest'))).toBe(true);
    const sessionsAfter = await w.database.db.selectFrom('web_sessions').select('id').where('subject_id', '=', alice).where('org_id', '=', w.furfest.orgId).execute();
    expect(sessionsAfter.length).toBe(sessionsBefore.length - 1);
    expect(await isSignedIn(client)).toBe(false);

    // The next sign-in through the app asks for the password again.
    const again = await browse(target, client, `${w.furfest.base}/oauth/authorize?${new URLSearchParams({ client_id: String(w.apps.oboOnly.clientId), response_type: 'code', redirect_uri: REDIRECT, scope: 'openid pii:basic', state: 'again' }).toString()}`);
    expect(new URL(again.url).pathname).toBe('/o/furfest/login');
  });

  test('without id_token_hint a confirmation page is shown too', async () => {
    const { client } = await signedInThroughApp();
    const page = await client.get(logoutPath({ client_id: String(w.apps.oboOnly.clientId), post_logout_redirect_uri: REDIRECT, state: 's' }));
    expect(page.status, page.body).toBe(200);
    expect(page.body).toContain('Sign out of Lakeshore FurFest?');
    const form = confirmationForm(page);
    const confirmed = await client.post(form.action, { xsrf: form.xsrf, logout: 'yes' });
    expect(confirmed.headers.location).toBe(`${REDIRECT}?state=s`);
    expect(await isSignedIn(client)).toBe(false);
  });

  test('a post_logout_redirect_uri that is not exactly registered gets an error page here, never a redirect', async () => {
    const { client, idToken } = await signedInThroughApp();
    const variants = [`${SIGNED_OUT}/`, 'https://APP.example.com/signed-out', 'https://app.example.com/Signed-out', 'http://app.example.com/signed-out', `${SIGNED_OUT}?x=1`, `${SIGNED_OUT}#f`, 'https://evil.example/signed-out', 'javascript:alert(1)'];
    for (const uri of variants) {
      const identities: Record<string, string>[] = [{ client_id: String(w.apps.oboOnly.clientId) }, { id_token_hint: idToken }];
      for (const identify of identities) {
        const page = await client.get(logoutPath({ ...identify, post_logout_redirect_uri: uri }));
        expect(page.status, uri).toBe(400);
        expect(page.headers.location).toBeUndefined();
        expect(page.body).toContain('This sign-out request cannot be completed');
      }
    }
    expect(await isSignedIn(client)).toBe(true);
  });

  test('a post_logout_redirect_uri without a client is ignored: after signing out, our own page', async () => {
    const { client } = await signedInThroughApp();
    const page = await client.get(logoutPath({ post_logout_redirect_uri: SIGNED_OUT, state: 'x' }));
    expect(page.status).toBe(200);
    expect(page.body).not.toContain('asks to sign you out');
    const form = confirmationForm(page);
    const confirmed = await client.post(form.action, { xsrf: form.xsrf, logout: 'yes' });
    expect(confirmed.status).toBe(303);
    const landing = location(target, confirmed);
    expect(new URL(landing).pathname).toBe('/o/furfest/oauth/logout/success');
    const success = await client.get(landing);
    expect(success.status).toBe(200);
    expect(success.body).toContain('You have signed out');
    expect(success.body).toContain('href="/o/furfest/login"');
    expect(success.body).toContain('<link rel="stylesheet" href="/o/furfest/assets/style.css">');
  });

  test('Stay signed in: back to the app, still signed in to the instance', async () => {
    const { client, idToken } = await signedInThroughApp();
    const page = await client.get(logoutPath({ id_token_hint: idToken, post_logout_redirect_uri: SIGNED_OUT, state: 'stay' }));
    const form = confirmationForm(page);
    const stayed = await client.post(form.action, { xsrf: form.xsrf });
    expect(stayed.status).toBe(303);
    expect(stayed.headers.location).toBe(`${SIGNED_OUT}?state=stay`);
    expect(await isSignedIn(client)).toBe(true);

    // Without a redirect URI, our page says so.
    const second = await client.get(logoutPath());
    const stayedHere = await client.post(confirmationForm(second).action, { xsrf: confirmationForm(second).xsrf });
    const success = await client.get(location(target, stayedHere));
    expect(success.body).toContain('You are still signed in');
    expect(success.body).toContain('as <strong>alice</strong>');
  });

  test('signed in to the instance only (never through an app): still asked, and signing out ends the session', async () => {
    const client = await signedInDirectly();
    const page = await client.get(logoutPath({ client_id: String(w.apps.oboOnly.clientId), post_logout_redirect_uri: REDIRECT, state: 'direct' }));
    expect(page.status, page.body).toBe(200);
    expect(page.body).toContain('You are signed in as <strong>alice</strong>');
    expect(String(page.headers['content-security-policy'])).toMatch(/form-action 'self' https:\/\/app\.example\.com(;|$)/);
    const form = confirmationForm(page);
    const confirmed = await client.post(form.action, { xsrf: form.xsrf, logout: 'yes' });
    expect(confirmed.headers.location).toBe(`${REDIRECT}?state=direct`);
    expect(await isSignedIn(client)).toBe(false);
  });

  test('nobody signed in: nothing to ask, straight back to the app (or to our page)', async () => {
    const client = new WebClient(w.t.baseUrl);
    const back = await client.get(logoutPath({ client_id: String(w.apps.oboOnly.clientId), post_logout_redirect_uri: REDIRECT, state: 'gone' }));
    expect(back.status).toBe(303);
    expect(back.headers.location).toBe(`${REDIRECT}?state=gone`);
    const ours = await client.get(logoutPath());
    expect(ours.status).toBe(303);
    const landing = await client.get(location(target, ours));
    expect(landing.body).toContain('You have signed out');

    // A signed-out user whose provider session remains (signed out of the instance since) is not asked either.
    const { client: earlier } = await signedInThroughApp();
    expect((await earlier.post('/o/furfest/logout', {})).status).toBe(303);
    const stale = await earlier.get(logoutPath({ client_id: String(w.apps.oboOnly.clientId), post_logout_redirect_uri: REDIRECT }));
    expect(stale.status).toBe(303);
    expect(stale.headers.location).toBe(REDIRECT);
  });

  test('the confirmation POST needs the xsrf token and the session cookie it belongs to', async () => {
    const { client } = await signedInThroughApp();
    const page = await client.get(logoutPath());
    const form = confirmationForm(page);
    expect((await client.post(form.action, { xsrf: 'forged', logout: 'yes' })).status).toBe(400);
    expect((await client.post(form.action, { logout: 'yes' })).status).toBe(400);
    expect((await client.post(form.action, { xsrf: [form.xsrf, form.xsrf], logout: 'yes' })).status).toBe(400);
    // Another site's form: the browser sends the xsrf value an attacker copied, but not the provider's (SameSite) cookie.
    const stranger = new WebClient(w.t.baseUrl);
    for (const [name, value] of client.cookies) if (name.startsWith('__Secure-concat-u')) stranger.cookies.set(name, value);
    expect((await stranger.post(form.action, { xsrf: form.xsrf, logout: 'yes' })).status).toBe(400);
    expect(await isSignedIn(client)).toBe(true);
  });

  test('malformed requests get a clear 400, never a 500', async () => {
    const { client, idToken } = await signedInThroughApp();
    const cases: Record<string, string>[] = [
      { id_token_hint: 'not-a-jwt' },
      { id_token_hint: `${idToken}x` },
      { client_id: '999999' },
      { client_id: 'abc' },
      { client_id: String(w.apps.service.clientId), id_token_hint: idToken },
    ];
    for (const params of cases) {
      const page = await client.get(logoutPath(params));
      expect(page.status, JSON.stringify(params)).toBe(400);
      expect(page.headers.location).toBeUndefined();
    }
    expect((await client.get(`${logoutPath({ state: 'a' })}&state=b`)).status).toBe(400);
    expect((await client.get(logoutPath({ state: 'x'.repeat(20_000) }))).status).toBeLessThan(500);
    // The ID token of one instance means nothing at another.
    expect((await client.get(logoutPath({ id_token_hint: idToken }, '/o/animecon'))).status).toBe(400);
    expect(await isSignedIn(client)).toBe(true);
  });

  test('concurrent confirmations: one signs out, none fails with a 500', async () => {
    const { client } = await signedInThroughApp();
    const form = confirmationForm(await client.get(logoutPath()));
    const results = await Promise.all(Array.from({ length: 4 }, () => client.post(form.action, { xsrf: form.xsrf, logout: 'yes' })));
    for (const result of results) expect(result.status).toBeLessThan(500);
    expect(results.some((r) => r.status === 303)).toBe(true);
    expect(await isSignedIn(client)).toBe(false);
  });

  test("signing out of one instance leaves the other's session alone", async () => {
    const client = await signedInDirectly();
    await client.get('/o/animecon/login');
    expect((await client.post('/o/animecon/login', { login: 'bob', password: PASSWORD, next: '/' })).status).toBe(303);
    const page = await client.get(logoutPath({}, '/o/animecon'));
    expect(page.body).toContain('You are signed in as <strong>bob</strong>');
    const form = confirmationForm(page);
    expect(form.action).toBe('/o/animecon/oauth/logout/confirm');
    expect((await client.post(form.action, { xsrf: form.xsrf, logout: 'yes' })).status).toBe(303);
    expect(await isSignedIn(client, '/o/animecon')).toBe(false);
    expect(await isSignedIn(client, '/o/furfest')).toBe(true);
  });
});

describe('RP-initiated logout in Chromium', () => {
  let browser: Awaited<ReturnType<typeof launchBrowser>>;
  let appOrigin: string;

  beforeAll(async () => {
    // Another origin than the platform's (localhost): the sign-out POST ends with a redirect there,
    // which Chrome checks against the page's form-action.
    appOrigin = `https://127.0.0.1:${w.t.port}`;
    const uris = [`${appOrigin}/app-callback`, `${appOrigin}/app-signed-out`];
    await w.database.db.updateTable('apps').set({ redirect_uris: JSON.stringify([REDIRECT, SIGNED_OUT, ...uris]) }).where('id', '=', w.apps.oboOnly.appId).execute();
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser.close();
  });

  test('a user signs in through the app, the app sends them to sign out, they confirm and land back at the app', async () => {
    const page = await browser.context.newPage();
    const query = new URLSearchParams({ client_id: String(w.apps.oboOnly.clientId), response_type: 'code', redirect_uri: `${appOrigin}/app-callback`, scope: 'openid pii:basic', state: 'b1' });
    await page.goto(`${w.furfest.base}/oauth/authorize?${query.toString()}`);
    await submitInstanceSignIn(page, 'alice', PASSWORD);
    await page.waitForURL(/\/oauth\/interaction\//);
    await page.getByRole('button', { name: 'Authorize' }).click();
    await page.waitForURL((url) => url.toString().startsWith(`${appOrigin}/app-callback`));

    const logout = new URLSearchParams({ client_id: String(w.apps.oboOnly.clientId), post_logout_redirect_uri: `${appOrigin}/app-signed-out`, state: 'b2' });
    await page.goto(`${w.furfest.base}/oauth/logout?${logout.toString()}`);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Sign out of Lakeshore FurFest?');
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL((url) => url.toString().startsWith(`${appOrigin}/app-signed-out`));
    expect(new URL(page.url()).searchParams.get('state')).toBe('b2');

    await page.goto(`${w.furfest.base}/login`);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Sign in to Lakeshore FurFest');
    await page.close();
  });
});
