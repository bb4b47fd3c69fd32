import { recordAudit, type ActorType } from '../audit/audit-log.js';
import { isoTimestamp, type Clock } from '../clock.js';
import type { Database } from '../db/database.js';
import { generatePassword, hashPassword } from '../security/passwords.js';
import { normalizeEmail, isPlausibleEmail } from './email-address.js';

export const MIN_PASSWORD_LENGTH = 12;

export class OperatorInputError extends Error {
  override name = 'OperatorInputError';
}

export interface NewOperator {
  email: string;
  name: string;
  /** When absent a strong password is generated and returned. */
  password?: string;
}

export interface CreatedOperator {
  id: number;
  email: string;
  name: string;
  /** Only set when the password was generated here; shown once. */
  generatedPassword: string | null;
}

/** Creates a platform operator (staff who run the console). */
export async function createOperator(
  database: Database,
  input: NewOperator,
  actor: { type: ActorType; id: string | null },
  clock: Clock,
): Promise<CreatedOperator> {
  const email = normalizeEmail(input.email);
  if (!isPlausibleEmail(email)) throw new OperatorInputError(`"${input.email}" is not an email address`);
  const name = input.name.trim();
  if (name === '' || name.length > 200) throw new OperatorInputError('the name must be 1 to 200 characters');
  const generatedPassword = input.password === undefined ? generatePassword() : null;
  const password = input.password ?? generatedPassword ?? '';
  if (password.length < MIN_PASSWORD_LENGTH) {
    throw new OperatorInputError(`the password must be at least ${MIN_PASSWORD_LENGTH} characters`);
  }
  const passwordHash = await hashPassword(password);

  return database.db.transaction().execute(async (trx) => {
    const existing = await trx.selectFrom('operators').select('id').where('email', '=', email).executeTakeFirst();
    if (existing !== undefined) throw new OperatorInputError(`an operator with email ${email} already exists`);
    const row = await trx
      .insertInto('operators')
      .values({ email, name, password_hash: passwordHash, created_at: isoTimestamp(clock.now()), disabled_at: null })
      .returning('id')
      .executeTakeFirstOrThrow();
    await recordAudit(trx, { orgId: null, actor, action: 'operator.created', target: { type: 'operator', id: String(row.id) }, details: { email } }, clock);
    return { id: row.id, email, name, generatedPassword };
  });
}
