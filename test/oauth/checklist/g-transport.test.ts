/** Security checklist G (oauth-server.md §3): transport, and the audit trail of the authorization server. */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { request } from '../../support/https-client.js';
import { WebClient } from '../../support/web-client.js';
import { expectOauthError, postForm, serviceToken } from '../oauth-world.js';
import { auditEntries, type ChecklistWorld, CodeFlow, type CodeTokens, startChecklistWorld } from './checklist-world.js';

let w: ChecklistWorld;
let flow: CodeFlow;
beforeAll(async () => {
  w = await startChecklistWorld();
  flow = new CodeFlow(w, w.obo);
});
afterAll(async () => {
  await w.t.stop();
});

const LOOPBACK = /^(127\.0\.0\.1|::1|::ffff:127\.0\.0\.1)$/;

/** The newest entry of an action in furfest (fails the test when there is none). */
async function latest(action: string): Promise<Awaited<ReturnType<typeof auditEntries>>[number]> {
  const entry = (await auditEntries(w, w.furfest.orgId, action)).at(-1);
  expect(entry, action).toBeDefined();
  if (entry === undefined) throw new Error(`no ${action} entry`);
  return entry;
}

async function grantIdOf(refreshToken: string): Promise<string> {
  const introspected = await flow.introspect(refreshToken);
  expect(introspected.active).toBe(true);
  const { createHash } = await import('node:crypto');
  const row = await w.database.db
    .selectFrom('oauth_records')
    .select('grant_id')
    .where('org_id', '=', w.furfest.orgId)
    .where('model', '=', 'RefreshToken')
    .where('id', '=', createHash('sha256').update(refreshToken).digest('hex'))
    .executeTakeFirstOrThrow();
  return row.grant_id ?? '';
}

describe('G48 transport', () => {
  test('G48 every OAuth endpoint answers over HTTPS with HSTS, errors included', async () => {
    const responses = [
      await request(`${w.furfest.base}/.well-known/openid-configuration`),
      await request(`${w.furfest.base}/oauth/jwks`),
      await postForm(`${w.furfest.base}/api/oauth/token`, { grant_type: 'client_credentials' }),
      await postForm(`${w.furfest.base}/oauth/introspect`, { token: 'x' }),
      await request(flow.authorizeUrl({ client_id: '42' })),
      await request(`${w.furfest.base}/oauth/userinfo`),
    ];
    for (const response of responses) expect(response.headers['strict-transport-security']).toMatch(/max-age=\d+/);
  });

  test('G48 plain HTTP on the platform port gets no OAuth answer', async () => {
    const attempt = request(`http://localhost:${w.t.port}/o/furfest/.well-known/openid-configuration`).then(
      (response) => response.body,
      () => 'refused',
    );
    expect(await attempt).not.toContain('"issuer"');
  });

  test('G48 redirects answering form POSTs are 303: sign-in, consent, denial', async () => {
    const client = new WebClient(w.t.baseUrl);
    const login = await flow.browse(client, flow.authorizeUrl({ scope: 'pii:basic', state: 'g48' }));
    expect((await flow.signIn(client, login.url)).status).toBe(303);
    const consent = await flow.browse(client, flow.authorizeUrl({ scope: 'pii:basic', state: 'g48-confirm' }));
    expect((await client.post(flow.actionOf(consent.response.body, 'confirm'), {})).status).toBe(303);
    const deny = await flow.browse(client, flow.authorizeUrl({ scope: 'pii:basic pii:phone', state: 'g48-deny' }));
    expect((await client.post(flow.actionOf(deny.response.body, 'deny'), {})).status).toBe(303);
  });
});

describe('G49 audit trail: instance, app, user, address and result', () => {
  test('G49 consent given and denied name the user, the app and the address', async () => {
    const client = new WebClient(w.t.baseUrl);
    await flow.callback(client, { scope: 'pii:basic pii:email', state: 'g49-consent' });
    const given = await latest('oauth.consent-given');
    expect(given).toMatchObject({ actor_type: 'user', actor_id: String(w.users.alice), target_type: 'app', target_id: String(w.obo.clientId) });
    expect(given.details.scopes).toEqual(['pii:basic', 'pii:email']);
    expect(given.ip).toMatch(LOOPBACK);
    const page = await flow.toConsent(client, { scope: 'pii:basic pii:address', state: 'g49-deny' });
    await flow.decide(client, page.response, 'deny');
    expect(await latest('oauth.consent-denied')).toMatchObject({ actor_type: 'user', actor_id: String(w.users.alice), target_id: String(w.obo.clientId) });
  });

  test('G49 code exchange and refresh, successful and failed, are recorded with the grant, the user and the result', async () => {
    const code = await flow.code({ scope: 'pii:basic', state: 'g49-code' });
    const tokens = (await flow.exchange(code)).json<CodeTokens>();
    const grantId = await grantIdOf(tokens.refresh_token);
    const exchanged = await latest('oauth.code-exchanged');
    expect(exchanged).toMatchObject({ actor_type: 'app', actor_id: String(w.obo.clientId), target_type: 'oauth-grant', target_id: grantId });
    expect(exchanged.details).toMatchObject({ subject: String(w.users.alice), result: 'success', scope: 'pii:basic' });
    expect(exchanged.ip).toMatch(LOOPBACK);

    const refreshed = (await flow.refresh(tokens.refresh_token)).json<CodeTokens>();
    expect(await latest('oauth.token-refreshed')).toMatchObject({ actor_id: String(w.obo.clientId), target_id: grantId, details: { subject: String(w.users.alice), result: 'success' } });

    expectOauthError(await flow.exchange('not-a-code'), 400, 'invalid_grant');
    expect((await latest('oauth.code-exchange-failed')).details).toMatchObject({ result: 'invalid_grant' });
    expectOauthError(await flow.refresh(refreshed.refresh_token, { scope: 'pii:basic pii:phone' }), 400, 'invalid_scope');
    expect(await latest('oauth.refresh-failed')).toMatchObject({ target_id: grantId, details: { subject: String(w.users.alice), result: 'invalid_scope' } });
  });

  test('G49 reuse detection names the revoked grant, at alert level', async () => {
    const code = await flow.code({ scope: 'pii:basic', state: 'g49-reuse' });
    const tokens = (await flow.exchange(code)).json<CodeTokens>();
    const grantId = await grantIdOf(tokens.refresh_token);
    expectOauthError(await flow.exchange(code), 400, 'invalid_grant');
    const codeReuse = await latest('oauth.token-reuse-detected');
    expect(codeReuse).toMatchObject({ actor_type: 'app', actor_id: String(w.obo.clientId), target_type: 'oauth-grant', target_id: grantId });
    expect(codeReuse.details).toMatchObject({ level: 'alert', result: 'grant revoked' });
    expect(codeReuse.ip).toMatch(LOOPBACK);

    const again = await flow.tokens({ scope: 'pii:basic', state: 'g49-reuse-refresh' });
    const refreshGrant = await grantIdOf(again.refresh_token);
    expect((await flow.refresh(again.refresh_token)).status).toBe(200);
    expectOauthError(await flow.refresh(again.refresh_token), 400, 'invalid_grant');
    expect(await latest('oauth.token-reuse-detected')).toMatchObject({ target_id: refreshGrant, details: { level: 'alert', subject: String(w.users.alice) } });
  });

  test('G49 revocation and introspection denial are recorded', async () => {
    const tokens = await flow.tokens({ scope: 'pii:basic', state: 'g49-revoke' });
    const grantId = await grantIdOf(tokens.refresh_token);
    expect(await flow.introspect(tokens.access_token, w.second)).toEqual({ active: false });
    const denied = await latest('oauth.introspection-denied');
    expect(denied).toMatchObject({ actor_type: 'app', actor_id: String(w.second.clientId), target_type: 'app', target_id: String(w.obo.clientId), details: { subject: String(w.users.alice), result: 'denied' } });
    expect(denied.ip).toMatch(LOOPBACK);
    expect((await flow.revoke(tokens.refresh_token)).status).toBe(200);
    expect(await latest('oauth.token-revoked')).toMatchObject({ actor_id: String(w.obo.clientId), target_type: 'oauth-grant', target_id: grantId, details: { kind: 'RefreshToken', subject: String(w.users.alice), result: 'revoked' } });
  });

  test('G49 a failed client authentication records the client_id tried and the address, never the secret', async () => {
    const wrongSecret = 'ccs_this-is-a-wrong-secret-that-must-not-be-logged';
    const attempts = [
      () => postForm(`${w.furfest.base}/api/oauth/token`, { grant_type: 'client_credentials', client_id: String(w.apps.service.clientId), client_secret: wrongSecret }),
      () => postForm(`${w.furfest.base}/api/oauth/token`, { grant_type: 'client_credentials' }, { clientId: w.apps.service.clientId, secret: wrongSecret }),
      () => postForm(`${w.furfest.base}/oauth/introspect`, { token: 'x', client_id: String(w.apps.service.clientId), client_secret: wrongSecret }),
      () => postForm(`${w.furfest.base}/oauth/revoke`, { token: 'x', client_id: String(w.apps.service.clientId), client_secret: wrongSecret }),
      () => postForm(`${w.furfest.base}/api/oauth/token`, { grant_type: 'client_credentials', client_id: '7777777', client_secret: wrongSecret }),
    ];
    const before = (await auditEntries(w, w.furfest.orgId, 'oauth.client-auth-failed')).length;
    for (const attempt of attempts) expectOauthError(await attempt(), 401, 'invalid_client');
    const entries = (await auditEntries(w, w.furfest.orgId, 'oauth.client-auth-failed')).slice(before);
    expect(entries.map((entry) => entry.actor_id)).toEqual([...Array.from({ length: 4 }, () => String(w.apps.service.clientId)), '7777777']);
    expect(entries.map((entry) => entry.target_id)).toEqual(['token', 'token', 'introspection', 'revocation', 'token']);
    for (const entry of entries) {
      expect(entry.ip).toMatch(LOOPBACK);
      expect(entry.details.result).toBe('invalid_client');
      expect(JSON.stringify(entry)).not.toContain(wrongSecret);
    }
    const all = await w.database.db.selectFrom('audit_log').select(['details', 'actor_id', 'target_id']).execute();
    expect(JSON.stringify(all)).not.toContain(wrongSecret);
    // A successful authentication is not recorded as a failure.
    await serviceToken(w.furfest.base, w.apps.service);
    expect((await auditEntries(w, w.furfest.orgId, 'oauth.client-auth-failed')).length).toBe(before + attempts.length);
  });
});
