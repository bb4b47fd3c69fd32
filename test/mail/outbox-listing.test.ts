import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import type { Database } from '../../src/db/database.js';
import { MailWorker } from '../../src/mail/mail-worker.js';
import { getMail, listMail } from '../../src/mail/outbox-listing.js';
import { openTestDatabase } from '../support/database.js';
import { queueMail, RecordingTransport, SENDER } from './fixtures.js';

describe('the mail listing for the operator console', () => {
  let database: Database;
  let close: () => Promise<void>;
  let ids: number[];

  beforeAll(async () => {
    const opened = await openTestDatabase();
    database = opened.database;
    close = () => opened.close();
  });

  afterAll(async () => {
    await close();
  });

  beforeEach(async () => {
    await database.db.deleteFrom('mail_messages').execute();
    const clock = new ManualClock('2026-03-01T10:00:00.000Z');
    ids = [];
    for (let i = 1; i <= 5; i += 1) {
      ids.push(await queueMail(database.db, clock, { subject: `message ${i}`, to: `dev${i}@example.org` }));
      clock.advance(1_000);
    }
    // The first two go out; the third is refused for good; the rest stay queued.
    let calls = 0;
    const transport = new RecordingTransport(() => {
      calls += 1;
      return Promise.resolve(calls <= 2 ? { accepted: true, detail: 'ok' } : { accepted: false, detail: '550 no such user' });
    });
    const worker = new MailWorker({ database, transport, from: SENDER, clock, batchSize: 3 });
    await worker.runOnce();
    await worker.stop();
  });

  it('lists newest first, by status, a page at a time', async () => {
    const all = await listMail(database.db, { limit: 10 });
    expect(all.messages.map((m) => m.subject)).toEqual(['message 5', 'message 4', 'message 3', 'message 2', 'message 1']);
    expect(all.nextBeforeId).toBeNull();

    const queued = await listMail(database.db, { status: 'queued', limit: 10 });
    expect(queued.messages.map((m) => m.subject)).toEqual(['message 5', 'message 4']);
    const failed = await listMail(database.db, { status: 'failed', limit: 10 });
    expect(failed.messages).toEqual([
      {
        id: ids[2],
        kind: 'test',
        to: 'dev3@example.org',
        subject: 'message 3',
        status: 'failed',
        attempts: 1,
        createdAt: '2026-03-01T10:00:02.000Z',
        sentAt: null,
        nextAttemptAt: '2026-03-01T10:00:02.000Z',
        lastError: '550 no such user',
      },
    ]);

    const first = await listMail(database.db, { limit: 2 });
    expect(first.messages.map((m) => m.subject)).toEqual(['message 5', 'message 4']);
    expect(first.nextBeforeId).toBe(ids[3]);
    const second = await listMail(database.db, { limit: 2, beforeId: first.nextBeforeId ?? undefined });
    expect(second.messages.map((m) => m.subject)).toEqual(['message 3', 'message 2']);
    const third = await listMail(database.db, { limit: 2, beforeId: second.nextBeforeId ?? undefined });
    expect(third.messages.map((m) => m.subject)).toEqual(['message 1']);
    expect(third.nextBeforeId).toBeNull();
  });

  it('reads one message with both bodies', async () => {
    const mail = await getMail(database.db, ids[0] ?? 0);
    expect(mail).toMatchObject({ subject: 'message 1', status: 'sent', sentAt: '2026-03-01T10:00:05.000Z', attempts: 1 });
    expect(mail?.text).toContain('Apply here');
    expect(mail?.html).toContain('<a href=');
    expect(await getMail(database.db, 999_999)).toBeNull();
  });
});
