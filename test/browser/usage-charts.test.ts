import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import type { DemoSummary } from '../../src/demo/seed.js';
import { postForm, type TokenResponse } from '../oauth/oauth-world.js';
import { launchBrowser } from '../support/browser.js';
import { request } from '../support/https-client.js';
import { startDemoPlatform, type TestPlatform } from '../support/platform.js';

/** Whether the page fits the viewport's width (nothing to scroll sideways on a phone). */
async function fitsWidth(page: Page): Promise<boolean> {
  // A string, evaluated in the page: the tests' TypeScript has no DOM types.
  return (await page.evaluate('document.documentElement.scrollWidth <= document.documentElement.clientWidth')) === true;
}

describe('usage charts in Chromium', () => {
  let t: TestPlatform;
  let demo: DemoSummary | undefined;
  let browser: Awaited<ReturnType<typeof launchBrowser>>;

  beforeAll(async () => {
    const started = await startDemoPlatform();
    t = started;
    demo = started.demo;
    browser = await launchBrowser();
    // The demo app calls the API of the instance it is integrated in.
    const base = `${t.baseUrl}/o/furfest`;
    const issued = await postForm(`${base}/api/oauth/token`, { grant_type: 'client_credentials', client_id: String(demo.app.clientId), client_secret: demo.app.clientSecret });
    expect(issued.status).toBe(200);
    const token = issued.json<TokenResponse>().access_token;
    const furfest = await t.platform.database.db.selectFrom('orgs').select('id').where('slug', '=', 'furfest').executeTakeFirstOrThrow();
    const user = await t.platform.database.db.selectFrom('users').select('id').where('org_id', '=', furfest.id).orderBy('id').executeTakeFirstOrThrow();
    for (const path of [`/api/v0/users/${user.id}`, `/api/v0/users/${user.id}`, '/api/v0/users/999999999']) {
      await request(`${base}${path}`, { headers: { authorization: `Bearer ${token}` } });
    }
    await t.platform.usage.flush();
  });
  afterAll(async () => {
    await browser.close();
    await t.stop();
  });

  it('a developer finds the usage of the app, reads the chart by its accessible name and its numbers, on a phone', async () => {
    const login = demo?.logins.find((l) => l.role === 'developer');
    if (login === undefined || demo === undefined) throw new Error('the demo has no developer');
    const page = await browser.context.newPage();
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(`${t.baseUrl}/portal`);
    await page.getByLabel('Email').fill(login.email);
    await page.getByLabel('Password').fill(login.password);
    await page.getByLabel('Password').press('Enter');
    await page.waitForURL(`${t.baseUrl}/portal`);
    await page.getByRole('link', { name: demo.app.name }).click();
    await page.getByRole('link', { name: 'Usage statistics' }).click();
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe(`Usage of ${demo.app.name}`);

    // The SVG is one image to assistive technology, named by its title and described by its desc.
    const chart = page.getByRole('img', { name: 'Requests per day, by status class' });
    expect(await chart.count()).toBe(1);
    expect(await chart.getAttribute('aria-labelledby')).toBe('usage-requests-title usage-requests-desc');
    expect(await page.locator('#usage-requests-desc').textContent()).toMatch(/^4 requests from .* 1 of them errors/);
    // It draws something: today's bar, of a 2xx and a 4xx segment.
    expect(await chart.locator('rect').count()).toBe(2);
    const box = await chart.boundingBox();
    expect(box?.width ?? 0).toBeGreaterThan(300);
    expect(box?.height ?? 0).toBeGreaterThan(100);

    // The numbers beside it: a region that takes the keyboard focus (so it can be scrolled), with today's row.
    const numbers = page.getByRole('region', { name: 'Requests per day, by status class: the numbers' });
    await numbers.focus();
    expect(await page.evaluate('document.activeElement.getAttribute("aria-label")')).toBe('Requests per day, by status class: the numbers');
    const today = new Date().toISOString().slice(0, 10);
    const row = numbers.getByRole('row', { name: new RegExp(`^${today}`) });
    expect(await row.getByRole('cell').allTextContents()).toEqual(['4', '3', '0', '1', '0', '0']);
    expect(await page.getByRole('img', { name: /^Latency per day/ }).count()).toBe(1);
    expect(await fitsWidth(page)).toBe(true);

    // The CSV link downloads a file.
    const download = page.waitForEvent('download');
    await page.getByRole('link', { name: 'per day', exact: true }).click();
    const file = await download;
    expect(file.suggestedFilename()).toMatch(new RegExp(`^usage-${demo.app.clientId}-by-day-.*\\.csv$`));
    await page.close();
  });
});
