import type { FastifyInstance, FastifyServerOptions } from 'fastify';
import { systemClock, type Clock } from './clock.js';
import type { Config } from './config.js';
import { openDatabase, type Database } from './db/database.js';
import { migrateToLatest } from './db/migrate.js';
import { buildServer } from './http/server.js';
import { TenantDirectory } from './http/tenancy.js';
import { loadTlsCredentials, type TlsCredentials } from './http/tls/tls-credentials.js';
import { startRevocationJob, type RevocationJob } from './jobs/revocation-job.js';
import { startMailWorker, type MailWorker } from './mail/mail-worker.js';
import { UsageRecorder } from './usage/usage-recorder.js';
import { startWebhookWorker, type WebhookDeliveryWorker } from './webhooks/delivery-worker.js';

/** How often a process picks up instances and base URLs changed by another process. */
const TENANT_REFRESH_MS = 5_000;

export interface RunningPlatform {
  app: FastifyInstance;
  database: Database;
  tenants: TenantDirectory;
  tls: TlsCredentials | null;
  /** Delivers queued mail (SMTP or the outbox); tests call `mail.runOnce()`. */
  mail: MailWorker;
  /** Fans out events and delivers webhook messages; tests call `webhooks.runOnce()`. */
  webhooks: WebhookDeliveryWorker;
  /** The revocation sweep (inactivity, warnings, deletion reminders); tests call `revocations.runOnce()`. */
  revocations: RevocationJob;
  /** Usage statistics collected in memory; tests call `usage.flush()` to write them now. */
  usage: UsageRecorder;
  /** The address actually bound, e.g. https://127.0.0.1:8443 */
  listeningOn: string;
  /** Finishes in-flight requests, stops accepting new ones, then closes the database. */
  close(): Promise<void>;
}

export interface StartOptions {
  clock?: Clock;
  logger?: FastifyServerOptions['logger'];
  /** Runs after migrations and before the tenant table is loaded, e.g. to seed demo data. */
  beforeListen?: (database: Database) => Promise<void>;
  /** 'manual': webhooks go out only on `webhooks.runOnce()` (tests: nothing is sent to a URL a test did not mean to reach). */
  webhookDelivery?: 'automatic' | 'manual';
  /** 'manual': the revocation sweep runs only on `revocations.runOnce()` (tests move the clock themselves). */
  revocationSweep?: 'automatic' | 'manual';
}

/** The composition root: database, migrations, tenants, TLS, HTTP server. */
export async function startPlatform(config: Config, options: StartOptions = {}): Promise<RunningPlatform> {
  const clock = options.clock ?? systemClock;
  const database = openDatabase(config.databaseUrl);
  try {
    await migrateToLatest(database);
    await options.beforeListen?.(database);
    const tenants = new TenantDirectory(database, config.publicUrl);
    await tenants.reload();
    const tls = config.behindProxy ? null : loadTlsCredentials(config, clock);
    const usage = new UsageRecorder({ database, clock });
    const app = await buildServer({ config, database, clock, tenants, tls, usage, logger: options.logger });
    tenants.startAutoRefresh(TENANT_REFRESH_MS, (error) => app.log.warn({ err: error }, 'could not refresh the instance table'));
    await app.listen({
      port: config.port,
      host: config.host,
      // The server comes from serverFactory, so Fastify cannot tell it speaks TLS.
      listenTextResolver: (address) => `Server listening at ${tls === null ? address : address.replace(/^http:/, 'https:')}`,
    });
    const address = app.server.address();
    if (address === null || typeof address === 'string') throw new Error('the server is not listening on a TCP port');
    const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
    let closing: Promise<void> | undefined;
    const mail = startMailWorker(config, database, clock, app.log);
    const webhooks = startWebhookWorker(config, database, clock, app.log, options.webhookDelivery ?? 'automatic');
    const revocations = startRevocationJob(config, database, clock, app.log, options.revocationSweep ?? 'automatic');
    usage.start(config.usageFlushInterval * 1000, app.log);
    return {
      app,
      database,
      tenants,
      tls,
      mail,
      webhooks,
      revocations,
      usage,
      listeningOn: `${tls === null ? 'http' : 'https'}://${host}:${address.port}`,
      close() {
        closing ??= (async () => {
          tenants.stopAutoRefresh();
          await app.close();
          await usage.stop();
          await revocations.stop();
          await webhooks.stop();
          await mail.stop();
          await database.close();
        })();
        return closing;
      },
    };
  } catch (error) {
    await database.close();
    throw error;
  }
}
