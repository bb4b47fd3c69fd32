import path from 'node:path';
import { systemClock } from '../../clock.js';
import { isDatabaseEmpty, seedDemo } from '../../demo/seed.js';
import { startPlatform } from '../../main.js';
import type { Command } from '../command.js';
import { configFrom } from '../config-flags.js';
import { formatDemoSummary, readDemoFile, writeDemoFile } from '../demo-report.js';

export const serveCommand: Command = {
  name: 'serve',
  summary: 'Start the platform (HTTPS); stops gracefully on SIGTERM or SIGINT',
  options: { demo: { type: 'boolean' } },
  optionHelp: { demo: 'seed the demo into an empty database first, and print how to try it' },
  async run(values, io) {
    const config = configFrom(values, io);
    const platform = await startPlatform(config, {
      clock: systemClock,
      beforeListen: async (database) => {
        if (values.demo !== true || !(await isDatabaseEmpty(database))) return;
        io.out('Empty database: seeding the demo…');
        const summary = await seedDemo(database, { publicUrl: config.publicUrl, clock: systemClock });
        writeDemoFile(config.dataDir, summary);
      },
    });

    const base = config.publicUrl.origin;
    const lines = [
      '',
      `ConCat platform listening on ${platform.listeningOn} (public URL ${base})`,
      `  database     ${config.databaseUrl.startsWith('sqlite:') ? config.databaseUrl : 'PostgreSQL'}`,
      `  certificate  ${platform.tls === null ? 'none: TLS is terminated by the proxy' : `${platform.tls.source}, ${platform.tls.file}`}`,
    ];
    if (values.demo === true) {
      const summary = readDemoFile(config.dataDir);
      lines.push('');
      if (summary === null) lines.push(`No demo.json in ${config.dataDir}: this database was not seeded from this data directory.`);
      else lines.push(formatDemoSummary(summary), '', `All of this is in ${path.join(config.dataDir, 'demo.json')}.`);
      const first = summary?.instances[0]?.baseUrl ?? `${base}/o/<slug>`;
      lines.push(
        '',
        'Try it (accept the self-signed certificate once in the browser):',
        `  ${base}/console           operator console: invite a developer, review applications, read the mail outbox`,
        `  ${base}/portal            developer portal: apps, secrets, redirect URIs, integrations`,
        `  ${first}/housekeeping  org admin: integrate apps, grant permissions, own apps, audit log`,
        `  curl -k ${base}/healthz`,
      );
    }
    io.out(lines.join('\n'));

    await new Promise<void>((resolve) => {
      const stop = (signal: string) => {
        io.out(`${signal} received: finishing in-flight requests…`);
        platform.close().then(
          () => {
            io.out('Stopped; database closed.');
            resolve();
          },
          (error: unknown) => {
            io.err(`Error while stopping: ${error instanceof Error ? error.message : String(error)}`);
            resolve();
          },
        );
      };
      process.once('SIGTERM', () => stop('SIGTERM'));
      process.once('SIGINT', () => stop('SIGINT'));
    });
    return 0;
  },
};
