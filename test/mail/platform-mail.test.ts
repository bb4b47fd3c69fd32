import { readdirSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/clock.js';
import { outboxDirectory } from '../../src/mail/outbox/file-outbox-transport.js';
import { startTestPlatform, type TestPlatform } from '../support/platform.js';
import { queueMail } from './fixtures.js';
import { startSmtpTestServer, type SmtpTestServer } from './smtp-test-server.js';

describe('mail in the running platform', () => {
  let running: TestPlatform | undefined;
  let server: SmtpTestServer | undefined;

  afterEach(async () => {
    await running?.stop();
    await server?.close();
    running = undefined;
    server = undefined;
  });

  it('writes to the outbox in the data directory when no SMTP server is configured', async () => {
    running = await startTestPlatform();
    const { platform, config } = running;
    await queueMail(platform.database.db, systemClock, { subject: 'to the outbox' });

    await platform.mail.runOnce();

    const files = readdirSync(outboxDirectory(config.dataDir));
    expect(files).toHaveLength(1);
    expect(files[0]).toMatch(/\.eml$/);
  });

  it('sends through SMTP when configured, and stops the worker on close', async () => {
    server = await startSmtpTestServer();
    running = await startTestPlatform({ smtpUrl: `smtp://127.0.0.1:${server.port}` });
    const { platform } = running;
    await queueMail(platform.database.db, systemClock, { subject: 'over SMTP' });

    await platform.mail.runOnce();
    expect(server.received.map((mail) => mail.parsed.subject)).toEqual(['over SMTP']);

    await running.stop();
    running = undefined;
    // Closing the platform stopped the worker before the database closed: no round runs any more.
    await expect(platform.mail.runOnce()).resolves.toMatchObject({ claimed: 0 });
  });
});
