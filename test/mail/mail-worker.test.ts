import { createServer } from 'node:net';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import { openDatabase, type Database } from '../../src/db/database.js';
import { enqueueMail } from '../../src/mail/mail-queue.js';
import {
  LEASE_MS,
  MAX_ATTEMPTS,
  MailWorker,
  RETRY_DELAYS_MS,
  RETRY_INTERVAL_MS,
  retryDelayMs,
  type MailLogger,
} from '../../src/mail/mail-worker.js';
import type { MailMessage, MailTransport } from '../../src/mail/mail-transport.js';
import { createSmtpTransport } from '../../src/mail/smtp/smtp-transport.js';
import { openTestDatabase, type TestDatabase } from '../support/database.js';
import { freePort } from '../support/platform.js';
import { mailRow, queueMail, RecordingTransport, recordingLogger, SENDER, testMail } from './fixtures.js';
import { startSmtpTestServer, type SmtpTestServer } from './smtp-test-server.js';

const START = '2026-03-01T10:00:00.000Z';

let database: Database;
let testDb: TestDatabase;
let closeDatabase: () => Promise<void>;
let clock: ManualClock;
const servers: SmtpTestServer[] = [];
const workers: MailWorker[] = [];

beforeAll(async () => {
  const opened = await openTestDatabase();
  database = opened.database;
  testDb = opened.testDb;
  closeDatabase = () => opened.close();
});

afterAll(async () => {
  await closeDatabase();
});

beforeEach(async () => {
  clock = new ManualClock(START);
  await database.db.deleteFrom('mail_messages').execute();
});

afterEach(async () => {
  await Promise.all(workers.splice(0).map((worker) => worker.stop()));
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

async function smtpServer(options: Parameters<typeof startSmtpTestServer>[0] = {}): Promise<SmtpTestServer> {
  const server = await startSmtpTestServer(options);
  servers.push(server);
  return server;
}

function testMessage(): MailMessage {
  const mail = testMail();
  return { from: SENDER, to: mail.to, subject: mail.subject, text: mail.text, html: mail.html, messageId: '<test@platform.example>', date: new Date(START) };
}

function worker(transport: MailTransport, options: { logger?: MailLogger; db?: Database } = {}): MailWorker {
  const created = new MailWorker({ database: options.db ?? database, transport, from: SENDER, clock, logger: options.logger });
  workers.push(created);
  return created;
}

describe('delivery over SMTP', () => {
  it('sends a queued message with its plain-text and HTML bodies, and records it as sent', async () => {
    const server = await smtpServer({ auth: { user: 'mailer@platform.example', pass: 'p@ss word/1' } });
    const url = `smtp://${encodeURIComponent('mailer@platform.example')}:${encodeURIComponent('p@ss word/1')}@127.0.0.1:${server.port}`;
    const mail = testMail({ to: 'Dev Eloper <dev@example.org>', subject: 'Grüße: your invitation' });
    const id = await enqueueMail(database.db, mail, clock);
    clock.advance(5_000);

    const summary = await worker(createSmtpTransport(url)).runOnce();

    expect(summary).toEqual({ claimed: 1, sent: 1, retrying: 0, failed: 0, released: 0 });
    expect(server.received).toHaveLength(1);
    const [received] = server.received;
    expect(received?.user).toBe('mailer@platform.example');
    expect(received?.envelopeFrom).toBe('no-reply@platform.example');
    expect(received?.envelopeTo).toEqual(['dev@example.org']);
    const parsed = received?.parsed;
    expect(parsed?.subject).toBe('Grüße: your invitation');
    expect(parsed?.text).toBe(mail.text);
    expect(parsed?.html).toBe(mail.html);
    expect(parsed?.from?.value).toEqual([{ name: 'ConCat Platform', address: 'no-reply@platform.example' }]);
    expect(parsed?.to).toMatchObject({ value: [{ name: 'Dev Eloper', address: 'dev@example.org' }] });
    expect(parsed?.messageId).toMatch(new RegExp(`^<mail-${id}\\.\\d+@platform\\.example>$`));
    // The Date header is when the message was queued, so it is the same on every retry.
    expect(parsed?.date?.toISOString()).toBe(START);
    expect(parsed?.headers.get('auto-submitted')).toBe('auto-generated');

    const row = await mailRow(database.db, id);
    expect(row).toMatchObject({ status: 'sent', attempts: 1, sent_at: '2026-03-01T10:00:05.000Z', leased_until: null, last_error: null });
  });

  it('keeps a message queued while SMTP is down, backs off, and delivers it once the server is back', async () => {
    const port = await freePort();
    const mailer = worker(createSmtpTransport(`smtp://127.0.0.1:${port}`));
    const id = await queueMail(database.db, clock);

    expect(await mailer.runOnce()).toMatchObject({ claimed: 1, retrying: 1, sent: 0 });
    const failed = await mailRow(database.db, id);
    expect(failed).toMatchObject({ status: 'queued', attempts: 1, leased_until: null, sent_at: null, next_attempt_at: '2026-03-01T10:00:30.000Z' });
    expect(failed.last_error).toMatch(/ECONNREFUSED/);
    expect(failed.last_error).not.toMatch(/\n/);

    // Not due yet: nothing is attempted, even with the server back.
    const server = await smtpServer({ port });
    clock.advance(29_999);
    expect(await mailer.runOnce()).toMatchObject({ claimed: 0 });

    clock.advance(1);
    expect(await mailer.runOnce()).toMatchObject({ claimed: 1, sent: 1 });
    expect(server.received.map((mail) => mail.parsed.subject)).toEqual(['Your invitation']);
    expect(await mailRow(database.db, id)).toMatchObject({ status: 'sent', attempts: 2, sent_at: '2026-03-01T10:00:30.000Z' });
  });

  it('fails a message at once when the server says its address does not exist, and retries other refusals', async () => {
    const noSuchUser = await smtpServer({ rejectRecipient: { code: 550, message: '5.1.1 No such user here' } });
    const refused = await queueMail(database.db, clock);
    expect(await worker(createSmtpTransport(`smtp://127.0.0.1:${noSuchUser.port}`)).runOnce()).toMatchObject({ failed: 1 });
    const refusedRow = await mailRow(database.db, refused);
    expect(refusedRow).toMatchObject({ status: 'failed', attempts: 1, leased_until: null });
    expect(refusedRow.last_error).toMatch(/550 5\.1\.1 No such user here/);

    // A relay that refuses us is a configuration problem, and a 4xx is temporary by definition.
    for (const reply of [
      { code: 554, message: '5.7.1 Relay access denied' },
      { code: 450, message: 'Mailbox busy' },
    ]) {
      const server = await smtpServer({ rejectRecipient: reply });
      const id = await queueMail(database.db, clock);
      expect(await worker(createSmtpTransport(`smtp://127.0.0.1:${server.port}`)).runOnce()).toMatchObject({ retrying: 1 });
      const row = await mailRow(database.db, id);
      expect(row).toMatchObject({ status: 'queued', attempts: 1 });
      expect(row.last_error).toContain(`${reply.code} ${reply.message}`);
    }
  });

  it('never stores or logs the credentials of the SMTP URL, even when the server echoes them', async () => {
    const server = await smtpServer({ auth: { user: 'someone-else', pass: 'other' } });
    const user = 'alice@example.org';
    const pass = 'Tr0ub4dor&3 horse/staple';
    const url = `smtp://${encodeURIComponent(user)}:${encodeURIComponent(pass)}@127.0.0.1:${server.port}`;
    const { logger, entries } = recordingLogger();
    const id = await queueMail(database.db, clock);

    // A wrong login is the operator's to fix: the message keeps waiting for a corrected configuration.
    expect(await worker(createSmtpTransport(url), { logger }).runOnce()).toMatchObject({ retrying: 1 });

    const row = await mailRow(database.db, id);
    expect(row.status).toBe('queued');
    expect(row.last_error).toMatch(/535/);
    expect(row.last_error).toContain('[redacted]');
    const base64 = (text: string) => Buffer.from(text).toString('base64').replace(/=+$/, '');
    const secrets = [user, pass, 'alice', 'Tr0ub4dor', encodeURIComponent(user), encodeURIComponent(pass), base64(user), base64(pass), base64(`\0${user}\0${pass}`)];
    const logged = JSON.stringify(entries);
    expect(logged).toContain('535');
    for (const secret of secrets) {
      expect(row.last_error).not.toContain(secret);
      expect(logged).not.toContain(secret);
    }
  });

  it('gives up on a server that accepts the connection but never answers, at the send deadline', async () => {
    const silent = createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const address = silent.address();
    const port = typeof address === 'object' && address !== null ? address.port : 0;
    try {
      const transport = createSmtpTransport(`smtp://127.0.0.1:${port}`);
      const started = Date.now();
      await expect(transport.send(testMessage(), AbortSignal.timeout(300))).rejects.toThrow(
        'the send took too long and was aborted',
      );
      expect(Date.now() - started).toBeLessThan(5_000);
      await transport.close();
    } finally {
      silent.close();
    }
  });

  it('speaks TLS from the first byte for smtps:// and upgrades with STARTTLS for smtp://', async () => {
    // The test server's certificate is self-signed; the query parameter is how an operator accepts one.
    const implicit = await smtpServer({ implicitTls: true });
    await queueMail(database.db, clock);
    expect(await worker(createSmtpTransport(`smtps://127.0.0.1:${implicit.port}/?tls.rejectUnauthorized=false`)).runOnce()).toMatchObject({ sent: 1 });
    expect(implicit.received[0]?.secure).toBe(true);

    const starttls = await smtpServer({ starttls: true });
    await queueMail(database.db, clock);
    expect(await worker(createSmtpTransport(`smtp://127.0.0.1:${starttls.port}/?tls.rejectUnauthorized=false`)).runOnce()).toMatchObject({ sent: 1 });
    expect(starttls.received[0]?.secure).toBe(true);

    // Without it the untrusted certificate fails the upgrade: no silent fallback to plain text.
    const id = await queueMail(database.db, clock);
    expect(await worker(createSmtpTransport(`smtp://127.0.0.1:${starttls.port}`)).runOnce()).toMatchObject({ retrying: 1 });
    expect(starttls.received).toHaveLength(1);
    expect((await mailRow(database.db, id)).last_error).toMatch(/certificate/i);
  });
});

describe('the retry schedule', () => {
  it('waits 30 s, 2 min, 10 min, 30 min, 1 h, then hourly', () => {
    expect(RETRY_DELAYS_MS).toEqual([30_000, 120_000, 600_000, 1_800_000, 3_600_000]);
    expect([1, 2, 3, 4, 5, 6, 7, 20].map(retryDelayMs)).toEqual([30_000, 120_000, 600_000, 1_800_000, 3_600_000, 3_600_000, 3_600_000, 3_600_000]);
    expect(RETRY_INTERVAL_MS).toBe(3_600_000);
  });

  it(`gives up after ${MAX_ATTEMPTS} attempts, a little less than a day after the first`, async () => {
    const transport = new RecordingTransport(() => Promise.reject(new Error('421 try again later')));
    const mailer = worker(transport);
    const id = await queueMail(database.db, clock);
    const firstAttempt = clock.now().getTime();

    for (let attempt = 1; attempt < MAX_ATTEMPTS; attempt += 1) {
      expect(await mailer.runOnce()).toMatchObject({ claimed: 1, retrying: 1 });
      const row = await mailRow(database.db, id);
      expect(row.attempts).toBe(attempt);
      expect(Date.parse(row.next_attempt_at) - clock.now().getTime()).toBe(retryDelayMs(attempt));
      clock.set(row.next_attempt_at);
    }
    const lastAttempt = clock.now().getTime();
    expect(await mailer.runOnce()).toMatchObject({ claimed: 1, failed: 1 });
    expect(await mailRow(database.db, id)).toMatchObject({ status: 'failed', attempts: MAX_ATTEMPTS, last_error: '421 try again later' });
    const span = lastAttempt - firstAttempt;
    expect(span).toBeGreaterThan(23 * 3_600_000);
    expect(span).toBeLessThan(24 * 3_600_000);

    clock.advance(7 * 24 * 3_600_000);
    expect(await mailer.runOnce()).toMatchObject({ claimed: 0 });
  });
});

describe('nothing is lost', () => {
  it('a new worker on a new connection delivers what an earlier process left queued', async () => {
    const port = await freePort();
    const ids = [await queueMail(database.db, clock), await queueMail(database.db, clock)];
    const first = worker(createSmtpTransport(`smtp://127.0.0.1:${port}`));
    expect(await first.runOnce()).toMatchObject({ retrying: 2 });
    await first.stop();

    // The restarted process: its own connection, its own worker, the server up again.
    const server = await smtpServer({ port });
    const reopened = openDatabase(testDb.url);
    try {
      clock.advance(30_000);
      expect(await worker(createSmtpTransport(`smtp://127.0.0.1:${port}`), { db: reopened }).runOnce()).toMatchObject({ claimed: 2, sent: 2 });
    } finally {
      await Promise.all(workers.splice(0).map((w) => w.stop()));
      await reopened.close();
    }
    expect(server.received).toHaveLength(2);
    for (const id of ids) expect((await mailRow(database.db, id)).status).toBe('sent');
  });

  it('takes over a message claimed by a process that died, once its lease lapses', async () => {
    const id = await queueMail(database.db, clock);
    // What a worker leaves behind when its process is killed mid-send.
    await database.db
      .updateTable('mail_messages')
      .set({ leased_until: new Date(clock.now().getTime() + LEASE_MS).toISOString() })
      .where('id', '=', id)
      .execute();
    const transport = new RecordingTransport();
    const mailer = worker(transport);

    expect(await mailer.runOnce()).toMatchObject({ claimed: 0 });
    clock.advance(LEASE_MS + 1);
    expect(await mailer.runOnce()).toMatchObject({ claimed: 1, sent: 1 });
    expect(transport.sent).toHaveLength(1);
  });

  it('never sends a message queued in a transaction that rolled back', async () => {
    const transport = new RecordingTransport();
    await expect(
      database.db.transaction().execute(async (trx) => {
        await queueMail(trx, clock);
        throw new Error('the change the message announced failed');
      }),
    ).rejects.toThrow('the change the message announced failed');

    expect(await worker(transport).runOnce()).toMatchObject({ claimed: 0 });
    expect(transport.sent).toEqual([]);
    expect(await database.db.selectFrom('mail_messages').select('id').execute()).toEqual([]);
  });
});

describe('running in the server', () => {
  it('stop() lets the send in flight finish and hands the rest of the batch back', async () => {
    // The first send hangs until the test lets it finish.
    let firstStarted = (): void => undefined;
    const started = new Promise<void>((resolve) => {
      firstStarted = resolve;
    });
    let finishFirst = (): void => undefined;
    let calls = 0;
    const transport = new RecordingTransport(() => {
      calls += 1;
      if (calls > 1) return Promise.resolve({ accepted: true, detail: 'ok' });
      firstStarted();
      return new Promise((resolve) => {
        finishFirst = () => resolve({ accepted: true, detail: 'ok' });
      });
    });
    const ids = [await queueMail(database.db, clock), await queueMail(database.db, clock), await queueMail(database.db, clock)];
    const mailer = new MailWorker({ database, transport, from: SENDER, clock });

    const round = mailer.runOnce();
    await started;
    const stopped = mailer.stop();
    finishFirst();
    await stopped;

    expect(await round).toEqual({ claimed: 3, sent: 1, retrying: 0, failed: 0, released: 2 });
    expect(transport.closed).toBe(true);
    const rows = await Promise.all(ids.map((id) => mailRow(database.db, id)));
    expect(rows.map((row) => [row.status, row.attempts, row.leased_until])).toEqual([
      ['sent', 1, null],
      ['queued', 0, null],
      ['queued', 0, null],
    ]);
    // Handed back, not delayed: the next worker takes them at once.
    const next = worker(new RecordingTransport());
    expect(await next.runOnce()).toMatchObject({ claimed: 2, sent: 2 });
  });

  it('start() delivers on its own, and wake() brings the next round forward', async () => {
    const transport = new RecordingTransport();
    await queueMail(database.db, clock, { subject: 'before start' });
    const mailer = worker(transport);
    mailer.start(60_000);
    await vi.waitFor(() => expect(transport.sent.map((m) => m.subject)).toEqual(['before start']));

    await queueMail(database.db, clock, { subject: 'after start' });
    mailer.wake();
    await vi.waitFor(() => expect(transport.sent.map((m) => m.subject)).toEqual(['before start', 'after start']));
  });
});
