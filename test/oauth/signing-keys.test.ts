import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { randomBytes } from 'node:crypto';
import { ManualClock } from '../../src/clock.js';
import type { Database } from '../../src/db/database.js';
import { addSigningKey, instanceSigningKeys, retireSigningKey, SIGNING_KEY_PUBLISH_AHEAD_MS } from '../../src/oauth/signing-keys.js';
import { addOrg } from '../instance/fixtures.js';
import { openTestDatabase } from '../support/database.js';

let opened: Awaited<ReturnType<typeof openTestDatabase>>;
let database: Database;
let orgId: number;
const key = randomBytes(32);
const clock = new ManualClock('2026-03-01T10:00:00.000Z');

beforeAll(async () => {
  opened = await openTestDatabase();
  database = opened.database;
  orgId = (await addOrg(database, 'keycon', 'Key Con', clock)).orgId;
});
afterAll(async () => {
  await opened.close();
});

const kids = async (): Promise<string[]> => (await instanceSigningKeys(database.db, orgId, key, clock)).map((jwk) => jwk.kid);

describe('signing keys and their rotation', () => {
  test('the first key is made on demand, signs at once, and is stored encrypted', async () => {
    const [first, ...rest] = await instanceSigningKeys(database.db, orgId, key, clock);
    expect(rest).toEqual([]);
    expect(first).toMatchObject({ kty: 'EC', crv: 'P-256', alg: 'ES256', use: 'sig' });
    const row = await database.db.selectFrom('oauth_signing_keys').selectAll().where('org_id', '=', orgId).executeTakeFirstOrThrow();
    expect(row.private_jwk_encrypted).not.toContain(first?.d ?? 'no key');
    expect(await kids()).toEqual([first?.kid]);
  });

  test('a new key is published at once but signs only after the publication delay; retiring unpublishes', async () => {
    const [old] = await kids();
    clock.advance(60_000);
    const added = await addSigningKey(database.db, orgId, key, clock);
    expect(await kids(), 'the old key still signs (first), the new one is published').toEqual([old, added]);
    clock.advance(SIGNING_KEY_PUBLISH_AHEAD_MS - 1);
    expect((await kids())[0]).toBe(old);
    clock.advance(1);
    expect(await kids(), 'the new key signs, the old one still verifies').toEqual([added, old]);
    expect(await retireSigningKey(database.db, orgId, old ?? '', clock)).toBe(true);
    expect(await retireSigningKey(database.db, orgId, old ?? '', clock)).toBe(false);
    expect(await kids()).toEqual([added]);
  });

  test('a key this data directory cannot decrypt is skipped; with none left a new one is made', async () => {
    const other = randomBytes(32);
    const mine = await kids();
    const theirs = await instanceSigningKeys(database.db, orgId, other, clock);
    expect(theirs).toHaveLength(1);
    expect(mine).not.toContain(theirs[0]?.kid);
  });

  test('retiring names the instance: another instance cannot retire its key', async () => {
    const [current] = await kids();
    const otherOrg = (await addOrg(database, 'othercon', 'Other Con', clock)).orgId;
    expect(await retireSigningKey(database.db, otherOrg, current ?? '', clock)).toBe(false);
    expect(await kids()).toContain(current);
  });
});
