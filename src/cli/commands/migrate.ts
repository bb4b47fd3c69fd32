import { openDatabase } from '../../db/database.js';
import { migrateToLatest } from '../../db/migrate.js';
import type { Command } from '../command.js';
import { configFrom } from '../config-flags.js';

export const migrateCommand: Command = {
  name: 'migrate',
  summary: 'Apply pending database migrations (serve also does this on start)',
  options: { json: { type: 'boolean' } },
  optionHelp: { json: 'print the applied migrations as JSON' },
  async run(values, io) {
    const config = configFrom(values, io);
    const database = openDatabase(config.databaseUrl);
    try {
      const applied = await migrateToLatest(database);
      if (values.json === true) io.out(JSON.stringify({ applied }));
      else io.out(applied.length === 0 ? 'The database is up to date.' : `Applied: ${applied.join(', ')}`);
      return 0;
    } finally {
      await database.close();
    }
  },
};
