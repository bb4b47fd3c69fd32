import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/clock.js';
import { addFlag, addProduct, addRegistration, eventsOf } from '../instance/event-data-fixtures.js';
import { addOrg, addUser, grantRole } from '../instance/fixtures.js';
import { launchBrowser, submitInstanceSignIn } from '../support/browser.js';
import { startTestPlatform, type TestPlatform } from '../support/platform.js';

const PASSWORD = 'registration desk password';

describe('Housekeeping staff tools in Chromium', () => {
  let t: TestPlatform;
  let browser: Awaited<ReturnType<typeof launchBrowser>>;
  let world: { orgId: number; staffId: number; registrationId: number; flagId: number };

  beforeAll(async () => {
    let made: typeof world | undefined;
    t = await startTestPlatform({}, {
      beforeListen: async (database) => {
        const db = database.db;
        const furfest = await addOrg(database, 'furfest', 'Lakeshore FurFest', systemClock);
        const staffId = await addUser(db, furfest.orgId, 'desk', PASSWORD, systemClock);
        await grantRole(db, furfest.orgId, staffId, ['registration:manage'], systemClock);
        const attendee = await addUser(db, furfest.orgId, 'kit', null, systemClock);
        const product = await addProduct(db, furfest.orgId, furfest.currentConventionId, 'attendee');
        const registrationId = await addRegistration(db, furfest.orgId, furfest.currentConventionId, attendee, product, { badgeName: 'Kit the Fox' });
        const flagId = await addFlag(db, furfest.orgId, 'fursuits');
        made = { orgId: furfest.orgId, staffId, registrationId, flagId };
      },
    });
    if (made === undefined) throw new Error('the fixtures were not created');
    world = made;
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser.close();
    await t.stop();
  });

  it('a staff user finds a registration, marks it paid and adds a flag', async () => {
    const base = `${t.baseUrl}/o/furfest`;
    const page = await browser.context.newPage();
    await page.goto(`${base}/housekeeping`);
    await submitInstanceSignIn(page, 'desk', PASSWORD);
    await page.waitForURL(`${base}/housekeeping`);

    await page.getByRole('navigation').getByRole('link', { name: 'Registrations' }).click();
    await page.getByLabel('Name, username, email or badge name').fill('kit the');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.getByRole('link', { name: 'kit' }).click();
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Registration of kit');

    await page.getByLabel('Paid', { exact: true }).check();
    await page.getByLabel('fursuits').check();
    await page.getByRole('button', { name: 'Save registration' }).click();
    await page.waitForURL(`${base}/housekeeping/registrations/${world.registrationId}?done=changed`);
    expect(await page.getByRole('status').first().textContent()).toContain('Registration saved.');
    expect(await page.getByLabel('Paid', { exact: true }).isChecked()).toBe(true);
    expect(await page.getByLabel('fursuits').isChecked()).toBe(true);

    const events = await eventsOf(t.platform.database.db, world.orgId);
    expect(events.filter((e) => e.type === 'registration-updated').map((e) => [e.actorType, e.actorId])).toEqual([['user', String(world.staffId)]]);
    await page.close();
  });
});
