import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { request } from '../support/https-client.js';
import { addFlag, addProduct, addRegistration, eventsOf, lastEventId } from '../instance/event-data-fixtures.js';
import { addPlainUser, expectError, expectValidation, startEventDataWorld, type EventDataWorld } from './event-data-world.js';

let w: EventDataWorld;
let token: string;
let product: number;
let flags: { fursuit: number; sponsor: number; animecon: number };

beforeAll(async () => {
  w = await startEventDataWorld(10);
  token = await w.token();
  product = await addProduct(w.db, w.furfest.orgId, w.furfest.currentConventionId, 'write-test-attendee');
  flags = {
    fursuit: await addFlag(w.db, w.furfest.orgId, 'write-test-fursuit'),
    sponsor: await addFlag(w.db, w.furfest.orgId, 'write-test-sponsor'),
    animecon: await addFlag(w.db, w.animecon.orgId, 'write-test-cosplay'),
  };
});
afterAll(async () => {
  await w.t.stop();
});

interface ApiRegistration {
  status: string;
  badgeName: string;
  updatedAt: string;
  flags: { id: string; shortName: string }[];
  user: { id: string };
}

const path = (userId: number | string) => `/api/v0/users/${userId}/registration`;

/** A furfest user registered for the current convention, and the ETag its registration starts with. */
async function registered(username: string): Promise<{ userId: number; etag: string }> {
  const userId = await addPlainUser(w.db, w.furfest.orgId, username);
  await addRegistration(w.db, w.furfest.orgId, w.furfest.currentConventionId, userId, product, { badgeName: username });
  const response = await w.api.get(path(userId), token);
  expect(response.status, response.body).toBe(200);
  const etag = response.headers.etag;
  if (typeof etag !== 'string') throw new Error('GET answered no ETag');
  return { userId, etag };
}

describe('PATCH /api/v0/users/{id}/registration', () => {
  test('changes status, badge name and flags; answers the registration as GET does, with the new ETag; one event', async () => {
    const { userId, etag } = await registered('patch-ada');
    const before = await lastEventId(w.db);
    const response = await w.api.patch(path(userId), { status: 'paid', badgeName: 'Ada 🦊', flags: { add: [String(flags.fursuit), String(flags.sponsor)] } }, token, { 'if-match': etag });
    expect(response.status, response.body).toBe(200);
    const changed = response.json<ApiRegistration>();
    expect(changed).toMatchObject({ status: 'paid', badgeName: 'Ada 🦊', user: { id: String(userId) } });
    expect(changed.flags.map((f) => f.shortName).sort()).toEqual(['write-test-fursuit', 'write-test-sponsor']);
    expect(response.headers.etag).not.toBe(etag);
    const read = await w.api.get(path(userId), token);
    expect(read.json()).toEqual(changed);
    expect(read.headers.etag).toBe(response.headers.etag);
    const events = await eventsOf(w.db, w.furfest.orgId, before);
    expect(events.map((e) => [e.type, e.actorType, e.actorId])).toEqual([['registration-updated', 'app', String(w.demoApp.clientId)]]);

    const removed = await w.api.patch(path(userId), { flags: { remove: [String(flags.sponsor)] } }, token);
    expect(removed.status, removed.body).toBe(200);
    expect(removed.json<ApiRegistration>().flags).toEqual([{ id: String(flags.fursuit), shortName: 'write-test-fursuit' }]);
    expect(await eventsOf(w.db, w.furfest.orgId, before)).toHaveLength(2);
  });

  test('an empty PATCH (no body, {} or only current values) changes nothing and records no event', async () => {
    const { userId, etag } = await registered('patch-bea');
    const before = await lastEventId(w.db);
    for (const response of [
      await w.api.raw('PATCH', path(userId), { headers: { authorization: `Bearer ${token}` } }),
      await w.api.patch(path(userId), {}, token, { 'if-match': etag }),
      await w.api.patch(path(userId), { status: 'unpaid', badgeName: 'patch-bea', flags: { add: [], remove: [String(flags.sponsor)] } }, token),
    ]) {
      expect(response.status, response.body).toBe(200);
      expect(response.headers.etag).toBe(etag);
    }
    expect(await eventsOf(w.db, w.furfest.orgId, before)).toEqual([]);
  });

  test('a stale, weak or unknown If-Match: 412 usage with the current ETag, nothing changed', async () => {
    const { userId, etag } = await registered('patch-cy');
    const first = await w.api.patch(path(userId), { status: 'paid' }, token, { 'if-match': etag });
    expect(first.status, first.body).toBe(200);
    const before = await lastEventId(w.db);
    for (const ifMatch of [etag, `W/${String(first.headers.etag)}`, '"1-999"']) {
      const stale = await w.api.patch(path(userId), { status: 'refunded' }, token, { 'if-match': ifMatch });
      expectError(stale, 412, 'usage');
      expect(stale.headers.etag).toBe(first.headers.etag);
    }
    const listed = await w.api.patch(path(userId), { status: 'cancelled' }, token, { 'if-match': `${etag}, ${String(first.headers.etag)}` });
    expect(listed.json<ApiRegistration>().status).toBe('cancelled');
    const any = await w.api.patch(path(userId), { status: 'refunded' }, token, { 'if-match': '*' });
    expect(any.json<ApiRegistration>().status).toBe('refunded');
    expect(await eventsOf(w.db, w.furfest.orgId, before)).toHaveLength(2);
  });

  test('concurrent PATCHes with the same If-Match: one wins, the other gets 412', async () => {
    const { userId, etag } = await registered('patch-dee');
    const before = await lastEventId(w.db);
    const responses = await Promise.all(
      ['paid', 'cancelled', 'refunded'].map((status) => w.api.patch(path(userId), { status }, token, { 'if-match': etag })),
    );
    expect(responses.map((r) => r.status).sort()).toEqual([200, 412, 412]);
    const winner = responses.find((r) => r.status === 200);
    expect((await w.api.get(path(userId), token)).json<ApiRegistration>().status).toBe(winner?.json<ApiRegistration>().status);
    expect(await eventsOf(w.db, w.furfest.orgId, before)).toHaveLength(1);
  });

  test('invalid input: 400 validation naming the field, no event', async () => {
    const { userId } = await registered('patch-eve');
    const before = await lastEventId(w.db);
    expectValidation(await w.api.patch(path(userId), { status: 'free' }, token), 'status');
    expectValidation(await w.api.patch(path(userId), { stauts: 'paid' }, token), 'stauts');
    expectValidation(await w.api.patch(path(userId), { badgeName: '' }, token), 'badgeName');
    expectValidation(await w.api.patch(path(userId), { badgeName: 'x'.repeat(65) }, token), 'badgeName');
    expectValidation(await w.api.patch(path(userId), { badgeName: '   ' }, token), 'badgeName');
    expectValidation(await w.api.patch(path(userId), { badgeName: 'Kit\u0007' }, token), 'badgeName');
    expectValidation(await w.api.patch(path(userId), { flags: { add: ['999999'] } }, token), 'flags.add.0');
    expectValidation(await w.api.patch(path(userId), { flags: { add: [String(flags.fursuit), String(flags.animecon)] } }, token), 'flags.add.1');
    expectValidation(await w.api.patch(path(userId), { flags: { remove: ['99999999999'] } }, token), 'flags.remove.0');
    expectValidation(await w.api.patch(path(userId), { flags: { add: ['abc'] } }, token), 'flags.add.0');
    expectValidation(await w.api.patch(path(userId), { flags: { add: [String(flags.fursuit)], remove: [String(flags.fursuit)] } }, token), 'flags.remove.0');
    expectValidation(await w.api.patch(path(userId), { flags: { add: Array.from({ length: 101 }, () => String(flags.fursuit)) } }, token), 'flags.add');
    expectValidation(await w.api.patch(path(userId), { status: 'paid' }, token, { 'if-match': 'not-a-tag' }), 'If-Match');
    expectError(await w.api.raw('PATCH', path(userId), { body: '{"status":', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' } }), 400, 'validation');
    expectError(await w.api.raw('PATCH', path(userId), { body: 'status=paid', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/x-www-form-urlencoded' } }), 415, 'usage');
    expect(await eventsOf(w.db, w.furfest.orgId, before)).toEqual([]);
    expect((await w.api.get(path(userId), token)).json<ApiRegistration>()).toMatchObject({ status: 'unpaid', badgeName: 'patch-eve', flags: [] });
  });

  test("another instance's user, an unregistered user, an unknown id: 404", async () => {
    const stranger = await addPlainUser(w.db, w.animecon.orgId, 'patch-stranger');
    const animeconProduct = await addProduct(w.db, w.animecon.orgId, w.animecon.currentConventionId, 'write-test-attendee');
    await addRegistration(w.db, w.animecon.orgId, w.animecon.currentConventionId, stranger, animeconProduct);
    const unregistered = await addPlainUser(w.db, w.furfest.orgId, 'patch-unregistered');
    for (const userId of [stranger, unregistered, 99999999, '999999999999999']) expectError(await w.api.patch(path(userId), { status: 'paid' }, token), 404, 'resource');
    const row = await w.db.selectFrom('registrations').select('status').where('user_id', '=', stranger).executeTakeFirstOrThrow();
    expect(row.status).toBe('unpaid');
  });

  test('without registration:update: 403 listing it; a token acting for a user: 403', async () => {
    const { userId } = await registered('patch-fay');
    const reader = await w.token({ scope: 'registration:read' });
    expect(expectError(await w.api.patch(path(userId), { status: 'paid' }, reader), 403, 'access').permissions).toEqual(['registration:update']);
    expectError(await w.api.patch(path(userId), { status: 'paid' }, await w.oboToken(userId, 'pii:basic')), 403, 'access');
    expectError(await w.api.patch(path(userId), { status: 'paid' }, null), 401, 'authentication');
    expect((await w.api.get(path(userId), token)).json<ApiRegistration>().status).toBe('unpaid');
  });

  test('the operation is marked as an extension in the OpenAPI document, its scope listed', async () => {
    type Document = { paths: Record<string, Record<string, { description?: string; responses?: Record<string, { headers?: Record<string, unknown> }> }>>; components: { securitySchemes: { oauth2: { flows: { clientCredentials: { scopes: Record<string, string> } } } } } };
    const document = (await request(`${w.furfest.base}/api/docs/openapi.json`)).json<Document>();
    const operations = document.paths['/api/v0/users/{id}/registration'];
    expect(operations?.patch?.description).toMatch(/^Extension: not part of ConCat's documented API/);
    expect(operations?.get?.description).not.toMatch(/Extension/);
    for (const [operation, status] of [[operations?.get, '200'], [operations?.patch, '200'], [operations?.patch, '412']] as const) expect(Object.keys(operation?.responses?.[status]?.headers ?? {})).toEqual(['ETag']);
    expect(Object.keys(document.components.securitySchemes.oauth2.flows.clientCredentials.scopes)).toContain('registration:update');
  });
});
