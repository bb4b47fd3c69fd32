import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/run-cli.js';
import { ManualClock } from '../../src/clock.js';
import type { Database } from '../../src/db/database.js';
import { createOperator } from '../../src/platform/operators.js';
import {
  createInvitation,
  findInvitationByToken,
  InvitationError,
  INVITATION_LIFETIME_DAYS,
  invitingOperator,
  listInvitations,
  resendInvitation,
  UnknownInvitationError,
  withdrawInvitation,
} from '../../src/platform/invitations.js';
import { hashSecret } from '../../src/security/secrets.js';
import { openTestDatabase } from '../support/database.js';

const DAY_MS = 86_400_000;
const publicUrl = new URL('https://platform.test');
const tokenOf = (link: string): string => link.slice(link.lastIndexOf('/') + 1);

describe('invitations', () => {
  let database: Database;
  let close: () => Promise<void>;
  let dataDir: string;
  let databaseUrl: string;
  let operatorId: number;
  const clock = new ManualClock('2026-03-01T12:00:00.000Z');
  const actor = () => ({ type: 'operator' as const, id: String(operatorId) });

  beforeAll(async () => {
    const opened = await openTestDatabase();
    database = opened.database;
    close = () => opened.close();
    dataDir = opened.testDb.dataDir;
    databaseUrl = opened.testDb.url;
    operatorId = (await createOperator(database, { email: 'ops@example.org', name: 'Olive Ops', password: 'operator-password-1' }, { type: 'system', id: null }, clock)).id;
  });
  afterAll(async () => close());
  beforeEach(() => clock.set('2026-03-01T12:00:00.000Z'));

  const invite = (email: string, extra: { note?: string; expiresInDays?: number } = {}) =>
    createInvitation(database.db, { email, operatorId, actor: actor(), ip: '203.0.113.9', publicUrl, ...extra }, clock);

  it('stores only the hash of a cci_ token, emails the link, note and expiry, and audits', async () => {
    const issued = await invite(' New.Dev@Example.ORG ', { note: 'Met you at the con' });
    expect(issued.email).toBe('new.dev@example.org');
    expect(issued.link).toMatch(/^https:\/\/platform\.test\/invitations\/cci_[\w-]{43}$/);
    expect(issued.expiresAt).toBe(new Date(clock.now().getTime() + INVITATION_LIFETIME_DAYS * DAY_MS).toISOString());
    const token = tokenOf(issued.link);
    const row = await database.db.selectFrom('invitations').selectAll().where('id', '=', issued.id).executeTakeFirstOrThrow();
    expect(row.token_hash).toBe(hashSecret(token));
    expect(JSON.stringify(row)).not.toContain(token);
    expect(row.created_by_operator_id).toBe(operatorId);

    const mail = await database.db.selectFrom('mail_messages').selectAll().where('to_address', '=', 'new.dev@example.org').executeTakeFirstOrThrow();
    expect(mail.kind).toBe('invitation');
    expect(mail.text_body).toContain(issued.link);
    expect(mail.text_body).toContain('Met you at the con');
    expect(mail.text_body).toContain('15 March 2026 at 12:00 UTC');
    expect(mail.html_body).toContain(issued.link);

    const audit = await database.db.selectFrom('audit_log').selectAll().where('action', '=', 'invitation.created').where('target_id', '=', String(issued.id)).executeTakeFirstOrThrow();
    expect(audit).toMatchObject({ actor_type: 'operator', actor_id: String(operatorId), ip: '203.0.113.9', org_id: null });
    expect(audit.details).not.toContain(token);
  });

  it('refuses a bad address, an existing developer, a second pending invitation and odd lifetimes', async () => {
    await expect(invite('not-an-email')).rejects.toThrow(new InvitationError('email', 'Enter an email address like name@example.com'));
    await expect(invite('')).rejects.toMatchObject({ field: 'email' });
    await expect(invite('x@example.org', { note: 'n'.repeat(2001) })).rejects.toMatchObject({ field: 'note' });
    await expect(invite('x@example.org', { expiresInDays: 0 })).rejects.toMatchObject({ field: 'expiresInDays' });
    await expect(invite('x@example.org', { expiresInDays: 91 })).rejects.toMatchObject({ field: 'expiresInDays' });

    await database.db.insertInto('developers').values({ email: 'member@example.org', name: 'M', company_name: 'C', company_website: null, contact_info: 'c', password_hash: null, created_at: '2026-01-01T00:00:00.000Z', updated_at: '2026-01-01T00:00:00.000Z' }).execute();
    await expect(invite('Member@example.org')).rejects.toThrow('member@example.org is already a member of the developer program');

    await invite('twice@example.org');
    await expect(invite('twice@example.org')).rejects.toThrow('already has a pending invitation');
    const count = await database.db.selectFrom('invitations').select((eb) => eb.fn.countAll<number>().as('n')).where('email', '=', 'twice@example.org').executeTakeFirstOrThrow();
    expect(Number(count.n)).toBe(1);
  });

  it('takes a chosen lifetime and expires on time', async () => {
    const issued = await invite('short@example.org', { expiresInDays: 1 });
    const token = tokenOf(issued.link);
    expect((await findInvitationByToken(database.db, token, clock)).status).toBe('pending');
    clock.advance(DAY_MS - 1);
    expect((await findInvitationByToken(database.db, token, clock)).status).toBe('pending');
    clock.advance(1);
    expect((await findInvitationByToken(database.db, token, clock)).status).toBe('expired');
    // An expired invitation no longer blocks a new one for the same address.
    await expect(invite('short@example.org')).resolves.toMatchObject({ email: 'short@example.org' });
  });

  it('resends with a new token and expiry: the old link stops working at once', async () => {
    const first = await invite('resend@example.org');
    clock.advance(20 * DAY_MS);
    expect((await findInvitationByToken(database.db, tokenOf(first.link), clock)).status).toBe('expired');
    const second = await resendInvitation(database.db, { invitationId: first.id, actor: actor(), publicUrl }, clock);
    expect(second.id).toBe(first.id);
    expect(second.link).not.toBe(first.link);
    expect(second.expiresAt).toBe(new Date(clock.now().getTime() + INVITATION_LIFETIME_DAYS * DAY_MS).toISOString());
    expect((await findInvitationByToken(database.db, tokenOf(first.link), clock)).status).toBe('unknown');
    expect(await findInvitationByToken(database.db, tokenOf(second.link), clock)).toMatchObject({ status: 'pending', invitation: { email: 'resend@example.org' } });
    const mails = await database.db.selectFrom('mail_messages').select(['subject', 'text_body']).where('to_address', '=', 'resend@example.org').orderBy('id').execute();
    expect(mails).toHaveLength(2);
    expect(mails[1]?.subject).toContain('new link');
    expect(mails[1]?.text_body).toContain(second.link);
    expect(mails[1]?.text_body).toContain('no longer works');
    const audit = await database.db.selectFrom('audit_log').select('action').where('target_type', '=', 'invitation').where('target_id', '=', String(first.id)).orderBy('id').execute();
    expect(audit.map((a) => a.action)).toEqual(['invitation.created', 'invitation.resent']);
  });

  it('withdraws: the link is dead, and a withdrawn or used invitation cannot be resent or withdrawn again', async () => {
    const issued = await invite('withdraw@example.org');
    await withdrawInvitation(database.db, { invitationId: issued.id, actor: actor() }, clock);
    expect((await findInvitationByToken(database.db, tokenOf(issued.link), clock)).status).toBe('withdrawn');
    await expect(resendInvitation(database.db, { invitationId: issued.id, actor: actor(), publicUrl }, clock)).rejects.toThrow('withdrawn');
    await expect(withdrawInvitation(database.db, { invitationId: issued.id, actor: actor() }, clock)).rejects.toThrow('already withdrawn');
    await expect(withdrawInvitation(database.db, { invitationId: 999_999, actor: actor() }, clock)).rejects.toBeInstanceOf(UnknownInvitationError);

    const used = await invite('used@example.org');
    await database.db.updateTable('invitations').set({ used_at: clock.now().toISOString() }).where('id', '=', used.id).execute();
    expect((await findInvitationByToken(database.db, tokenOf(used.link), clock)).status).toBe('used');
    await expect(resendInvitation(database.db, { invitationId: used.id, actor: actor(), publicUrl }, clock)).rejects.toThrow('already used');
    await expect(withdrawInvitation(database.db, { invitationId: used.id, actor: actor() }, clock)).rejects.toThrow('already used');
    expect((await database.db.selectFrom('audit_log').select('action').where('target_id', '=', String(issued.id)).where('target_type', '=', 'invitation').execute()).map((a) => a.action)).toContain('invitation.withdrawn');
  });

  it('treats malformed and unknown tokens alike', async () => {
    for (const token of ['', 'cci_short', `ccs_${'a'.repeat(43)}`, `cci_${'a'.repeat(43)}`, '../../etc/passwd']) {
      expect((await findInvitationByToken(database.db, token, clock)).status).toBe('unknown');
    }
  });

  it('lists invitations newest first with their status and sender', async () => {
    const list = await listInvitations(database.db, clock);
    expect(list.length).toBeGreaterThan(3);
    expect(list.map((i) => i.id)).toEqual([...list.map((i) => i.id)].sort((a, b) => b - a));
    expect(list.find((i) => i.email === 'withdraw@example.org')?.status).toBe('withdrawn');
    expect(list.find((i) => i.email === 'used@example.org')?.status).toBe('used');
    expect(list.every((i) => i.createdBy === 'Olive Ops')).toBe(true);
  });

  it('names the inviting operator for the CLI: given, or the only one', async () => {
    await expect(invitingOperator(database.db, undefined)).resolves.toMatchObject({ id: operatorId });
    await expect(invitingOperator(database.db, 'OPS@example.org')).resolves.toMatchObject({ id: operatorId });
    await expect(invitingOperator(database.db, 'nobody@example.org')).rejects.toThrow('there is no operator nobody@example.org');
    const second = await createOperator(database, { email: 'second@example.org', name: 'Second', password: 'operator-password-2' }, { type: 'system', id: null }, clock);
    await expect(invitingOperator(database.db, undefined)).rejects.toThrow('--operator EMAIL');
    await database.db.updateTable('operators').set({ disabled_at: clock.now().toISOString() }).where('id', '=', second.id).execute();
    await expect(invitingOperator(database.db, 'second@example.org')).rejects.toThrow('is disabled');
    await expect(invitingOperator(database.db, undefined)).resolves.toMatchObject({ id: operatorId });
  });

  describe('concat invite create', () => {
    const run = async (args: string[]) => {
      const out: string[] = [];
      const err: string[] = [];
      const code = await runCli(['invite', 'create', ...args], {
        out: (text) => out.push(text),
        err: (text) => err.push(text),
        env: { CONCAT_DATA_DIR: dataDir, DATABASE_URL: databaseUrl, CONCAT_PUBLIC_URL: 'https://dev.platform.test' },
        cwd: dataDir,
      });
      return { code, stdout: out.join('\n'), stderr: err.join('\n') };
    };

    it('creates the invitation, queues the email and prints the link as JSON', async () => {
      const result = await run(['--email', 'cli@example.org', '--note', 'From the CLI', '--expires-in-days', '3', '--operator', 'ops@example.org', '--json']);
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      const printed = JSON.parse(result.stdout) as { id: number; email: string; link: string; expiresAt: string };
      expect(printed.email).toBe('cli@example.org');
      expect(printed.link).toMatch(/^https:\/\/dev\.platform\.test\/invitations\/cci_[\w-]{43}$/);
      const row = await database.db.selectFrom('invitations').selectAll().where('id', '=', printed.id).executeTakeFirstOrThrow();
      expect(row.token_hash).toBe(hashSecret(tokenOf(printed.link)));
      expect(row.created_by_operator_id).toBe(operatorId);
      expect(Date.parse(row.expires_at) - Date.parse(row.created_at)).toBe(3 * DAY_MS);
      const mail = await database.db.selectFrom('mail_messages').select('text_body').where('to_address', '=', 'cli@example.org').executeTakeFirstOrThrow();
      expect(mail.text_body).toContain(printed.link);
      expect(mail.text_body).toContain('From the CLI');
      const audit = await database.db.selectFrom('audit_log').selectAll().where('action', '=', 'invitation.created').where('target_id', '=', String(printed.id)).executeTakeFirstOrThrow();
      expect(audit.actor_type).toBe('cli');
    });

    it('prints the link in plain text too', async () => {
      const result = await run(['--email', 'plain@example.org']);
      expect(result.code).toBe(0);
      expect(result.stdout).toMatch(/Invitation for plain@example\.org created.*\nhttps:\/\/dev\.platform\.test\/invitations\/cci_/s);
    });

    it('answers mistakes with one line and exit code 2', async () => {
      for (const [args, message] of [
        [[], '--email is required'],
        [['--email', 'bad'], 'enter an email address like name@example.com'],
        [['--email', 'cli@example.org'], 'already has a pending invitation'],
        [['--email', 'x@example.org', '--expires-in-days', 'soon'], '--expires-in-days must be a whole number'],
        [['--email', 'x@example.org', '--expires-in-days', '365'], 'from 1 to 90'],
        [['--email', 'x@example.org', '--operator', 'ghost@example.org'], 'there is no operator ghost@example.org'],
      ] as const) {
        const result = await run([...args]);
        expect(result.code, args.join(' ')).toBe(2);
        expect(result.stderr).toContain(message);
        expect(result.stderr.split('\n')).toHaveLength(1);
      }
    });
  });
});
