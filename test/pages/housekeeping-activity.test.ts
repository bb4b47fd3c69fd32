import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import { recordEvent } from '../../src/events/record-event.js';
import { assignRole } from '../../src/instance/user-roles.js';
import { addUser } from '../instance/fixtures.js';
import { WebClient } from '../support/web-client.js';
import { PASSWORDS, signedIn, startHousekeepingWorld, type HousekeepingWorld } from './housekeeping-support.js';

describe('Housekeeping activity feed', () => {
  let world: HousekeepingWorld;
  const clock = new ManualClock('2026-02-01T00:00:00.000Z');

  beforeAll(async () => {
    world = await startHousekeepingWorld();
  });
  afterAll(async () => {
    await world.t.stop();
  });

  const event = (orgId: number, n: number) => ({
    orgId,
    type: 'user-updated' as const,
    data: { user: { id: String(n), username: `user-${String(n).padStart(2, '0')}` } },
    actor: { type: 'system' as const, id: null },
    subject: { type: 'user', id: String(n) },
  });

  it('sends visitors without a session to sign in, and refuses a user without oauth:manage or audit:read', async () => {
    const anonymous = new WebClient(world.t.baseUrl);
    const redirected = await anonymous.get('/o/furfest/housekeeping/activity');
    expect(redirected.status).toBe(303);
    expect(redirected.headers.location).toBe(`/o/furfest/login?next=${encodeURIComponent('/housekeeping/activity')}`);
    const plain = await signedIn(world.t, 'furfest', 'plain', PASSWORDS.plain);
    const refused = await plain.get('/o/furfest/housekeeping/activity');
    expect(refused.status).toBe(403);
    expect(refused.body).toContain('audit:read');
  });

  it('opens to a holder of audit:read, linked from the menu and the overview', async () => {
    const auditor = await signedIn(world.t, 'furfest', 'auditor', PASSWORDS.auditor);
    const overview = await auditor.get('/o/furfest/housekeeping');
    expect(overview.body).toContain('href="/o/furfest/housekeeping/activity"');
    const page = await auditor.get('/o/furfest/housekeeping/activity');
    expect(page.status).toBe(200);
    expect(page.body).toContain('<h1>Activity</h1>');
    expect(page.body).toMatch(/href="\/o\/furfest\/housekeeping\/activity" aria-current="page"/);
  });

  it("lists only this instance's events, newest first, a page at a time", async () => {
    for (let n = 0; n < 55; n++) await recordEvent(world.database.db, event(world.furfest.orgId, n), clock);
    await recordEvent(world.database.db, { ...event(world.animecon.orgId, 99), data: { user: { username: 'animecon-only' } } }, clock);
    const admin = await signedIn(world.t, 'furfest', 'admin', PASSWORDS.furfestAdmin);
    const first = await admin.get('/o/furfest/housekeeping/activity');
    expect(first.status).toBe(200);
    expect(first.body).not.toContain('animecon-only');
    expect(first.body.indexOf('user-54')).toBeGreaterThan(-1);
    expect(first.body.indexOf('user-54')).toBeLessThan(first.body.indexOf('user-53'));
    expect(first.body).not.toContain('user-04');
    const older = /href="(\/o\/furfest\/housekeeping\/activity\?before=\d+)"/.exec(first.body)?.[1];
    expect(older).toBeDefined();
    const second = await admin.get(older ?? '');
    expect(second.body).toContain('user-04');
    expect(second.body).toContain('user-00');
    expect(second.body).not.toContain('user-05');
    expect(second.body).not.toContain('Older events');

    const animecon = await signedIn(world.t, 'animecon', 'admin', PASSWORDS.animeconAdmin);
    const theirs = await animecon.get('/o/animecon/housekeeping/activity');
    expect(theirs.status).toBe(200);
    expect(theirs.body).toContain('animecon-only');
    expect(theirs.body).not.toContain('user-54');
    // The furfest session is no key to animecon's feed.
    expect((await admin.get('/o/animecon/housekeeping/activity')).status).toBe(303);

    for (const before of ['abc', '0', '-1', '99999999999', '1.5']) expect((await admin.get(`/o/furfest/housekeeping/activity?before=${before}`)).status).toBe(400);
  });

  it('shows a role change with its description, the user it is about and the app that made it', async () => {
    const userId = await addUser(world.database.db, world.furfest.orgId, 'promoted', null, clock);
    const roleId = (await world.database.db.insertInto('roles').values({ org_id: world.furfest.orgId, name: 'door-staff', description: '', created_at: 'x', updated_at: 'x' }).returning('id').executeTakeFirstOrThrow()).id;
    const result = await assignRole(world.database.db, { orgId: world.furfest.orgId, userId, roleId, scope: 'global' }, { actor: { type: 'app', id: '4310001' }, ip: null }, clock);
    expect(result.ok).toBe(true);
    const admin = await signedIn(world.t, 'furfest', 'admin', PASSWORDS.furfestAdmin);
    const page = await admin.get('/o/furfest/housekeeping/activity');
    const row = /<tr>\s*<td>[^<]*<\/td>\s*<td><code>role-assigned<\/code>[\s\S]*?<\/tr>/.exec(page.body)?.[0] ?? '';
    expect(row).toContain('A user was given a role');
    expect(row).toContain(`user ${userId}`);
    expect(row).toContain('app 4310001');
    expect(row).toContain('door-staff');
  });
});
