import { sql } from 'kysely';
import type { Database } from '../../src/db/database.js';
import type { Schema } from '../../src/db/schema.js';

/** Every table of schema.ts; a Record so the compiler fails when a table is added or removed. */
const TABLES: Record<keyof Schema, true> = {
  orgs: true,
  org_base_urls: true,
  conventions: true,
  users: true,
  roles: true,
  role_permissions: true,
  user_roles: true,
  products: true,
  flags: true,
  badge_arts: true,
  option_definitions: true,
  registrations: true,
  registration_flags: true,
  departments: true,
  department_leads: true,
  volunteers: true,
  volunteer_contact_methods: true,
  volunteer_departments: true,
  dealers: true,
  dealer_areas: true,
  dealer_applications: true,
  dealer_application_request_types: true,
  operators: true,
  developers: true,
  invitations: true,
  apps: true,
  app_secrets: true,
  integrations: true,
  audit_log: true,
  web_sessions: true,
  login_throttle: true,
  mail_messages: true,
  oauth_records: true,
  oauth_signing_keys: true,
  rate_limit_counters: true,
  usage_requests: true,
  usage_latency: true,
  usage_tokens: true,
  app_activity: true,
  events: true,
  email_verifications: true,
  webhook_endpoints: true,
  webhook_messages: true,
  webhook_attempts: true,
  webhook_signing_keys: true,
  app_revocations: true,
  deletion_duties: true,
  revocation_notices: true,
  reactivation_requests: true,
  job_leases: true,
};

export const SCHEMA_TABLES: readonly (keyof Schema)[] = Object.keys(TABLES)
  .filter((name): name is keyof Schema => name in TABLES)
  .sort();

/** The tables that exist in the test's own database (its schema, on PostgreSQL), Kysely's own left out. */
export async function existingTables(database: Database): Promise<string[]> {
  const query =
    database.dialect === 'postgres'
      ? sql<{
          name: string;
        }>`select table_name as name from information_schema.tables where table_schema = current_schema()`
      : sql<{ name: string }>`select name from sqlite_master where type = 'table' and name not like 'sqlite_%'`;
  const { rows } = await query.execute(database.db);
  return rows
    .map((row) => row.name)
    .filter((name) => !name.startsWith('kysely_'))
    .sort();
}
