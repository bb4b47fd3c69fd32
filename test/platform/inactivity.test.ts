import { describe, expect, it } from 'vitest';
import { DAY_MS, inactivityVerdict, noticesDue } from '../../src/platform/inactivity.js';

const settings = { inactivityDays: 365, warningDays: [30, 7] };
const activatedAt = '2025-01-01T00:00:00.000Z';
const lastActiveAt = '2025-06-01T12:00:00.000Z';
const after = (iso: string, days: number, extraMs = 0) => new Date(new Date(iso).getTime() + days * DAY_MS + extraMs);

describe('the inactivity rule', () => {
  // The developer was warned on time: 30 days before.
  const warnedOnTime = after(lastActiveAt, 335).toISOString();

  it('keeps an app idle 364 days and revokes it at 365', () => {
    const input = { lastActiveAt, activatedAt, firstWarnedAt: warnedOnTime };
    const kept = inactivityVerdict(input, settings, after(lastActiveAt, 364));
    expect(kept).toMatchObject({ idleSince: lastActiveAt, revokeOn: '2026-06-01T12:00:00.000Z', revokeDue: false });
    expect(inactivityVerdict(input, settings, after(lastActiveAt, 365, -1)).revokeDue).toBe(false);
    const revoked = inactivityVerdict(input, settings, after(lastActiveAt, 365));
    expect(revoked).toMatchObject({ revokeDue: true, warningsDue: [] });
    // Without warnings configured, the limit alone decides.
    const unwarned = { lastActiveAt, activatedAt, firstWarnedAt: null };
    expect(inactivityVerdict(unwarned, { ...settings, warningDays: [] }, after(lastActiveAt, 364)).revokeDue).toBe(false);
    expect(inactivityVerdict(unwarned, { ...settings, warningDays: [] }, after(lastActiveAt, 365)).revokeDue).toBe(true);
  });

  it('never revokes without warning: an app found long idle is warned and revoked the nearest warning\'s days later', () => {
    const now = after(lastActiveAt, 500);
    const found = inactivityVerdict({ lastActiveAt, activatedAt, firstWarnedAt: null }, settings, now);
    expect(found).toMatchObject({ revokeDue: false, revokeOn: after(now.toISOString(), 7).toISOString(), warningsDue: [7, 30] });
    const warnedAt = now.toISOString();
    expect(inactivityVerdict({ lastActiveAt, activatedAt, firstWarnedAt: warnedAt }, settings, after(warnedAt, 7, -1)).revokeDue).toBe(false);
    expect(inactivityVerdict({ lastActiveAt, activatedAt, firstWarnedAt: warnedAt }, settings, after(warnedAt, 7))).toMatchObject({ revokeDue: true, revokeOn: after(warnedAt, 7).toISOString() });
  });

  it('counts from the activation for an app never used, and from a reactivation after older use', () => {
    expect(inactivityVerdict({ lastActiveAt: null, activatedAt, firstWarnedAt: after(activatedAt, 335).toISOString() }, settings, after(activatedAt, 365)).revokeDue).toBe(true);
    expect(inactivityVerdict({ lastActiveAt: null, activatedAt, firstWarnedAt: null }, settings, after(activatedAt, 100))).toMatchObject({ idleSince: activatedAt, revokeDue: false, warningsDue: [] });
    const reactivated = '2026-01-01T00:00:00.000Z';
    expect(inactivityVerdict({ lastActiveAt, activatedAt: reactivated, firstWarnedAt: null }, settings, after(reactivated, 364))).toMatchObject({ idleSince: reactivated, revokeDue: false });
  });

  it('warns 30 and 7 days before, and only the nearest warning when both are due', () => {
    const input = { lastActiveAt, activatedAt, firstWarnedAt: null };
    expect(inactivityVerdict(input, settings, after(lastActiveAt, 334, -1)).warningsDue).toEqual([]);
    expect(inactivityVerdict(input, settings, after(lastActiveAt, 335)).warningsDue).toEqual([30]);
    expect(inactivityVerdict(input, settings, after(lastActiveAt, 357, -1)).warningsDue).toEqual([30]);
    // From 7 days before, both are due: the nearest comes first, it is the one sent.
    expect(inactivityVerdict(input, settings, after(lastActiveAt, 358)).warningsDue).toEqual([7, 30]);
    expect(inactivityVerdict(input, { ...settings, warningDays: [] }, after(lastActiveAt, 358)).warningsDue).toEqual([]);
  });

  it('gives notices only before their deadline', () => {
    const deadline = new Date('2026-04-09T15:30:00.000Z');
    expect(noticesDue(deadline, [7, 1], after(deadline.toISOString(), -8))).toEqual([]);
    expect(noticesDue(deadline, [7, 1], after(deadline.toISOString(), -7))).toEqual([7]);
    expect(noticesDue(deadline, [7, 1], after(deadline.toISOString(), -1))).toEqual([1, 7]);
    expect(noticesDue(deadline, [7, 1], deadline)).toEqual([]);
  });
});
