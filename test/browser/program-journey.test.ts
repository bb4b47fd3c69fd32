import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/clock.js';
import type { Database } from '../../src/db/database.js';
import { createInstance, parseBaseUrl } from '../../src/instance/create-instance.js';
import { createOperator } from '../../src/platform/operators.js';
import { launchBrowser } from '../support/browser.js';
import { startTestPlatform, type TestPlatform } from '../support/platform.js';

const OPERATOR = { email: 'ops@example.org', password: 'operator password 1' };
const DEVELOPER = { email: 'mae@jemison.example', password: 'developer password 1' };

/**
 * The developer program walked in real Chromium: an operator signs in and invites a developer,
 * the developer applies through the emailed link, the operator approves, and the developer sees
 * the approved app in the portal. Only the keyboard submits the application form.
 */
describe('developer program journey in a browser', () => {
  let platform: TestPlatform;
  let database: Database;
  let origin: string;
  let operatorBrowser: Awaited<ReturnType<typeof launchBrowser>>;
  let developerBrowser: Awaited<ReturnType<typeof launchBrowser>>;

  beforeAll(async () => {
    platform = await startTestPlatform({}, {
      beforeListen: async (db) => {
        await createOperator(db, { email: OPERATOR.email, name: 'Olive Ops', password: OPERATOR.password }, { type: 'system', id: null }, systemClock);
        await createInstance(db, { slug: 'bigcon', name: 'Big Con', baseUrls: [parseBaseUrl('/o/bigcon', new URL('https://localhost'))] }, { type: 'system', id: null }, systemClock);
      },
    });
    database = platform.platform.database;
    origin = platform.baseUrl;
    // Two browsers: the operator and the developer share no cookies, as in life.
    [operatorBrowser, developerBrowser] = await Promise.all([launchBrowser(), launchBrowser()]);
  });
  afterAll(async () => {
    await Promise.all([operatorBrowser.close(), developerBrowser.close()]);
    await platform.stop();
  });

  const heading = (page: Page) => page.locator('h1').first().innerText();

  it('invite, apply, approve, and see the app approved in the portal', { timeout: 120_000 }, async () => {
    const operator = await operatorBrowser.context.newPage();
    await operator.goto(`${origin}/console`);
    // Not signed in: sent to the sign-in page.
    expect(new URL(operator.url()).pathname).toBe('/console/login');
    await operator.getByLabel('Email').fill(OPERATOR.email);
    await operator.getByLabel('Password').fill(OPERATOR.password);
    await operator.getByRole('button', { name: 'Sign in' }).click();
    await operator.getByRole('heading', { name: 'Review queue' }).waitFor();

    await operator.getByRole('link', { name: 'Invitations' }).click();
    await operator.getByLabel('Email').fill(DEVELOPER.email);
    await operator.getByLabel('Note to the invitee').fill('Looking forward to your app.');
    await operator.getByRole('button', { name: 'Send invitation' }).click();
    await operator.getByText('Invitation sent.').waitFor();
    expect(await operator.locator('table').innerText()).toContain(DEVELOPER.email);

    // The invitee reads the link in the email; the test reads it from the mail queue.
    const mail = await database.db.selectFrom('mail_messages').select('text_body').where('to_address', '=', DEVELOPER.email).where('kind', '=', 'invitation').executeTakeFirstOrThrow();
    const link = /https:\/\/\S+\/invitations\/cci_[\w-]+/.exec(mail.text_body)?.[0];
    if (link === undefined) throw new Error('no invitation link in the mail');
    expect(mail.text_body).toContain('Looking forward to your app.');

    const developer = await developerBrowser.context.newPage();
    await developer.setViewportSize({ width: 390, height: 844 });
    await developer.goto(link);
    expect(await heading(developer)).toBe('Apply to the developer program');
    expect(await developer.getByLabel('Email (your developer portal login)').inputValue()).toBe(DEVELOPER.email);
    await developer.getByLabel('Your name').fill('Mae Jemison');
    await developer.getByLabel('Company name').fill('Jemison Apps');
    await developer.getByLabel('Contact information').fill('mae@jemison.example');
    await developer.getByLabel('Application name').fill('Space Badges');
    await developer.getByLabel('What it will do').fill('Prints badges for attendees.');
    await developer.getByLabel('Big Con').check();
    await developer.getByLabel('Homepage').fill('https://jemison.example');
    // A mistake first: the page says what is wrong and keeps what was typed.
    await developer.getByLabel('Privacy policy').fill('http://jemison.example/privacy');
    await developer.getByLabel('Password', { exact: true }).fill(DEVELOPER.password);
    await developer.getByLabel('Password again').fill(DEVELOPER.password);
    await developer.getByRole('button', { name: 'Submit application' }).click();
    await developer.getByRole('alert').waitFor();
    expect(await developer.getByRole('alert').innerText()).toContain('Your privacy policy must start with https://');
    expect(await developer.getByLabel('Application name').inputValue()).toBe('Space Badges');
    expect(await developer.getByLabel('Big Con').isChecked()).toBe(true);

    await developer.getByLabel('Privacy policy').fill('https://jemison.example/privacy');
    await developer.getByLabel('Password', { exact: true }).fill(DEVELOPER.password);
    await developer.getByLabel('Password again').fill(DEVELOPER.password);
    await developer.getByLabel('Password again').press('Enter');
    await developer.getByRole('heading', { name: 'Application received' }).waitFor();
    expect(new URL(developer.url()).pathname).toBe('/invitations/submitted');
    // The page fits a phone: nothing wider than the screen.
    // A string, evaluated in the page: the test's own TypeScript has no DOM types.
    expect(await developer.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390);

    // The link is used up.
    await developer.goto(link);
    expect(await heading(developer)).toBe('Application already submitted');

    await operator.getByRole('link', { name: 'Review queue' }).click();
    await operator.getByRole('link', { name: 'Space Badges' }).click();
    expect(await operator.locator('main').innerText()).toContain('Prints badges for attendees.');
    await operator.getByRole('button', { name: 'Approve' }).click();
    await operator.getByText('Approved. The developer was emailed').waitFor();
    expect(await operator.locator('main').innerText()).not.toContain('ccs_');

    await developer.goto(`${origin}/portal/login`);
    await developer.getByLabel('Email').fill(DEVELOPER.email);
    await developer.getByLabel('Password').fill(DEVELOPER.password);
    await developer.getByRole('button', { name: 'Sign in' }).click();
    await developer.getByRole('link', { name: 'Space Badges' }).waitFor();
    const row = developer.getByRole('row', { name: /Space Badges/ });
    expect(await row.innerText()).toContain('Approved');
  });
});
