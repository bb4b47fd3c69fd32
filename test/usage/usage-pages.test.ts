import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import { createOperator } from '../../src/platform/operators.js';
import { hashPassword } from '../../src/security/passwords.js';
import { reportDays } from '../../src/usage/usage-report.js';
import { addUser, grantRole } from '../instance/fixtures.js';
import { refresh, signInAndAuthorize, type CodeFlowTarget } from '../oauth/code-flow.js';
import { postForm, serviceToken, startOauthWorld, type OauthWorld } from '../oauth/oauth-world.js';
import { request, type SimpleResponse } from '../support/https-client.js';
import { WebClient } from '../support/web-client.js';

const PASSWORD = 'usage test password';

/** A CSV body as rows of named cells (our cells hold no commas or quotes here). */
function csvRows(response: SimpleResponse): Record<string, string>[] {
  expect(response.body.endsWith('\r\n')).toBe(true);
  const [header = '', ...lines] = response.body.slice(0, -2).split('\r\n');
  const names = header.split(',');
  return lines.map((line) => Object.fromEntries(line.split(',').map((cell, i) => [names[i] ?? '', cell])));
}

function pick(rows: Record<string, string>[], columns: string[]): string[][] {
  return rows.map((row) => columns.map((column) => row[column] ?? '')).sort((a, b) => a.join().localeCompare(b.join()));
}

describe('usage statistics through HTTP', () => {
  const clock = new ManualClock(new Date());
  let world: OauthWorld;
  let origin: string;
  const ids = { kit: 0, yuki: 0, furfestService: 0, animeconService: 0 };

  const apiGet = (base: string, path: string, token: string | null) => request(`${base}${path}`, { headers: token === null ? {} : { authorization: `Bearer ${token}` } });
  const apiPost = (base: string, path: string, body: unknown, token: string) =>
    request(`${base}${path}`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });

  const developerClient = async (appKey: 'service' | 'other'): Promise<WebClient> => {
    const app = await world.database.db.selectFrom('apps').innerJoin('developers', 'developers.id', 'apps.developer_id').select('developers.email').where('apps.id', '=', world.apps[appKey].appId).executeTakeFirstOrThrow();
    const client = new WebClient(origin);
    await client.get('/portal/login');
    expect((await client.post('/portal/login', { email: app.email, password: PASSWORD, next: '/portal' })).status).toBe(303);
    return client;
  };

  const instanceClient = async (slug: string, login: string): Promise<WebClient> => {
    const client = new WebClient(origin);
    await client.get(`/o/${slug}/login`);
    expect((await client.post(`/o/${slug}/login`, { login, password: PASSWORD, next: '/housekeeping' })).status).toBe(303);
    return client;
  };

  const operatorClient = async (): Promise<WebClient> => {
    const client = new WebClient(origin);
    await client.get('/console/login');
    expect((await client.post('/console/login', { email: 'ops@example.org', password: PASSWORD, next: '/console' })).status).toBe(303);
    return client;
  };

  beforeAll(async () => {
    world = await startOauthWorld({ clock });
    origin = world.t.baseUrl;
    const db = world.database.db;
    const hash = await hashPassword(PASSWORD);
    await db.updateTable('developers').set({ password_hash: hash }).execute();
    await createOperator(world.database, { email: 'ops@example.org', name: 'Op', password: PASSWORD }, { type: 'system', id: null }, clock);
    ids.kit = await addUser(db, world.furfest.orgId, 'kit', null, clock);
    ids.yuki = await addUser(db, world.animecon.orgId, 'yuki', null, clock);
    const furfestAdmin = await addUser(db, world.furfest.orgId, 'admin', PASSWORD, clock);
    await grantRole(db, world.furfest.orgId, furfestAdmin, ['oauth:manage'], clock);
    const animeconAdmin = await addUser(db, world.animecon.orgId, 'admin', PASSWORD, clock);
    await grantRole(db, world.animecon.orgId, animeconAdmin, ['oauth:manage'], clock);
    await addUser(db, world.furfest.orgId, 'plain', PASSWORD, clock);
    const integration = (orgId: number) =>
      db.selectFrom('integrations').select('id').where('org_id', '=', orgId).where('app_id', '=', world.apps.service.appId).executeTakeFirstOrThrow();
    ids.furfestService = (await integration(world.furfest.orgId)).id;
    ids.animeconService = (await integration(world.animecon.orgId)).id;

    const { furfest, animecon, apps } = world;
    // Badge Service in furfest: two token requests (one with a wrong secret), four API calls.
    const token = (await serviceToken(furfest.base, apps.service)).access_token;
    expect((await postForm(`${furfest.base}/api/oauth/token`, { grant_type: 'client_credentials', client_id: String(apps.service.clientId), client_secret: 'wrong' })).status).toBe(401);
    expect((await apiGet(furfest.base, `/api/v0/users/${ids.kit}`, token)).status).toBe(200);
    expect((await apiGet(furfest.base, `/api/v0/users/${ids.kit}`, token)).status).toBe(200);
    expect((await apiGet(furfest.base, '/api/v0/users/999999', token)).status).toBe(404);
    expect((await apiPost(furfest.base, '/api/v0/volunteers/search', {}, token)).status).toBe(403);
    // Not counted: no app is identified.
    expect((await apiGet(furfest.base, `/api/v0/users/${ids.kit}`, null)).status).toBe(401);
    expect((await apiGet(furfest.base, `/api/v0/users/${ids.kit}`, 'not-a-token')).status).toBe(401);
    expect((await postForm(`${furfest.base}/api/oauth/token`, { grant_type: 'client_credentials', client_id: '7777777', client_secret: 'x' })).status).toBe(401);
    // Badge Service in animecon: a token and one call.
    const animeconToken = (await serviceToken(animecon.base, apps.service)).access_token;
    expect((await apiGet(animecon.base, `/api/v0/users/${ids.yuki}`, animeconToken)).status).toBe(200);
    // Other Service in furfest; Animecon Tool in animecon (a token only).
    const otherToken = (await serviceToken(furfest.base, apps.other)).access_token;
    expect((await apiGet(furfest.base, `/api/v0/users/${ids.kit}`, otherToken)).status).toBe(200);
    await serviceToken(animecon.base, apps.animeconOnly);

    await world.t.platform.usage.flush();
  });
  afterAll(async () => world.t.stop());

  const today = () => reportDays(clock).at(-1) ?? '';

  describe('developer portal', () => {
    it("shows the app's usage per instance, as charts with their numbers, linked from the app page", async () => {
      const client = await developerClient('service');
      const appPage = await client.get(`/portal/apps/${world.apps.service.appId}`);
      expect(appPage.body).toContain(`href="/portal/apps/${world.apps.service.appId}/usage"`);
      const page = await client.get(`/portal/apps/${world.apps.service.appId}/usage`);
      expect(page.status).toBe(200);
      expect(page.body).toContain('<h1>Usage of Badge Service</h1>');
      expect(page.body).toMatch(/<svg class="chart-svg"[^>]*role="img" aria-labelledby="usage-requests-title usage-requests-desc"/);
      expect(page.body).toContain('<title id="usage-requests-title">Requests per day, by status class</title>');
      expect(page.body).toContain('8 requests from');
      expect(page.body).toContain('<code>GET /api/v0/users/{userId}</code>');
      expect(page.body).toContain('<code>POST /api/oauth/token</code>');
      expect(page.body).toContain('Lakeshore FurFest');
      expect(page.body).toContain('Harborview Anime Con');
      expect(page.body).not.toContain('Other Service');
    });

    it('downloads the numbers as CSV, per day and per endpoint', async () => {
      const client = await developerClient('service');
      const daily = await client.get(`/portal/apps/${world.apps.service.appId}/usage.csv?by=day`);
      expect(daily.status).toBe(200);
      expect(daily.headers['content-type']).toBe('text/csv; charset=utf-8');
      const [from, to] = [reportDays(clock)[0] ?? '', today()];
      expect(daily.headers['content-disposition']).toBe(`attachment; filename="usage-${world.apps.service.clientId}-by-day-${from}-${to}.csv"`);
      expect(daily.body.split('\r\n')[0]).toBe('date,api_id,app,instance,requests,status_2xx,status_3xx,status_4xx,status_5xx,errors,rate_limited_429,tokens_issued,latency_p50_ms,latency_p95_ms');
      const rows = csvRows(daily);
      expect(pick(rows, ['date', 'api_id', 'app', 'instance', 'requests', 'status_2xx', 'status_4xx', 'errors', 'rate_limited_429', 'tokens_issued'])).toEqual([
        [today(), String(world.apps.service.clientId), 'Badge Service', 'animecon', '2', '2', '0', '0', '0', '1'],
        [today(), String(world.apps.service.clientId), 'Badge Service', 'furfest', '6', '3', '3', '3', '0', '1'],
      ]);
      for (const row of rows) {
        expect(Number(row.latency_p50_ms)).toBeGreaterThan(0);
        expect(Number(row.latency_p95_ms)).toBeGreaterThanOrEqual(Number(row.latency_p50_ms));
      }

      const endpoints = csvRows(await client.get(`/portal/apps/${world.apps.service.appId}/usage.csv?by=endpoint`));
      expect(pick(endpoints.filter((r) => r.instance === 'furfest'), ['endpoint', 'requests', 'status_2xx', 'status_4xx'])).toEqual([
        ['GET /api/v0/users/{userId}', '3', '2', '1'],
        ['POST /api/oauth/token', '2', '1', '1'],
        ['POST /api/v0/volunteers/search', '1', '0', '1'],
      ]);
    });

    it('narrows to one instance', async () => {
      const client = await developerClient('service');
      const page = await client.get(`/portal/apps/${world.apps.service.appId}/usage?instance=animecon`);
      expect(page.status).toBe(200);
      expect(page.body).toContain('Usage of Badge Service in Harborview Anime Con');
      expect(page.body).toContain('2 requests from');
      const rows = csvRows(await client.get(`/portal/apps/${world.apps.service.appId}/usage.csv?instance=animecon&by=endpoint`));
      expect(pick(rows, ['instance', 'endpoint', 'requests'])).toEqual([
        ['animecon', 'GET /api/v0/users/{userId}', '1'],
        ['animecon', 'POST /api/oauth/token', '1'],
      ]);
      expect((await client.get(`/portal/apps/${world.apps.service.appId}/usage?instance=nowhere`)).status).toBe(404);
      expect((await client.get(`/portal/apps/${world.apps.service.appId}/usage?instance=${'x'.repeat(5000)}`)).status).toBe(404);
    });

    it("refuses another developer's app, odd ids and odd CSV kinds", async () => {
      const other = await developerClient('other');
      expect((await other.get(`/portal/apps/${world.apps.service.appId}/usage`)).status).toBe(404);
      expect((await other.get(`/portal/apps/${world.apps.service.appId}/usage.csv`)).status).toBe(404);
      expect((await other.get('/portal/apps/99999999999/usage')).status).toBe(404);
      expect((await other.get('/portal/apps/abc/usage.csv')).status).toBe(404);
      const bad = await other.get(`/portal/apps/${world.apps.other.appId}/usage.csv?by=week`);
      expect(bad.status).toBe(400);
      expect(bad.body).toContain('by must be');
      const own = csvRows(await other.get(`/portal/apps/${world.apps.other.appId}/usage.csv`));
      expect(pick(own, ['app', 'instance', 'requests', 'tokens_issued'])).toEqual([['Other Service', 'furfest', '2', '1']]);
      const visitor = await request(`${origin}/portal/apps/${world.apps.service.appId}/usage.csv`, { headers: { accept: 'text/html' } });
      expect(visitor.status).toBe(303);
      expect(visitor.headers.location).toMatch(/^\/portal\/login/);
    });
  });

  describe('Housekeeping', () => {
    it("shows the instance's integrations only, with links to each integration's usage", async () => {
      const admin = await instanceClient('furfest', 'admin');
      const page = await admin.get('/o/furfest/housekeeping/usage');
      expect(page.status).toBe(200);
      expect(page.body).toContain('Badge Service');
      expect(page.body).toContain('Other Service');
      expect(page.body).not.toContain('Animecon Tool');
      expect(page.body).toContain(`href="/o/furfest/housekeeping/integrations/${ids.furfestService}/usage"`);
      expect(page.body).toContain('8 requests from');
      const rows = csvRows(await admin.get('/o/furfest/housekeeping/usage.csv'));
      expect(pick(rows, ['app', 'instance', 'requests', 'tokens_issued'])).toEqual([
        ['Badge Service', 'furfest', '6', '1'],
        ['Other Service', 'furfest', '2', '1'],
      ]);
    });

    it("shows one integration's usage in this instance, never the app's usage elsewhere", async () => {
      const admin = await instanceClient('animecon', 'admin');
      const page = await admin.get(`/o/animecon/housekeeping/integrations/${ids.animeconService}/usage`);
      expect(page.status).toBe(200);
      expect(page.body).toContain('2 requests from');
      const rows = csvRows(await admin.get(`/o/animecon/housekeeping/integrations/${ids.animeconService}/usage.csv?by=endpoint`));
      expect(pick(rows, ['instance', 'endpoint', 'requests'])).toEqual([
        ['animecon', 'GET /api/v0/users/{userId}', '1'],
        ['animecon', 'POST /api/oauth/token', '1'],
      ]);
      // furfest's integration of the same app is not one of animecon's.
      expect((await admin.get(`/o/animecon/housekeeping/integrations/${ids.furfestService}/usage`)).status).toBe(404);
      expect((await admin.get(`/o/animecon/housekeeping/integrations/${ids.furfestService}/usage.csv`)).status).toBe(404);
      expect((await admin.get('/o/animecon/housekeeping/integrations/99999999999/usage')).status).toBe(404);
      expect((await admin.get('/o/animecon/housekeeping/usage.csv?by=')).status).toBe(200);
      expect((await admin.get('/o/animecon/housekeeping/usage.csv?by=%00')).status).toBe(400);
    });

    it('needs oauth:manage', async () => {
      const plain = await instanceClient('furfest', 'plain');
      expect((await plain.get('/o/furfest/housekeeping/usage')).status).toBe(403);
      expect((await plain.get('/o/furfest/housekeeping/usage.csv')).status).toBe(403);
    });
  });

  describe('operator console', () => {
    it('shows every app, and each app per instance, with CSV', async () => {
      const operator = await operatorClient();
      const page = await operator.get('/console/usage');
      expect(page.status).toBe(200);
      expect(page.body).toContain('aria-current="page">Usage</a>');
      for (const name of ['Badge Service', 'Other Service', 'Animecon Tool']) expect(page.body).toContain(name);
      expect(page.body).toContain('11 requests from');
      const all = csvRows(await operator.get('/console/usage.csv?by=day'));
      expect(pick(all, ['app', 'instance', 'requests', 'tokens_issued'])).toEqual([
        ['Animecon Tool', 'animecon', '1', '1'],
        ['Badge Service', 'animecon', '2', '1'],
        ['Badge Service', 'furfest', '6', '1'],
        ['Other Service', 'furfest', '2', '1'],
      ]);
      const app = await operator.get(`/console/usage/apps/${world.apps.service.appId}`);
      expect(app.status).toBe(200);
      expect(app.body).toContain('8 requests from');
      const one = csvRows(await operator.get(`/console/usage/apps/${world.apps.service.appId}/usage.csv?by=endpoint`));
      expect(new Set(one.map((r) => r.app))).toEqual(new Set(['Badge Service']));
      expect((await operator.get('/console/usage/apps/2147483648')).status).toBe(404);
      expect((await request(`${origin}/console/usage.csv`, { headers: { accept: 'text/html' } })).status).toBe(303);
    });
  });

  it('counts the access tokens of the authorization-code flow and of refreshes, and their token requests', async () => {
    const redirectUri = 'https://app.example.com/callback';
    const db = world.database.db;
    await db.updateTable('apps').set({ redirect_uris: JSON.stringify([redirectUri]) }).where('id', '=', world.apps.oboOnly.appId).execute();
    await addUser(db, world.furfest.orgId, 'alice', PASSWORD, clock);
    const target: CodeFlowTarget = { origin, prefix: '/o/furfest', app: world.apps.oboOnly, redirectUri, password: PASSWORD };
    const tokens = await signInAndAuthorize(target, new WebClient(origin), 'alice', 'pii:basic');
    expect((await refresh(target, tokens.refresh_token)).status).toBe(200);
    await world.t.platform.usage.flush();
    const issued = await db.selectFrom('usage_tokens').select('tokens_issued').where('app_id', '=', world.apps.oboOnly.appId).executeTakeFirstOrThrow();
    expect(issued.tokens_issued).toBe(2);
    const requests = await db.selectFrom('usage_requests').select(['endpoint', 'status_class', 'responses']).where('app_id', '=', world.apps.oboOnly.appId).execute();
    expect(requests).toEqual([{ endpoint: 'POST /api/oauth/token', status_class: '2xx', responses: 2 }]);
  });

  it('records when each app was last active in each instance', async () => {
    const rows = await world.database.db.selectFrom('app_activity').select(['app_id', 'org_id', 'last_active_at']).execute();
    const active = rows.map((r) => [r.app_id, r.org_id]).sort();
    expect(active).toEqual(
      [
        [world.apps.service.appId, world.furfest.orgId],
        [world.apps.service.appId, world.animecon.orgId],
        [world.apps.other.appId, world.furfest.orgId],
        [world.apps.animeconOnly.appId, world.animecon.orgId],
        [world.apps.oboOnly.appId, world.furfest.orgId],
      ].sort(),
    );
    for (const row of rows) expect(row.last_active_at).toBe(clock.now().toISOString());
  });
});
