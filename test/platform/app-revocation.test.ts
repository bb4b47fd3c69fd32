import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isoTimestamp, ManualClock } from '../../src/clock.js';
import type { Database } from '../../src/db/database.js';
import { AppRevocationError, revokeApp } from '../../src/platform/app-revocation.js';
import { addDeveloperApp, addOrg, type FixtureOrg } from '../instance/fixtures.js';
import { openTestDatabase } from '../support/database.js';

describe('revoking an app', () => {
  let database: Database;
  let close: () => Promise<void>;
  let furfest: FixtureOrg;
  let animecon: FixtureOrg;
  let quietcon: FixtureOrg;
  const clock = new ManualClock('2026-03-10T15:30:00.000Z');

  beforeAll(async () => {
    const opened = await openTestDatabase();
    database = opened.database;
    close = () => opened.close();
    furfest = await addOrg(database, 'furfest', 'Fur Fest', clock);
    animecon = await addOrg(database, 'animecon', 'Anime Con', clock);
    quietcon = await addOrg(database, 'quietcon', 'Quiet Con', clock);
  });
  afterAll(async () => {
    await close();
  });

  async function integratedApp(name: string, integrations: { orgId: number; status: 'active' | 'removed' }[]): Promise<{ appId: number; clientId: number }> {
    const app = await addDeveloperApp(database.db, { name, status: 'approved' }, clock);
    const now = isoTimestamp(clock.now());
    for (const integration of integrations) {
      await database.db
        .insertInto('integrations')
        .values({ org_id: integration.orgId, app_id: app.appId, scopes: '["user:read"]', obo_enabled: 0, status: integration.status, created_by_user_id: null, created_at: now, updated_at: now })
        .execute();
    }
    return app;
  }

  async function mailsTo(appId: number) {
    const developer = await database.db.selectFrom('apps').innerJoin('developers', 'developers.id', 'apps.developer_id').select('developers.email').where('apps.id', '=', appId).executeTakeFirstOrThrow();
    return database.db.selectFrom('mail_messages').selectAll().where('to_address', '=', developer.email).where('kind', '=', 'app.revoked').execute();
  }

  it('revokes at once: status, time, reason and deadline; integrations suspended; events; audit; one email with the deadline date', async () => {
    const { appId, clientId } = await integratedApp('Badge Printer', [
      { orgId: furfest.orgId, status: 'active' },
      { orgId: animecon.orgId, status: 'active' },
      { orgId: quietcon.orgId, status: 'removed' },
    ]);

    const revoked = await revokeApp(database.db, { app: { clientId }, reason: '  Stored attendee data beyond its stated use  ', actor: { type: 'operator', operatorId: 7 }, ip: '203.0.113.9' }, clock);

    expect(revoked).toEqual({
      revocationId: expect.any(Number) as number,
      appId,
      clientId,
      appName: 'Badge Printer',
      revokedAt: '2026-03-10T15:30:00.000Z',
      deletionDueAt: '2026-04-09T15:30:00.000Z',
      suspendedIntegrations: 2,
      instances: ['animecon', 'furfest', 'quietcon'],
      emailed: true,
    });
    const app = await database.db.selectFrom('apps').selectAll().where('id', '=', appId).executeTakeFirstOrThrow();
    expect(app).toMatchObject({ status: 'revoked', revoked_at: '2026-03-10T15:30:00.000Z', revoke_reason: 'Stored attendee data beyond its stated use' });
    const integrations = await database.db.selectFrom('integrations').select(['org_id', 'status']).where('app_id', '=', appId).orderBy('id').execute();
    expect(integrations.map((i) => i.status)).toEqual(['suspended', 'suspended', 'removed']);

    const events = await database.db.selectFrom('events').select(['org_id', 'type']).where('type', '=', 'app-revoked').where('org_id', 'in', [furfest.orgId, animecon.orgId, quietcon.orgId]).execute();
    expect(events.map((e) => e.org_id).sort()).toEqual([furfest.orgId, animecon.orgId].sort());

    const audit = await database.db.selectFrom('audit_log').selectAll().where('action', '=', 'app.revoked').where('target_id', '=', String(appId)).execute();
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ actor_type: 'operator', actor_id: '7', org_id: null, target_type: 'app', ip: '203.0.113.9', created_at: '2026-03-10T15:30:00.000Z' });
    expect(JSON.parse(audit[0]?.details ?? '{}')).toMatchObject({ reason: 'Stored attendee data beyond its stated use', deletionDueAt: '2026-04-09T15:30:00.000Z' });

    const mails = await mailsTo(appId);
    expect(mails).toHaveLength(1);
    const mail = mails[0];
    expect(mail?.subject).toBe('Badge Printer is revoked: delete its event data by 9 April 2026');
    expect(mail?.text_body).toContain('Stored attendee data beyond its stated use');
    expect(mail?.text_body).toContain('10 March 2026 at 15:30 UTC');
    expect(mail?.text_body).toContain('by 9 April 2026');
    for (const name of ['Fur Fest', 'Anime Con', 'Quiet Con']) expect(mail?.text_body).toContain(name);
    expect(mail?.html_body).toContain('9 April 2026');

    // The revocation is kept with its cause, and leaves one open deletion duty per instance whose data the app may hold.
    const record = await database.db.selectFrom('app_revocations').selectAll().where('id', '=', revoked.revocationId).executeTakeFirstOrThrow();
    expect(record).toMatchObject({ app_id: appId, cause: 'operator', reason: 'Stored attendee data beyond its stated use', actor_type: 'operator', actor_id: '7', revoked_at: '2026-03-10T15:30:00.000Z', deletion_due_at: '2026-04-09T15:30:00.000Z', reactivated_at: null });
    const duties = await database.db.selectFrom('deletion_duties').select(['org_id', 'status']).where('revocation_id', '=', revoked.revocationId).execute();
    expect(duties.map((d) => d.org_id).sort()).toEqual([furfest.orgId, animecon.orgId, quietcon.orgId].sort());
    expect(duties.every((d) => d.status === 'open')).toBe(true);
  });

  it("deletes the app's OAuth records in every instance and nobody else's", async () => {
    const { appId, clientId } = await integratedApp('Token Holder', [{ orgId: furfest.orgId, status: 'active' }, { orgId: animecon.orgId, status: 'active' }]);
    const other = await integratedApp('Bystander', [{ orgId: furfest.orgId, status: 'active' }]);
    const now = isoTimestamp(clock.now());
    const record = (orgId: number, model: string, id: string, client: number) => ({ org_id: orgId, model, id, payload: '{}', grant_id: null, uid: null, user_code: null, client_id: String(client), account_id: null, expires_at: null, consumed_at: null, created_at: now });
    await database.db
      .insertInto('oauth_records')
      .values([
        record(furfest.orgId, 'ClientCredentials', `cc-${appId}`, clientId),
        record(animecon.orgId, 'RefreshToken', `rt-${appId}`, clientId),
        record(animecon.orgId, 'Grant', `grant-${appId}`, clientId),
        record(furfest.orgId, 'ClientCredentials', `cc-${other.appId}`, other.clientId),
      ])
      .execute();
    await revokeApp(database.db, { app: { appId }, reason: 'Leaked secret', actor: { type: 'developer', developerId: 1 } }, clock);
    const left = await database.db.selectFrom('oauth_records').select('client_id').where('client_id', 'in', [String(clientId), String(other.clientId)]).execute();
    expect(left).toEqual([{ client_id: String(other.clientId) }]);
    const cause = await database.db.selectFrom('app_revocations').select(['cause', 'actor_type']).where('app_id', '=', appId).executeTakeFirstOrThrow();
    expect(cause).toEqual({ cause: 'developer', actor_type: 'developer' });
  });

  it('refuses a second revocation and sends no second email', async () => {
    const { appId, clientId } = await integratedApp('Twice', [{ orgId: furfest.orgId, status: 'active' }]);
    await revokeApp(database.db, { app: { appId }, reason: 'first', actor: { type: 'cli' } }, clock);
    await expect(revokeApp(database.db, { app: { clientId }, reason: 'second', actor: { type: 'cli' } }, clock)).rejects.toThrow(/already revoked/);
    expect(await mailsTo(appId)).toHaveLength(1);
    const app = await database.db.selectFrom('apps').select('revoke_reason').where('id', '=', appId).executeTakeFirstOrThrow();
    expect(app.revoke_reason).toBe('first');
  });

  it('revokes once when two revocations run at once', async () => {
    const { appId, clientId } = await integratedApp('Raced', [{ orgId: furfest.orgId, status: 'active' }]);
    const results = await Promise.allSettled([1, 2, 3].map((n) => revokeApp(database.db, { app: { clientId }, reason: `reason ${n}`, actor: { type: 'cli' } }, clock)));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    for (const failed of results.filter((r) => r.status === 'rejected')) expect(failed.reason).toBeInstanceOf(AppRevocationError);
    expect(await mailsTo(appId)).toHaveLength(1);
    const audits = await database.db.selectFrom('audit_log').select('id').where('action', '=', 'app.revoked').where('target_id', '=', String(appId)).execute();
    expect(audits).toHaveLength(1);
    const events = await database.db.selectFrom('events').select('id').where('type', '=', 'app-revoked').where('org_id', '=', furfest.orgId).execute();
    expect(events.length).toBeGreaterThan(0);
  });

  it('refuses unknown apps, apps not approved, and a missing or too long reason', async () => {
    await expect(revokeApp(database.db, { app: { clientId: 999_999_999 }, reason: 'r', actor: { type: 'cli' } }, clock)).rejects.toMatchObject({ notFound: true });
    const applied = await addDeveloperApp(database.db, { name: 'Pending', status: 'applied' }, clock);
    await expect(revokeApp(database.db, { app: { appId: applied.appId }, reason: 'r', actor: { type: 'cli' } }, clock)).rejects.toThrow(/only approved apps/);
    const approved = await integratedApp('Reasonless', []);
    await expect(revokeApp(database.db, { app: { appId: approved.appId }, reason: '   ', actor: { type: 'cli' } }, clock)).rejects.toMatchObject({ field: 'reason' });
    await expect(revokeApp(database.db, { app: { appId: approved.appId }, reason: 'x'.repeat(5001), actor: { type: 'cli' } }, clock)).rejects.toMatchObject({ field: 'reason' });
    const untouched = await database.db.selectFrom('apps').select('status').where('id', '=', approved.appId).executeTakeFirstOrThrow();
    expect(untouched.status).toBe('approved');
    // An app without integrations is revoked too, and its email says it holds no event data.
    await revokeApp(database.db, { app: { appId: approved.appId }, reason: 'asked by the developer', actor: { type: 'cli' } }, clock);
    const [mail] = await mailsTo(approved.appId);
    expect(mail?.text_body).toContain('was not connected to any event');
  });

  it("revokes an organization's own app without emailing anyone (it has no developer)", async () => {
    const { appId } = await integratedApp('Door Scanner', [{ orgId: furfest.orgId, status: 'active' }]);
    await database.db.updateTable('apps').set({ developer_id: null, owner_org_id: furfest.orgId }).where('id', '=', appId).execute();
    const mailsBefore = await database.db.selectFrom('mail_messages').select('id').execute();
    const revoked = await revokeApp(database.db, { app: { appId }, reason: 'Compromised', actor: { type: 'cli' } }, clock);
    expect(revoked).toMatchObject({ emailed: false, suspendedIntegrations: 1, instances: ['furfest'] });
    // Nobody could attest a deletion duty, and the data is the organization's own: none is recorded.
    expect(await database.db.selectFrom('deletion_duties').select('org_id').where('app_id', '=', appId).execute()).toEqual([]);
    expect(await database.db.selectFrom('mail_messages').select('id').execute()).toHaveLength(mailsBefore.length);
  });
});
