/**
 * Re-enabling an integration the platform suspended (issue 8, item 7): refused while the app is
 * revoked; after an operator approves the app again, the org admin re-enables it with its previous
 * permissions, the app works with a new secret only, the deletion duty of that instance is
 * released, and users consent again.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/clock.js';
import { approveReactivation, requestReactivation } from '../../src/platform/app-reactivation.js';
import { revokeApp } from '../../src/platform/app-revocation.js';
import { createSecret } from '../../src/platform/app-credentials.js';
import { createIntegration, findIntegration, IntegrationInputError, resumeIntegration } from '../../src/platform/integrations.js';
import { createOperator } from '../../src/platform/operators.js';
import { addUser } from '../instance/fixtures.js';
import { refresh, signInAndAuthorize, toConsent, type CodeFlowTarget } from '../oauth/code-flow.js';
import { expectOauthError, postForm, serviceToken, startOauthWorld, type OauthWorld } from '../oauth/oauth-world.js';
import { request } from '../support/https-client.js';
import { WebClient } from '../support/web-client.js';

const REDIRECT = 'https://app.example.com/callback';
const PASSWORD = 'correct horse battery staple';
const publicUrl = new URL('https://platform.example.org');
const ADMIN = { actor: { type: 'user' as const, userId: 1 }, ip: '203.0.113.9' };

function searchUsers(base: string, token: string) {
  return request(`${base}/api/v0/users/search`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: '{}' });
}

describe('re-enabling a suspended integration', () => {
  let w: OauthWorld;
  let furfest: CodeFlowTarget;
  let operatorId: number;

  beforeAll(async () => {
    w = await startOauthWorld();
    const db = w.database.db;
    const app = w.apps.service;
    await db.updateTable('apps').set({ redirect_uris: JSON.stringify([REDIRECT]) }).where('id', '=', app.appId).execute();
    await db.updateTable('integrations').set({ obo_enabled: 1 }).where('app_id', '=', app.appId).where('org_id', '=', w.furfest.orgId).execute();
    await addUser(db, w.furfest.orgId, 'alice', PASSWORD, systemClock);
    operatorId = (await createOperator(w.database, { email: 'ops@example.org', name: 'Olive Ops', password: 'operator-password-1' }, { type: 'system', id: null }, systemClock)).id;
    furfest = { origin: w.t.baseUrl, prefix: '/o/furfest', app, redirectUri: REDIRECT, password: PASSWORD };
  });
  afterAll(async () => {
    await w.t.stop();
  });

  const integrationIdOf = async (orgId: number) =>
    (await w.database.db.selectFrom('integrations').select('id').where('org_id', '=', orgId).where('app_id', '=', w.apps.service.appId).executeTakeFirstOrThrow()).id;
  const dutiesOf = () => w.database.db.selectFrom('deletion_duties').select(['org_id', 'status', 'released_at']).where('app_id', '=', w.apps.service.appId).orderBy('org_id').execute();

  it('is refused while the app is revoked; after reactivation it restores the permissions, needs the new secret, releases the duty here and asks users to consent again', async () => {
    const db = w.database.db;
    const app = w.apps.service;
    const furfestId = await integrationIdOf(w.furfest.orgId);
    const animeconId = await integrationIdOf(w.animecon.orgId);
    const oldToken = await serviceToken(w.furfest.base, app);
    const aliceClient = new WebClient(w.t.baseUrl);
    await signInAndAuthorize(furfest, aliceClient, 'alice', 'pii:basic');
    // With a grant, a new authorization skips the consent page.
    expect((await toConsent(furfest, aliceClient, 'alice', { scope: 'pii:basic' })).response.status).toBe(303);

    await revokeApp(db, { app: { appId: app.appId }, reason: 'Idle', actor: { type: 'system' } }, systemClock);
    expect((await findIntegration(db, w.furfest.orgId, furfestId))?.status).toBe('suspended');

    // While revoked: neither re-enabling nor adding it again.
    const refused = await resumeIntegration(db, { orgId: w.furfest.orgId, integrationId: furfestId }, ADMIN, systemClock).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(IntegrationInputError);
    expect(String(refused)).toContain('Badge Service has had its credentials revoked, so its integration cannot be re-enabled');
    const addRevoked = createIntegration(db, { orgId: w.furfest.orgId, appId: app.appId, scopes: ['user:read'], oboEnabled: false }, ADMIN, systemClock);
    await expect(addRevoked).rejects.toThrow('has had its credentials revoked');
    expect((await findIntegration(db, w.furfest.orgId, furfestId))?.status).toBe('suspended');

    const requestId = await requestReactivation(db, { developerId: app.developerId, appId: app.appId, message: 'We use it again', ip: null, publicUrl }, systemClock);
    await approveReactivation(db, { operatorId, requestId, note: '', ip: null, publicUrl }, systemClock);
    const issued = await createSecret(db, { developerId: app.developerId, appId: app.appId, ip: null }, systemClock);
    if (!issued.ok) throw new Error(issued.reason);
    const renewed = { ...app, secret: issued.secret };

    // Approved again, but the integration waits for its admin: the new secret does not work here yet.
    const tooEarly = await postForm(`${w.furfest.base}/api/oauth/token`, { grant_type: 'client_credentials', client_id: String(app.clientId), client_secret: renewed.secret });
    expectOauthError(tooEarly, 401, 'invalid_client');
    // "Adding" the app does not go around the re-enabling either.
    const addSuspended = createIntegration(db, { orgId: w.furfest.orgId, appId: app.appId, scopes: ['vendor:read'], oboEnabled: false }, ADMIN, systemClock);
    await expect(addSuspended).rejects.toThrow('suspended since the platform revoked it: re-enable it on its page instead');

    expect(await resumeIntegration(db, { orgId: w.furfest.orgId, integrationId: furfestId }, ADMIN, systemClock)).toBe(true);
    expect(await findIntegration(db, w.furfest.orgId, furfestId)).toMatchObject({ status: 'active', scopes: ['user:read', 'registration:read'], oboEnabled: true });
    // animecon's integration is its admin's decision: still suspended.
    expect((await findIntegration(db, w.animecon.orgId, animeconId))?.status).toBe('suspended');

    // The new secret works; the old one and the old token do not.
    const fresh = await serviceToken(w.furfest.base, renewed);
    expect((await searchUsers(w.furfest.base, fresh.access_token)).status).toBe(200);
    expect((await searchUsers(w.furfest.base, oldToken.access_token)).status).toBe(401);
    expectOauthError(await postForm(`${w.furfest.base}/api/oauth/token`, { grant_type: 'client_credentials', client_id: String(app.clientId), client_secret: app.secret }), 401, 'invalid_client');
    expectOauthError(await postForm(`${w.animecon.base}/api/oauth/token`, { grant_type: 'client_credentials', client_id: String(app.clientId), client_secret: renewed.secret }), 401, 'invalid_client');

    // The duty for furfest is released; animecon's stays open.
    const duties = new Map((await dutiesOf()).map((d) => [d.org_id, d]));
    expect(duties.get(w.furfest.orgId)?.status).toBe('released');
    expect(duties.get(w.furfest.orgId)?.released_at).not.toBeNull();
    expect(duties.get(w.animecon.orgId)).toMatchObject({ status: 'open', released_at: null });

    // Alice's grant ended with the revocation: she is asked again (and may then sign in).
    const again = await toConsent({ ...furfest, app: renewed }, aliceClient, 'alice', { scope: 'pii:basic', state: 'again' });
    expect(again.response.status).toBe(200);
    expect(again.response.body).toContain('<h1>Authorize Badge Service</h1>');
    const tokens = await signInAndAuthorize({ ...furfest, app: renewed }, aliceClient, 'alice', 'pii:basic');
    expect((await refresh({ ...furfest, app: renewed }, tokens.refresh_token)).status).toBe(200);

    const audit = await db.selectFrom('audit_log').select(['actor_type', 'actor_id', 'details', 'ip']).where('org_id', '=', w.furfest.orgId).where('action', '=', 'integration.resumed').execute();
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ actor_type: 'user', actor_id: '1', ip: '203.0.113.9' });
    expect(JSON.parse(audit[0]?.details ?? '{}')).toMatchObject({ appId: app.appId, scopes: ['user:read', 'registration:read'], oboEnabled: true, releasedDuties: 1 });
    const events = await db.selectFrom('events').select(['type', 'subject_id']).where('org_id', '=', w.furfest.orgId).where('subject_id', '=', String(furfestId)).orderBy('id').execute();
    expect(events.map((e) => e.type)).toEqual(['app-revoked', 'integration-created']);

    // A second re-enable changes nothing and records nothing.
    expect(await resumeIntegration(db, { orgId: w.furfest.orgId, integrationId: furfestId }, ADMIN, systemClock)).toBe(false);
    expect(await db.selectFrom('audit_log').select('id').where('action', '=', 'integration.resumed').execute()).toHaveLength(1);
  });
});
