import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/clock.js';
import { createIntegration } from '../../src/platform/integrations.js';
import { WebClient } from '../support/web-client.js';
import { PASSWORDS, signedIn, startHousekeepingWorld, type HousekeepingWorld } from './housekeeping-support.js';

/** A public address literal: accepted without DNS (the delivery worker may try it and fail; nothing here depends on that). */
const TARGET = 'https://93.184.215.14/concat-hooks';

describe('Housekeeping webhook endpoints', () => {
  let world: HousekeepingWorld;
  let integrationId: number;
  let animeconIntegrationId: number;
  let base: string;

  beforeAll(async () => {
    world = await startHousekeepingWorld();
    const cli = { actor: { type: 'cli' as const }, ip: null };
    integrationId = await createIntegration(world.database.db, { orgId: world.furfest.orgId, appId: world.apps.named.appId, scopes: ['registration:read', 'volunteer:read'], oboEnabled: false }, cli, systemClock);
    animeconIntegrationId = await createIntegration(world.database.db, { orgId: world.animecon.orgId, appId: world.apps.named.appId, scopes: ['registration:read'], oboEnabled: false }, cli, systemClock);
    base = `/o/furfest/housekeeping/integrations/${integrationId}/webhooks`;
  });
  afterAll(async () => {
    await world.t.stop();
  });

  const endpointRows = (orgId: number) => world.database.db.selectFrom('webhook_endpoints').selectAll().where('org_id', '=', orgId).orderBy('id').execute();
  const auditActions = async (endpointId: number) =>
    (await world.database.db.selectFrom('audit_log').select('action').where('target_type', '=', 'webhook_endpoint').where('target_id', '=', String(endpointId)).orderBy('id').execute()).map((r) => r.action);

  it('needs a session with oauth:manage', async () => {
    const anonymous = new WebClient(world.t.baseUrl);
    expect((await anonymous.get(base)).status).toBe(303);
    const plain = await signedIn(world.t, 'furfest', 'plain', PASSWORDS.plain);
    expect((await plain.get(base)).status).toBe(403);
    expect((await plain.post(base, { url: TARGET, events: 'registration-updated' })).status).toBe(403);
    expect(await endpointRows(world.furfest.orgId)).toEqual([]);
  });

  it('adds an endpoint, showing the secret once, and refuses bad input with the reason', async () => {
    const admin = await signedIn(world.t, 'furfest', 'admin', PASSWORDS.furfestAdmin);
    const integrationPage = await admin.get(`/o/furfest/housekeeping/integrations/${integrationId}`);
    expect(integrationPage.body).toContain(`href="${base}"`);
    const list = await admin.get(base);
    expect(list.status).toBe(200);
    expect(list.body).toContain('value="registration-updated"');
    expect(list.body).toContain('value="volunteer-assigned"');
    expect(list.body).not.toContain('value="user-updated"'); // the integration cannot read users

    // CSRF: a wrong token and a cross-site origin are refused.
    expect((await admin.post(base, { _csrf: 'x'.repeat(32), url: TARGET, events: 'registration-updated' })).status).toBe(403);
    expect((await admin.post(base, { url: TARGET, events: 'registration-updated' }, { origin: 'https://evil.example' })).status).toBe(403);

    const cases: [Record<string, string | string[]>, string][] = [
      [{ url: 'http://93.184.215.14/in', events: 'registration-updated' }, 'must start with https://'],
      [{ url: 'https://127.0.0.1/in', events: 'registration-updated' }, 'private, loopback or link-local'],
      [{ url: 'https://[::1]/in', events: 'registration-updated' }, 'private, loopback or link-local'],
      [{ url: 'https://localhost/in', events: 'registration-updated' }, 'localhost'],
      [{ url: 'https://u:p@93.184.215.14/in', events: 'registration-updated' }, 'user name or password'],
      [{ url: `https://93.184.215.14/${'a'.repeat(3000)}`, events: 'registration-updated' }, 'too long'],
      [{ url: TARGET, events: 'user-updated' }, 'needs the user:read permission'],
      [{ url: TARGET, events: ['bogus', 'registration-updated'] }, 'is not an event type'],
      [{ url: TARGET }, 'Choose at least one event'],
      [{ url: ['a', 'b'], events: 'registration-updated' }, 'full URL'],
    ];
    for (const [fields, message] of cases) {
      const refused = await admin.post(base, fields);
      expect(refused.status, JSON.stringify(fields).slice(0, 80)).toBe(400);
      expect(refused.body).toContain(message);
    }
    expect(await endpointRows(world.furfest.orgId)).toEqual([]);

    const created = await admin.post(base, { url: TARGET, events: ['volunteer-assigned', 'registration-updated'] });
    expect(created.status).toBe(200);
    expect(created.headers['cache-control']).toBe('no-store');
    const secret = /id="webhook-secret">(whsec_[^<]+)</.exec(created.body)?.[1];
    expect(secret).toMatch(/^whsec_/);
    const [row] = await endpointRows(world.furfest.orgId);
    expect(row).toMatchObject({ url: TARGET, event_types: '["registration-updated","volunteer-assigned"]', status: 'active' });
    expect(row?.secret_encrypted).not.toContain(secret?.slice(6, 20));
    const endpointPage = await admin.get(`${base}/${row?.id}`);
    expect(endpointPage.status).toBe(200);
    expect(endpointPage.body).toContain(TARGET);
    expect(endpointPage.body).not.toContain(secret);
    expect((await admin.get(base)).body).not.toContain(secret);
  });

  it('rotates, changes events, sends a test event, disables, enables, redelivers, recovers and deletes', async () => {
    const admin = await signedIn(world.t, 'furfest', 'admin', PASSWORDS.furfestAdmin);
    const created = await admin.post(base, { url: `${TARGET}/second`, events: 'registration-updated' });
    const first = /id="webhook-secret">(whsec_[^<]+)</.exec(created.body)?.[1];
    const endpointId = (await endpointRows(world.furfest.orgId)).at(-1)?.id ?? 0;
    const page = `${base}/${endpointId}`;
    await admin.get(page);

    const rotated = await admin.post(`${page}/rotate`, {});
    expect(rotated.status).toBe(200);
    const second = /id="webhook-secret">(whsec_[^<]+)</.exec(rotated.body)?.[1];
    expect(second).toMatch(/^whsec_/);
    expect(second).not.toBe(first);
    expect(rotated.body).toContain('previous one keeps signing');

    await admin.get(page);
    expect((await admin.post(`${page}/events`, { events: ['volunteer-updated'] })).headers.location).toBe(`${page}?done=events`);
    const refused = await admin.post(`${page}/events`, { events: 'role-assigned' });
    expect(refused.status).toBe(400);
    expect(refused.body).toContain('needs the user:read permission');

    expect((await admin.post(`${page}/test`, {})).headers.location).toBe(`${page}?done=test`);
    const message = await world.database.db.selectFrom('webhook_messages').selectAll().where('endpoint_id', '=', endpointId).executeTakeFirstOrThrow();
    expect(message).toMatchObject({ event_type: 'webhook-test', event_id: null });
    expect((await admin.get(page)).body).toContain(message.webhook_id);

    expect((await admin.post(`${page}/disable`, {})).headers.location).toBe(`${page}?done=disabled`);
    const disabled = await admin.post(`${page}/test`, {});
    expect(disabled.status).toBe(400);
    expect(disabled.body).toContain('Enable the endpoint');
    expect((await admin.post(`${page}/enable`, {})).headers.location).toBe(`${page}?done=enabled`);
    expect((await admin.post(`${page}/enable`, {})).headers.location).toBe(`${page}?done=unchanged`);

    await world.database.db.updateTable('webhook_messages').set({ status: 'failed', next_attempt_at: null }).where('id', '=', message.id).execute();
    expect((await admin.post(`${page}/messages/${message.id}/redeliver`, {})).headers.location).toBe(`${page}?done=redelivered`);
    expect((await admin.post(`${page}/messages/999999/redeliver`, {})).status).toBe(404);
    expect((await admin.post(`${page}/messages/abc/redeliver`, {})).status).toBe(404);
    expect((await admin.post(`${page}/recover`, { since: '2026-01-01T00:00' })).headers.location).toBe(`${page}?done=recovered`);
    const badSince = await admin.post(`${page}/recover`, { since: 'yesterday' });
    expect(badSince.status).toBe(400);
    expect(badSince.body).toContain('Enter the time to recover from');

    expect((await admin.post(`${page}/delete`, {})).headers.location).toBe(`${base}?done=deleted`);
    expect((await admin.get(page)).status).toBe(404);
    expect(await auditActions(endpointId)).toEqual([
      'webhook_endpoint.created',
      'webhook_endpoint.secret-rotated',
      'webhook_endpoint.events-changed',
      'webhook_endpoint.test-sent',
      'webhook_endpoint.disabled',
      'webhook_endpoint.enabled',
      'webhook_endpoint.message-redelivered',
      'webhook_endpoint.failed-recovered',
      'webhook_endpoint.deleted',
    ]);
  });

  it("answers 404 for another instance's integration or endpoint, and for malformed ids", async () => {
    const [furfestEndpoint] = await endpointRows(world.furfest.orgId);
    const animecon = await signedIn(world.t, 'animecon', 'admin', PASSWORDS.animeconAdmin);
    await animecon.get(`/o/animecon/housekeeping/integrations/${animeconIntegrationId}/webhooks`);
    // The furfest integration and endpoint, asked for through animecon.
    expect((await animecon.get(`/o/animecon/housekeeping/integrations/${integrationId}/webhooks`)).status).toBe(404);
    expect((await animecon.get(`/o/animecon/housekeeping/integrations/${animeconIntegrationId}/webhooks/${furfestEndpoint?.id}`)).status).toBe(404);
    expect((await animecon.post(`/o/animecon/housekeeping/integrations/${animeconIntegrationId}/webhooks/${furfestEndpoint?.id}/delete`, {})).status).toBe(404);
    expect((await animecon.post(`/o/animecon/housekeeping/integrations/${integrationId}/webhooks`, { url: TARGET, events: 'registration-updated' })).status).toBe(404);
    for (const id of ['abc', '0', '-1', '99999999999999999999']) expect((await animecon.get(`/o/animecon/housekeeping/integrations/${id}/webhooks`)).status).toBe(404);
    expect(await endpointRows(world.furfest.orgId)).toHaveLength(1);
    expect(await endpointRows(world.animecon.orgId)).toEqual([]);
  });
});
