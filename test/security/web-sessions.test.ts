import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import type { Database } from '../../src/db/database.js';
import { endAllSessions, endSession, resumeSession, SESSION_LIFETIMES, startSession } from '../../src/security/web-sessions.js';
import { openTestDatabase } from '../support/database.js';

describe('web sessions', () => {
  let database: Database;
  let handle: Awaited<ReturnType<typeof openTestDatabase>>;
  const clock = new ManualClock('2026-06-01T10:00:00.000Z');
  beforeEach(async () => {
    handle = await openTestDatabase();
    database = handle.database;
    clock.set('2026-06-01T10:00:00.000Z');
  });
  afterEach(async () => {
    await handle.close();
  });

  const start = (kind: 'operator' | 'user', orgId = 0) => startSession(database.db, { kind, subjectId: 7, orgId, ip: '127.0.0.1', userAgent: 'test' }, clock);

  it('stores only a hash of the token and resumes the session it names', async () => {
    const { token, session } = await start('operator');
    expect(token).toMatch(/^cses_[\w-]{43}$/);
    const rows = await database.db.selectFrom('web_sessions').selectAll().execute();
    expect(JSON.stringify(rows)).not.toContain(token);
    expect(await resumeSession(database.db, token, 'operator', 0, clock)).toEqual(session);
  });

  it('does not resume a session as another kind or in another instance', async () => {
    const { token } = await start('user', 1);
    expect(await resumeSession(database.db, token, 'operator', 1, clock)).toBeNull();
    expect(await resumeSession(database.db, token, 'user', 2, clock)).toBeNull();
    expect(await resumeSession(database.db, token, 'user', 1, clock)).not.toBeNull();
  });

  it('expires after the idle limit, and activity slides it up to the absolute limit', async () => {
    const { token } = await start('operator');
    const { idleMs, absoluteMs } = SESSION_LIFETIMES.operator;
    for (let elapsed = 0; elapsed + idleMs / 2 < absoluteMs; elapsed += idleMs / 2) {
      clock.advance(idleMs / 2);
      expect(await resumeSession(database.db, token, 'operator', 0, clock)).not.toBeNull();
    }
    clock.set(new Date(Date.parse('2026-06-01T10:00:00.000Z') + absoluteMs + 1));
    expect(await resumeSession(database.db, token, 'operator', 0, clock)).toBeNull();

    const idle = await start('operator');
    clock.advance(idleMs + 1);
    expect(await resumeSession(database.db, idle.token, 'operator', 0, clock)).toBeNull();
  });

  it('ends one session, or every session of a person', async () => {
    const a = await start('operator');
    const b = await start('operator');
    await endSession(database.db, a.token);
    expect(await resumeSession(database.db, a.token, 'operator', 0, clock)).toBeNull();
    expect(await resumeSession(database.db, b.token, 'operator', 0, clock)).not.toBeNull();
    await endAllSessions(database.db, 'operator', 0, 7);
    expect(await resumeSession(database.db, b.token, 'operator', 0, clock)).toBeNull();
  });
});
