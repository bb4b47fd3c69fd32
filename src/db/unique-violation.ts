/** Whether an error is a unique-constraint failure, as PostgreSQL (SQLSTATE 23505) or better-sqlite3 reports it. */
export function isUniqueViolation(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const code: unknown = Reflect.get(error, 'code');
  return code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE';
}
