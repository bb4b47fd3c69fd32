import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import type { Database } from '../../src/db/database.js';
import { eventFeedPage } from '../../src/events/event-feed.js';
import { EVENT_TYPES, findEventType } from '../../src/events/event-types.js';
import { recordEvent, type DomainEvent } from '../../src/events/record-event.js';
import { openTestDatabase } from '../support/database.js';
import { addOrg, addUser, type FixtureOrg } from '../instance/fixtures.js';

describe('recordEvent and the event feed', () => {
  const clock = new ManualClock('2026-06-01T10:00:00.000Z');
  let database: Database;
  let close: () => Promise<void>;
  let furfest: FixtureOrg;
  let animecon: FixtureOrg;

  beforeAll(async () => {
    const opened = await openTestDatabase();
    database = opened.database;
    close = () => opened.close();
    furfest = await addOrg(database, 'furfest', 'Lakeshore FurFest', clock);
    animecon = await addOrg(database, 'animecon', 'Harborview Anime Con', clock);
  });
  afterAll(async () => {
    await close();
  });

  const event = (orgId: number, n: number): DomainEvent => ({
    orgId,
    type: 'user-updated',
    data: { user: { id: String(n) } },
    actor: { type: 'app', id: '4310001' },
    subject: { type: 'user', id: String(n) },
  });
  const eventsOf = (orgId: number) => database.db.selectFrom('events').selectAll().where('org_id', '=', orgId).orderBy('id').execute();

  test('the catalog: nine data events, each with a reading scope, and four lifecycle events without one; all described', () => {
    expect(EVENT_TYPES.map((t) => t.name)).toEqual([
      'registration-updated',
      'user-updated',
      'volunteer-submitted',
      'volunteer-updated',
      'volunteer-assigned',
      'volunteer-unassigned',
      'volunteer-deleted',
      'role-assigned',
      'role-unassigned',
      'integration-created',
      'integration-permissions-changed',
      'integration-removed',
      'app-revoked',
    ]);
    expect(findEventType('integration-removed')?.scope).toBeNull();
    expect(findEventType('role-assigned')?.scope).toBe('user:read');
    expect(findEventType('registration-updated')?.scope).toBe('registration:read');
    expect(findEventType('volunteer-deleted')?.scope).toBe('volunteer:read');
    expect(findEventType('no-such-event')).toBeUndefined();
    for (const type of EVENT_TYPES) expect(type.description.length).toBeGreaterThan(10);
  });

  test('one event per committed change, recorded with the change in its transaction', async () => {
    const userId = await addUser(database.db, furfest.orgId, 'ada', null, clock);
    const id = await database.db.transaction().execute(async (trx) => {
      await trx.updateTable('users').set({ preferred_name: 'Ada' }).where('id', '=', userId).execute();
      return recordEvent(trx, { ...event(furfest.orgId, userId), data: { user: { id: String(userId), preferredName: 'Ada' } } }, clock);
    });
    expect(await eventsOf(furfest.orgId)).toEqual([
      {
        id,
        org_id: furfest.orgId,
        type: 'user-updated',
        data: JSON.stringify({ user: { id: String(userId), preferredName: 'Ada' } }),
        actor_type: 'app',
        actor_id: '4310001',
        subject_type: 'user',
        subject_id: String(userId),
        occurred_at: '2026-06-01T10:00:00.000Z',
      },
    ]);
  });

  test('no event for a change whose transaction rolls back', async () => {
    const userId = await addUser(database.db, furfest.orgId, 'bea', null, clock);
    const before = await eventsOf(furfest.orgId);
    await expect(
      database.db.transaction().execute(async (trx) => {
        await trx.updateTable('users').set({ preferred_name: 'Bea' }).where('id', '=', userId).execute();
        await recordEvent(trx, event(furfest.orgId, userId), clock);
        throw new Error('the change failed after its event was written');
      }),
    ).rejects.toThrow('the change failed');
    expect(await eventsOf(furfest.orgId)).toEqual(before);
    expect((await database.db.selectFrom('users').select('preferred_name').where('id', '=', userId).executeTakeFirstOrThrow()).preferred_name).toBeNull();
  });

  test("the feed lists one instance's events newest first, a keyset page at a time", async () => {
    const ids: number[] = [];
    for (let n = 1; n <= 5; n++) {
      ids.push(await recordEvent(database.db, event(animecon.orgId, n), clock));
      await recordEvent(database.db, event(furfest.orgId, 100 + n), clock);
    }
    const first = await eventFeedPage(database.db, animecon.orgId, null, 2);
    expect(first.events.map((e) => e.id)).toEqual([ids[4], ids[3]]);
    expect(first.before).toBeNull();
    const second = await eventFeedPage(database.db, animecon.orgId, first.olderBefore, 2);
    expect(second.events.map((e) => e.id)).toEqual([ids[2], ids[1]]);
    const last = await eventFeedPage(database.db, animecon.orgId, second.olderBefore, 2);
    expect(last.events.map((e) => e.id)).toEqual([ids[0]]);
    expect(last.olderBefore).toBeNull();
    // Events recorded while paging do not shift the pages already read.
    await recordEvent(database.db, event(animecon.orgId, 6), clock);
    expect((await eventFeedPage(database.db, animecon.orgId, first.olderBefore, 2)).events.map((e) => e.id)).toEqual([ids[2], ids[1]]);
    expect(first.events[0]).toMatchObject({ type: 'user-updated', subjectType: 'user', subjectId: '5', actorType: 'app', actorId: '4310001', occurredAt: '2026-06-01T10:00:00.000Z' });
  });

  test('events go with their instance when it is deleted', async () => {
    const doomed = await addOrg(database, 'doomed', 'Doomed Con', clock);
    await recordEvent(database.db, event(doomed.orgId, 1), clock);
    await database.db.deleteFrom('orgs').where('id', '=', doomed.orgId).execute();
    expect(await eventsOf(doomed.orgId)).toEqual([]);
  });
});
