import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import { openDatabase, type Database } from '../../src/db/database.js';
import { MailWorker } from '../../src/mail/mail-worker.js';
import { openTestDatabase } from '../support/database.js';
import { queueMail, RecordingTransport, SENDER } from './fixtures.js';

/**
 * Two processes on one database, each with its own connection (pool) and worker. On SQLite both
 * open the same file; on PostgreSQL (DATABASE_URL) the same schema.
 */
describe('two workers on one database', () => {
  let first: Database;
  let second: Database;
  let close: () => Promise<void>;
  const clock = new ManualClock('2026-03-01T10:00:00.000Z');

  beforeAll(async () => {
    const opened = await openTestDatabase();
    first = opened.database;
    second = openDatabase(opened.testDb.url);
    // Connected before the race starts, so neither worker spends it waiting for a connection.
    await Promise.all([first.ping(), second.ping()]);
    close = async () => {
      await second.close();
      await opened.close();
    };
  });

  afterAll(async () => {
    await close();
  });

  beforeEach(async () => {
    await first.db.deleteFrom('mail_messages').execute();
  });

  /** Sends take a few milliseconds, so the two workers' rounds interleave. */
  function slowTransport(): RecordingTransport {
    return new RecordingTransport(async () => {
      await sleep(1 + Math.floor(Math.random() * 4));
      return { accepted: true, detail: 'ok' };
    });
  }

  function twoWorkers(transport: () => RecordingTransport, batchSize?: number): { transports: RecordingTransport[]; workers: MailWorker[] } {
    const pairs = [first, second].map((database) => {
      const own = transport();
      return { transport: own, worker: new MailWorker({ database, transport: own, from: SENDER, clock, batchSize }) };
    });
    return { transports: pairs.map((pair) => pair.transport), workers: pairs.map((pair) => pair.worker) };
  }

  /** Runs rounds until this worker finds nothing due; returns how many each round claimed. */
  async function drain(worker: MailWorker): Promise<number[]> {
    const claims: number[] = [];
    for (;;) {
      const { claimed } = await worker.runOnce();
      if (claimed === 0) return claims;
      claims.push(claimed);
    }
  }

  it('send each message once while both work through the queue', async () => {
    const queued = new Set<string>();
    for (let i = 0; i < 40; i += 1) queued.add(String(await queueMail(first.db, clock, { subject: `message ${i}` })));
    const { transports, workers } = twoWorkers(slowTransport, 4);

    const claims = (await Promise.all(workers.map(drain))).flat();
    await Promise.all(workers.map((worker) => worker.stop()));

    // A round never claims more than a batch (PostgreSQL once claimed the whole queue in one).
    expect(Math.max(...claims)).toBeLessThanOrEqual(4);
    const sent = transports.flatMap((transport) => transport.sent.map((message) => message.subject));
    expect(sent).toHaveLength(40);
    expect(new Set(sent).size).toBe(40);
    // Both really worked: neither waited for the other to finish.
    for (const transport of transports) expect(transport.sent.length).toBeGreaterThan(0);
    const rows = await first.db.selectFrom('mail_messages').select(['id', 'status', 'attempts']).execute();
    expect(new Set(rows.map((row) => String(row.id)))).toEqual(queued);
    expect(rows.every((row) => row.status === 'sent' && row.attempts === 1)).toBe(true);
  });

  it('claiming at the same instant gives each message to one of them', async () => {
    for (let i = 0; i < 3; i += 1) await queueMail(first.db, clock);
    const { transports, workers } = twoWorkers(() => new RecordingTransport());

    const summaries = await Promise.all(workers.map((worker) => worker.runOnce()));
    await Promise.all(workers.map((worker) => worker.stop()));

    expect(summaries.reduce((sum, summary) => sum + summary.claimed, 0)).toBe(3);
    const ids = transports.flatMap((transport) => transport.sent.map((message) => message.messageId));
    expect(ids).toHaveLength(3);
    expect(new Set(ids).size).toBe(3);
  });
});
