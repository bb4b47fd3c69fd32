import { createHash, generateKeyPairSync, randomUUID } from 'node:crypto';
import { importSPKI, jwtVerify } from 'jose';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import type { Database } from '../../src/db/database.js';
import { generateWebhookSecret } from '../../src/webhooks/secrets.js';
import { dataIntegrity, JWT_LIFETIME_SECONDS, signedHeaders, standardSignature, USER_AGENT } from '../../src/webhooks/signing.js';
import { instanceWebhookKey } from '../../src/webhooks/webhook-key.js';
import { openTestDatabase } from '../support/database.js';

const body = '{"event":"user-updated","data":{"id":7,"firstName":"Zoë"}}';

describe('webhook signatures, checked by independent code', () => {
  let database: Database;
  let close: () => Promise<void>;
  let orgId: number;
  const encryptionKey = Buffer.alloc(32, 7);

  beforeAll(async () => {
    const opened = await openTestDatabase();
    database = opened.database;
    close = () => opened.close();
    const now = new Date().toISOString();
    orgId = (await database.db.insertInto('orgs').values({ slug: 'sig', name: 'Sig', created_at: now, uuid: randomUUID() }).returning('id').executeTakeFirstOrThrow()).id;
  });
  afterAll(async () => close());

  it('signs with every secret that signs now, each verifiable by the standardwebhooks package', async () => {
    const current = generateWebhookSecret();
    const previous = generateWebhookSecret();
    const key = await instanceWebhookKey(database.db, orgId, encryptionKey, new ManualClock());
    const headers = signedHeaders({ webhookId: 'msg_abc', body, secrets: [current, previous], now: new Date(), jwt: { audience: 'https://hooks.example/x', issuer: 'https://i.example', key } });
    expect(headers['webhook-signature']?.split(' ')).toHaveLength(2);
    expect(headers['user-agent']).toBe(USER_AGENT);
    for (const secret of [current, previous]) expect(new Webhook(secret).verify(body, headers)).toEqual(JSON.parse(body));
    expect(() => new Webhook(generateWebhookSecret()).verify(body, headers)).toThrow();
    expect(() => new Webhook(current).verify(body.replace('7', '8'), headers)).toThrow();
  });

  it('matches the reference computation of v1 signatures', () => {
    const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
    const signature = standardSignature(secret, 'msg_p5jXN8AQM9LWM0D4loKWxJek', 1614265330, '{"test": 2432232314}');
    // The example of the Standard Webhooks specification.
    expect(signature).toBe('v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=');
  });

  it("makes ConCat's JWT, verified with the published PEM by jose", async () => {
    const clock = new ManualClock(new Date());
    const key = await instanceWebhookKey(database.db, orgId, encryptionKey, clock);
    // Same key on the next use: it is stored, not remade.
    expect((await instanceWebhookKey(database.db, orgId, encryptionKey, clock)).kid).toBe(key.kid);
    const headers = signedHeaders({ webhookId: 'msg_1', body, secrets: [generateWebhookSecret()], now: clock.now(), jwt: { audience: 'https://hooks.example/x', issuer: 'https://i.example', key } });
    const token = headers.authorization?.replace(/^Bearer /, '') ?? '';
    const { payload, protectedHeader } = await jwtVerify(token, await importSPKI(key.publicKeyPem, 'RS256'), { audience: 'https://hooks.example/x', issuer: 'https://i.example', subject: 'webhook' });
    expect(protectedHeader.alg).toBe('RS256');
    expect((payload.exp ?? 0) - (payload.iat ?? 0)).toBe(JWT_LIFETIME_SECONDS);
    const data = { id: 7, firstName: 'Zoë' };
    expect(payload.int).toBe(createHash('sha256').update(JSON.stringify(data)).digest('base64'));
    expect(payload.int).toBe(dataIntegrity(data));
    // Another RSA key does not verify it.
    const other = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({ type: 'spki', format: 'pem' }).toString();
    await expect(jwtVerify(token, await importSPKI(other, 'RS256'))).rejects.toThrow();
  });

  it('refuses a secret without the whsec_ prefix', () => {
    expect(() => standardSignature('abc', 'msg_1', 1, '{}')).toThrow(/whsec_/);
  });
});
