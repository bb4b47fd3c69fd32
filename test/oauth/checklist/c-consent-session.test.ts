/** Security checklist C (oauth-server.md §3): login, consent, session. */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { systemClock } from '../../../src/clock.js';
import { checkAccessToken } from '../../../src/oauth/token-check.js';
import { addUser, grantRole } from '../../instance/fixtures.js';
import type { SimpleResponse } from '../../support/https-client.js';
import { WebClient } from '../../support/web-client.js';
import { expectOauthError } from '../oauth-world.js';
import { auditEntries, type ChecklistWorld, CodeFlow, jwtClaims, PASSWORD, REDIRECT, startChecklistWorld } from './checklist-world.js';

let w: ChecklistWorld;
let flow: CodeFlow;
beforeAll(async () => {
  w = await startChecklistWorld();
  flow = new CodeFlow(w, w.obo);
});
afterAll(async () => {
  await w.t.stop();
});

function setCookies(response: SimpleResponse): string[] {
  return response.headers['set-cookie'] ?? [];
}

function cookieLine(response: SimpleResponse, namePrefix: string): string {
  const line = setCookies(response).find((cookie) => cookie.startsWith(namePrefix));
  expect(line, `${namePrefix} in ${setCookies(response).join('\n')}`).toBeDefined();
  return line ?? '';
}


async function grantsOf(userId: number, clientId: number): Promise<number> {
  const rows = await w.database.db
    .selectFrom('oauth_records')
    .select('id')
    .where('org_id', '=', w.furfest.orgId)
    .where('model', '=', 'Grant')
    .where('account_id', '=', String(userId))
    .where('client_id', '=', String(clientId))
    .execute();
  return rows.length;
}

describe('C. login, consent, session', () => {
  test('C17 consent shows the truth: app, developer, instance, every scope in plain words, the redirect host', async () => {
    const page = await flow.toConsent(new WebClient(w.t.baseUrl), { scope: 'openid pii:basic pii:email pii:phone', state: 'c17' });
    expect(page.response.status).toBe(200);
    const body = page.response.body;
    expect(body).toContain('Authorize Sign-in Only');
    expect(body).toContain('Lakeshore FurFest');
    for (const words of ['Sign you in with your account here', 'See your name, username', 'See your email address', 'See your phone number']) expect(body).toContain(words);
    expect(body).toContain('app.test');
    const developer = await w.database.db.selectFrom('developers').select(['name', 'company_name']).where('id', '=', w.obo.developerId).executeTakeFirstOrThrow();
    expect(body).toContain(developer.name);
    expect(body).toContain(developer.company_name);
  });

  test('C18 denying consent: access_denied with state and iss, no grant stored, audited', async () => {
    const dave = await addUser(w.database.db, w.furfest.orgId, 'dave', PASSWORD, systemClock);
    const client = new WebClient(w.t.baseUrl);
    const page = await flow.toConsent(client, { scope: 'pii:basic', state: 'c18' }, 'dave');
    const callback = await flow.decide(client, page.response, 'deny');
    expect(callback.searchParams.get('error')).toBe('access_denied');
    expect(callback.searchParams.get('state')).toBe('c18');
    expect(callback.searchParams.get('iss')).toBe(w.furfest.base);
    expect(await grantsOf(dave, w.obo.clientId)).toBe(0);
    const denied = (await auditEntries(w, w.furfest.orgId, 'oauth.consent-denied')).at(-1);
    expect(denied).toMatchObject({ actor_type: 'user', actor_id: String(dave), target_type: 'app', target_id: String(w.obo.clientId) });
    expect(denied?.ip).toMatch(/127\.0\.0\.1|::1/);
  });

  test('C19 partial consent: all or nothing (deviation); what is not granted never reaches the tokens', async () => {
    // An unknown scope is dropped: the tokens carry only what the user granted.
    const tokens = await flow.tokens({ scope: 'pii:basic no:such:scope', state: 'c19' });
    expect(tokens.scope).toBe('pii:basic');
    // openid without email: the ID token has no email claim (nor any other profile claim).
    const oidc = await flow.tokens({ scope: 'openid', state: 'c19-oidc' });
    expect(Object.keys(jwtClaims(oidc.id_token)).sort()).toEqual(['aud', 'exp', 'iat', 'iss', 'sub']);
    // The consent form has no per-scope checkboxes: Authorize grants all, Deny nothing.
    const page = await flow.toConsent(new WebClient(w.t.baseUrl), { scope: 'pii:basic pii:address', state: 'c19-form' });
    expect(page.response.body).not.toMatch(/type="checkbox"/);
  });

  test('C19 bug: a service permission asked for on behalf of a user is invalid_scope, never granted', async () => {
    const client = new WebClient(w.t.baseUrl);
    for (const scope of ['pii:basic user:read', 'registration:read']) {
      const page = await flow.toConsent(client, { scope, state: 'c19-service' });
      const callback = new URL(flow.location(page.response));
      expect(callback.searchParams.get('error'), scope).toBe('invalid_scope');
      expect(callback.searchParams.get('state')).toBe('c19-service');
      expect(callback.searchParams.get('code')).toBeNull();
    }
  });

  test('C20 consent is not silently widened: a grant for openid profile does not cover openid profile email', async () => {
    const client = new WebClient(w.t.baseUrl);
    await flow.callback(client, { scope: 'openid profile', state: 'c20' });
    const again = await flow.browse(client, flow.authorizeUrl({ scope: 'openid profile', state: 'c20-same' }));
    expect(new URL(flow.location(again.response)).searchParams.get('code')).not.toBeNull();
    const wider = await flow.browse(client, flow.authorizeUrl({ scope: 'openid profile email', state: 'c20-wider' }));
    expect(wider.response.status).toBe(200);
    expect(wider.response.body).toContain('See your email address and whether it is verified');
    expect(wider.response.body).not.toContain('See your name, username and profile picture');
    const uid = new URL(wider.url).pathname.split('/').at(-1) ?? '';
    const interactions = await w.database.db.selectFrom('oauth_records').select('payload').where('org_id', '=', w.furfest.orgId).where('model', '=', 'Interaction').execute();
    const prompt = interactions.map((row) => JSON.parse(row.payload) as { jti?: string; prompt?: { name: string; reasons: string[] } }).find((payload) => payload.jti === uid)?.prompt;
    expect(prompt).toMatchObject({ name: 'consent' });
    expect(prompt?.reasons).toContain('op_scopes_missing');
  });

  test('C21 CSRF on interaction POSTs: a cross-site post, a post without the CSRF token or without the interaction cookie is refused', async () => {
    const client = new WebClient(w.t.baseUrl);
    const page = await flow.toConsent(client, { scope: 'pii:basic pii:phone', state: 'c21' });
    const confirm = flow.actionOf(page.response.body, 'confirm');
    expect((await client.post(confirm, {}, { origin: 'https://evil.example' })).status).toBe(403);
    expect((await client.post(confirm, { _csrf: 'forged' })).status).toBe(403);
    const withoutInteraction = new WebClient(w.t.baseUrl);
    for (const [name, value] of client.cookies) if (!name.startsWith('_concat_oidc_interaction')) withoutInteraction.cookies.set(name, value);
    withoutInteraction.lastCsrf = client.lastCsrf;
    const refused = await withoutInteraction.post(confirm, {});
    expect(refused.status).toBe(400);
    expect(refused.headers.location).toBeUndefined();
    // The real form still works afterwards: nothing was consumed by the refused posts.
    const callback = await flow.decide(client, page.response, 'confirm');
    expect(callback.searchParams.get('code')).not.toBeNull();
  });

  test('C21 bug: the provider session cookie had path=/ (sent to every instance on the host); now every OAuth cookie is Secure, HttpOnly, SameSite=Lax and path-scoped', async () => {
    const client = new WebClient(w.t.baseUrl);
    const authorize = await client.get(flow.authorizeUrl({ scope: 'pii:basic', state: 'c21-cookies' }));
    const interaction = cookieLine(authorize, `_concat_oidc_interaction_${w.furfest.orgId}=`);
    const resume = cookieLine(authorize, `_concat_oidc_resume_${w.furfest.orgId}=`);
    expect(interaction).toMatch(/; path=\/o\/furfest\/oauth\/interaction\/[\w-]+(;|$)/i);
    expect(resume).toMatch(/; path=\/o\/furfest\/oauth\/authorize\/[\w-]+(;|$)/i);
    const login = await flow.browse(client, flow.location(authorize));
    const signedIn = await flow.signIn(client, login.url);
    const instanceSession = cookieLine(signedIn, `__Secure-concat-u${w.furfest.orgId}=`);
    expect(instanceSession).toMatch(/; path=\/o\/furfest(;|$)/i);
    let response = await client.get(flow.location(signedIn));
    while (response.status === 303 && flow.location(response).startsWith(w.t.baseUrl) && !setCookies(response).some((c) => c.startsWith('_concat_oidc_session_'))) {
      response = await client.get(flow.location(response));
    }
    const session = cookieLine(response, `_concat_oidc_session_${w.furfest.orgId}=`);
    expect(session).toMatch(/; path=\/o\/furfest(;|$)/i);
    for (const line of [interaction, resume, instanceSession, session]) {
      expect(line).toMatch(/; secure/i);
      expect(line).toMatch(/; httponly/i);
      expect(line).toMatch(/; samesite=lax/i);
    }
  });

  test('C22 clickjacking: the login and consent pages cannot be framed', async () => {
    const client = new WebClient(w.t.baseUrl);
    const login = await flow.browse(client, flow.authorizeUrl({ scope: 'pii:basic', state: 'c22' }));
    expect(new URL(login.url).pathname).toBe('/o/furfest/login');
    expect(login.response.headers['content-security-policy']).toContain("frame-ancestors 'none'");
    const consent = await flow.browse(client, flow.location(await flow.signIn(client, login.url)));
    expect(consent.response.status).toBe(200);
    expect(consent.response.headers['content-security-policy']).toContain("frame-ancestors 'none'");
    expect(['DENY', 'SAMEORIGIN']).toContain(consent.response.headers['x-frame-options']);
  });

  test('C25 logout (see end-session.test.ts): post_logout_redirect_uri must match exactly; without id_token_hint a confirmation page is shown', async () => {
    const client = new WebClient(w.t.baseUrl);
    await flow.tokens({ scope: 'openid pii:basic', state: 'c25' }, 'alice', client);
    const logout = (params: Record<string, string>): Promise<SimpleResponse> => client.get(`/o/furfest/oauth/logout?${new URLSearchParams({ client_id: String(w.obo.clientId), ...params }).toString()}`);
    for (const uri of [`${REDIRECT}/`, 'https://APP.test/cb', `${REDIRECT}?x=1`, 'https://evil.example/cb']) {
      const refused = await logout({ post_logout_redirect_uri: uri });
      expect(refused.status, uri).toBe(400);
      expect(refused.headers.location).toBeUndefined();
    }
    const confirmation = await logout({ post_logout_redirect_uri: REDIRECT, state: 'c25' });
    expect(confirmation.status).toBe(200);
    expect(confirmation.body).toContain('Sign out of Lakeshore FurFest?');
    expect(confirmation.body).toMatch(/<form[^>]+method="post"/);
    expect(confirmation.headers['content-security-policy']).toContain("frame-ancestors 'none'");
  });

  test('C24 bug: a removed user\'s access token stayed active at the API; now it is inactive, and the refresh token is invalid_grant', async () => {
    const erin = await addUser(w.database.db, w.furfest.orgId, 'erin', PASSWORD, systemClock);
    const tokens = await flow.tokens({ scope: 'pii:basic', state: 'c24' }, 'erin');
    await w.database.db.deleteFrom('users').where('id', '=', erin).execute();
    expectOauthError(await flow.refresh(tokens.refresh_token), 400, 'invalid_grant');
    expect((await checkAccessToken(w.database.db, w.furfest.orgId, tokens.access_token, systemClock)).active).toBe(false);
  });

  test('C24 bug: a withdrawn permission left admin:* in the API\'s token check and in refreshed tokens; now it ends at the next request and refresh is invalid_grant', async () => {
    const frank = await addUser(w.database.db, w.furfest.orgId, 'frank', PASSWORD, systemClock);
    const role = await grantRole(w.database.db, w.furfest.orgId, frank, ['admin'], systemClock);
    const tokens = await flow.tokens({ scope: 'pii:basic admin:ticket:read', state: 'c24-admin' }, 'frank');
    expect(tokens.scope.split(' ').sort()).toEqual(['admin:ticket:read', 'pii:basic']);
    const before = await checkAccessToken(w.database.db, w.furfest.orgId, tokens.access_token, systemClock);
    expect(before.active && [...before.scopes].sort()).toEqual(['admin:ticket:read', 'pii:basic']);
    await w.database.db.deleteFrom('user_roles').where('user_id', '=', frank).where('role_id', '=', role).execute();
    const after = await checkAccessToken(w.database.db, w.furfest.orgId, tokens.access_token, systemClock);
    expect(after.active && after.scopes).toEqual(['pii:basic']);
    expectOauthError(await flow.refresh(tokens.refresh_token), 400, 'invalid_grant');
  });
});
