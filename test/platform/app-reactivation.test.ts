import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isoTimestamp, ManualClock } from '../../src/clock.js';
import type { Database } from '../../src/db/database.js';
import { approveReactivation, declineReactivation, listReactivationRequests, ReactivationError, requestReactivation } from '../../src/platform/app-reactivation.js';
import { revokeApp } from '../../src/platform/app-revocation.js';
import { createSecret, listSecrets } from '../../src/platform/app-credentials.js';
import { issueClientSecret } from '../../src/platform/app-secrets.js';
import { createOperator } from '../../src/platform/operators.js';
import { addDeveloperApp, addOrg, type FixtureOrg } from '../instance/fixtures.js';
import { openTestDatabase } from '../support/database.js';

const publicUrl = new URL('https://platform.example.org');

describe('reactivating a revoked app', () => {
  let database: Database;
  let close: () => Promise<void>;
  let furfest: FixtureOrg;
  let operatorId: number;
  const clock = new ManualClock('2026-06-01T10:00:00.000Z');

  beforeAll(async () => {
    const opened = await openTestDatabase();
    database = opened.database;
    close = () => opened.close();
    furfest = await addOrg(database, 'furfest', 'Fur Fest', clock);
    operatorId = (await createOperator(database, { email: 'ops@example.org', name: 'Olive Ops', password: 'operator-password-1' }, { type: 'system', id: null }, clock)).id;
  });
  afterAll(async () => {
    await close();
  });

  async function revokedApp(name: string) {
    const app = await addDeveloperApp(database.db, { name, status: 'approved' }, clock);
    const now = isoTimestamp(clock.now());
    await database.db.insertInto('integrations').values({ org_id: furfest.orgId, app_id: app.appId, scopes: '["user:read","role:read"]', obo_enabled: 1, status: 'active', created_by_user_id: null, created_at: now, updated_at: now }).execute();
    await issueClientSecret(database.db, app.appId, clock);
    const developer = await database.db.selectFrom('apps').select('developer_id').where('id', '=', app.appId).executeTakeFirstOrThrow();
    const revocation = await revokeApp(database.db, { app: { appId: app.appId }, reason: 'Idle', actor: { type: 'system' } }, clock);
    return { ...app, developerId: developer.developer_id ?? 0, revocationId: revocation.revocationId };
  }

  const mails = (kind: string) => database.db.selectFrom('mail_messages').select(['to_address', 'subject', 'text_body']).where('kind', '=', kind).execute();

  it('approval: approved again with the idle clock reset, no secret and integrations still suspended; the operators and the developer are emailed; audited', async () => {
    const app = await revokedApp('Comeback');
    clock.advance(3_600_000);
    const requestId = await requestReactivation(database.db, { developerId: app.developerId, appId: app.appId, message: '  We moved to a new host and use the API again  ', ip: '198.51.100.7', publicUrl }, clock);
    const [pending] = await listReactivationRequests(database.db, { status: 'pending' });
    expect(pending).toMatchObject({ id: requestId, appId: app.appId, message: 'We moved to a new host and use the API again', revocationId: app.revocationId, revocationCause: 'inactivity', status: 'pending' });
    const toOperators = await mails('app.reactivation-requested');
    expect(toOperators.map((m) => m.to_address)).toEqual(['ops@example.org']);
    expect(toOperators[0]?.text_body).toContain(`https://platform.example.org/console/apps/${app.appId}`);

    clock.advance(3_600_000);
    const decided = await approveReactivation(database.db, { operatorId, requestId, note: 'Welcome back', ip: null, publicUrl }, clock);
    expect(decided).toMatchObject({ status: 'approved', decisionNote: 'Welcome back', decidedAt: isoTimestamp(clock.now()) });
    const row = await database.db.selectFrom('apps').select(['status', 'activated_at', 'revoked_at']).where('id', '=', app.appId).executeTakeFirstOrThrow();
    expect(row).toEqual({ status: 'approved', activated_at: isoTimestamp(clock.now()), revoked_at: null });
    const revocation = await database.db.selectFrom('app_revocations').select('reactivated_at').where('id', '=', app.revocationId).executeTakeFirstOrThrow();
    expect(revocation.reactivated_at).toBe(isoTimestamp(clock.now()));
    // Old secrets never return; integrations wait for their org admins.
    expect((await listSecrets(database.db, app.appId, clock)).every((s) => s.state === 'revoked')).toBe(true);
    const integration = await database.db.selectFrom('integrations').select('status').where('app_id', '=', app.appId).executeTakeFirstOrThrow();
    expect(integration.status).toBe('suspended');
    // The developer issues the new secret in the portal, shown once.
    const issued = await createSecret(database.db, { developerId: app.developerId, appId: app.appId, ip: null }, clock);
    expect(issued.ok).toBe(true);

    const toDeveloper = await mails('app.reactivated');
    expect(toDeveloper).toHaveLength(1);
    expect(toDeveloper[0]?.text_body).toContain('Issue a new secret');
    expect(toDeveloper[0]?.text_body).toContain('Welcome back');
    const audit = await database.db.selectFrom('audit_log').select(['action', 'actor_type']).where('target_id', '=', String(app.appId)).where('action', 'in', ['app.reactivation-requested', 'app.reactivated']).orderBy('id').execute();
    expect(audit).toEqual([
      { action: 'app.reactivation-requested', actor_type: 'developer' },
      { action: 'app.reactivated', actor_type: 'operator' },
    ]);
  });

  it('one pending request per app, also when asked twice at once; decline needs a note and the developer may ask again', async () => {
    const app = await revokedApp('Persistent');
    const ask = () => requestReactivation(database.db, { developerId: app.developerId, appId: app.appId, message: 'Please', ip: null, publicUrl }, clock);
    const results = await Promise.allSettled([ask(), ask(), ask()]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    for (const failed of results.filter((r) => r.status === 'rejected')) expect(failed.reason).toBeInstanceOf(ReactivationError);
    const [request] = await listReactivationRequests(database.db, { appId: app.appId });
    if (request === undefined) throw new Error('no request');

    await expect(declineReactivation(database.db, { operatorId, requestId: request.id, note: '  ', ip: null, publicUrl }, clock)).rejects.toMatchObject({ field: 'message' });
    await declineReactivation(database.db, { operatorId, requestId: request.id, note: 'Delete the data first', ip: null, publicUrl }, clock);
    await expect(approveReactivation(database.db, { operatorId, requestId: request.id, note: '', ip: null, publicUrl }, clock)).rejects.toThrow(/already declined/);
    const row = await database.db.selectFrom('apps').select('status').where('id', '=', app.appId).executeTakeFirstOrThrow();
    expect(row.status).toBe('revoked');
    const declined = (await mails('app.reactivation-declined')).filter((m) => m.text_body.includes('Persistent'));
    expect(declined).toHaveLength(1);
    expect(declined[0]?.text_body).toContain('Delete the data first');
    await ask();
    expect((await listReactivationRequests(database.db, { appId: app.appId })).map((r) => r.status)).toEqual(['pending', 'declined']);
  });

  it('refuses apps that are not revoked, other developers, empty messages; two approvals at once approve once', async () => {
    const approved = await addDeveloperApp(database.db, { name: 'Fine', status: 'approved' }, clock);
    const approvedDeveloper = await database.db.selectFrom('apps').select('developer_id').where('id', '=', approved.appId).executeTakeFirstOrThrow();
    await expect(requestReactivation(database.db, { developerId: approvedDeveloper.developer_id ?? 0, appId: approved.appId, message: 'x', ip: null, publicUrl }, clock)).rejects.toThrow(/not revoked/);
    const app = await revokedApp('Contested');
    await expect(requestReactivation(database.db, { developerId: approvedDeveloper.developer_id ?? 0, appId: app.appId, message: 'x', ip: null, publicUrl }, clock)).rejects.toMatchObject({ notFound: true });
    await expect(requestReactivation(database.db, { developerId: app.developerId, appId: app.appId, message: ' ', ip: null, publicUrl }, clock)).rejects.toMatchObject({ field: 'message' });
    const requestId = await requestReactivation(database.db, { developerId: app.developerId, appId: app.appId, message: 'Again', ip: null, publicUrl }, clock);
    const results = await Promise.allSettled([1, 2].map(() => approveReactivation(database.db, { operatorId, requestId, note: '', ip: null, publicUrl }, clock)));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const audits = await database.db.selectFrom('audit_log').select('id').where('action', '=', 'app.reactivated').where('target_id', '=', String(app.appId)).execute();
    expect(audits).toHaveLength(1);
  });
});
