import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { simpleParser } from 'mailparser';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createMailTransport } from '../../src/mail/create-mail-transport.js';
import type { MailMessage } from '../../src/mail/mail-transport.js';
import { outboxDirectory, outboxFileName } from '../../src/mail/outbox/file-outbox-transport.js';
import { SENDER } from './fixtures.js';

const MESSAGE: MailMessage = {
  from: SENDER,
  to: 'Dev Eloper <dev@example.org>',
  subject: 'Your application for Ticket Scanner was approved',
  text: 'Hello Dev,\n\nGood news.\n',
  html: '<!DOCTYPE html><html lang="en"><body><p>Hello Dev,</p><p>Good news.</p></body></html>',
  messageId: '<mail-7.1767261600000@platform.example>',
  date: new Date('2026-01-01T10:00:00.000Z'),
};

describe('the file outbox', () => {
  let dataDir: string;

  beforeEach(() => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'concat-outbox-'));
  });

  afterEach(() => {
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('is the transport when no SMTP URL is configured', () => {
    expect(createMailTransport({ smtpUrl: null, dataDir }).name).toBe('outbox');
    expect(createMailTransport({ smtpUrl: 'smtp://127.0.0.1:2525', dataDir }).name).toBe('smtp');
  });

  it('writes each message as an .eml file that a mail parser reads back whole', async () => {
    const transport = createMailTransport({ smtpUrl: null, dataDir });
    const result = await transport.send(MESSAGE, AbortSignal.timeout(5_000));
    await transport.close();

    const directory = outboxDirectory(dataDir);
    expect(directory).toBe(path.join(dataDir, 'outbox'));
    const files = readdirSync(directory);
    expect(files).toEqual(['20260101T100000.000Z_mail-7.1767261600000@platform.example.eml']);
    expect(result).toEqual({ accepted: true, detail: `written to ${path.join(directory, files[0] ?? '')}` });
    const file = path.join(directory, files[0] ?? '');
    // Mail carries invitation links: only the platform's own user may read it.
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(directory).mode & 0o777).toBe(0o700);

    const raw = readFileSync(file);
    expect(raw.includes('\r\n')).toBe(true);
    const parsed = await simpleParser(raw);
    expect(parsed.subject).toBe(MESSAGE.subject);
    expect(parsed.text).toBe(MESSAGE.text);
    expect(parsed.html).toBe(MESSAGE.html);
    expect(parsed.from?.value).toEqual([{ name: 'ConCat Platform', address: 'no-reply@platform.example' }]);
    expect(parsed.to).toMatchObject({ value: [{ name: 'Dev Eloper', address: 'dev@example.org' }] });
    expect(parsed.messageId).toBe(MESSAGE.messageId);
    expect(parsed.date?.toISOString()).toBe('2026-01-01T10:00:00.000Z');
  });

  it('names files so they sort by queue time and a retry replaces its own file', async () => {
    const transport = createMailTransport({ smtpUrl: null, dataDir });
    const later = { ...MESSAGE, messageId: '<mail-8.1767265200000@platform.example>', date: new Date('2026-01-01T11:00:00.000Z') };
    await transport.send(later, AbortSignal.timeout(5_000));
    await transport.send(MESSAGE, AbortSignal.timeout(5_000));
    await transport.send(MESSAGE, AbortSignal.timeout(5_000));

    expect(readdirSync(outboxDirectory(dataDir)).sort()).toEqual([outboxFileName(MESSAGE), outboxFileName(later)]);
    // Nothing but the messages: no partial files are left behind.
    expect(readdirSync(outboxDirectory(dataDir))).toHaveLength(2);
  });

  it('keeps odd characters of a Message-ID out of the file name', () => {
    expect(outboxFileName({ messageId: '<a/b\\c:d*e?@x.example>', date: new Date('2026-01-01T00:00:00.000Z') })).toBe(
      '20260101T000000.000Z_a_b_c_d_e_@x.example.eml',
    );
  });
});
