import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { systemClock } from '../../src/clock.js';
import type { Database } from '../../src/db/database.js';
import { addDepartment } from '../instance/event-data-fixtures.js';
import { addOrg, addUser } from '../instance/fixtures.js';
import { startTestPlatform, type TestPlatform } from '../support/platform.js';
import { WebClient } from '../support/web-client.js';

/** The volunteer application page at {instance}/account/volunteer over real HTTPS. */
describe('account volunteer pages', () => {
  const PASSWORD = 'volunteer test password';
  let t: TestPlatform;
  let database: Database;
  const ids: Record<'ada' | 'bea' | 'cy' | 'ann', number> = { ada: 0, bea: 0, cy: 0, ann: 0 };
  let furfestOrg = 0;
  let security = 0;
  let elsewhere = 0;
  let shirt = 0;

  beforeAll(async () => {
    t = await startTestPlatform(
      {},
      {
        beforeListen: async (db) => {
          const furfest = await addOrg(db, 'furfest', 'Lakeshore FurFest', systemClock);
          const animecon = await addOrg(db, 'animecon', 'Harborview Anime Con', systemClock);
          furfestOrg = furfest.orgId;
          for (const name of ['ada', 'bea', 'cy'] as const) ids[name] = await addUser(db.db, furfest.orgId, name, PASSWORD, systemClock);
          ids.ann = await addUser(db.db, animecon.orgId, 'ann', PASSWORD, systemClock);
          const between = await addOrg(db, 'between', 'Between Cons', systemClock);
          await db.db.updateTable('conventions').set({ is_current: 0 }).where('org_id', '=', between.orgId).execute();
          await addUser(db.db, between.orgId, 'bo', PASSWORD, systemClock);
          security = await addDepartment(db.db, furfest.orgId, 'Security');
          elsewhere = await addDepartment(db.db, animecon.orgId, 'Cosplay Desk');
          const stamp = '2026-05-01T09:00:00.000Z';
          const row = await db.db
            .insertInto('option_definitions')
            .values({ org_id: furfest.orgId, convention_id: furfest.currentConventionId, target: 'volunteer', name: 'Shirt size', type: 'select', choices: '["S","M","L"]', required: 1, min_value: null, max_value: null, max_length: null, sort_order: 0, created_at: stamp, updated_at: stamp })
            .returning('id')
            .executeTakeFirstOrThrow();
          shirt = row.id;
        },
      },
    );
    database = t.platform.database;
  });
  afterAll(async () => {
    await t.stop();
  });

  const path = '/o/furfest/account/volunteer';

  async function signIn(slug: string, login: string): Promise<WebClient> {
    const client = new WebClient(t.baseUrl);
    await client.get(`/o/${slug}/login`);
    const response = await client.post(`/o/${slug}/login`, { login, password: PASSWORD, next: '/account/volunteer' });
    expect(response.status).toBe(303);
    return client;
  }

  const version = (body: string) => /name="version" value="([^"]*)"/.exec(body)?.[1] ?? 'missing';
  const application = () => ({
    'contactName-0': 'email',
    'contactValue-0': 'ada@example.org',
    'contactName-1': 'discord',
    'contactValue-1': 'ada#1',
    primaryContact: '0',
    [`experience-${security}`]: 'yes',
    [`leaning-${security}`]: 'interest',
    [`option-${shirt}`]: 'M',
    availableBeforeCon: 'yes',
    previousConExperience: 'Ops 2024',
  });
  const eventsAbout = (id: number) => database.db.selectFrom('events').select('type').where('org_id', '=', furfestOrg).where('subject_id', '=', String(id)).orderBy('id').execute();

  test('visitors without a session are sent to sign in; a POST without a CSRF token is refused', async () => {
    const response = await new WebClient(t.baseUrl).get(path);
    expect(response.status).toBe(303);
    expect(response.headers.location).toBe('/o/furfest/login?next=%2Faccount%2Fvolunteer');
    expect((await new WebClient(t.baseUrl).post(path, application())).status).toBe(403);
    expect((await new WebClient(t.baseUrl).post(`${path}/withdraw`, { version: 'x' })).status).toBe(403);
    const ann = await signIn('animecon', 'ann');
    expect((await ann.get(path)).headers.location).toMatch(/^\/o\/furfest\/login/);
  });

  test('apply, change, withdraw after confirming: one event each; a forged token changes nothing', async () => {
    const ada = await signIn('furfest', 'ada');
    const empty = await ada.get(path);
    expect(empty.status).toBe(200);
    expect(empty.body).toContain('href="/o/furfest/account/volunteer" aria-current="page">Volunteer</a>');
    expect(empty.body).toContain('<legend>Security</legend>');
    expect(empty.body).not.toContain('Cosplay Desk');
    expect(empty.body).toContain('Apply to volunteer</button>');
    expect((await ada.post(path, { ...application(), _csrf: 'forged' })).status).toBe(403);

    const submitted = await ada.post(path, application());
    expect(submitted.status).toBe(303);
    expect(submitted.headers.location).toBe('/o/furfest/account/volunteer?done=submitted');
    const page = await ada.get(submitted.headers.location ?? '');
    expect(page.body).toContain('Thank you for applying to volunteer!');
    expect(page.body).toContain('name="contactValue-1" value="ada#1"');
    expect(page.body).toContain(`name="leaning-${security}" value="interest" checked`);
    expect(page.body).toContain('<option value="M" selected>M</option>');

    const unchanged = await ada.post(path, { ...application(), version: version(page.body) });
    expect(unchanged.headers.location).toBe('/o/furfest/account/volunteer?done=unchanged');
    const saved = await ada.post(path, { ...application(), primaryContact: '1', [`leaning-${security}`]: 'avoid', version: version(page.body) });
    expect(saved.headers.location).toBe('/o/furfest/account/volunteer?done=saved');
    const changed = await ada.get(path);
    expect(changed.body).toContain('name="primaryContact" value="0" checked');
    expect(changed.body).toContain('name="contactName-0" value="discord"');

    const confirm = await ada.get(`${path}/withdraw`);
    expect(confirm.status).toBe(200);
    expect(confirm.body).toContain('<h1>Withdraw your volunteer application?</h1>');
    const withdrawn = await ada.post(`${path}/withdraw`, { version: version(confirm.body) });
    expect(withdrawn.headers.location).toBe('/o/furfest/account/volunteer?done=withdrawn');
    expect((await eventsAbout(ids.ada)).map((e) => e.type)).toEqual(['volunteer-submitted', 'volunteer-updated', 'volunteer-deleted']);
    expect((await ada.get(`${path}/withdraw`)).headers.location).toBe(path);
  });

  test('invalid input: 400 with messages and the typed values; crafted departments and questions refused; no event', async () => {
    const bea = await signIn('furfest', 'bea');
    await bea.get(path);
    const response = await bea.post(path, { ...application(), 'contactValue-0': '', [`option-${shirt}`]: 'XXL', anythingElse: '<b>hi</b>' });
    expect(response.status).toBe(400);
    expect(response.body).toContain('Enter your email address or handle.');
    expect(response.body).toContain(`id="f-option-${shirt}-error">Choose one of the answers offered for “Shirt size”.`);
    expect(response.body).toContain('&#60;b&#62;hi&#60;/b&#62;');
    expect(response.body).not.toContain('<b>hi</b>');
    const crafted = await bea.post(path, { ...application(), [`leaning-${elsewhere}`]: 'interest', 'option-99999': 'x', [`option-${shirt}`]: ['S', 'M'] });
    expect(crafted.status).toBe(400);
    expect(crafted.body).toContain('One of the departments chosen is not open to volunteers here.');
    expect(crafted.body).toContain('This question is not asked here (any more).');
    const oversized = await bea.post(path, { ...application(), anythingElse: 'x'.repeat(5000), 'contactName-0': 'e'.repeat(100) });
    expect(oversized.status).toBe(400);
    expect(await eventsAbout(ids.bea)).toEqual([]);
  });

  test('without a current convention there is nothing to apply for: 404 with an explanation, nothing written', async () => {
    const bo = await signIn('between', 'bo');
    const page = await bo.get('/o/between/account/volunteer');
    expect(page.status).toBe(404);
    expect(page.body).toContain('There is no upcoming convention to volunteer for yet.');
    expect((await bo.post('/o/between/account/volunteer', application())).status).toBe(404);
    expect((await bo.post('/o/between/account/volunteer/withdraw', { version: 'x' })).status).toBe(404);
  });

  test('an edit or a withdrawal from an outdated page is refused with 409, not saved over the newer one', async () => {
    const cy = await signIn('furfest', 'cy');
    await cy.get(path);
    expect((await cy.post(path, application())).status).toBe(303);
    const tab = await cy.get(path);
    const old = version(tab.body);
    expect((await cy.post(path, { ...application(), anythingElse: 'first', version: old })).status).toBe(303);
    const stale = await cy.post(path, { ...application(), anythingElse: 'second', version: old });
    expect(stale.status).toBe(409);
    expect(stale.body).toContain('Your application was changed elsewhere');
    expect(stale.body).toContain('>second</textarea>');
    expect(version(stale.body)).not.toBe(old);
    const again = await cy.post(path, application());
    expect(again.status).toBe(409);
    expect(again.body).toContain('You have already applied');
    const staleWithdrawal = await cy.post(`${path}/withdraw`, { version: old });
    expect(staleWithdrawal.status).toBe(409);
    expect(staleWithdrawal.body).toContain('Your application was changed after you opened this page.');
    const row = await database.db.selectFrom('volunteers').select('anything_else').where('user_id', '=', ids.cy).executeTakeFirstOrThrow();
    expect(row.anything_else).toBe('first');
    expect((await eventsAbout(ids.cy)).map((e) => e.type)).toEqual(['volunteer-submitted', 'volunteer-updated']);
  });
});
