import { randomUUID } from 'node:crypto';
import type { Clock } from '../clock.js';
import type { Config } from '../config.js';
import type { Database } from '../db/database.js';
import { sweepRevocations, type SweepReport, type SweepSettings } from '../platform/revocation-sweep.js';
import { acquireLease, releaseLease } from './job-lease.js';
import { PollingLoop } from './polling-loop.js';

/** The job's lease in job_leases. */
const REVOCATION_LEASE = 'revocation-sweep';
/**
 * How long a round may hold the lease: far longer than a sweep takes. A process that dies
 * mid-sweep holds up the others only this long; a sweep that ran over would be harmless anyway
 * (every notice and revocation happens once).
 */
const LEASE_TTL_MS = 15 * 60_000;

export interface RevocationJobLogger {
  info(details: object, message: string): void;
  warn(details: object, message: string): void;
}

/** The sweep report, or null when another process held the lease. */
export type RevocationRound = SweepReport | null;

/**
 * The server's revocation sweep (inactivity, warnings, deletion reminders), every
 * `revocationSweepInterval` seconds. Each process runs the loop; the lease lets one of them
 * sweep at a time.
 */
export interface RevocationJobOptions {
  config: SweepSettings;
  database: Database;
  clock: Clock;
  logger: RevocationJobLogger;
}

export class RevocationJob {
  readonly #options: RevocationJobOptions;
  readonly #loop: PollingLoop<RevocationRound>;
  /** This process, as the lease's holder. */
  readonly #holder = randomUUID();

  constructor(options: RevocationJobOptions) {
    this.#options = options;
    this.#loop = new PollingLoop({
      name: 'revocation job',
      round: () => this.#round(),
      more: () => false,
      onError: (error) => options.logger.warn({ error: error instanceof Error ? error.message : String(error) }, 'revocation sweep failed'),
    });
  }

  /** One sweep now, unless another process is sweeping. */
  runOnce(): Promise<RevocationRound> {
    return this.#loop.runOnce();
  }

  start(intervalMs: number): void {
    this.#loop.start(intervalMs);
  }

  /** Stops the timer and waits for a sweep in flight. */
  stop(): Promise<void> {
    return this.#loop.stop();
  }

  async #round(): Promise<RevocationRound> {
    const { config, database, clock, logger } = this.#options;
    if (this.#loop.stopping) return null;
    if (!(await acquireLease(database.db, REVOCATION_LEASE, this.#holder, LEASE_TTL_MS, clock))) return null;
    try {
      const report = await sweepRevocations(database.db, config, clock, { dryRun: false });
      const counts = { revoked: report.revoked.length, warned: report.warned.length, remindersSent: report.remindersSent.length, overdue: report.overdue.length };
      if (counts.revoked + counts.warned + counts.remindersSent > 0) logger.info(counts, 'revocation sweep');
      return report;
    } finally {
      await releaseLease(database.db, REVOCATION_LEASE, this.#holder);
    }
  }
}

/** The server's job: sweeping on its own unless 'manual' (tests call `runOnce()`). */
export function startRevocationJob(
  config: SweepSettings & Pick<Config, 'revocationSweepInterval'>,
  database: Database,
  clock: Clock,
  logger: RevocationJobLogger,
  mode: 'automatic' | 'manual',
): RevocationJob {
  const job = new RevocationJob({ config, database, clock, logger });
  if (mode === 'automatic') job.start(config.revocationSweepInterval * 1000);
  return job;
}
