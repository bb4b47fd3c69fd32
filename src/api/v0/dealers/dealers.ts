/**
 * Dealer profiles as the v0 API shows them (reference §6.5): a user's business profile in the
 * organization, with the user, the answers to the profile's questions and the applications for
 * a table. A profile belongs to the organization; its applications are shown for the current
 * convention only (an application carries no convention, so mixing years would mislead).
 * A page costs a constant number of queries: the dealers, then the users, the applications, their
 * add-ons and the option definitions of the whole page.
 */
import type { Kysely } from 'kysely';
import type { DealerApplicationStatus, Schema } from '../../../db/schema.js';
import type { PageRequest } from '../../pagination/search-page.js';
import { identifiedEventOptions, loadOptionDefinitions, parseOptionValues, type IdentifiedEventOption, type OptionValue } from '../event-options.js';
import { currentConventionId } from '../instance-scope.js';
import { inKeysetRange, keysetForm } from '../keyset-range.js';
import { loadUserSummaries, type UserSummary } from '../user-summaries.js';

export const DEALER_APPLICATION_STATUSES: readonly DealerApplicationStatus[] = ['pending', 'approved', 'rejected', 'waitlisted', 'cancelled'];

/** A product in a dealer application: the table type or an add-on, and whether it is paid. */
export interface DealerProduct {
  id: string;
  name: string;
  displayName: string | null;
  paid: boolean;
}

export interface DealerArea {
  id: string;
  name: string;
}

export interface DealerApplication {
  id: string;
  specialRequests: string | null;
  status: DealerApplicationStatus;
  tableNumber: string | null;
  dealerRequestTypes: DealerProduct[];
  tableType: DealerProduct;
  dealerArea: DealerArea | null;
  options: IdentifiedEventOption[];
}

/** Wire shape: `dealerSchema`. */
export interface Dealer {
  id: string;
  name: string;
  email: string | null;
  addressLine1: string;
  addressLine2: string | null;
  addressCity: string;
  addressZipcode: string;
  addressState: string;
  addressCountry: string;
  user: UserSummary;
  applications: DealerApplication[];
  options: IdentifiedEventOption[];
}

/** What a search keeps; null means "not filtered". */
export interface DealerFilter {
  userIds: readonly number[] | null;
}

export const NO_DEALER_FILTER: DealerFilter = { userIds: null };

export interface DealerRow {
  id: number;
  user_id: number;
  name: string;
  email: string | null;
  address_line1: string;
  address_line2: string | null;
  address_city: string;
  address_state: string;
  address_zipcode: string;
  address_country: string;
  option_values: string;
}

/**
 * The query of one page: up to `limit + 1` of the instance's dealers after the cursor's key in
 * dealer id order, as one range of the (org_id, id) index (see keyset-range.ts; the range is what
 * keeps the query inside the instance: `org_id = ?`, or on PostgreSQL the row comparison bounded
 * by `org_id <= ?`). Exported for the query-plan test.
 */
export function dealerPageQuery(db: Kysely<Schema>, orgId: number, filter: DealerFilter, page: PageRequest) {
  let query = db
    .selectFrom('dealers')
    .select(['id', 'user_id', 'name', 'email', 'address_line1', 'address_line2', 'address_city', 'address_state', 'address_zipcode', 'address_country', 'option_values']);
  if (filter.userIds !== null) query = query.where('user_id', 'in', [...filter.userIds]);
  const range = { group: 'dealers.org_id', groupValue: orgId, key: 'dealers.id', after: page.after, rows: page.limit + 1 };
  return inKeysetRange(query, range, keysetForm(db, filter.userIds !== null));
}

/** Up to `limit + 1` rows of the search (the extra one tells the page there is more). */
export async function searchDealerRows(db: Kysely<Schema>, orgId: number, filter: DealerFilter, page: PageRequest): Promise<DealerRow[]> {
  if (filter.userIds?.length === 0) return [];
  return dealerPageQuery(db, orgId, filter, page).execute();
}

interface ApplicationRow {
  id: number;
  dealer_id: number;
  status: DealerApplicationStatus;
  special_requests: string | null;
  table_number: string | null;
  table_type_paid: number;
  option_values: string;
  table_type_id: number;
  table_type_name: string;
  table_type_display_name: string | null;
  dealer_area_id: number | null;
  dealer_area_name: string | null;
}

async function loadApplications(db: Kysely<Schema>, orgId: number, dealerIds: readonly number[]): Promise<ApplicationRow[]> {
  if (dealerIds.length === 0) return [];
  return db
    .selectFrom('dealer_applications')
    .innerJoin('products', (join) => join.onRef('products.org_id', '=', 'dealer_applications.org_id').onRef('products.id', '=', 'dealer_applications.table_type_product_id'))
    .leftJoin('dealer_areas', (join) => join.onRef('dealer_areas.org_id', '=', 'dealer_applications.org_id').onRef('dealer_areas.id', '=', 'dealer_applications.dealer_area_id'))
    .select([
      'dealer_applications.id',
      'dealer_applications.dealer_id',
      'dealer_applications.status',
      'dealer_applications.special_requests',
      'dealer_applications.table_number',
      'dealer_applications.table_type_paid',
      'dealer_applications.option_values',
      'products.id as table_type_id',
      'products.name as table_type_name',
      'products.display_name as table_type_display_name',
      'dealer_areas.id as dealer_area_id',
      'dealer_areas.name as dealer_area_name',
    ])
    .where('dealer_applications.org_id', '=', orgId)
    .where('dealer_applications.dealer_id', 'in', [...dealerIds])
    .where('dealer_applications.convention_id', '=', currentConventionId(db, orgId))
    .orderBy('dealer_applications.id')
    .execute();
}

/** The add-ons (`dealerRequestTypes`) of these applications, by application id, in the event's order. */
async function loadRequestTypes(db: Kysely<Schema>, orgId: number, applicationIds: readonly number[]): Promise<ReadonlyMap<number, DealerProduct[]>> {
  if (applicationIds.length === 0) return new Map();
  const rows = await db
    .selectFrom('dealer_application_request_types')
    .innerJoin('products', (join) => join.onRef('products.org_id', '=', 'dealer_application_request_types.org_id').onRef('products.id', '=', 'dealer_application_request_types.product_id'))
    .select(['dealer_application_request_types.application_id', 'dealer_application_request_types.paid', 'products.id', 'products.name', 'products.display_name'])
    .where('dealer_application_request_types.org_id', '=', orgId)
    .where('dealer_application_request_types.application_id', 'in', [...applicationIds])
    .orderBy('products.sort_order')
    .orderBy('products.id')
    .execute();
  const requestTypes = new Map<number, DealerProduct[]>();
  for (const row of rows) {
    const product = { id: String(row.id), name: row.name, displayName: row.display_name, paid: row.paid === 1 };
    requestTypes.set(row.application_id, [...(requestTypes.get(row.application_id) ?? []), product]);
  }
  return requestTypes;
}

/**
 * The API objects of these dealers, in their order. A dealer whose user was deleted between the
 * queries (the profile went with it) is left out.
 */
export async function toDealers(db: Kysely<Schema>, orgId: number, rows: readonly DealerRow[]): Promise<Dealer[]> {
  const [users, applications] = await Promise.all([
    loadUserSummaries(db, orgId, rows.map((row) => row.user_id)),
    loadApplications(db, orgId, rows.map((row) => row.id)),
  ]);
  const profileAnswers = new Map(rows.map((row) => [row.id, parseOptionValues(row.option_values)]));
  const applicationAnswers = new Map(applications.map((application) => [application.id, parseOptionValues(application.option_values)]));
  const noAnswers: ReadonlyMap<number, OptionValue> = new Map();
  const [requestTypes, definitions] = await Promise.all([
    loadRequestTypes(db, orgId, applications.map((application) => application.id)),
    loadOptionDefinitions(db, orgId, [...profileAnswers.values(), ...applicationAnswers.values()]),
  ]);

  const applicationsByDealer = new Map<number, DealerApplication[]>();
  for (const row of applications) {
    const application: DealerApplication = {
      id: String(row.id),
      specialRequests: row.special_requests,
      status: row.status,
      tableNumber: row.table_number,
      dealerRequestTypes: requestTypes.get(row.id) ?? [],
      tableType: { id: String(row.table_type_id), name: row.table_type_name, displayName: row.table_type_display_name, paid: row.table_type_paid === 1 },
      dealerArea: row.dealer_area_id === null || row.dealer_area_name === null ? null : { id: String(row.dealer_area_id), name: row.dealer_area_name },
      options: identifiedEventOptions(applicationAnswers.get(row.id) ?? noAnswers, definitions, 'application'),
    };
    applicationsByDealer.set(row.dealer_id, [...(applicationsByDealer.get(row.dealer_id) ?? []), application]);
  }

  const dealers: Dealer[] = [];
  for (const row of rows) {
    const user = users.get(row.user_id);
    if (user === undefined) continue;
    dealers.push({
      id: String(row.id),
      name: row.name,
      email: row.email,
      addressLine1: row.address_line1,
      addressLine2: row.address_line2,
      addressCity: row.address_city,
      addressZipcode: row.address_zipcode,
      addressState: row.address_state,
      addressCountry: row.address_country,
      user,
      applications: applicationsByDealer.get(row.id) ?? [],
      options: identifiedEventOptions(profileAnswers.get(row.id) ?? noAnswers, definitions, 'profile'),
    });
  }
  return dealers;
}
