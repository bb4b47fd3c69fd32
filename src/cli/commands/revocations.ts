import { systemClock, type Clock } from '../../clock.js';
import { sweepRevocations, type SweepReport } from '../../platform/revocation-sweep.js';
import { UsageError, type Command } from '../command.js';
import { configFrom } from '../config-flags.js';
import { withDatabase } from '../database-session.js';

/** A date (midnight UTC) or a date-time with an explicit zone (Z or ±hh:mm). */
const AS_OF = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2}))?$/;

/** `--as-of` as a fixed clock; refuses anything but a real ISO date or date-time. */
function asOfClock(text: string): Clock {
  const time = new Date(text);
  // The pattern rules out formats Date would guess at; the round trip of the day rules out e.g. 2027-02-30.
  const day = new Date(`${text.slice(0, 10)}T00:00:00Z`);
  const valid = AS_OF.test(text) && !Number.isNaN(time.getTime()) && !Number.isNaN(day.getTime()) && day.toISOString().startsWith(text.slice(0, 10));
  if (!valid) throw new UsageError(`--as-of must be an ISO date (2027-03-01) or date-time (2027-03-01T12:00:00Z), got "${text.slice(0, 40)}"`);
  return { now: () => new Date(time) };
}

function describe(report: SweepReport, dryRun: boolean): string[] {
  const verb = (did: string, would: string) => (dryRun ? would : did);
  const lines = [`Revocation sweep as of ${report.asOf}${dryRun ? ' (dry run: nothing was changed or sent)' : ''}:`];
  const section = <T>(title: string, items: T[], line: (item: T) => string) => {
    lines.push(`${title}: ${items.length === 0 ? 'none' : ''}`.trimEnd());
    for (const item of items) lines.push(`  ${line(item)}`);
  };
  section(verb('Revoked', 'Would revoke'), report.revoked, (r) => `${r.appName} (API ID ${r.clientId}): idle since ${r.idleSince}${r.lastActiveAt === null ? ', never used' : ''}`);
  section(verb('Warned', 'Would warn'), report.warned, (w) => `${w.appName} (API ID ${w.clientId}): ${w.daysBefore} days before revocation on ${w.revokeOn}`);
  section(verb('Deletion reminders sent', 'Would send deletion reminders'), report.remindersSent, (r) => `${r.appName} (API ID ${r.clientId}): ${r.daysBefore} days before the deadline ${r.deletionDueAt}`);
  section('Deletion overdue', report.overdue, (o) => `${o.appName} (API ID ${o.clientId}): deadline ${o.deletionDueAt}, not attested for ${o.openInstances.join(', ')}`);
  return lines;
}

/** `concat revocations sweep`: the server's revocation job by hand, or a preview of it at any date. */
export const revocationsSweepCommand: Command = {
  name: 'revocations sweep',
  summary: 'Revoke apps idle past the limit, warn their developers, send deletion reminders, record missed deletion deadlines (what the server does on its own)',
  details: 'Usage: concat revocations sweep [--dry-run [--as-of DATE]] [--json]\nExample (what would happen on 1 March 2027):\n  concat revocations sweep --as-of 2027-03-01 --dry-run',
  options: {
    'as-of': { type: 'string' },
    'dry-run': { type: 'boolean' },
    json: { type: 'boolean' },
  },
  optionHelp: {
    'as-of': 'with --dry-run: judge as if it were this ISO date (midnight UTC) or date-time, instead of now',
    'dry-run': 'report what the sweep would do, changing and sending nothing',
    json: 'print the report as JSON',
  },
  async run(values, io) {
    const config = configFrom(values, io);
    const asOf = values['as-of'];
    const dryRun = values['dry-run'] === true;
    // Acting at another time would date revocations, deadlines and audit entries wrongly, and
    // queue mail for that time: another date is for previews only.
    if (typeof asOf === 'string' && !dryRun) throw new UsageError('--as-of previews another date: use it with --dry-run');
    const clock = typeof asOf === 'string' ? asOfClock(asOf) : systemClock;
    const report = await withDatabase(config, (database) => sweepRevocations(database.db, config, clock, { dryRun }));
    if (values.json === true) io.out(JSON.stringify(report));
    else for (const line of describe(report, dryRun)) io.out(line);
    return 0;
  },
};
