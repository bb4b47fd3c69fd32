import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/clock.js';
import { addUser } from '../instance/fixtures.js';
import { exchangeCode, isActive, refresh, type CodeFlowTarget, type CodeTokens } from '../oauth/code-flow.js';
import { expectOauthError, startOauthWorld, type OauthWorld } from '../oauth/oauth-world.js';
import { launchBrowser, submitInstanceSignIn } from '../support/browser.js';

const PASSWORD = 'correct horse battery staple';

describe('Connected apps in Chromium', () => {
  let w: OauthWorld;
  let browser: Awaited<ReturnType<typeof launchBrowser>>;
  let target: CodeFlowTarget;

  beforeAll(async () => {
    w = await startOauthWorld();
    // Another origin than the platform's: the consent POST redirects there (CSP form-action).
    const redirect = `https://127.0.0.1:${w.t.port}/app-callback`;
    await w.database.db.updateTable('apps').set({ redirect_uris: JSON.stringify([redirect]) }).where('id', '=', w.apps.oboOnly.appId).execute();
    await addUser(w.database.db, w.furfest.orgId, 'alice', PASSWORD, systemClock);
    target = { origin: w.t.baseUrl, prefix: '/o/furfest', app: w.apps.oboOnly, redirectUri: redirect, password: PASSWORD };
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser.close();
    await w.t.stop();
  });

  function authorizeUrl(state: string): string {
    const query = new URLSearchParams({ client_id: String(w.apps.oboOnly.clientId), response_type: 'code', redirect_uri: target.redirectUri, scope: 'pii:basic pii:email', state });
    return `${w.furfest.base}/oauth/authorize?${query.toString()}`;
  }

  it('a user authorizes an app, finds it under Connected apps, revokes it, and the app must ask again', async () => {
    const page = await browser.context.newPage();
    await page.goto(authorizeUrl('connect'));
    await submitInstanceSignIn(page, 'alice', PASSWORD);
    await page.waitForURL(/\/o\/furfest\/oauth\/interaction\//);
    await page.getByRole('button', { name: 'Authorize' }).click();
    await page.waitForURL((url) => url.toString().startsWith(target.redirectUri));
    const code = new URL(page.url()).searchParams.get('code') ?? '';
    const exchanged = await exchangeCode(target, code);
    expect(exchanged.status, exchanged.body).toBe(200);
    const tokens = exchanged.json<CodeTokens>();

    // From the instance's front page, where a signed-in user lands.
    await page.goto(`${w.furfest.base}/`);
    await page.getByRole('link', { name: 'Connected apps' }).click();
    await page.waitForURL(`${w.furfest.base}/account/apps`);
    const entry = page.getByRole('region', { name: 'Sign-in Only' });
    expect(await entry.getByText('See your email address').count()).toBe(1);
    expect(await entry.getByText('Access given').count()).toBe(1);

    await entry.getByRole('button', { name: 'Revoke Sign-in Only…' }).click();
    await page.waitForURL(/\/account\/apps\/\d+\/revoke\??$/);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Revoke Sign-in Only?');
    await page.getByRole('button', { name: 'Revoke access' }).click();
    await page.waitForURL(/\/account\/apps\?done=revoked$/);
    expect(await page.getByRole('status').textContent()).toContain('Access revoked.');
    expect(await page.getByRole('region', { name: 'Sign-in Only' }).count()).toBe(0);

    expectOauthError(await refresh(target, tokens.refresh_token), 400, 'invalid_grant');
    expect(await isActive(target, tokens.access_token)).toBe(false);

    // Still signed in to the instance: the next authorization goes straight to the consent page.
    await page.goto(authorizeUrl('again'));
    await page.waitForURL(/\/o\/furfest\/oauth\/interaction\//);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Authorize Sign-in Only');
    await page.close();
  });
});
