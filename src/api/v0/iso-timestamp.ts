/**
 * Reads an ISO-8601 instant sent by a client (`filter.updatedSince`) into the form timestamps are
 * stored in (UTC, milliseconds, `toISOString`), so it compares with stored text directly.
 *
 * Accepted: a date (`2026-03-01`, midnight UTC) or a date and time with optional seconds and
 * fraction and an optional offset (`Z`, `+02:00`, `+0200`); without an offset the time is UTC.
 * Impossible dates (`2026-02-30`) and out-of-range fields are refused rather than rolled over.
 */
const PATTERN = /^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?(?:([Zz])|([+-])(\d{2}):?(\d{2}))?)?$/;

/** The instant as stored timestamps write it, or null when the text is not an ISO-8601 date or date-time. */
export function parseIsoTimestamp(text: string): string | null {
  const match = PATTERN.exec(text.trim());
  if (match === null) return null;
  const [, year, month, day, hour = '0', minute = '0', second = '0', fraction = '', , sign, offsetHours = '0', offsetMinutes = '0'] = match;
  const fields = { year: Number(year), month: Number(month), day: Number(day), hour: Number(hour), minute: Number(minute), second: Number(second) };
  if (fields.month < 1 || fields.month > 12 || fields.day < 1 || fields.hour > 23 || fields.minute > 59 || fields.second > 59) return null;
  if (Number(offsetHours) > 23 || Number(offsetMinutes) > 59) return null;
  const millis = Number(fraction.padEnd(3, '0').slice(0, 3));
  // setUTCFullYear, not Date.UTC: Date.UTC reads years 0 to 99 as 1900 to 1999.
  const local = new Date(0);
  local.setUTCFullYear(fields.year, fields.month - 1, fields.day);
  local.setUTCHours(fields.hour, fields.minute, fields.second, millis);
  // Dates roll 30 February over into March: a different day back means the date does not exist.
  if (local.getUTCDate() !== fields.day) return null;
  const offsetMs = sign === undefined ? 0 : (sign === '-' ? -1 : 1) * (Number(offsetHours) * 60 + Number(offsetMinutes)) * 60_000;
  return new Date(local.getTime() - offsetMs).toISOString();
}
