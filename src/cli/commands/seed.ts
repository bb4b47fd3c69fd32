import { systemClock } from '../../clock.js';
import { isDatabaseEmpty, seedDemo } from '../../demo/seed.js';
import { UsageError, type Command } from '../command.js';
import { configFrom } from '../config-flags.js';
import { withDatabase } from '../database-session.js';
import { formatDemoSummary, writeDemoFile } from '../demo-report.js';

const MAX_USERS = 1_000_000;

export const seedCommand: Command = {
  name: 'seed',
  summary: 'Fill an empty database with the demo: two instances, users, a demo app and logins',
  details: 'Example: concat seed --users 100000   (a large first instance, for benchmarks)',
  options: { users: { type: 'string' }, json: { type: 'boolean' } },
  optionHelp: { users: 'users in the first instance (default 200)', json: 'print the demo summary as JSON' },
  async run(values, io) {
    const config = configFrom(values, io);
    const usersText = typeof values.users === 'string' ? values.users : '200';
    if (!/^\d+$/.test(usersText) || Number(usersText) < 1 || Number(usersText) > MAX_USERS) {
      throw new UsageError(`--users must be a whole number from 1 to ${MAX_USERS}, got "${usersText}"`);
    }
    const started = Date.now();
    const summary = await withDatabase(config, async (database) => {
      if (!(await isDatabaseEmpty(database))) {
        throw new UsageError('the database already holds data; seed only fills an empty database');
      }
      return seedDemo(database, {
        publicUrl: config.publicUrl,
        users: Number(usersText),
        clock: systemClock,
        onProgress: values.json === true ? undefined : (message) => io.err(message),
      });
    });
    const file = writeDemoFile(config.dataDir, summary);
    if (values.json === true) io.out(JSON.stringify(summary));
    else io.out(`${formatDemoSummary(summary)}\n\nSeeded in ${((Date.now() - started) / 1000).toFixed(1)} s; written to ${file}`);
    return 0;
  },
};
