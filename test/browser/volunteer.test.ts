import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/clock.js';
import { addDepartment } from '../instance/event-data-fixtures.js';
import { addOrg, addUser } from '../instance/fixtures.js';
import { launchBrowser, submitInstanceSignIn } from '../support/browser.js';
import { startTestPlatform, type TestPlatform } from '../support/platform.js';

const PASSWORD = 'correct horse battery staple';

describe('the volunteer application in Chromium', () => {
  let t: TestPlatform;
  let browser: Awaited<ReturnType<typeof launchBrowser>>;
  let userId = 0;

  beforeAll(async () => {
    t = await startTestPlatform({}, {
      beforeListen: async (database) => {
        const furfest = await addOrg(database, 'furfest', 'Lakeshore FurFest', systemClock);
        userId = await addUser(database.db, furfest.orgId, 'alice', PASSWORD, systemClock);
        await addDepartment(database.db, furfest.orgId, 'Security');
        await addDepartment(database.db, furfest.orgId, 'Art Show');
        const stamp = '2026-05-01T09:00:00.000Z';
        await database.db
          .insertInto('option_definitions')
          .values({ org_id: furfest.orgId, convention_id: furfest.currentConventionId, target: 'volunteer', name: 'Shirt size', type: 'select', choices: '["S","M","L"]', required: 1, min_value: null, max_value: null, max_length: null, sort_order: 0, created_at: stamp, updated_at: stamp })
          .execute();
      },
    });
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser.close();
    await t.stop();
  });

  it('a user applies, fixes what the form points out, changes a preference, and withdraws after confirming', async () => {
    const base = `${t.baseUrl}/o/furfest`;
    const page = await browser.context.newPage();
    await page.goto(`${base}/account/volunteer`);
    await submitInstanceSignIn(page, 'alice', PASSWORD);
    await page.waitForURL(`${base}/account/volunteer`);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Volunteer');

    const first = page.getByRole('group', { name: 'Contact method 1' });
    await first.getByLabel('Address or handle').fill('alice@example.org');
    const second = page.getByRole('group', { name: 'Contact method 2' });
    await second.getByLabel('Method 2').fill('discord');
    await second.getByLabel('Address or handle').fill('alice#7');
    const security = page.getByRole('group', { name: 'Security' });
    await security.getByLabel('I have experience in Security').check();
    await security.getByLabel('I would like to help here').check();
    await page.getByRole('group', { name: 'Art Show' }).getByLabel('Please do not put me here').check();
    await page.getByLabel('I can help before the convention starts (setup)').check();
    await page.getByRole('button', { name: 'Apply to volunteer' }).click();

    // The required question was not answered: refused, everything typed still there.
    expect(await page.locator('#error-summary').textContent()).toContain('Answer “Shirt size”.');
    expect(await second.getByLabel('Address or handle').inputValue()).toBe('alice#7');
    expect(await security.getByLabel('I would like to help here').isChecked()).toBe(true);
    await page.getByLabel('Shirt size').selectOption('M');
    await page.getByRole('button', { name: 'Apply to volunteer' }).click();
    await page.waitForURL(`${base}/account/volunteer?done=submitted`);
    expect(await page.getByRole('status').first().textContent()).toContain('Thank you for applying to volunteer!');

    await page.getByRole('group', { name: 'Art Show' }).getByLabel('No preference').check();
    await page.getByRole('group', { name: 'Contact method 2' }).getByLabel('Contact me this way first').check();
    await page.getByRole('button', { name: 'Save application' }).click();
    await page.waitForURL(`${base}/account/volunteer?done=saved`);
    expect(await page.getByRole('group', { name: 'Art Show' }).getByLabel('No preference').isChecked()).toBe(true);
    expect(await page.getByRole('group', { name: 'Contact method 1' }).getByLabel('Method 1').inputValue()).toBe('discord');

    await page.getByRole('button', { name: 'Withdraw application…' }).click();
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Withdraw your volunteer application?');
    await page.getByRole('button', { name: 'Withdraw application' }).click();
    await page.waitForURL(`${base}/account/volunteer?done=withdrawn`);
    expect(await page.getByRole('status').first().textContent()).toContain('Your volunteer application is withdrawn.');
    expect(await page.getByRole('button', { name: 'Apply to volunteer' }).isVisible()).toBe(true);

    const events = await t.platform.database.db.selectFrom('events').select('type').where('subject_id', '=', String(userId)).orderBy('id').execute();
    expect(events.map((e) => e.type)).toEqual(['volunteer-submitted', 'volunteer-updated', 'volunteer-deleted']);
    await page.close();
  });
});
