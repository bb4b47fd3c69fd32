import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/clock.js';
import { addOrg, addUser } from '../instance/fixtures.js';
import { addRegistrationForm } from '../instance/registration-form-fixtures.js';
import { launchBrowser, submitInstanceSignIn } from '../support/browser.js';
import { startTestPlatform, type TestPlatform } from '../support/platform.js';

const PASSWORD = 'correct horse battery staple';

describe('the registration page in Chromium', () => {
  let t: TestPlatform;
  let browser: Awaited<ReturnType<typeof launchBrowser>>;
  let userId = 0;

  beforeAll(async () => {
    t = await startTestPlatform({}, {
      beforeListen: async (database) => {
        const furfest = await addOrg(database, 'furfest', 'Lakeshore FurFest', systemClock);
        await addRegistrationForm(database.db, furfest.orgId, furfest.currentConventionId);
        userId = await addUser(database.db, furfest.orgId, 'alice', PASSWORD, systemClock);
      },
    });
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser.close();
    await t.stop();
  });

  it('a user registers from the account area, fixes a mistake the form points out, and sees the registration saved', async () => {
    const base = `${t.baseUrl}/o/furfest`;
    const page = await browser.context.newPage();
    await page.goto(`${base}/account/registration`);
    await submitInstanceSignIn(page, 'alice', PASSWORD);
    await page.waitForURL(`${base}/account/registration`);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Registration for Lakeshore FurFest 2026');

    await page.getByLabel('sponsor').check();
    await page.getByLabel('Badge name').fill('Alice the Fox');
    await page.getByRole('group', { name: 'Dietary Needs' }).getByLabel('Vegan').check();
    await page.getByLabel('Hotel Nights').fill('9');
    await page.getByRole('button', { name: 'Register' }).click();

    // Refused with each problem next to its field, and everything chosen still there.
    expect(await page.getByRole('alert').textContent()).toContain('Answer “Shirt Size”.');
    expect(await page.getByLabel('Hotel Nights').getAttribute('aria-invalid')).toBe('true');
    expect(await page.getByLabel('Badge name').inputValue()).toBe('Alice the Fox');
    expect(await page.getByLabel('sponsor').isChecked()).toBe(true);
    expect(await page.getByRole('group', { name: 'Dietary Needs' }).getByLabel('Vegan').isChecked()).toBe(true);

    await page.getByLabel('Shirt Size').selectOption('L');
    await page.getByLabel('Hotel Nights').fill('3');
    await page.getByRole('button', { name: 'Register' }).click();
    await page.waitForURL(`${base}/account/registration?done=registered`);
    expect(await page.getByRole('status').first().textContent()).toContain('You are registered.');
    expect(await page.getByText('Registered, not paid yet').count()).toBe(1);

    // Still saved after a fresh load, and editable.
    await page.reload();
    expect(await page.getByLabel('Badge name').inputValue()).toBe('Alice the Fox');
    expect(await page.getByLabel('Shirt Size').inputValue()).toBe('L');
    expect(await page.getByLabel('Hotel Nights').inputValue()).toBe('3');
    await page.getByLabel('Badge name').fill('Alice');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.waitForURL(`${base}/account/registration?done=saved`);
    const stored = await t.platform.database.db.selectFrom('registrations').select(['badge_name', 'status', 'version']).where('user_id', '=', userId).executeTakeFirstOrThrow();
    expect(stored).toEqual({ badge_name: 'Alice', status: 'unpaid', version: 2 });
    await page.close();
  });
});
