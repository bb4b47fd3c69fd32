import { isoTimestamp } from '../clock.js';

/**
 * The inactivity rule (issue 8), as pure functions of plain inputs: an approved app with no
 * activity (token issued, API call, webhook acknowledged) in any instance for `inactivityDays`
 * is revoked; its developer is warned some days before. src/platform/revocation-sweep.ts applies it.
 */

export const DAY_MS = 24 * 60 * 60 * 1000;

export interface InactivitySettings {
  inactivityDays: number;
  /** Days before the revocation on which the developer is warned. */
  warningDays: readonly number[];
}

export interface InactivityInput {
  /** The app's latest activity over all its instances; null if it was never used. */
  lastActiveAt: string | null;
  /** When the app last became approved (apps.activated_at, else its created_at). */
  activatedAt: string;
  /** When the developer was first warned in the current idle period; null if not yet. */
  firstWarnedAt: string | null;
}

export interface InactivityVerdict {
  /** Start of the idle period: the later of the last activity and the activation. */
  idleSince: string;
  /** When the app is revoked if it stays idle. */
  revokeOn: string;
  revokeDue: boolean;
  /**
   * The warnings due now, nearest first (days before `revokeOn`); empty once the revocation is due.
   * Only the first is sent: the developer never gets two at once (see `noticesDue`).
   */
  warningsDue: number[];
}

/**
 * Where the app stands at `now`: idle since when, revoked when, which warnings are due. An app is
 * revoked `inactivityDays` after its idle period began, but never without warning: when warnings
 * are configured, not before the nearest warning's days have passed since the first warning. So an
 * app found long idle (the sweep was off, the setting was lowered, the platform was just upgraded)
 * is warned first and revoked that many days later, on the date the warning names.
 */
export function inactivityVerdict(input: InactivityInput, settings: InactivitySettings, now: Date): InactivityVerdict {
  const activated = new Date(input.activatedAt).getTime();
  const lastActive = input.lastActiveAt === null ? null : new Date(input.lastActiveAt).getTime();
  // A reactivated app starts a new idle period even if it was last used long before.
  const idleSince = lastActive === null ? activated : Math.max(lastActive, activated);
  let revokeOn = idleSince + settings.inactivityDays * DAY_MS;
  if (settings.warningDays.length > 0) {
    const nearestWarning = Math.min(...settings.warningDays);
    const noticeFrom = input.firstWarnedAt === null ? now.getTime() : new Date(input.firstWarnedAt).getTime();
    revokeOn = Math.max(revokeOn, noticeFrom + nearestWarning * DAY_MS);
  }
  const revokeDue = input.firstWarnedAt !== null || settings.warningDays.length === 0 ? now.getTime() >= revokeOn : false;
  const revokeDate = new Date(revokeOn);
  return { idleSince: isoTimestamp(new Date(idleSince)), revokeOn: isoTimestamp(revokeDate), revokeDue, warningsDue: revokeDue ? [] : noticesDue(revokeDate, settings.warningDays, now) };
}

/**
 * The advance notices due at `now` for a `deadline` still ahead, nearest first: a notice for d days
 * is due from `deadline` − d days on. When several are due (the sweep did not run in between, or
 * the settings changed), the sweep sends the nearest only and records the others as sent, since
 * they would announce the same date twice.
 */
export function noticesDue(deadline: Date, days: readonly number[], now: Date): number[] {
  if (now.getTime() >= deadline.getTime()) return [];
  return days.filter((d) => now.getTime() >= deadline.getTime() - d * DAY_MS).sort((a, b) => a - b);
}

/** Whole days from `since` to `now`. */
export function daysBetween(since: string, now: Date): number {
  return Math.floor((now.getTime() - new Date(since).getTime()) / DAY_MS);
}
