import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOGIN_LIMITS } from '../../src/security/login-throttle.js';
import { WebClient } from '../support/web-client.js';
import { PASSWORDS, startHousekeepingWorld, type HousekeepingWorld } from './housekeeping-support.js';

describe('instance sign-in', () => {
  let world: HousekeepingWorld;

  beforeAll(async () => {
    world = await startHousekeepingWorld();
  });
  afterAll(async () => {
    await world.t.stop();
  });

  const client = () => new WebClient(world.t.baseUrl);

  it('shows a labelled form under the instance, framing refused', async () => {
    const page = await client().get('/o/furfest/login?next=%2Fhousekeeping');
    expect(page.status).toBe(200);
    expect(page.body).toContain('Sign in to Lakeshore FurFest');
    expect(page.body).toContain('<label for="f-login">Username or email</label>');
    expect(page.body).toContain('<label for="f-password">Password</label>');
    expect(page.body).toContain('autocomplete="current-password"');
    expect(page.body).toContain('action="/o/furfest/login"');
    expect(page.body).toContain('name="next" value="/housekeeping"');
    expect(page.body).toContain('name="_csrf"');
    expect(page.headers['content-security-policy']).toContain("frame-ancestors 'none'");
    expect((await client().get('/login')).status).toBe(404);
  });

  it("links sign-in and Housekeeping from the instance's front page", async () => {
    const home = await client().get('/o/animecon/');
    expect(home.body).toContain('href="/o/animecon/login"');
    expect(home.body).toContain('href="/o/animecon/housekeeping"');
  });

  it('signs in by username or email and goes to a safe next path only', async () => {
    const byName = client();
    await byName.get('/o/furfest/login');
    const response = await byName.post('/o/furfest/login', { login: 'ADMIN', password: PASSWORDS.furfestAdmin, next: '/housekeeping/audit' });
    expect(response.status).toBe(303);
    expect(response.headers.location).toBe('/o/furfest/housekeeping/audit');
    const cookie = (response.headers['set-cookie'] ?? []).find((c) => c.startsWith(`__Secure-concat-u${world.furfest.orgId}=`));
    expect(cookie).toMatch(/Path=\/o\/furfest/);
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/Secure/);
    expect((await byName.get('/o/furfest/housekeeping/audit')).status).toBe(200);

    for (const next of ['//evil.example/', 'https://evil.example/', '/\\evil.example']) {
      const byEmail = client();
      await byEmail.get('/o/furfest/login');
      const redirected = await byEmail.post('/o/furfest/login', { login: 'admin@example.org', password: PASSWORDS.furfestAdmin, next });
      expect(redirected.status).toBe(303);
      expect(redirected.headers.location).toBe('/o/furfest/');
    }
  });

  it("refuses another instance's user with the message a wrong password gets", async () => {
    const visitor = client();
    await visitor.get('/o/furfest/login');
    const wrongPassword = await visitor.post('/o/furfest/login', { login: 'admin', password: 'not the password', next: '/' });
    expect(wrongPassword.status).toBe(401);
    expect(wrongPassword.body).toContain('The username, email or password is not correct.');
    expect(wrongPassword.body).toContain('value="admin"');
    expect(wrongPassword.body).not.toContain('not the password');
    // animecon's admin, with animecon's right password, at furfest.
    const foreign = await visitor.post('/o/furfest/login', { login: 'admin', password: PASSWORDS.animeconAdmin, next: '/' });
    expect(foreign.status).toBe(401);
    expect(foreign.body).toContain('The username, email or password is not correct.');
    expect(foreign.headers['set-cookie'] ?? []).not.toContainEqual(expect.stringMatching(/^__Secure-concat-u/));
    const unknown = await visitor.post('/o/furfest/login', { login: 'nobody-here', password: 'whatever', next: '/' });
    expect(unknown.body).toContain('The username, email or password is not correct.');
  });

  it('names each missing field', async () => {
    const visitor = client();
    await visitor.get('/o/animecon/login');
    const response = await visitor.post('/o/animecon/login', { login: '', password: '' });
    expect(response.status).toBe(400);
    expect(response.body).toContain('Enter your username or email address.');
    expect(response.body).toContain('Enter your password.');
    expect(response.body).toContain('href="#f-login"');
  });

  it('refuses a sign-in form without its CSRF token', async () => {
    const visitor = client();
    await visitor.get('/o/animecon/login');
    visitor.lastCsrf = undefined;
    const response = await visitor.post('/o/animecon/login', { login: 'admin', password: PASSWORDS.animeconAdmin });
    expect(response.status).toBe(403);
    expect(response.headers['set-cookie'] ?? []).not.toContainEqual(expect.stringMatching(/^__Secure-concat-u/));
  });

  it(`locks the account after ${LOGIN_LIMITS.perAccount} failures, even for the right password, and audits it`, async () => {
    const visitor = client();
    await visitor.get('/o/animecon/login');
    for (let i = 0; i < LOGIN_LIMITS.perAccount; i++) {
      expect((await visitor.post('/o/animecon/login', { login: 'admin', password: `guess ${i}` })).status).toBe(401);
    }
    const locked = await visitor.post('/o/animecon/login', { login: 'admin', password: PASSWORDS.animeconAdmin });
    expect(locked.status).toBe(429);
    expect(locked.body).toContain('Too many failed sign-ins. Try again in 15 minutes.');
    expect(locked.headers['retry-after']).toBe('900');
    expect(locked.headers['set-cookie'] ?? []).not.toContainEqual(expect.stringMatching(/^__Secure-concat-u/));
    const audit = await world.database.db.selectFrom('audit_log').selectAll().where('action', '=', 'user.sign-in-locked').execute();
    expect(audit).toMatchObject([{ org_id: world.animecon.orgId, target_type: 'user', target_id: String(world.animecon.adminId) }]);
    // The lock is per instance: furfest's admin of the same name signs in.
    const other = client();
    await other.get('/o/furfest/login');
    expect((await other.post('/o/furfest/login', { login: 'admin', password: PASSWORDS.furfestAdmin })).status).toBe(303);
  });

  it('signs out with a POST, and a GET cannot', async () => {
    const user = client();
    await user.get('/o/furfest/login');
    await user.post('/o/furfest/login', { login: 'plain', password: PASSWORDS.plain, next: '/housekeeping' });
    const forbidden = await user.get('/o/furfest/housekeeping');
    expect(forbidden.status).toBe(403);
    expect((await user.get('/o/furfest/logout')).status).toBe(404);
    const out = await user.post('/o/furfest/logout', {});
    expect(out.status).toBe(303);
    expect(out.headers.location).toBe('/o/furfest/login');
    expect(user.cookies.has(`__Secure-concat-u${world.furfest.orgId}`)).toBe(false);
    expect((await user.get('/o/furfest/housekeeping')).status).toBe(303);
  });

  it('sends a signed-in user on from the sign-in page', async () => {
    const user = client();
    await user.get('/o/furfest/login');
    await user.post('/o/furfest/login', { login: 'auditor', password: PASSWORDS.auditor });
    const page = await user.get('/o/furfest/login?next=%2Fhousekeeping%2Faudit');
    expect(page.status).toBe(303);
    expect(page.headers.location).toBe('/o/furfest/housekeeping/audit');
  });
});
