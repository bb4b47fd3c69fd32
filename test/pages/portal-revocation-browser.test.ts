import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import { launchBrowser } from '../support/browser.js';
import { startTestPlatform, type TestPlatform } from '../support/platform.js';
import { insertApp, insertDeveloper, insertIntegration } from './portal-fixtures.js';

const PASSWORD = 'developer password 1';

/** Whether the page fits the viewport's width (nothing to scroll sideways on a phone). */
async function fitsWidth(page: Page): Promise<boolean> {
  // A string, evaluated in the page: the tests' TypeScript has no DOM types.
  return (await page.evaluate('document.documentElement.scrollWidth <= document.documentElement.clientWidth')) === true;
}

describe('revoking an app in Chromium', () => {
  let t: TestPlatform;
  let browser: Awaited<ReturnType<typeof launchBrowser>>;
  const clock = new ManualClock(new Date());
  let appId = 0;

  beforeAll(async () => {
    t = await startTestPlatform({}, {
      clock,
      beforeListen: async (database) => {
        const developer = await insertDeveloper(database.db, clock, { email: 'revoker@example.net', password: PASSWORD });
        appId = (await insertApp(database.db, clock, developer.id, { status: 'approved', name: 'Door Counter' })).id;
        await insertIntegration(database, clock, { slug: 'bigcon', name: 'Big Con', appId, scopes: ['user:read'], oboEnabled: false });
        await insertIntegration(database, clock, { slug: 'smallcon', name: 'Small Con', appId, scopes: ['user:read'], oboEnabled: false });
      },
    });
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser.close();
    await t.stop();
  });

  it('a developer revokes their app after typing its name, then attests the deletion for one event', async () => {
    const page = await browser.context.newPage();
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(`${t.baseUrl}/portal/login`);
    await page.getByLabel('Email').fill('revoker@example.net');
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByLabel('Password').press('Enter');
    await page.waitForURL(`${t.baseUrl}/portal`);

    await page.getByRole('link', { name: 'Door Counter' }).click();
    await page.getByRole('link', { name: 'Revoke this app…' }).click();
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Revoke Door Counter?');
    expect(await fitsWidth(page)).toBe(true);

    // A slip of the hand: the wrong name is refused and the reason kept.
    await page.getByLabel('To confirm, type the app’s name: Door Counter').fill('Door');
    await page.getByLabel('Why are you revoking it?').fill('We stop the product.');
    await page.getByRole('button', { name: 'Revoke this app' }).click();
    expect(await page.getByRole('alert').textContent()).toContain('Type the app’s name exactly as shown: Door Counter');
    expect(await page.getByLabel('Why are you revoking it?').inputValue()).toBe('We stop the product.');

    await page.getByLabel('To confirm, type the app’s name: Door Counter').fill('Door Counter');
    await page.getByRole('button', { name: 'Revoke this app' }).click();
    await page.waitForURL(`${t.baseUrl}/portal/apps/${appId}?notice=revoked`);
    expect(await page.getByRole('status').first().textContent()).toContain('The app is revoked.');
    expect(await page.getByRole('heading', { name: 'Revoked', level: 2 }).count()).toBe(1);
    expect(await page.getByText('We stop the product.', { exact: true }).count()).toBe(1);
    expect(await fitsWidth(page)).toBe(true);

    // Attest one event: the box is required, the statement optional.
    const bigCon = page.getByRole('article', { name: 'Big Con' });
    await bigCon.getByLabel('Statement').fill('Deleted the attendee table and its backups.');
    await bigCon.getByRole('button', { name: 'Confirm the deletion for Big Con' }).click();
    expect(await page.getByRole('alert').first().textContent()).toContain('Tick the box to confirm that the data is deleted');
    const again = page.getByRole('article', { name: 'Big Con' });
    expect(await again.getByLabel('Statement').inputValue()).toBe('Deleted the attendee table and its backups.');
    await again.getByLabel('I confirm that all event data of Big Con the app stored is deleted, backups included').check();
    await again.getByRole('button', { name: 'Confirm the deletion for Big Con' }).click();
    await page.waitForURL(/notice=deletion-attested/);
    expect(await page.getByRole('status').first().textContent()).toContain('the deletion is confirmed');
    expect(await page.getByRole('article', { name: 'Big Con' }).textContent()).toContain('Attested on');
    expect(await page.getByRole('article', { name: 'Small Con' }).getByRole('button', { name: 'Confirm the deletion for Small Con' }).count()).toBe(1);

    const duties = await t.platform.database.db.selectFrom('deletion_duties').innerJoin('orgs', 'orgs.id', 'deletion_duties.org_id').select(['orgs.name', 'deletion_duties.status', 'deletion_duties.statement']).orderBy('orgs.name').execute();
    expect(duties).toEqual([
      { name: 'Big Con', status: 'attested', statement: 'Deleted the attendee table and its backups.' },
      { name: 'Small Con', status: 'open', statement: '' },
    ]);
    await page.close();
  });
});
