import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { systemClock } from '../../src/clock.js';
import type { Database } from '../../src/db/database.js';
import { addProduct } from '../instance/event-data-fixtures.js';
import { addOrg, addUser } from '../instance/fixtures.js';
import { addRegistrationForm, type RegistrationFormFixture } from '../instance/registration-form-fixtures.js';
import { startTestPlatform, type TestPlatform } from '../support/platform.js';
import { WebClient } from '../support/web-client.js';

/** The registration page at {instance}/account/registration, over real HTTPS. */
describe('account registration page', () => {
  const PASSWORD = 'registration test password';
  const path = '/o/furfest/account/registration';
  let t: TestPlatform;
  let database: Database;
  let form: RegistrationFormFixture;
  let elsewhereProduct = 0;
  const ids: Record<'ada' | 'bea' | 'cy' | 'dee' | 'ann', number> = { ada: 0, bea: 0, cy: 0, dee: 0, ann: 0 };

  beforeAll(async () => {
    t = await startTestPlatform({}, {
      beforeListen: async (db) => {
        const furfest = await addOrg(db, 'furfest', 'Lakeshore FurFest', systemClock);
        const animecon = await addOrg(db, 'animecon', 'Harborview Anime Con', systemClock);
        form = await addRegistrationForm(db.db, furfest.orgId, furfest.currentConventionId);
        elsewhereProduct = await addProduct(db.db, animecon.orgId, animecon.currentConventionId, 'attendee');
        for (const name of ['ada', 'bea', 'cy', 'dee'] as const) ids[name] = await addUser(db.db, furfest.orgId, name, PASSWORD, systemClock);
        ids.ann = await addUser(db.db, animecon.orgId, 'ann', PASSWORD, systemClock);
      },
    });
    database = t.platform.database;
  });
  afterAll(async () => {
    await t.stop();
  });

  async function signIn(slug: string, login: string): Promise<WebClient> {
    const client = new WebClient(t.baseUrl);
    await client.get(`/o/${slug}/login`);
    const response = await client.post(`/o/${slug}/login`, { login, password: PASSWORD, next: '/account/registration' });
    expect(response.status).toBe(303);
    return client;
  }

  const field = (id: number) => `option-${id}`;
  const answers = () => ({ productId: String(form.levels.attendee), badgeName: 'Kit', [field(form.options.shirt)]: 'M', [field(form.options.diet)]: ['Vegan', 'Halal'], [field(form.options.species)]: 'Fox', [field(form.options.nights)]: '2' });
  const registrationOf = (userId: number) => database.db.selectFrom('registrations').selectAll().where('user_id', '=', userId).executeTakeFirst();
  const eventsAbout = (userId: number) => database.db.selectFrom('events').selectAll().where('subject_type', '=', 'user').where('subject_id', '=', String(userId)).execute();
  const versionIn = (body: string) => /name="version" value="(\d*)"/.exec(body)?.[1] ?? 'missing';

  test('visitors without a session are sent to sign in, and a post without a session is refused', async () => {
    const response = await new WebClient(t.baseUrl).get(path);
    expect(response.status).toBe(303);
    expect(response.headers.location).toBe('/o/furfest/login?next=%2Faccount%2Fregistration');
    expect((await new WebClient(t.baseUrl).post(path, answers())).status).toBe(403);
    const ann = await signIn('animecon', 'ann');
    expect((await ann.get(path)).headers.location).toMatch(/^\/o\/furfest\/login/);
  });

  test('the empty form offers the badge levels and the options, linked from the account navigation', async () => {
    const ada = await signIn('furfest', 'ada');
    const page = await ada.get(path);
    expect(page.status).toBe(200);
    expect(page.body).toContain('<h1>Registration for Lakeshore FurFest 2026</h1>');
    expect(page.body).toContain('href="/o/furfest/account/registration" aria-current="page">Registration</a>');
    expect(page.body).toContain(`<input type="radio" name="productId" value="${form.levels.sponsor}">`);
    expect(page.body).toContain(`<select id="f-${field(form.options.shirt)}" name="${field(form.options.shirt)}">`);
    expect(page.body).toContain(`<input type="checkbox" name="${field(form.options.diet)}" value="Nut allergy">`);
    expect(page.body).toContain('A number, at least 0, at most 5.');
    expect(versionIn(page.body)).toBe('');
    expect(page.body).toContain('<button type="submit">Register</button>');
    expect((await ada.get('/o/furfest/account/profile')).body).toContain('href="/o/furfest/account/registration">Registration</a>');
  });

  test('registering saves an unpaid registration and one event; the page then shows it for editing', async () => {
    const bea = await signIn('furfest', 'bea');
    await bea.get(path);
    const response = await bea.post(path, answers());
    expect(response.status).toBe(303);
    expect(response.headers.location).toBe(`${path}?done=registered`);
    const page = await bea.get(response.headers.location ?? '');
    expect(page.body).toContain('You are registered.');
    expect(page.body).toContain('Registered, not paid yet');
    expect(page.body).toContain(`value="${form.levels.attendee}" checked`);
    expect(page.body).toContain('<option value="M" selected>M</option>');
    expect(page.body).toContain('value="Halal" checked');
    expect(page.body).toContain('<button type="submit">Save changes</button>');
    expect(versionIn(page.body)).toBe('1');
    expect(await registrationOf(ids.bea)).toMatchObject({ status: 'unpaid', badge_name: 'Kit', product_id: form.levels.attendee, version: 1 });
    expect((await eventsAbout(ids.bea)).map((e) => e.type)).toEqual(['registration-updated']);

    // The same registration form posted again (another tab): nothing new, the saved registration shown.
    const twice = await bea.post(path, { ...answers(), badgeName: 'Other' });
    expect(twice.status).toBe(409);
    expect(twice.body).toContain('You are already registered');
    expect(twice.body).toContain('value="Kit"');

    const edited = await bea.post(path, { ...answers(), version: '1', badgeName: 'Bea the Bat', [field(form.options.diet)]: [] });
    expect(edited.headers.location).toBe(`${path}?done=saved`);
    expect(await registrationOf(ids.bea)).toMatchObject({ badge_name: 'Bea the Bat', version: 2 });
    const unchanged = await bea.post(path, { ...answers(), version: '2', badgeName: 'Bea the Bat', [field(form.options.diet)]: [] });
    expect(unchanged.headers.location).toBe(`${path}?done=unchanged`);
    expect(await eventsAbout(ids.bea)).toHaveLength(2);
  });

  test('invalid choices: 400, each error next to its field, what was typed kept, nothing saved', async () => {
    const cy = await signIn('furfest', 'cy');
    await cy.get(path);
    const response = await cy.post(path, { ...answers(), productId: String(elsewhereProduct), badgeName: '<b>Kit</b>\u0007', [field(form.options.shirt)]: 'XXL', [field(form.options.nights)]: 'lots', [field(form.options.species)]: 'x'.repeat(5000) });
    expect(response.status).toBe(400);
    expect(response.body).toContain('<div class="field-error" id="f-productId-error">Choose one of the badge levels offered for this convention.</div>');
    expect(response.body).toContain('id="f-badgeName-error">Badge name must not contain control characters.');
    expect(response.body).toContain(`id="f-${field(form.options.shirt)}-error">Choose one of the answers offered for “Shirt Size”.`);
    expect(response.body).toContain(`id="f-${field(form.options.nights)}-error">Enter a number for “Hotel Nights”.`);
    expect(response.body).toContain(`id="f-${field(form.options.species)}-error">The answer to “Species” can be at most 10 characters long.`);
    expect(response.body).toContain('value="lots"');
    expect(response.body).not.toContain('<b>Kit</b>');
    expect(await registrationOf(ids.cy)).toBeUndefined();
    expect(await eventsAbout(ids.cy)).toEqual([]);
  });

  test('odd bodies: forged CSRF refused, duplicated fields read as their first, empty and malformed posts never a 500', async () => {
    const dee = await signIn('furfest', 'dee');
    await dee.get(path);
    expect((await dee.post(path, { ...answers(), _csrf: 'forged' })).status).toBe(403);
    expect((await dee.post(path, {})).status).toBe(400);
    expect((await dee.post(path, { ...answers(), productId: '99999999999' })).status).toBe(400);
    const duplicated = await dee.post(path, { ...answers(), badgeName: ['Dee', 'Other'], [field(form.options.diet)]: ['Vegan', 'Vegan'] });
    expect(duplicated.status).toBe(303);
    const saved = await registrationOf(ids.dee);
    expect(saved?.badge_name).toBe('Dee');
    expect(JSON.parse(saved?.option_values ?? '{}')).toMatchObject({ [form.options.diet]: ['Vegan'] });
    expect((await dee.post(path, { ...answers(), version: 'abc' })).status).toBe(409);
  });

  test('an edit from an outdated page is refused with 409 and the typed values, against the newer version', async () => {
    const dee = await signIn('furfest', 'dee');
    const page = await dee.get(path);
    const version = versionIn(page.body);
    const first = await dee.post(path, { ...answers(), version, badgeName: 'Dee One' });
    expect(first.status).toBe(303);
    const stale = await dee.post(path, { ...answers(), version, badgeName: 'Dee Two' });
    expect(stale.status).toBe(409);
    expect(stale.body).toContain('was changed elsewhere');
    expect(stale.body).toContain('value="Dee Two"');
    expect(versionIn(stale.body)).toBe(String(Number(version) + 1));
    expect((await registrationOf(ids.dee))?.badge_name).toBe('Dee One');
  });
});
