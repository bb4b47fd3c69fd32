import { expect, it } from 'vitest';
import { openDatabase } from '../../src/db/database.js';
import { serviceToken, type WorldApp } from '../oauth/oauth-world.js';
import { createTestDatabase } from '../support/database.js';
import { startTestPlatform } from '../support/platform.js';
import { oneIntegratedApp } from './usage-fixtures.js';

it('writes the usage it collected when the platform stops, without waiting for the next flush', async () => {
  const testDb = await createTestDatabase();
  try {
    let app: WorldApp | undefined;
    // A flush interval far beyond the test: only the stop can write.
    const t = await startTestPlatform({ usageFlushInterval: '3600' }, { beforeListen: async (database) => void ({ app } = await oneIntegratedApp(database)) }, testDb);
    if (app === undefined) throw new Error('no fixture');
    await serviceToken(`${t.baseUrl}/o/furfest`, app);
    await t.stop();

    const database = openDatabase(testDb.url);
    try {
      const tokens = await database.db.selectFrom('usage_tokens').select('tokens_issued').where('app_id', '=', app.appId).execute();
      expect(tokens).toEqual([{ tokens_issued: 1 }]);
      const requests = await database.db.selectFrom('usage_requests').select(['endpoint', 'responses']).where('app_id', '=', app.appId).execute();
      expect(requests).toEqual([{ endpoint: 'POST /api/oauth/token', responses: 1 }]);
    } finally {
      await database.close();
    }
  } finally {
    await testDb.cleanup();
  }
});
