/**
 * Row ids (and client ids) are 32-bit integers on both engines. A larger number names no row, and
 * PostgreSQL refuses to compare an `integer` column with it (an error, not an empty result), so
 * every id that comes from outside is checked here before it reaches a query.
 */
export const MAX_ROW_ID = 2_147_483_647;

export function isRowId(value: number): boolean {
  return Number.isSafeInteger(value) && value >= 1 && value <= MAX_ROW_ID;
}

/** The id a decimal string names, or null when it cannot name a row. */
export function parseRowId(text: string): number | null {
  if (!/^[1-9]\d{0,9}$/.test(text)) return null;
  const id = Number(text);
  return isRowId(id) ? id : null;
}
