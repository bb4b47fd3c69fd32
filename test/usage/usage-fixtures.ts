import { isoTimestamp, systemClock } from '../../src/clock.js';
import type { Database } from '../../src/db/database.js';
import { createSecret } from '../../src/platform/app-credentials.js';
import { addDeveloperApp, addOrg, addUser } from '../instance/fixtures.js';
import type { WorldApp } from '../oauth/oauth-world.js';

/** One instance (furfest at /o/furfest) with a user, and one app integrated there with user:read, its secret known. */
export async function oneIntegratedApp(database: Database): Promise<{ app: WorldApp; orgId: number; userId: number }> {
  const org = await addOrg(database, 'furfest', 'Lakeshore FurFest', systemClock);
  const created = await addDeveloperApp(database.db, { name: 'Badge Service', status: 'approved' }, systemClock);
  const row = await database.db.selectFrom('apps').select('developer_id').where('id', '=', created.appId).executeTakeFirstOrThrow();
  const developerId = row.developer_id ?? 0;
  const issued = await createSecret(database.db, { developerId, appId: created.appId, ip: null }, systemClock);
  if (!issued.ok) throw new Error(issued.reason);
  const now = isoTimestamp(systemClock.now());
  await database.db
    .insertInto('integrations')
    .values({ org_id: org.orgId, app_id: created.appId, scopes: '["user:read"]', obo_enabled: 0, status: 'active', created_by_user_id: null, created_at: now, updated_at: now })
    .execute();
  const userId = await addUser(database.db, org.orgId, 'kit', null, systemClock);
  return { app: { ...created, developerId, secret: issued.secret }, orgId: org.orgId, userId };
}
