import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { addDepartment, addVolunteer, eventsOf, lastEventId } from '../instance/event-data-fixtures.js';
import { request } from '../support/https-client.js';
import { addPlainUser, expectError, startEventDataWorld, type EventDataWorld } from './event-data-world.js';

let w: EventDataWorld;
let token: string;
let departments: { security: number; animecon: number };

beforeAll(async () => {
  w = await startEventDataWorld(10);
  token = await w.token();
  departments = { security: await addDepartment(w.db, w.furfest.orgId, 'Write Test Security'), animecon: await addDepartment(w.db, w.animecon.orgId, 'Write Test Cosplay') };
});
afterAll(async () => {
  await w.t.stop();
});

interface ApiVolunteer {
  departments: { id: string; states: string[]; name: string }[];
  user: { id: string };
}

const path = (userId: number | string, departmentId: number | string) => `/api/v0/users/${userId}/volunteer/departments/${departmentId}`;

async function volunteer(username: string): Promise<number> {
  const userId = await addPlainUser(w.db, w.furfest.orgId, username);
  await addVolunteer(w.db, w.furfest.orgId, w.furfest.currentConventionId, userId);
  return userId;
}

describe('PUT and DELETE /api/v0/users/{id}/volunteer/departments/{departmentId}', () => {
  test('assign and unassign answer the volunteer after the call; repeats answer 200 and record nothing', async () => {
    const userId = await volunteer('assign-ada');
    const before = await lastEventId(w.db);
    const assigned = await w.api.put(path(userId, departments.security), undefined, token);
    expect(assigned.status, assigned.body).toBe(200);
    expect(assigned.json<ApiVolunteer>().departments).toEqual([{ id: String(departments.security), states: ['assignment'], name: 'Write Test Security' }]);
    expect((await w.api.get(`/api/v0/users/${userId}/volunteer`, token)).json()).toEqual(assigned.json());
    const again = await w.api.raw('PUT', path(userId, departments.security), { body: '', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' } });
    expect(again.status, again.body).toBe(200);
    expect(again.json()).toEqual(assigned.json());
    expect((await eventsOf(w.db, w.furfest.orgId, before)).map((e) => [e.type, e.actorId])).toEqual([['volunteer-assigned', String(w.demoApp.clientId)]]);

    const unassigned = await w.api.delete(path(userId, departments.security), token);
    expect(unassigned.status, unassigned.body).toBe(200);
    expect(unassigned.json<ApiVolunteer>().departments).toEqual([]);
    const missing = await w.api.delete(path(userId, departments.security), token, { 'content-type': 'application/json' });
    expect(missing.status, missing.body).toBe(200);
    expect((await eventsOf(w.db, w.furfest.orgId, before)).map((e) => e.type)).toEqual(['volunteer-assigned', 'volunteer-unassigned']);
  });

  test('concurrent identical PUTs: both 200, one event', async () => {
    const userId = await volunteer('assign-bea');
    const before = await lastEventId(w.db);
    const responses = await Promise.all([1, 2, 3].map(() => w.api.put(path(userId, departments.security), undefined, token)));
    expect(responses.map((r) => r.status)).toEqual([200, 200, 200]);
    expect(await eventsOf(w.db, w.furfest.orgId, before)).toHaveLength(1);
  });

  test("another instance's department or user, no application, unknown ids: 404, nothing recorded", async () => {
    const userId = await volunteer('assign-cy');
    const stranger = await addPlainUser(w.db, w.animecon.orgId, 'assign-stranger');
    await addVolunteer(w.db, w.animecon.orgId, w.animecon.currentConventionId, stranger);
    const unapplied = await addPlainUser(w.db, w.furfest.orgId, 'assign-unapplied');
    const before = await lastEventId(w.db);
    for (const [user, department] of [[userId, departments.animecon], [stranger, departments.security], [stranger, departments.animecon], [unapplied, departments.security], [userId, 99999999], [userId, '999999999999999'], [99999999, departments.security]] as const) {
      expectError(await w.api.put(path(user, department), undefined, token), 404, 'resource');
      expectError(await w.api.delete(path(user, department), token), 404, 'resource');
    }
    expectError(await w.api.put(path(userId, 'abc'), undefined, token), 400, 'validation');
    expectError(await w.api.raw('PUT', path(userId, departments.security), { body: '{', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' } }), 400, 'validation');
    expect(await eventsOf(w.db, w.furfest.orgId, before)).toEqual([]);
    expect(await eventsOf(w.db, w.animecon.orgId, before)).toEqual([]);
  });

  test('without volunteer:update: 403 listing it; a token acting for a user: 403', async () => {
    const userId = await volunteer('assign-dee');
    const reader = await w.token({ scope: 'volunteer:read' });
    expect(expectError(await w.api.put(path(userId, departments.security), undefined, reader), 403, 'access').permissions).toEqual(['volunteer:update']);
    expect(expectError(await w.api.delete(path(userId, departments.security), reader), 403, 'access').permissions).toEqual(['volunteer:update']);
    expectError(await w.api.put(path(userId, departments.security), undefined, await w.oboToken(userId, 'pii:basic')), 403, 'access');
    expect((await w.api.get(`/api/v0/users/${userId}/volunteer`, token)).json<ApiVolunteer>().departments).toEqual([]);
  });

  test('the operations are marked as extensions in the OpenAPI document', async () => {
    const document = (await request(`${w.furfest.base}/api/docs/openapi.json`)).json<{ paths: Record<string, Record<string, { description?: string }>> }>();
    const operations = document.paths['/api/v0/users/{id}/volunteer/departments/{departmentId}'];
    expect(operations?.put?.description).toMatch(/^Extension: not part of ConCat's documented API/);
    expect(operations?.delete?.description).toMatch(/^Extension: not part of ConCat's documented API/);
  });
});
