import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isoTimestamp, ManualClock } from '../../src/clock.js';
import type { Database } from '../../src/db/database.js';
import { createSecret, currentSecret, endSecretOverlap, findValidSecret, listSecrets, rotateSecret } from '../../src/platform/app-credentials.js';
import { SECRET_ROTATION_OVERLAP_MS } from '../../src/platform/app-secrets.js';
import { CLIENT_SECRET_PREFIX, secretMatches } from '../../src/security/secrets.js';
import { openTestDatabase } from '../support/database.js';
import { insertApp, insertDeveloper } from '../pages/portal-fixtures.js';

const HOUR = 3_600_000;

describe('app credentials', () => {
  let handle: Awaited<ReturnType<typeof openTestDatabase>>;
  let database: Database;

  beforeAll(async () => {
    handle = await openTestDatabase();
    database = handle.database;
  });
  afterAll(async () => handle.close());

  async function approvedApp(clock: ManualClock) {
    const developer = await insertDeveloper(database.db, clock);
    const app = await insertApp(database.db, clock, developer.id, { status: 'approved' });
    return { developerId: developer.id, appId: app.id, clientId: app.clientId, ip: '192.0.2.10' };
  }

  async function auditOf(appId: number): Promise<{ action: string; details: string }[]> {
    return database.db.selectFrom('audit_log').select(['action', 'details']).where('target_type', '=', 'app').where('target_id', '=', String(appId)).orderBy('id').execute();
  }

  it('creates the first secret: prefixed, returned once, stored only as a hash, audited without secret material', async () => {
    const clock = new ManualClock('2026-03-01T10:00:00.000Z');
    const app = await approvedApp(clock);
    const issued = await createSecret(database.db, app, clock);
    if (!issued.ok) throw new Error(issued.reason);
    expect(issued.secret.startsWith(CLIENT_SECRET_PREFIX)).toBe(true);
    expect(issued.hint).toBe(issued.secret.slice(-4));

    const rows = await database.db.selectFrom('app_secrets').selectAll().where('app_id', '=', app.appId).execute();
    expect(rows).toHaveLength(1);
    expect(rows[0]?.secret_hash).not.toContain(issued.secret);
    expect(secretMatches(issued.secret, rows[0]?.secret_hash ?? '')).toBe(true);
    expect(rows[0]).toMatchObject({ expires_at: null, revoked_at: null, last_used_at: null });

    const audit = await auditOf(app.appId);
    expect(audit.map((a) => a.action)).toEqual(['app.secret-created']);
    expect(audit[0]?.details).not.toContain(issued.secret.slice(CLIENT_SECRET_PREFIX.length, 20));
    expect(audit[0]?.details).not.toContain(issued.hint);

    // A second "create" (a double submit or a reload) issues nothing.
    expect(await createSecret(database.db, app, clock)).toEqual({ ok: false, reason: 'already-exists' });
    expect(await database.db.selectFrom('app_secrets').select('id').where('app_id', '=', app.appId).execute()).toHaveLength(1);
  });

  it('refuses other developers, and apps that are not approved', async () => {
    const clock = new ManualClock();
    const app = await approvedApp(clock);
    const stranger = await insertDeveloper(database.db, clock);
    expect(await createSecret(database.db, { ...app, developerId: stranger.id }, clock)).toEqual({ ok: false, reason: 'not-found' });
    for (const status of ['applied', 'needs_info', 'rejected', 'revoked'] as const) {
      const other = await insertApp(database.db, clock, app.developerId, { status });
      expect(await createSecret(database.db, { ...app, appId: other.id }, clock)).toEqual({ ok: false, reason: 'not-approved' });
    }
  });

  it('rotates: both secrets work during the overlap, the old one stops after 24 h', async () => {
    const clock = new ManualClock('2026-03-01T10:00:00.000Z');
    const app = await approvedApp(clock);
    const first = await createSecret(database.db, app, clock);
    if (!first.ok) throw new Error(first.reason);
    expect(await rotateSecret(database.db, { ...app, expectedCurrentId: first.secretId }, clock)).toMatchObject({ ok: true });
    const secrets = await listSecrets(database.db, app.appId, clock);
    expect(secrets.map((s) => s.state)).toEqual(['current', 'expiring']);
    expect(secrets[1]?.expiresAt).toBe(isoTimestamp(new Date(clock.now().getTime() + SECRET_ROTATION_OVERLAP_MS)));

    clock.advance(HOUR);
    expect(await findValidSecret(database.db, app.clientId, first.secret, clock)).toBe(app.appId);

    clock.advance(SECRET_ROTATION_OVERLAP_MS - HOUR - 1);
    expect(await findValidSecret(database.db, app.clientId, first.secret, clock)).toBe(app.appId);
    clock.advance(1);
    expect(await findValidSecret(database.db, app.clientId, first.secret, clock)).toBeNull();
    expect((await listSecrets(database.db, app.appId, clock)).map((s) => s.state)).toEqual(['current', 'expired']);
  });

  it('rotation shows the new secret once, keeps the old one valid, and refuses a stale resubmission', async () => {
    const clock = new ManualClock('2026-03-01T10:00:00.000Z');
    const app = await approvedApp(clock);
    const first = await createSecret(database.db, app, clock);
    if (!first.ok) throw new Error(first.reason);
    clock.advance(1000);
    const second = await rotateSecret(database.db, { ...app, expectedCurrentId: first.secretId }, clock);
    if (!second.ok) throw new Error(second.reason);
    expect(second.secret).not.toBe(first.secret);

    expect(await findValidSecret(database.db, app.clientId, first.secret, clock)).toBe(app.appId);
    expect(await findValidSecret(database.db, String(app.clientId), second.secret, clock)).toBe(app.appId);

    // The same form again (a reload of the page that showed the secret): nothing happens.
    expect(await rotateSecret(database.db, { ...app, expectedCurrentId: first.secretId }, clock)).toEqual({ ok: false, reason: 'stale' });
    expect(await database.db.selectFrom('app_secrets').select('id').where('app_id', '=', app.appId).execute()).toHaveLength(2);

    const audit = await auditOf(app.appId);
    expect(audit.map((a) => a.action)).toEqual(['app.secret-created', 'app.secret-rotated']);
    expect(JSON.parse(audit[1]?.details ?? '{}')).toEqual({ secretId: second.secretId, previousSecretId: first.secretId, previousExpiresAt: isoTimestamp(new Date(clock.now().getTime() + SECRET_ROTATION_OVERLAP_MS)) });
    for (const entry of audit) expect(entry.details).not.toContain(second.secret);
  });

  it('ends the overlap early: the old secret stops working at once', async () => {
    const clock = new ManualClock('2026-03-01T10:00:00.000Z');
    const app = await approvedApp(clock);
    expect(await endSecretOverlap(database.db, app, clock)).toEqual({ ok: false, reason: 'nothing-to-end' });
    const first = await createSecret(database.db, app, clock);
    if (!first.ok) throw new Error(first.reason);
    const second = await rotateSecret(database.db, { ...app, expectedCurrentId: first.secretId }, clock);
    if (!second.ok) throw new Error(second.reason);

    const ended = await endSecretOverlap(database.db, app, clock);
    expect(ended).toEqual({ ok: true, revokedIds: [first.secretId] });
    expect(await findValidSecret(database.db, app.clientId, first.secret, clock)).toBeNull();
    expect(await findValidSecret(database.db, app.clientId, second.secret, clock)).toBe(app.appId);
    expect((await listSecrets(database.db, app.appId, clock)).map((s) => s.state)).toEqual(['current', 'revoked']);
    expect(await endSecretOverlap(database.db, app, clock)).toEqual({ ok: false, reason: 'nothing-to-end' });
    expect((await auditOf(app.appId)).map((a) => a.action)).toEqual(['app.secret-created', 'app.secret-rotated', 'app.secret-overlap-ended']);
  });

  it('applies concurrent submissions one after the other: one secret, one rotation', async () => {
    const clock = new ManualClock('2026-03-01T10:00:00.000Z');
    const app = await approvedApp(clock);
    const created = await Promise.all([createSecret(database.db, app, clock), createSecret(database.db, app, clock)]);
    expect(created.filter((r) => r.ok)).toHaveLength(1);
    expect(created.filter((r) => !r.ok)).toEqual([{ ok: false, reason: 'already-exists' }]);
    const first = created.find((r) => r.ok);
    if (first === undefined || !first.ok) throw new Error('no secret created');
    const rotated = await Promise.all([
      rotateSecret(database.db, { ...app, expectedCurrentId: first.secretId }, clock),
      rotateSecret(database.db, { ...app, expectedCurrentId: first.secretId }, clock),
    ]);
    expect(rotated.filter((r) => r.ok)).toHaveLength(1);
    expect(rotated.filter((r) => !r.ok)).toEqual([{ ok: false, reason: 'stale' }]);
    expect(await database.db.selectFrom('app_secrets').select('id').where('app_id', '=', app.appId).execute()).toHaveLength(2);
  });

  it('refuses rotation without a current secret', async () => {
    const clock = new ManualClock();
    const app = await approvedApp(clock);
    expect(await rotateSecret(database.db, { ...app, expectedCurrentId: 1 }, clock)).toEqual({ ok: false, reason: 'nothing-to-rotate' });
  });

  it('findValidSecret records the last use and refuses everything else', async () => {
    const clock = new ManualClock('2026-03-01T10:00:00.000Z');
    const app = await approvedApp(clock);
    const issued = await createSecret(database.db, app, clock);
    if (!issued.ok) throw new Error(issued.reason);
    expect(currentSecret(await listSecrets(database.db, app.appId, clock))?.lastUsedAt).toBeNull();

    clock.advance(5 * 60_000);
    expect(await findValidSecret(database.db, app.clientId, issued.secret, clock)).toBe(app.appId);
    const firstUse = isoTimestamp(clock.now());
    expect(currentSecret(await listSecrets(database.db, app.appId, clock))?.lastUsedAt).toBe(firstUse);

    // Uses within a minute do not rewrite the row (every token request passes here); later ones do.
    clock.advance(30_000);
    expect(await findValidSecret(database.db, app.clientId, issued.secret, clock)).toBe(app.appId);
    expect(currentSecret(await listSecrets(database.db, app.appId, clock))?.lastUsedAt).toBe(firstUse);
    clock.advance(31_000);
    expect(await findValidSecret(database.db, app.clientId, issued.secret, clock)).toBe(app.appId);
    expect(currentSecret(await listSecrets(database.db, app.appId, clock))?.lastUsedAt).toBe(isoTimestamp(clock.now()));

    expect(await findValidSecret(database.db, app.clientId, `${issued.secret}x`, clock)).toBeNull();
    expect(await findValidSecret(database.db, app.clientId, '', clock)).toBeNull();
    expect(await findValidSecret(database.db, app.clientId, 'x'.repeat(10_000), clock)).toBeNull();
    expect(await findValidSecret(database.db, app.clientId + 1, issued.secret, clock)).toBeNull();
    expect(await findValidSecret(database.db, 'abc', issued.secret, clock)).toBeNull();
    expect(await findValidSecret(database.db, '1e3', issued.secret, clock)).toBeNull();

    // Another app's secret does not open this one.
    const other = await approvedApp(clock);
    const otherSecret = await createSecret(database.db, other, clock);
    if (!otherSecret.ok) throw new Error(otherSecret.reason);
    expect(await findValidSecret(database.db, app.clientId, otherSecret.secret, clock)).toBeNull();

    for (const status of ['revoked', 'rejected', 'needs_info'] as const) {
      await database.db.updateTable('apps').set({ status }).where('id', '=', app.appId).execute();
      expect(await findValidSecret(database.db, app.clientId, issued.secret, clock)).toBeNull();
    }
    await database.db.updateTable('apps').set({ status: 'approved' }).where('id', '=', app.appId).execute();
    await database.db.updateTable('app_secrets').set({ revoked_at: isoTimestamp(clock.now()) }).where('app_id', '=', app.appId).execute();
    expect(await findValidSecret(database.db, app.clientId, issued.secret, clock)).toBeNull();
    // With every secret revoked, a new one can be created.
    expect(await createSecret(database.db, app, clock)).toMatchObject({ ok: true });
  });
});
