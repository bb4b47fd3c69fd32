import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import { systemClock } from '../../src/clock.js';
import type { Schema } from '../../src/db/schema.js';
import { InstanceAdapter } from '../../src/oauth/storage-adapter.js';

/**
 * An on-behalf-of access token of `clientId` for `userId`, with its grant, written straight into
 * the provider's storage as the authorization-code flow would (the flow itself is tested in
 * test/oauth/). The token is active only while its grant exists.
 */
export async function storedOboToken(db: Kysely<Schema>, orgId: number, clientId: number, userId: number, scope: string): Promise<string> {
  const token = randomBytes(32).toString('base64url');
  const grantId = randomBytes(16).toString('base64url');
  const now = Math.floor(Date.now() / 1000);
  const common = { accountId: String(userId), clientId: String(clientId), iat: now, exp: now + 3600 };
  await new InstanceAdapter({ db, orgId, clock: systemClock }, 'Grant').upsert(grantId, { ...common, kind: 'Grant', jti: grantId, openid: { scope } }, 3600);
  await new InstanceAdapter({ db, orgId, clock: systemClock }, 'AccessToken').upsert(token, { ...common, kind: 'AccessToken', jti: token, scope, grantId }, 3600);
  return token;
}
