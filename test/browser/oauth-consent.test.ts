import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/clock.js';
import { addUser } from '../instance/fixtures.js';
import { startOauthWorld, type OauthWorld } from '../oauth/oauth-world.js';
import { launchBrowser, submitInstanceSignIn } from '../support/browser.js';

const PASSWORD = 'correct horse battery staple';

describe('OAuth sign-in and consent in Chromium', () => {
  let w: OauthWorld;
  let browser: Awaited<ReturnType<typeof launchBrowser>>;
  let redirect: string;

  beforeAll(async () => {
    w = await startOauthWorld();
    // Another origin than the platform's (localhost): the consent POST answers with a redirect
    // there, which Chrome checks against the page's CSP form-action.
    redirect = `https://127.0.0.1:${w.t.port}/app-callback`;
    await w.database.db.updateTable('apps').set({ redirect_uris: JSON.stringify([redirect]) }).where('id', '=', w.apps.oboOnly.appId).execute();
    await addUser(w.database.db, w.furfest.orgId, 'alice', PASSWORD, systemClock);
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser.close();
    await w.t.stop();
  });

  function authorizeUrl(state: string, scope: string): string {
    const query = new URLSearchParams({ client_id: String(w.apps.oboOnly.clientId), response_type: 'code', redirect_uri: redirect, scope, state });
    return `${w.furfest.base}/oauth/authorize?${query.toString()}`;
  }

  it('a user signs in, reads the consent page, authorizes, and the app receives a code', async () => {
    const page = await browser.context.newPage();
    await page.goto(authorizeUrl('browser-1', 'pii:basic pii:email'));
    expect(new URL(page.url()).pathname).toBe('/o/furfest/login');
    await submitInstanceSignIn(page, 'alice', PASSWORD);
    await page.waitForURL(/\/o\/furfest\/oauth\/interaction\//);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Authorize Sign-in Only');
    expect(await page.getByText('See your email address').count()).toBe(1);
    expect(await page.getByText('127.0.0.1').count()).toBeGreaterThan(0);

    await page.getByRole('button', { name: 'Authorize' }).click();
    await page.waitForURL((url) => url.toString().startsWith(redirect));
    const callback = new URL(page.url());
    expect(callback.searchParams.get('code')).not.toBeNull();
    expect(callback.searchParams.get('state')).toBe('browser-1');
    expect(callback.searchParams.get('iss')).toBe(w.furfest.base);
    await page.close();
  });

  it('denying sends access_denied to the app', async () => {
    const page = await browser.context.newPage();
    await page.goto(authorizeUrl('browser-2', 'pii:basic pii:phone'));
    await page.waitForURL(/\/o\/furfest\/oauth\/interaction\//);
    await page.getByRole('button', { name: 'Deny' }).click();
    await page.waitForURL((url) => url.toString().startsWith(redirect));
    const callback = new URL(page.url());
    expect(callback.searchParams.get('error')).toBe('access_denied');
    expect(callback.searchParams.get('state')).toBe('browser-2');
    await page.close();
  });
});
