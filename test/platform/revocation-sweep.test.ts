import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isoTimestamp, ManualClock } from '../../src/clock.js';
import type { Database } from '../../src/db/database.js';
import { attestDeletion } from '../../src/platform/deletion-duty.js';
import { DAY_MS } from '../../src/platform/inactivity.js';
import { formatUtcDate } from '../../src/platform/revocation-mail.js';
import { sweepRevocations, type SweepReport } from '../../src/platform/revocation-sweep.js';
import { approveReactivation, requestReactivation } from '../../src/platform/app-reactivation.js';
import { revokeApp } from '../../src/platform/app-revocation.js';
import { resumeIntegration } from '../../src/platform/integrations.js';
import { createOperator } from '../../src/platform/operators.js';
import { addDeveloperApp, addOrg, addUser, grantRole, type FixtureOrg } from '../instance/fixtures.js';
import { startSmtpTestServer, type SmtpTestServer } from '../mail/smtp-test-server.js';
import { expectOauthError, postForm, serviceToken, startOauthWorld, type OauthWorld } from '../oauth/oauth-world.js';
import { request } from '../support/https-client.js';
import { startTestPlatform, type TestPlatform } from '../support/platform.js';

const after = (iso: string, days: number) => isoTimestamp(new Date(new Date(iso).getTime() + days * DAY_MS));

interface SweptApp {
  appId: number;
  clientId: number;
  developerId: number;
  email: string;
}

describe('the revocation sweep', () => {
  let t: TestPlatform;
  let smtp: SmtpTestServer;
  let database: Database;
  let furfest: FixtureOrg;
  let animecon: FixtureOrg;
  const clock = new ManualClock('2026-01-10T09:00:00.000Z');

  beforeAll(async () => {
    smtp = await startSmtpTestServer();
    t = await startTestPlatform({ smtpUrl: `smtp://127.0.0.1:${smtp.port}` }, { clock });
    database = t.platform.database;
    furfest = await addOrg(database, 'furfest', 'Lakeshore FurFest', clock);
    animecon = await addOrg(database, 'animecon', 'Harborview Anime Con', clock);
    await createOperator(database, { email: 'ops@example.org', name: 'Olive Ops', password: 'operator-password-1' }, { type: 'system', id: null }, clock);
    await grantRole(database.db, furfest.orgId, await addUser(database.db, furfest.orgId, 'furfest-admin', null, clock), ['oauth:manage'], clock);
    await grantRole(database.db, animecon.orgId, await addUser(database.db, animecon.orgId, 'animecon-admin', null, clock), ['oauth:manage'], clock);
  });
  afterAll(async () => {
    await t.stop();
    await smtp.close();
  });

  const sweep = (dryRun = false) => sweepRevocations(database.db, t.config, clock, { dryRun });

  /** An approved developer app, activated now, integrated in `orgs`. */
  async function developerApp(name: string, orgs: FixtureOrg[]): Promise<SweptApp> {
    const { appId, clientId } = await addDeveloperApp(database.db, { name, status: 'approved' }, clock);
    const now = isoTimestamp(clock.now());
    await database.db.updateTable('apps').set({ activated_at: now }).where('id', '=', appId).execute();
    for (const org of orgs) {
      await database.db
        .insertInto('integrations')
        .values({ org_id: org.orgId, app_id: appId, scopes: '["user:read"]', obo_enabled: 0, status: 'active', created_by_user_id: null, created_at: now, updated_at: now })
        .execute();
    }
    const developer = await database.db.selectFrom('apps').innerJoin('developers', 'developers.id', 'apps.developer_id').select(['developers.id', 'developers.email']).where('apps.id', '=', appId).executeTakeFirstOrThrow();
    return { appId, clientId, developerId: developer.id, email: developer.email };
  }

  /** A token issued to the app in `org` at the clock's time, as the authorization server records it. */
  async function useApp(app: SweptApp, org: FixtureOrg): Promise<void> {
    t.platform.usage.record({ kind: 'token-issued', clientId: app.clientId, orgId: org.orgId });
    await t.platform.usage.flush();
  }

  async function mailsTo(app: SweptApp) {
    while ((await t.platform.mail.runOnce()).claimed > 0);
    return smtp.received.filter((mail) => mail.envelopeTo.includes(app.email)).map((mail) => ({ subject: mail.parsed.subject ?? '', text: mail.parsed.text ?? '' }));
  }

  function of<T extends { appId: number }>(app: SweptApp, items: T[]): T[] {
    return items.filter((item) => item.appId === app.appId);
  }

  async function auditOf(app: SweptApp, action: string) {
    return database.db.selectFrom('audit_log').select(['org_id', 'actor_type', 'details']).where('action', '=', action).where('target_id', '=', String(app.appId)).orderBy('id').execute();
  }

  it('warns 30 and 7 days before the revocation, once each, naming the date; new activity starts a new idle period', async () => {
    const start = '2026-01-10T09:00:00.000Z';
    clock.set(start);
    const app = await developerApp('Quiet Planner', [furfest]);
    const revokeOn = after(start, 365);

    clock.set(after(start, 334));
    expect(of(app, (await sweep()).warned)).toEqual([]);
    clock.set(after(start, 335));
    expect(of(app, (await sweep()).warned)).toEqual([{ appId: app.appId, clientId: app.clientId, appName: 'Quiet Planner', daysBefore: 30, revokeOn }]);
    expect(of(app, (await sweep()).warned)).toEqual([]);
    clock.set(after(start, 350));
    expect(of(app, (await sweep()).warned)).toEqual([]);
    clock.set(after(start, 358));
    expect(of(app, (await sweep()).warned)).toMatchObject([{ daysBefore: 7, revokeOn }]);
    expect(of(app, (await sweep()).warned)).toEqual([]);

    const mails = await mailsTo(app);
    expect(mails.map((mail) => mail.subject)).toEqual([`Quiet Planner will be revoked on ${formatUtcDate(revokeOn)} unless it is used`, `Quiet Planner will be revoked on ${formatUtcDate(revokeOn)} unless it is used`]);
    expect(formatUtcDate(revokeOn)).toBe('10 January 2027');
    for (const mail of mails) {
      expect(mail.text).toContain(`API ID ${app.clientId}`);
      expect(mail.text).toContain('never been used');
      expect(mail.text).toContain('getting an access token, calling the API with one, or answering a webhook with success');
      expect(mail.text).toContain(`${t.config.publicUrl.origin}/portal/apps/${app.appId}`);
    }
    const audit = await auditOf(app, 'app.inactivity-warning-sent');
    expect(audit.map((entry) => [entry.actor_type, entry.org_id, (JSON.parse(entry.details) as { daysBefore: number }).daysBefore])).toEqual([
      ['system', null, 30],
      ['system', null, 7],
    ]);

    // Used 2 days before the revocation date: kept, and warned again only as the new date nears.
    clock.set(after(start, 363));
    await useApp(app, furfest);
    clock.set(after(start, 366));
    const report = await sweep();
    expect(of(app, report.revoked)).toEqual([]);
    expect(of(app, report.warned)).toEqual([]);
    clock.set(after(start, 363 + 335));
    expect(of(app, (await sweep()).warned)).toMatchObject([{ daysBefore: 30, revokeOn: after(start, 363 + 365) }]);
    const [, , renewed] = await mailsTo(app);
    expect(renewed?.subject).toContain(formatUtcDate(after(start, 363 + 365)));
    expect(renewed?.text).toContain(`last used on ${formatUtcDate(after(start, 363))}`);
  });

  it('keeps an app idle 364 days, revokes it at 365 with the email, then reminds 7 and 1 days before the deletion deadline and records the missed deadline', async () => {
    const start = '2027-03-01T08:00:00.000Z';
    clock.set(start);
    const app = await developerApp('Badge Printer', [furfest, animecon]);
    const lastUse = after(start, 10);
    clock.set(lastUse);
    await useApp(app, animecon);

    // Warned on time (hourly sweeps would have): 30 and 7 days before.
    for (const day of [335, 358]) {
      clock.set(after(lastUse, day));
      await sweep();
    }
    clock.set(after(lastUse, 364));
    expect(of(app, (await sweep()).revoked)).toEqual([]);
    const revokedAt = after(lastUse, 365);
    clock.set(revokedAt);
    expect(of(app, (await sweep()).revoked)).toEqual([{ appId: app.appId, clientId: app.clientId, appName: 'Badge Printer', idleSince: lastUse, lastActiveAt: lastUse }]);
    expect(of(app, (await sweep()).revoked)).toEqual([]);

    const revocation = await database.db.selectFrom('app_revocations').selectAll().where('app_id', '=', app.appId).executeTakeFirstOrThrow();
    const reason = `No activity (no token issued, API call or webhook acknowledged) since ${formatUtcDate(lastUse)}: 365 days`;
    expect(revocation).toMatchObject({ cause: 'inactivity', actor_type: 'system', revoked_at: revokedAt, reason });
    const deletionDueAt = after(revokedAt, 30);
    const revokedMails = (await mailsTo(app)).filter((mail) => mail.subject.includes('is revoked'));
    expect(revokedMails).toHaveLength(1);
    expect(revokedMails[0]?.subject).toBe(`Badge Printer is revoked: delete its event data by ${formatUtcDate(deletionDueAt)}`);
    expect(revokedMails[0]?.text).toContain(reason);

    // The developer attests one of the two instances; the reminders name the other.
    await attestDeletion(database.db, { developerId: app.developerId, appId: app.appId, revocationId: revocation.id, orgId: furfest.orgId, statement: '', ip: null }, clock);
    clock.set(after(deletionDueAt, -8));
    expect(of(app, (await sweep()).remindersSent)).toEqual([]);
    clock.set(after(deletionDueAt, -7));
    expect(of(app, (await sweep()).remindersSent)).toEqual([{ appId: app.appId, clientId: app.clientId, appName: 'Badge Printer', revocationId: revocation.id, daysBefore: 7, deletionDueAt }]);
    expect(of(app, (await sweep()).remindersSent)).toEqual([]);
    clock.set(after(deletionDueAt, -1));
    expect(of(app, (await sweep()).remindersSent)).toMatchObject([{ daysBefore: 1 }]);
    expect(of(app, (await sweep()).remindersSent)).toEqual([]);
    const reminders = (await mailsTo(app)).filter((mail) => mail.subject.startsWith('Reminder'));
    expect(reminders.map((mail) => mail.subject)).toEqual([`Reminder: delete Badge Printer's event data by ${formatUtcDate(deletionDueAt)}`, `Reminder: delete Badge Printer's event data by ${formatUtcDate(deletionDueAt)}`]);
    expect(reminders[0]?.text).toContain('Harborview Anime Con');
    expect(reminders[0]?.text).not.toContain('Lakeshore FurFest');
    expect(reminders[0]?.text).toContain(`${t.config.publicUrl.origin}/portal/apps/${app.appId}`);
    expect(await auditOf(app, 'app.deletion-reminder-sent')).toHaveLength(2);

    clock.set(deletionDueAt);
    const overdue = { appId: app.appId, clientId: app.clientId, appName: 'Badge Printer', revocationId: revocation.id, deletionDueAt, openInstances: ['animecon'] };
    expect(of(app, (await sweep()).overdue)).toEqual([overdue]);
    clock.set(after(deletionDueAt, 3));
    // Still reported on every sweep, recorded once: in the platform's audit log and the instance's.
    expect(of(app, (await sweep()).overdue)).toEqual([overdue]);
    const audit = await auditOf(app, 'app.deletion-overdue');
    expect(audit.map((entry) => [entry.org_id, entry.actor_type])).toEqual([
      [null, 'system'],
      [animecon.orgId, 'system'],
    ]);
    // Emailed once: to the operators, and to the admins of the event whose deletion is unconfirmed (not the other's).
    await mailsTo(app);
    const overdueMails = smtp.received.filter((mail) => (mail.parsed.subject ?? '') === 'Overdue: Badge Printer has not confirmed deleting event data');
    expect(overdueMails.map((mail) => mail.envelopeTo).sort()).toEqual([['animecon-admin@example.org'], ['ops@example.org']]);
    const toAdmin = overdueMails.find((mail) => mail.envelopeTo.includes('animecon-admin@example.org'));
    expect(toAdmin?.parsed.text).toContain(`by ${formatUtcDate(deletionDueAt)}`);
    expect(toAdmin?.parsed.text).toContain(`${t.baseUrl}/o/animecon/housekeeping/integrations`);
    const toOperator = overdueMails.find((mail) => mail.envelopeTo.includes('ops@example.org'));
    expect(toOperator?.parsed.text).toContain(`${t.config.publicUrl.origin}/console/apps/${app.appId}`);
  });

  it('keeps reminding after a reactivation until each instance attests or re-enables the integration', async () => {
    const start = '2031-01-01T00:00:00.000Z';
    clock.set(start);
    const app = await developerApp('Comeback Kid', [furfest, animecon]);
    const revoked = await revokeApp(database.db, { app: { appId: app.appId }, reason: 'Test', actor: { type: 'cli' } }, clock);
    const operator = await database.db.selectFrom('operators').select('id').executeTakeFirstOrThrow();
    const publicUrl = t.config.publicUrl;
    const requestId = await requestReactivation(database.db, { developerId: app.developerId, appId: app.appId, message: 'Back', ip: null, publicUrl }, clock);
    await approveReactivation(database.db, { operatorId: operator.id, requestId, note: '', ip: null, publicUrl }, clock);
    // Furfest re-enables (its duty is released); animecon does not.
    const furfestIntegration = await database.db.selectFrom('integrations').select('id').where('app_id', '=', app.appId).where('org_id', '=', furfest.orgId).executeTakeFirstOrThrow();
    await resumeIntegration(database.db, { orgId: furfest.orgId, integrationId: furfestIntegration.id }, { actor: { type: 'cli' }, ip: null }, clock);

    clock.set(after(revoked.deletionDueAt, -7));
    expect(of(app, (await sweep()).remindersSent)).toMatchObject([{ daysBefore: 7, revocationId: revoked.revocationId }]);
    clock.set(revoked.deletionDueAt);
    expect(of(app, (await sweep()).overdue)).toMatchObject([{ revocationId: revoked.revocationId, openInstances: ['animecon'] }]);
    const reminder = (await mailsTo(app)).find((mail) => mail.subject.startsWith('Reminder'));
    expect(reminder?.text).toContain('Harborview Anime Con');
    expect(reminder?.text).not.toContain('Lakeshore FurFest');
  });

  it('leaves apps owned by an organization alone', async () => {
    const start = '2029-01-01T00:00:00.000Z';
    clock.set(start);
    const app = await developerApp('Own Tool', [furfest]);
    await database.db.updateTable('apps').set({ owner_org_id: furfest.orgId }).where('id', '=', app.appId).execute();
    clock.set(after(start, 400));
    const report = await sweep();
    expect(of(app, [...report.revoked, ...report.warned])).toEqual([]);
    const row = await database.db.selectFrom('apps').select('status').where('id', '=', app.appId).executeTakeFirstOrThrow();
    expect(row.status).toBe('approved');
  });

  it('dry run: the same report, nothing written or sent', async () => {
    const start = '2030-01-01T00:00:00.000Z';
    clock.set(start);
    const idle = await developerApp('Dry Idle', [furfest]);
    clock.set(after(start, 40));
    const warned = await developerApp('Dry Warned', [furfest]);
    clock.set(after(start, 358));
    expect(of(idle, (await sweep()).warned)).toHaveLength(1);
    clock.set(after(start, 40 + 340));
    const counts = async () => {
      const count = async (table: 'mail_messages' | 'revocation_notices' | 'audit_log' | 'app_revocations') => Number((await database.db.selectFrom(table).select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
      return { mail: await count('mail_messages'), notices: await count('revocation_notices'), audit: await count('audit_log'), revocations: await count('app_revocations') };
    };
    const before = await counts();
    const dry: SweepReport = await sweep(true);
    expect(of(idle, dry.revoked)).toHaveLength(1);
    expect(of(warned, dry.warned)).toMatchObject([{ daysBefore: 30 }]);
    expect(await counts()).toEqual(before);
    expect((await database.db.selectFrom('apps').select('status').where('id', '=', idle.appId).executeTakeFirstOrThrow()).status).toBe('approved');

    const real = await sweep();
    expect(real).toEqual(dry);
  });

  it('revokes once and warns once when two sweeps run at once', async () => {
    const start = '2032-01-01T00:00:00.000Z';
    clock.set(start);
    const idle = await developerApp('Raced Idle', [furfest]);
    clock.set(after(start, 40));
    const warned = await developerApp('Raced Warned', [furfest]);
    clock.set(after(start, 358));
    await sweep();
    clock.set(after(start, 40 + 340));
    const reports = await Promise.all([sweep(), sweep()]);
    expect(reports.flatMap((report) => of(idle, report.revoked))).toHaveLength(1);
    expect(reports.flatMap((report) => of(warned, report.warned))).toHaveLength(1);
    expect(await database.db.selectFrom('app_revocations').select('id').where('app_id', '=', idle.appId).execute()).toHaveLength(1);
    const mails = await mailsTo(warned);
    expect(mails).toHaveLength(1);
    expect((await mailsTo(idle)).filter((mail) => mail.subject.includes('is revoked'))).toHaveLength(1);
  });

  it('never revokes without warning: an app found long idle is warned, then revoked on the date the warning names', async () => {
    const start = '2033-01-01T00:00:00.000Z';
    clock.set(start);
    const app = await developerApp('Long Forgotten', [furfest]);
    // The sweep never ran in the app's idle year (e.g. the platform was just upgraded).
    const found = after(start, 500);
    clock.set(found);
    const first = await sweep();
    expect(of(app, first.revoked)).toEqual([]);
    expect(of(app, first.warned)).toEqual([{ appId: app.appId, clientId: app.clientId, appName: 'Long Forgotten', daysBefore: 7, revokeOn: after(found, 7) }]);
    clock.set(after(found, 6));
    expect(of(app, (await sweep()).revoked)).toEqual([]);
    clock.set(after(found, 7));
    expect(of(app, (await sweep()).revoked)).toHaveLength(1);
    const subjects = (await mailsTo(app)).map((mail) => mail.subject);
    expect(subjects).toEqual([`Long Forgotten will be revoked on ${formatUtcDate(after(found, 7))} unless it is used`, `Long Forgotten is revoked: delete its event data by ${formatUtcDate(after(found, 37))}`]);
  });

  it('runs as the server job, one round at a time under the lease', async () => {
    const start = '2034-01-01T00:00:00.000Z';
    clock.set(start);
    const app = await developerApp('Job Target', [furfest]);
    clock.set(after(start, 358));
    await t.platform.revocations.runOnce();
    clock.set(after(start, 365));
    const rounds = await Promise.all([t.platform.revocations.runOnce(), t.platform.revocations.runOnce()]);
    expect(rounds.flatMap((round) => (round === null ? [] : of(app, round.revoked)))).toHaveLength(1);
    expect(await database.db.selectFrom('job_leases').selectAll().execute()).toEqual([]);
  });
});

describe('an app revoked by the sweep, through HTTP', () => {
  let w: OauthWorld;

  beforeAll(async () => {
    w = await startOauthWorld();
  });
  afterAll(async () => {
    await w.t.stop();
  });

  it('stops a token issued before the revocation at its next use, and refuses the client', async () => {
    const token = await serviceToken(w.furfest.base, w.apps.service);
    await w.t.platform.usage.flush();
    const searchUsers = () => request(`${w.furfest.base}/api/v0/users/search`, { method: 'POST', headers: { authorization: `Bearer ${token.access_token}`, 'content-type': 'application/json' }, body: '{}' });
    expect((await searchUsers()).status).toBe(200);

    // A year on (as the operator's --as-of would have it): the token's use a year ago is too old.
    // Warned first, revoked 7 days later.
    const yearOn = new ManualClock(new Date(Date.now() + 366 * DAY_MS));
    const warning = await sweepRevocations(w.database.db, w.t.config, yearOn, { dryRun: false });
    expect(warning.warned.map((r) => r.clientId)).toContain(w.apps.service.clientId);
    expect((await searchUsers()).status).toBe(200);
    yearOn.advance(7 * DAY_MS);
    const report = await sweepRevocations(w.database.db, w.t.config, yearOn, { dryRun: false });
    expect(report.revoked.map((r) => r.clientId)).toContain(w.apps.service.clientId);

    expect((await searchUsers()).status).toBe(401);
    const refused = await postForm(`${w.furfest.base}/api/oauth/token`, { grant_type: 'client_credentials', client_id: String(w.apps.service.clientId), client_secret: w.apps.service.secret });
    expectOauthError(refused, 401, 'invalid_client');
  });
});
