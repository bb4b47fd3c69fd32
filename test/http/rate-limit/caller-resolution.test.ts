import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isoTimestamp, ManualClock } from '../../../src/clock.js';
import { CallerResolver } from '../../../src/http/rate-limit/caller-resolution.js';
import { clientAuthKeys, clientAuthLimits } from '../../../src/http/rate-limit/client-auth-throttle.js';
import { ExpiringLru } from '../../../src/http/rate-limit/expiring-lru.js';
import { resolveConfig } from '../../../src/config.js';
import { hashRecordId } from '../../../src/oauth/storage-adapter.js';
import { createSecret } from '../../../src/platform/app-credentials.js';
import { recordLoginFailure } from '../../../src/security/login-throttle.js';
import { addDeveloperApp, addOrg } from '../../instance/fixtures.js';
import { openTestDatabase } from '../../support/database.js';

describe('expiring LRU', () => {
  it('forgets entries past their time and the least recently used beyond its capacity', () => {
    const lru = new ExpiringLru<number>(2);
    lru.set('a', 1, 1000);
    lru.set('b', 2, 1000);
    expect(lru.get('a', 0)).toBe(1);
    lru.set('c', 3, 1000);
    expect(lru.get('b', 0)).toBeUndefined();
    expect(lru.get('a', 0)).toBe(1);
    expect(lru.get('c', 999)).toBe(3);
    expect(lru.get('c', 1000)).toBeUndefined();
  });
});

describe('caller resolution', () => {
  let handle: Awaited<ReturnType<typeof openTestDatabase>>;
  const clock = new ManualClock('2026-06-01T10:00:00.000Z');
  let orgId: number;
  let app: { appId: number; clientId: number; secret: string };

  const insertToken = async (token: string, clientId: number, expiresAt: Date): Promise<void> => {
    await handle.database.db
      .insertInto('oauth_records')
      .values({ org_id: orgId, model: 'ClientCredentials', id: hashRecordId(token), payload: '{}', grant_id: null, uid: null, user_code: null, client_id: String(clientId), account_id: null, expires_at: isoTimestamp(expiresAt), consumed_at: null, created_at: isoTimestamp(clock.now()) })
      .execute();
  };

  beforeAll(async () => {
    handle = await openTestDatabase();
    ({ orgId } = await addOrg(handle.database, 'furfest', 'Lakeshore FurFest', clock));
    const { appId, clientId } = await addDeveloperApp(handle.database.db, { name: 'Badge Service', status: 'approved' }, clock);
    const { developer_id: developerId } = await handle.database.db.selectFrom('apps').select('developer_id').where('id', '=', appId).executeTakeFirstOrThrow();
    const issued = await createSecret(handle.database.db, { developerId: developerId ?? 0, appId, ip: null }, clock);
    if (!issued.ok) throw new Error(issued.reason);
    app = { appId, clientId, secret: issued.secret };
  });
  afterAll(async () => {
    await handle.close();
  });

  it('attributes a token we issued to its app in this instance only, and remembers it', async () => {
    const resolver = new CallerResolver(handle.database.db, clock);
    await insertToken('token-one', app.clientId, new Date(clock.now().getTime() + 3600_000));
    expect(await resolver.resolve({ kind: 'token', token: 'token-one' }, orgId, 'a')).toEqual({ kind: 'app', clientId: app.clientId });
    expect(await resolver.resolve({ kind: 'token', token: 'token-one' }, orgId + 1, 'a')).toEqual({ kind: 'anonymous' });
    expect(await resolver.resolve({ kind: 'token', token: 'never-issued' }, orgId, 'a')).toEqual({ kind: 'anonymous' });
    // Remembered: the row is not read again for a while (attribution only; the API still checks the token).
    await handle.database.db.deleteFrom('oauth_records').where('id', '=', hashRecordId('token-one')).execute();
    expect(await resolver.resolve({ kind: 'token', token: 'token-one' }, orgId, 'a')).toEqual({ kind: 'app', clientId: app.clientId });
    clock.advance(5 * 60_000);
    expect(await resolver.resolve({ kind: 'token', token: 'token-one' }, orgId, 'a')).toEqual({ kind: 'anonymous' });
  });

  it('does not attribute an expired token', async () => {
    const resolver = new CallerResolver(handle.database.db, clock);
    await insertToken('token-expired', app.clientId, new Date(clock.now().getTime() - 1));
    expect(await resolver.resolve({ kind: 'token', token: 'token-expired' }, orgId, 'a')).toEqual({ kind: 'anonymous' });
  });

  it('proves a client by a right Basic secret, claims it otherwise, and checks nothing while locked', async () => {
    const resolver = new CallerResolver(handle.database.db, clock);
    expect(await resolver.resolve({ kind: 'client', clientId: app.clientId, secret: app.secret }, orgId, 'b')).toEqual({ kind: 'app', clientId: app.clientId });
    expect(await resolver.resolve({ kind: 'client', clientId: app.clientId, secret: 'wrong' }, orgId, 'b')).toEqual({ kind: 'claimed', clientId: app.clientId, wrongSecret: true });
    expect(await resolver.resolve({ kind: 'client', clientId: app.clientId, secret: null }, orgId, 'b')).toEqual({ kind: 'claimed', clientId: app.clientId });

    const limits = clientAuthLimits(resolveConfig({ clientAuthFailures: '2' }));
    for (let i = 0; i < 2; i++) await recordLoginFailure(handle.database.db, clientAuthKeys(app.clientId, 'c'), clock, limits);
    const locked = await resolver.resolve({ kind: 'client', clientId: app.clientId, secret: 'guess' }, orgId, 'c');
    expect(locked).toEqual({ kind: 'locked', until: new Date(clock.now().getTime() + 15 * 60_000) });
    // A secret already proven right needs no check, locked or not (a guess never lands in that memory).
    expect(await resolver.resolve({ kind: 'client', clientId: app.clientId, secret: app.secret }, orgId, 'c')).toEqual({ kind: 'app', clientId: app.clientId });
    expect(await new CallerResolver(handle.database.db, clock).resolve({ kind: 'client', clientId: app.clientId, secret: app.secret }, orgId, 'c')).toMatchObject({ kind: 'locked' });
  });
});
