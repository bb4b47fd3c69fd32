import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import type { DemoSummary } from '../../src/demo/seed.js';
import { launchBrowser, submitInstanceSignIn } from '../support/browser.js';
import { startDemoPlatform, type TestPlatform } from '../support/platform.js';

/** Whether the page fits the viewport's width (nothing to scroll sideways on a phone). */
function fitsWidth(page: Page): Promise<boolean> {
  // A string, because the tests compile without the DOM library.
  return page.evaluate<boolean>('document.documentElement.scrollWidth <= document.documentElement.clientWidth');
}

describe('Housekeeping in Chromium', () => {
  let t: TestPlatform;
  let demo: DemoSummary | undefined;
  let browser: Awaited<ReturnType<typeof launchBrowser>>;

  beforeAll(async () => {
    const started = await startDemoPlatform();
    t = started;
    demo = started.demo;
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser.close();
    await t.stop();
  });

  it('an org admin signs in, integrates an approved app and changes its permissions, on a phone-sized screen', async () => {
    const login = demo?.logins.find((l) => l.role === 'org admin' && l.instance === 'animecon');
    if (login === undefined || demo === undefined) throw new Error('the demo has no animecon admin');
    const base = `${t.baseUrl}/o/animecon`;
    const page = await browser.context.newPage();
    await page.setViewportSize({ width: 390, height: 844 });

    await page.goto(`${base}/housekeeping`);
    expect(new URL(page.url()).pathname).toBe('/o/animecon/login');
    await submitInstanceSignIn(page, login.username ?? login.email, login.password);
    await page.waitForURL(`${base}/housekeeping`);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Integrations' }).click();
    await page.getByRole('link', { name: 'Add an integration' }).click();
    expect(await fitsWidth(page)).toBe(true);

    await page.getByRole('radio', { name: new RegExp(demo.app.name) }).check();
    await page.getByRole('checkbox', { name: /^user:read/ }).check();
    // Keyboard only: focus a checkbox and toggle it with the space bar.
    await page.getByRole('checkbox', { name: /^registration:read/ }).focus();
    await page.keyboard.press('Space');
    await page.getByRole('checkbox', { name: /Allow users of Harborview Anime Con to sign in/ }).check();
    await page.getByRole('button', { name: 'Add integration' }).click();

    await expect.poll(() => page.getByRole('status').textContent()).toContain('Integration added');
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe(demo.app.name);
    expect(await page.getByRole('checkbox', { name: /^registration:read/ }).isChecked()).toBe(true);
    const row = () =>
      t.platform.database.db
        .selectFrom('integrations')
        .innerJoin('apps', 'apps.id', 'integrations.app_id')
        .innerJoin('orgs', 'orgs.id', 'integrations.org_id')
        .select(['integrations.scopes', 'integrations.obo_enabled', 'integrations.status'])
        .where('orgs.slug', '=', 'animecon')
        .where('apps.client_id', '=', demo?.app.clientId ?? 0)
        .executeTakeFirst();
    expect(await row()).toEqual({ scopes: '["user:read","registration:read"]', obo_enabled: 1, status: 'active' });

    await page.getByRole('checkbox', { name: /^registration:read/ }).uncheck();
    await page.getByRole('checkbox', { name: /^vendor:read/ }).check();
    await page.getByRole('checkbox', { name: /Allow users of/ }).uncheck();
    await page.getByRole('button', { name: 'Save permissions' }).click();
    await expect.poll(() => page.getByRole('status').textContent()).toContain('Permissions saved');
    expect(await page.getByRole('checkbox', { name: /^vendor:read/ }).isChecked()).toBe(true);
    expect(await page.getByRole('checkbox', { name: /^registration:read/ }).isChecked()).toBe(false);
    expect(await row()).toEqual({ scopes: '["user:read","vendor:read"]', obo_enabled: 0, status: 'active' });
    expect(await fitsWidth(page)).toBe(true);

    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Integrations' }).click();
    expect(await page.getByRole('cell', { name: new RegExp(demo.app.name) }).count()).toBe(1);
    expect(await fitsWidth(page)).toBe(true);
    await page.close();
  });

  it("creates the organization's own app and shows its secret once", async () => {
    const login = demo?.logins.find((l) => l.role === 'org admin' && l.instance === 'furfest');
    if (login === undefined) throw new Error('the demo has no furfest admin');
    const base = `${t.baseUrl}/o/furfest`;
    const page = await browser.context.newPage();
    await page.goto(`${base}/login?next=%2Fhousekeeping%2Fapps%2Fnew`);
    await submitInstanceSignIn(page, login.username ?? login.email, login.password);
    await page.waitForURL(`${base}/housekeeping/apps/new`);
    await page.getByLabel('Name', { exact: true }).fill('Door Scanner');
    await page.getByLabel('Redirect URIs').fill('https://scan.example.org/cb\nhttp://localhost:9000/cb');
    await page.getByRole('checkbox', { name: /^registration:read/ }).check();
    await page.getByRole('button', { name: 'Create app' }).click();
    const secret = (await page.locator('#client-secret').textContent()) ?? '';
    expect(secret).toMatch(/^ccs_/);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Door Scanner is ready');
    await page.getByRole('link', { name: 'Back to your apps' }).click();
    expect(await page.content()).not.toContain(secret);
    await page.goBack();
    // Going back must not bring the secret out of a cache.
    expect(await page.content()).not.toContain(secret);
    await page.close();
  });
});
