import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/clock.js';
import { addOrg, addUser } from '../instance/fixtures.js';
import { launchBrowser, submitInstanceSignIn } from '../support/browser.js';
import { startTestPlatform, type TestPlatform } from '../support/platform.js';

const PASSWORD = 'correct horse battery staple';

describe('the profile page in Chromium', () => {
  let t: TestPlatform;
  let browser: Awaited<ReturnType<typeof launchBrowser>>;
  let userId = 0;

  beforeAll(async () => {
    t = await startTestPlatform({}, {
      beforeListen: async (database) => {
        const furfest = await addOrg(database, 'furfest', 'Lakeshore FurFest', systemClock);
        userId = await addUser(database.db, furfest.orgId, 'alice', PASSWORD, systemClock);
      },
    });
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser.close();
    await t.stop();
  });

  it('a user signs in from the front page, fixes a mistake the form points out, and sees the profile saved', async () => {
    const base = `${t.baseUrl}/o/furfest`;
    const page = await browser.context.newPage();
    await page.goto(`${base}/`);
    await page.getByRole('link', { name: 'Your profile' }).click();
    await submitInstanceSignIn(page, 'alice', PASSWORD);
    await page.waitForURL(`${base}/account/profile`);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Your profile');

    await page.getByLabel('Preferred name').fill('Ali');
    await page.getByLabel('Phone').fill('555 0100');
    await page.getByLabel('City').fill('Rosemont');
    await page.getByLabel('Country').fill('us');
    await page.getByLabel('Send me the newsletter').check();
    await page.getByRole('button', { name: 'Save profile' }).click();

    // Refused with the problem next to the field, and everything typed still there.
    expect(await page.locator('#f-phone-error').textContent()).toContain('international format');
    expect(await page.getByLabel('Phone').getAttribute('aria-invalid')).toBe('true');
    expect(await page.getByLabel('City').inputValue()).toBe('Rosemont');
    expect(await page.getByLabel('Send me the newsletter').isChecked()).toBe(true);

    await page.getByLabel('Phone').fill('+1 555 555 0100');
    await page.getByRole('button', { name: 'Save profile' }).click();
    await page.waitForURL(`${base}/account/profile?done=saved`);
    expect(await page.getByRole('status').first().textContent()).toContain('Your profile is saved.');
    expect(await page.getByLabel('Preferred name').inputValue()).toBe('Ali');
    expect(await page.getByLabel('Phone').inputValue()).toBe('+15555550100');
    expect(await page.getByLabel('Country').inputValue()).toBe('US');

    // Still saved after a fresh load.
    await page.reload();
    expect(await page.getByLabel('City').inputValue()).toBe('Rosemont');
    const stored = await t.platform.database.db.selectFrom('users').select(['preferred_name', 'phone', 'newsletter']).where('id', '=', userId).executeTakeFirstOrThrow();
    expect(stored).toEqual({ preferred_name: 'Ali', phone: '+15555550100', newsletter: 1 });
    await page.close();
  });
});
