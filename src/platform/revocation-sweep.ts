import type { Kysely } from 'kysely';
import { recordAudit } from '../audit/audit-log.js';
import { isoTimestamp, type Clock } from '../clock.js';
import type { Config } from '../config.js';
import type { Schema } from '../db/schema.js';
import { orgAdminEmails } from '../instance/org-admins.js';
import { enqueueMail } from '../mail/mail-queue.js';
import { instanceIssuer } from '../oauth/providers.js';
import { AppRevocationError, revokeApp } from './app-revocation.js';
import { isOverdue } from './deletion-duty.js';
import { daysBetween, inactivityVerdict, noticesDue, type InactivityVerdict } from './inactivity.js';
import { deletionOverdueMail, deletionReminderMail, inactivityWarningMail } from './inactivity-mail.js';
import { formatUtcDate } from './revocation-mail.js';
import { consoleAppLink, portalLink } from './platform-links.js';

/**
 * The revocation sweep (issue 8), run by the server's job (src/jobs/revocation-job.ts) and by
 * `concat revocations sweep`: it revokes idle apps, warns their developers beforehand, reminds
 * developers of revoked apps of their deletion deadline and records the deadlines missed. Every
 * notice is sent once: its row in revocation_notices is inserted in the transaction that queues
 * the mail, and only the sweep whose insert added the row sends it, so sweeps may run again, or
 * at the same time in several processes, without sending anything twice.
 */

/** Days before a revocation's deletion deadline on which the developer is reminded, while deletion is not attested everywhere. */
const DELETION_REMINDER_DAYS: readonly number[] = [7, 1];

export type SweepSettings = Pick<Config, 'inactivityDays' | 'inactivityWarningDays' | 'publicUrl'>;

interface AppRef {
  appId: number;
  clientId: number;
  appName: string;
}

export interface SweepReport {
  /** The time the sweep judged by. */
  asOf: string;
  revoked: (AppRef & { idleSince: string; lastActiveAt: string | null })[];
  warned: (AppRef & { daysBefore: number; revokeOn: string })[];
  remindersSent: (AppRef & { revocationId: number; daysBefore: number; deletionDueAt: string })[];
  /** Every revocation past its deletion deadline with deletion not attested for some instance (slugs). */
  overdue: (AppRef & { revocationId: number; deletionDueAt: string; openInstances: string[] })[];
}

const SYSTEM = { type: 'system', id: null } as const;

/** Runs the sweep at the clock's time. `dryRun`: the same report, but nothing is written or sent. */
export async function sweepRevocations(db: Kysely<Schema>, settings: SweepSettings, clock: Clock, options: { dryRun: boolean }): Promise<SweepReport> {
  const now = clock.now();
  const report: SweepReport = { asOf: isoTimestamp(now), revoked: [], warned: [], remindersSent: [], overdue: [] };
  await sweepIdleApps(db, settings, clock, now, options.dryRun, report);
  await sweepDeletionDuties(db, settings, clock, now, options.dryRun, report);
  return report;
}

/**
 * Sends a notice once per (app, kind, reference). `kinds` lists the notice due first, then those
 * it stands for (farther warnings due at the same time), which are recorded as sent without mail.
 * Returns whether this call sent it (dry run: whether it would).
 */
async function noticeOnce(db: Kysely<Schema>, clock: Clock, dryRun: boolean, notice: { appId: number; kinds: string[]; reference: string }, send: (trx: Kysely<Schema>) => Promise<void>): Promise<boolean> {
  const [first] = notice.kinds;
  if (first === undefined) return false;
  if (dryRun) {
    const sent = await db.selectFrom('revocation_notices').select('kind').where('app_id', '=', notice.appId).where('kind', '=', first).where('reference', '=', notice.reference).executeTakeFirst();
    return sent === undefined;
  }
  const sentAt = isoTimestamp(clock.now());
  return db.transaction().execute(async (trx) => {
    // Writes first: on PostgreSQL a concurrent sweep's insert of the same row waits for this
    // transaction and then inserts nothing; on SQLite a transaction that starts by writing
    // takes the write lock at once.
    let inserted = false;
    for (const kind of notice.kinds) {
      const result = await trx
        .insertInto('revocation_notices')
        .values({ app_id: notice.appId, kind, reference: notice.reference, sent_at: sentAt })
        .onConflict((oc) => oc.columns(['app_id', 'kind', 'reference']).doNothing())
        .executeTakeFirst();
      if (kind === first) inserted = Number(result.numInsertedOrUpdatedRows ?? 0n) > 0;
    }
    if (inserted) await send(trx);
    return inserted;
  });
}

/**
 * Approved apps of developers, idle past the limit: revoked; close to it: warned. Apps an
 * organization owns are exempt: there is no developer to warn, and the org's admins manage them.
 */
async function sweepIdleApps(db: Kysely<Schema>, settings: SweepSettings, clock: Clock, now: Date, dryRun: boolean, report: SweepReport): Promise<void> {
  const lastActivity = db.selectFrom('app_activity').select(['app_id', (eb) => eb.fn.max('last_active_at').as('last_active_at')]).groupBy('app_id').as('activity');
  const apps = await db
    .selectFrom('apps')
    .innerJoin('developers', 'developers.id', 'apps.developer_id')
    .leftJoin(lastActivity, 'activity.app_id', 'apps.id')
    .select(['apps.id', 'apps.client_id', 'apps.display_name', 'apps.activated_at', 'apps.created_at', 'developers.email', 'developers.name', 'activity.last_active_at'])
    .where('apps.status', '=', 'approved')
    .where('apps.owner_org_id', 'is', null)
    .orderBy('apps.id')
    .execute();
  for (const app of apps) {
    const ref: AppRef = { appId: app.id, clientId: app.client_id, appName: app.display_name };
    const lastActiveAt = app.last_active_at ?? null;
    const verdict = await idleVerdict(db, { id: app.id, lastActiveAt, activatedAt: app.activated_at ?? app.created_at }, settings, now);
    if (verdict.revokeDue) {
      if (dryRun || (await revokeIdleApp(db, app.id, verdict.idleSince, now, clock))) report.revoked.push({ ...ref, idleSince: verdict.idleSince, lastActiveAt });
      continue;
    }
    const [daysBefore] = verdict.warningsDue;
    if (daysBefore === undefined) continue;
    // A new idle period (after new activity) gets its warnings anew.
    const notice = { appId: app.id, kinds: verdict.warningsDue.map((d) => `inactivity-warning-${d}`), reference: verdict.idleSince };
    const warned = await noticeOnce(db, clock, dryRun, notice, async (trx) => {
      const mail = inactivityWarningMail({ to: app.email, name: app.name, appName: app.display_name, clientId: app.client_id, lastActiveAt, inactivityDays: settings.inactivityDays, revokeOn: verdict.revokeOn, portalUrl: portalLink(settings.publicUrl, app.id) });
      await enqueueMail(trx, mail, clock);
      await recordAudit(trx, { orgId: null, actor: SYSTEM, action: 'app.inactivity-warning-sent', target: { type: 'app', id: String(app.id) }, details: { daysBefore, revokeOn: verdict.revokeOn, idleSince: verdict.idleSince, lastActiveAt } }, clock);
    });
    if (warned) report.warned.push({ ...ref, daysBefore, revokeOn: verdict.revokeOn });
  }
}

/** The rule applied to one app, with the warnings already sent in its current idle period. */
async function idleVerdict(db: Kysely<Schema>, app: { id: number; lastActiveAt: string | null; activatedAt: string }, settings: SweepSettings, now: Date): Promise<InactivityVerdict> {
  const input = { lastActiveAt: app.lastActiveAt, activatedAt: app.activatedAt };
  const { idleSince } = inactivityVerdict({ ...input, firstWarnedAt: null }, { inactivityDays: settings.inactivityDays, warningDays: [] }, now);
  return inactivityVerdict({ ...input, firstWarnedAt: await firstWarning(db, app.id, idleSince) }, { inactivityDays: settings.inactivityDays, warningDays: settings.inactivityWarningDays }, now);
}

export interface InactivityOutlook {
  /** The latest activity over every instance; null if the app was never used. */
  lastActiveAt: string | null;
  /** The latest activity in each instance where the app was used, by instance name. */
  instances: { instanceName: string; lastActiveAt: string }[];
  /** When the app is revoked if it stays unused. */
  revokeOn: string;
}

/**
 * Where an app stands against the inactivity rule, for the portal and the console: its last
 * activity overall and per instance, and the date it is revoked if unused. Undefined for apps the
 * sweep leaves alone (not approved, or an organization's own).
 */
export async function inactivityOutlook(db: Kysely<Schema>, appId: number, settings: SweepSettings, clock: Clock): Promise<InactivityOutlook | undefined> {
  const app = await db.selectFrom('apps').select(['id', 'status', 'owner_org_id', 'activated_at', 'created_at']).where('id', '=', appId).executeTakeFirst();
  if (app === undefined || app.status !== 'approved' || app.owner_org_id !== null) return undefined;
  const instances = await db
    .selectFrom('app_activity')
    .innerJoin('orgs', 'orgs.id', 'app_activity.org_id')
    .select(['orgs.name', 'app_activity.last_active_at'])
    .where('app_activity.app_id', '=', appId)
    .orderBy('app_activity.last_active_at', 'desc')
    .execute();
  const lastActiveAt = instances[0]?.last_active_at ?? null;
  const verdict = await idleVerdict(db, { id: app.id, lastActiveAt, activatedAt: app.activated_at ?? app.created_at }, settings, clock.now());
  return { lastActiveAt, instances: instances.map((row) => ({ instanceName: row.name, lastActiveAt: row.last_active_at })), revokeOn: verdict.revokeOn };
}

/** When the developer was first warned in the idle period that began at `idleSince`; null if not yet. */
async function firstWarning(db: Kysely<Schema>, appId: number, idleSince: string): Promise<string | null> {
  const row = await db
    .selectFrom('revocation_notices')
    .select((eb) => eb.fn.min('sent_at').as('sent_at'))
    .where('app_id', '=', appId)
    .where('kind', 'like', 'inactivity-warning-%')
    .where('reference', '=', idleSince)
    .executeTakeFirst();
  return row?.sent_at ?? null;
}

/** Revokes an idle app; false if it was no longer approved (another sweep or an operator got there first). */
async function revokeIdleApp(db: Kysely<Schema>, appId: number, idleSince: string, now: Date, clock: Clock): Promise<boolean> {
  const reason = `No activity (no token issued, API call or webhook acknowledged) since ${formatUtcDate(idleSince)}: ${daysBetween(idleSince, now)} days`;
  try {
    await revokeApp(db, { app: { appId }, reason, actor: { type: 'system' } }, clock);
    return true;
  } catch (error) {
    if (error instanceof AppRevocationError && error.field === 'app') return false;
    throw error;
  }
}

/** The overdue notice: to every active operator, and to the org admins of each event concerned (about their event only). */
async function mailDeletionOverdue(trx: Kysely<Schema>, overdue: AppRef & { deletionDueAt: string; open: { id: number; name: string }[] }, publicUrl: URL, clock: Clock): Promise<void> {
  const about = { appName: overdue.appName, clientId: overdue.clientId, deletionDueAt: overdue.deletionDueAt };
  const operators = await trx.selectFrom('operators').select('email').where('disabled_at', 'is', null).execute();
  for (const operator of operators) {
    await enqueueMail(trx, deletionOverdueMail({ ...about, to: operator.email, instances: overdue.open.map((org) => org.name), url: consoleAppLink(publicUrl, overdue.appId), reader: 'operator' }), clock);
  }
  for (const org of overdue.open) {
    const base = (await instanceIssuer(trx, org.id, publicUrl)) ?? publicUrl.origin;
    for (const to of await orgAdminEmails(trx, org.id)) {
      await enqueueMail(trx, deletionOverdueMail({ ...about, to, instances: [org.name], url: `${base}/housekeeping/integrations`, reader: 'org-admin' }), clock);
    }
  }
}

/**
 * Revocations whose deletion is not attested (nor released) for every instance: reminded before the
 * deadline, overdue after it. A reactivation does not end the duty (src/platform/deletion-duty.ts):
 * only an attestation or the instance re-enabling the integration does.
 */
async function sweepDeletionDuties(db: Kysely<Schema>, settings: SweepSettings, clock: Clock, now: Date, dryRun: boolean, report: SweepReport): Promise<void> {
  const revocations = await db
    .selectFrom('app_revocations')
    .innerJoin('apps', 'apps.id', 'app_revocations.app_id')
    .leftJoin('developers', 'developers.id', 'apps.developer_id')
    .select(['app_revocations.id', 'app_revocations.app_id', 'app_revocations.deletion_due_at', 'apps.client_id', 'apps.display_name', 'developers.email', 'developers.name'])
    .where((eb) => eb.exists(eb.selectFrom('deletion_duties').select('deletion_duties.org_id').whereRef('deletion_duties.revocation_id', '=', 'app_revocations.id').where('deletion_duties.status', '=', 'open')))
    .orderBy('app_revocations.id')
    .execute();
  for (const revocation of revocations) {
    const ref: AppRef = { appId: revocation.app_id, clientId: revocation.client_id, appName: revocation.display_name };
    const open = await db
      .selectFrom('deletion_duties')
      .innerJoin('orgs', 'orgs.id', 'deletion_duties.org_id')
      .select(['orgs.id', 'orgs.slug', 'orgs.name'])
      .where('deletion_duties.revocation_id', '=', revocation.id)
      .where('deletion_duties.status', '=', 'open')
      .orderBy('orgs.name')
      .execute();
    const reference = String(revocation.id);
    if (isOverdue(revocation.deletion_due_at, open.length, now)) {
      const openInstances = open.map((org) => org.slug);
      report.overdue.push({ ...ref, revocationId: revocation.id, deletionDueAt: revocation.deletion_due_at, openInstances });
      await noticeOnce(db, clock, dryRun, { appId: revocation.app_id, kinds: ['deletion-overdue'], reference }, async (trx) => {
        const details = { revocationId: revocation.id, deletionDueAt: revocation.deletion_due_at, openInstances };
        const target = { type: 'app', id: String(revocation.app_id) };
        // The platform's entry, and one in each instance concerned, so its org admins see it in
        // their audit log: naming that instance only, never the app's other customers.
        await recordAudit(trx, { orgId: null, actor: SYSTEM, action: 'app.deletion-overdue', target, details }, clock);
        for (const org of open) await recordAudit(trx, { orgId: org.id, actor: SYSTEM, action: 'app.deletion-overdue', target, details: { ...details, openInstances: [org.slug] } }, clock);
        await mailDeletionOverdue(trx, { ...ref, deletionDueAt: revocation.deletion_due_at, open }, settings.publicUrl, clock);
      });
      continue;
    }
    const due = noticesDue(new Date(revocation.deletion_due_at), DELETION_REMINDER_DAYS, now);
    const [daysBefore] = due;
    const { email, name } = revocation;
    // An organization's own app has no developer to remind.
    if (daysBefore === undefined || email === null) continue;
    const sent = await noticeOnce(db, clock, dryRun, { appId: revocation.app_id, kinds: due.map((d) => `deletion-reminder-${d}`), reference }, async (trx) => {
      const mail = deletionReminderMail({ to: email, name: name ?? '', appName: revocation.display_name, clientId: revocation.client_id, deletionDueAt: revocation.deletion_due_at, instances: open.map((org) => org.name), portalUrl: portalLink(settings.publicUrl, revocation.app_id) });
      await enqueueMail(trx, mail, clock);
      await recordAudit(trx, { orgId: null, actor: SYSTEM, action: 'app.deletion-reminder-sent', target: { type: 'app', id: String(revocation.app_id) }, details: { revocationId: revocation.id, daysBefore, deletionDueAt: revocation.deletion_due_at, openInstances: open.map((org) => org.slug) } }, clock);
    });
    if (sent) report.remindersSent.push({ ...ref, revocationId: revocation.id, daysBefore, deletionDueAt: revocation.deletion_due_at });
  }
}
