import { afterAll, beforeAll, expect, test } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import type { Database } from '../../src/db/database.js';
import { hashRecordId, InstanceAdapter } from '../../src/oauth/storage-adapter.js';
import { addOrg } from '../instance/fixtures.js';
import { openTestDatabase } from '../support/database.js';

let handle: Awaited<ReturnType<typeof openTestDatabase>>;
let database: Database;
const clock = new ManualClock(new Date('2026-12-04T12:00:00.000Z'));
let orgA: number;
let orgB: number;

beforeAll(async () => {
  handle = await openTestDatabase();
  database = handle.database;
  orgA = (await addOrg(database, 'a', 'A', clock)).orgId;
  orgB = (await addOrg(database, 'b', 'B', clock)).orgId;
});
afterAll(async () => {
  await handle.close();
});

const adapter = (orgId: number, model: string) => new InstanceAdapter({ db: database.db, orgId, clock }, model);

test('upsert, find, update in place; other instances and models see nothing', async () => {
  const tokens = adapter(orgA, 'AccessToken');
  await tokens.upsert('tok-1', { jti: 'tok-1', clientId: '123', accountId: '7', grantId: 'g1', scope: 'pii:basic' }, 60);
  expect(await tokens.find('tok-1')).toMatchObject({ jti: 'tok-1', clientId: '123', scope: 'pii:basic' });
  await tokens.upsert('tok-1', { jti: 'tok-1', clientId: '123', grantId: 'g1', scope: 'pii:email' }, 60);
  expect(await tokens.find('tok-1')).toMatchObject({ scope: 'pii:email' });
  expect(await adapter(orgB, 'AccessToken').find('tok-1')).toBeUndefined();
  expect(await adapter(orgA, 'RefreshToken').find('tok-1')).toBeUndefined();
  // Stored by hash, and the token payload without its id.
  const row = await database.db.selectFrom('oauth_records').selectAll().where('org_id', '=', orgA).executeTakeFirstOrThrow();
  expect(row.id).toBe(hashRecordId('tok-1'));
  expect(row.payload).not.toContain('tok-1');
});

test('the same id in two instances are two records', async () => {
  await adapter(orgA, 'ClientCredentials').upsert('same', { clientId: '1', scope: 'user:read' }, 60);
  await adapter(orgB, 'ClientCredentials').upsert('same', { clientId: '1', scope: 'vendor:read' }, 60);
  expect(await adapter(orgA, 'ClientCredentials').find('same')).toMatchObject({ scope: 'user:read' });
  expect(await adapter(orgB, 'ClientCredentials').find('same')).toMatchObject({ scope: 'vendor:read' });
  await adapter(orgB, 'ClientCredentials').destroy('same');
  expect(await adapter(orgB, 'ClientCredentials').find('same')).toBeUndefined();
  expect(await adapter(orgA, 'ClientCredentials').find('same')).toBeDefined();
});

test('consume marks the record consumed', async () => {
  const codes = adapter(orgA, 'AuthorizationCode');
  await codes.upsert('code-1', { clientId: '1', grantId: 'g2' }, 60);
  expect((await codes.find('code-1'))?.consumed).toBeUndefined();
  await codes.consume('code-1');
  expect(typeof (await codes.find('code-1'))?.consumed).toBe('number');
  await adapter(orgB, 'AuthorizationCode').consume('code-1');
});

test('findByUid and findByUserCode, scoped by instance', async () => {
  const sessions = adapter(orgA, 'Session');
  await sessions.upsert('sess-1', { jti: 'sess-1', uid: 'uid-1', accountId: '7' }, 600);
  expect(await sessions.findByUid('uid-1')).toMatchObject({ jti: 'sess-1', accountId: '7' });
  expect(await adapter(orgB, 'Session').findByUid('uid-1')).toBeUndefined();
  const device = adapter(orgA, 'DeviceCode');
  await device.upsert('dc-1', { userCode: 'ABCD-EFGH', clientId: '1' }, 600);
  expect(await device.findByUserCode('ABCD-EFGH')).toMatchObject({ userCode: 'ABCD-EFGH' });
  expect(await adapter(orgB, 'DeviceCode').findByUserCode('ABCD-EFGH')).toBeUndefined();
});

test('revokeByGrantId removes every record of the grant in this instance only', async () => {
  await adapter(orgA, 'AccessToken').upsert('g3-at', { grantId: 'g3' }, 60);
  await adapter(orgA, 'RefreshToken').upsert('g3-rt', { grantId: 'g3' }, 600);
  await adapter(orgB, 'RefreshToken').upsert('g3-rt', { grantId: 'g3' }, 600);
  await adapter(orgA, 'AccessToken').revokeByGrantId('g3');
  expect(await adapter(orgA, 'AccessToken').find('g3-at')).toBeUndefined();
  expect(await adapter(orgA, 'RefreshToken').find('g3-rt')).toBeUndefined();
  expect(await adapter(orgB, 'RefreshToken').find('g3-rt')).toBeDefined();
});

test('expired records are not found, and pruning deletes them', async () => {
  const tokens = adapter(orgA, 'AccessToken');
  await tokens.upsert('short', { clientId: '1' }, 10);
  await adapter(orgA, 'Grant').upsert('forever', { accountId: '7', clientId: '1' });
  clock.advance(11_000);
  expect(await tokens.find('short')).toBeUndefined();
  expect(await adapter(orgA, 'Grant').find('forever')).toBeDefined();
  await tokens.prune();
  const left = await database.db.selectFrom('oauth_records').select('id').where('id', '=', hashRecordId('short')).execute();
  expect(left).toEqual([]);
  expect(await adapter(orgA, 'Grant').find('forever')).toBeDefined();
});

test('records go away with their instance', async () => {
  const gone = (await addOrg(database, 'gone', 'Gone', clock)).orgId;
  await adapter(gone, 'AccessToken').upsert('x', { clientId: '1' }, 60);
  await database.db.deleteFrom('orgs').where('id', '=', gone).execute();
  expect(await database.db.selectFrom('oauth_records').select('id').where('org_id', '=', gone).execute()).toEqual([]);
});
