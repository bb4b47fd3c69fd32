/**
 * Registrations as the v0 API shows them (reference §6.3): the current convention's registrations
 * of the instance, one per user, with the badge level bought or intended, the answers to the
 * event's questions, the flags and the user. A page costs a constant number of queries: the rows
 * (with their product), then the users, the option definitions and the flags of the whole page.
 */
import type { Kysely } from 'kysely';
import type { RegistrationStatus, Schema } from '../../../db/schema.js';
import { registrationETag } from '../../../instance/registration-changes.js';
import type { PageRequest } from '../../pagination/search-page.js';
import { eventOptions, loadOptionDefinitions, loadRegistrationFlags, parseOptionValues, type EventOption, type Flag } from '../event-options.js';
import { currentConventionId } from '../instance-scope.js';
import { inKeysetRange, keysetForm } from '../keyset-range.js';
import { loadUserSummaries, type UserSummary } from '../user-summaries.js';

export const REGISTRATION_STATUSES: readonly RegistrationStatus[] = ['paid', 'unpaid', 'cancelled', 'refunded'];

/** Wire shape: `registrationSchema`. */
export interface Registration {
  createdAt: string;
  updatedAt: string;
  badgeName: string;
  status: RegistrationStatus;
  productName: string;
  productDisplayName: string | null;
  productId: string;
  options: EventOption[];
  flags: Flag[];
  user: UserSummary;
}

/** What a search keeps; null means "not filtered". Filters combine with AND. */
export interface RegistrationFilter {
  userIds: readonly number[] | null;
  statuses: readonly RegistrationStatus[] | null;
  productIds: readonly number[] | null;
  /** Stored-timestamp form: updated at or after it. */
  updatedSince: string | null;
}

export const NO_REGISTRATION_FILTER: RegistrationFilter = { userIds: null, statuses: null, productIds: null, updatedSince: null };

export interface RegistrationRow {
  id: number;
  userId: number;
  badgeName: string;
  status: RegistrationStatus;
  optionValues: string;
  createdAt: string;
  updatedAt: string;
  productId: number;
  productName: string;
  productDisplayName: string | null;
}

function registrationRows(db: Kysely<Schema>, orgId: number) {
  return db
    .selectFrom('registrations')
    .innerJoin('products', (join) => join.onRef('products.org_id', '=', 'registrations.org_id').onRef('products.id', '=', 'registrations.product_id'))
    .select([
      'registrations.id',
      'registrations.user_id as userId',
      'registrations.badge_name as badgeName',
      'registrations.status',
      'registrations.option_values as optionValues',
      'registrations.created_at as createdAt',
      'registrations.updated_at as updatedAt',
      'products.id as productId',
      'products.name as productName',
      'products.display_name as productDisplayName',
    ])
    .where('registrations.org_id', '=', orgId);
}

/** Whether a filter can match nothing at all (an empty id or status list). */
function matchesNothing(filter: RegistrationFilter): boolean {
  return filter.userIds?.length === 0 || filter.statuses?.length === 0 || filter.productIds?.length === 0;
}

/**
 * The query of one page: up to `limit + 1` rows after the cursor's key, in registration id order
 * within the current convention, as one range of the (org_id, convention_id, id) index (see
 * keyset-range.ts), so a page deep in the list costs what the first one does. Exported for the
 * query-plan test.
 */
export function registrationPageQuery(db: Kysely<Schema>, orgId: number, filter: RegistrationFilter, page: PageRequest) {
  let query = registrationRows(db, orgId);
  if (filter.userIds !== null) query = query.where('registrations.user_id', 'in', [...filter.userIds]);
  if (filter.statuses !== null) query = query.where('registrations.status', 'in', [...filter.statuses]);
  if (filter.productIds !== null) query = query.where('registrations.product_id', 'in', [...filter.productIds]);
  if (filter.updatedSince !== null) query = query.where('registrations.updated_at', '>=', filter.updatedSince);
  const range = { group: 'registrations.convention_id', groupValue: currentConventionId(db, orgId), key: 'registrations.id', after: page.after, rows: page.limit + 1 };
  return inKeysetRange(query, range, keysetForm(db, filter.userIds !== null || filter.updatedSince !== null));
}

/** Up to `limit + 1` rows of the search (the extra one tells the page there is more). */
export async function searchRegistrationRows(db: Kysely<Schema>, orgId: number, filter: RegistrationFilter, page: PageRequest): Promise<RegistrationRow[]> {
  if (matchesNothing(filter)) return [];
  return registrationPageQuery(db, orgId, filter, page).execute();
}

/** A user's registration for the current convention, or undefined (also for another instance's user). */
export async function findUserRegistration(db: Kysely<Schema>, orgId: number, userId: number): Promise<Registration | undefined> {
  return (await findUserRegistrationWithETag(db, orgId, userId))?.registration;
}

/**
 * A user's registration for the current convention with its ETag (instance/registration-changes.ts).
 * The tag is read with the row, before the flags: should a change land in between, the body is
 * newer than the tag, so a write conditioned on it is refused rather than losing that change.
 */
export async function findUserRegistrationWithETag(db: Kysely<Schema>, orgId: number, userId: number): Promise<{ registration: Registration; etag: string } | undefined> {
  const row = await registrationRows(db, orgId)
    .select('registrations.version')
    .where('registrations.convention_id', '=', currentConventionId(db, orgId))
    .where('registrations.user_id', '=', userId)
    .executeTakeFirst();
  if (row === undefined) return undefined;
  const [registration] = await toRegistrations(db, orgId, [row]);
  return registration === undefined ? undefined : { registration, etag: registrationETag(row.id, row.version) };
}

/**
 * The API objects of these rows, in their order. A row whose user was deleted between the
 * queries (its registration went with it) is left out.
 */
export async function toRegistrations(db: Kysely<Schema>, orgId: number, rows: readonly RegistrationRow[]): Promise<Registration[]> {
  const answers = rows.map((row) => parseOptionValues(row.optionValues));
  const [users, definitions, flags] = await Promise.all([
    loadUserSummaries(db, orgId, rows.map((row) => row.userId)),
    loadOptionDefinitions(db, orgId, answers),
    loadRegistrationFlags(db, orgId, rows.map((row) => row.id)),
  ]);
  const registrations: Registration[] = [];
  rows.forEach((row, index) => {
    const user = users.get(row.userId);
    if (user === undefined) return;
    registrations.push({
      createdAt: row.createdAt,
      updatedAt: row.updatedAt,
      badgeName: row.badgeName,
      status: row.status,
      productName: row.productName,
      productDisplayName: row.productDisplayName,
      productId: String(row.productId),
      options: eventOptions(answers[index] ?? new Map(), definitions),
      flags: flags.get(row.id) ?? [],
      user,
    });
  });
  return registrations;
}
