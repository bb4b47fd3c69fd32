/** The one source of time. Domain functions take a Clock so tests can move time without waiting. */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

/** A clock that tests set and advance by hand. */
export class ManualClock implements Clock {
  #time: number;
  constructor(start: Date | string = '2026-01-01T00:00:00.000Z') {
    this.#time = new Date(start).getTime();
  }
  now(): Date {
    return new Date(this.#time);
  }
  set(time: Date | string): void {
    this.#time = new Date(time).getTime();
  }
  advance(ms: number): void {
    this.#time += ms;
  }
}

/** Timestamps are stored as ISO-8601 UTC text with milliseconds: identical on SQLite and PostgreSQL and sortable as text. */
export function isoTimestamp(date: Date): string {
  return date.toISOString();
}
