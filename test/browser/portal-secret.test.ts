import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { systemClock } from '../../src/clock.js';
import type { DemoSummary } from '../../src/demo/seed.js';
import { findValidSecret } from '../../src/platform/app-credentials.js';
import { secretMatches } from '../../src/security/secrets.js';
import { launchBrowser } from '../support/browser.js';
import { startDemoPlatform, type TestPlatform } from '../support/platform.js';

const SECRET_PATTERN = /ccs_[\w-]{43}/;

/** Whether the page fits the viewport's width (nothing to scroll sideways on a phone). */
async function fitsWidth(page: Page): Promise<boolean> {
  // A string, evaluated in the page: the tests' TypeScript has no DOM types.
  return (await page.evaluate('document.documentElement.scrollWidth <= document.documentElement.clientWidth')) === true;
}

describe('developer portal in Chromium', () => {
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

  it('a developer signs in, rotates the secret, sees it once, and after a reload it is gone', async () => {
    const login = demo?.logins.find((l) => l.role === 'developer');
    if (login === undefined || demo === undefined) throw new Error('the demo has no developer');
    const page = await browser.context.newPage();
    await page.setViewportSize({ width: 390, height: 844 });

    await page.goto(`${t.baseUrl}/portal`);
    expect(new URL(page.url()).pathname).toBe('/portal/login');
    await page.getByLabel('Email').fill(login.email);
    await page.getByLabel('Password').fill(login.password);
    await page.getByLabel('Password').press('Enter');
    await page.waitForURL(`${t.baseUrl}/portal`);
    expect(await page.getByRole('cell', { name: 'Approved' }).count()).toBe(1);
    expect(await fitsWidth(page)).toBe(true);

    await page.getByRole('link', { name: demo.app.name }).click();
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe(demo.app.name);
    expect(await page.getByText(String(demo.app.clientId), { exact: true }).count()).toBe(1);
    // The integration the demo set up, with its permissions.
    expect(await page.getByRole('heading', { name: 'Lakeshore FurFest', level: 3 }).count()).toBe(1);
    expect(await fitsWidth(page)).toBe(true);

    // Keyboard only: focus the rotate button and press Enter.
    await page.getByRole('button', { name: 'Rotate secret key' }).focus();
    await page.keyboard.press('Enter');
    await page.waitForLoadState();
    const shown = page.getByRole('textbox', { name: 'Secret key (client_secret)' });
    const secret = await shown.inputValue();
    expect(secret).toMatch(SECRET_PATTERN);
    expect(await page.getByText('it will not be shown again').count()).toBe(1);
    expect(await fitsWidth(page)).toBe(true);

    const db = t.platform.database.db;
    const app = await db.selectFrom('apps').select('id').where('client_id', '=', demo.app.clientId).executeTakeFirstOrThrow();
    const rows = await db.selectFrom('app_secrets').selectAll().where('app_id', '=', app.id).orderBy('id').execute();
    expect(rows).toHaveLength(2);
    expect(secretMatches(secret, rows[1]?.secret_hash ?? '')).toBe(true);
    // Both work during the overlap.
    expect(await findValidSecret(db, demo.app.clientId, secret, systemClock)).toBe(app.id);
    expect(await findValidSecret(db, demo.app.clientId, demo.app.clientSecret, systemClock)).toBe(app.id);

    // A browser reload sends the form again: no new secret is made, and none is shown.
    await page.reload();
    expect(await page.content()).not.toMatch(SECRET_PATTERN);
    expect(await page.getByRole('alert').textContent()).toContain('is not shown again');
    expect(await db.selectFrom('app_secrets').select('id').where('app_id', '=', app.id).execute()).toHaveLength(2);
    await page.reload();
    expect(await page.content()).not.toContain(secret);
    await page.goto(`${t.baseUrl}/portal/apps/${app.id}`);
    expect(await page.content()).not.toContain(secret);
    expect(await page.getByRole('cell', { name: 'Previous: still works until it expires' }).count()).toBe(1);

    // Ending the overlap stops the old secret at once.
    await page.getByRole('button', { name: 'End the overlap now' }).click();
    await expect.poll(() => page.getByRole('status').textContent()).toContain('previous secret keys no longer work');
    expect(await findValidSecret(db, demo.app.clientId, demo.app.clientSecret, systemClock)).toBeNull();
    expect(await findValidSecret(db, demo.app.clientId, secret, systemClock)).toBe(app.id);
    await page.close();
  });
});
