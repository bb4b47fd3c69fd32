import { sql, type ColumnDefinitionBuilder, type Kysely } from 'kysely';
import { autoId } from './column-types.js';

/**
 * The whole first data model: tenancy, instance data, and the platform side.
 *
 * Rules the instance tables follow (see docs/decisions.md):
 * - every row carries org_id, and every parent table has unique (org_id, id), so children point
 *   to their parents with composite (org_id, parent_id) foreign keys: a row can never reference a
 *   row of another instance, whatever a query forgets;
 * - owned rows cascade from their owner (org → everything, user → their registration, …);
 *   catalog rows (conventions, products, flags, departments…) block deletion while referenced;
 * - no CHECK constraints for enums: SQLite can only change one by rebuilding the table, so the
 *   domain validates and schema.ts types them.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('orgs')
    .addColumn('id', 'integer', autoId(db))
    .addColumn('slug', 'text', (col) => col.notNull().unique())
    .addColumn('name', 'text', (col) => col.notNull())
    .addColumn('created_at', 'text', (col) => col.notNull())
    .execute();

  // A base URL of an instance: a hostname, or a path prefix on a shared host.
  // host '' means "the platform host, whatever its public URL is" (see docs/decisions.md).
  await db.schema
    .createTable('org_base_urls')
    .addColumn('id', 'integer', autoId(db))
    .addColumn('org_id', 'integer', (col) => col.notNull().references('orgs.id').onDelete('cascade'))
    .addColumn('host', 'text', (col) => col.notNull())
    .addColumn('path_prefix', 'text', (col) => col.notNull())
    .addColumn('is_primary', 'integer', (col) => col.notNull().defaultTo(0))
    .addUniqueConstraint('org_base_urls_host_path_unique', ['host', 'path_prefix'])
    .execute();
  await db.schema.createIndex('org_base_urls_org_idx').on('org_base_urls').column('org_id').execute();

  // SQLite adds a NOT NULL column only with a default; '' never stays, inserts always set a UUID.
  await db.schema
    .alterTable('orgs')
    .addColumn('uuid', 'text', (col) => col.notNull().defaultTo(''))
    .execute();
  await db.schema.createIndex('orgs_uuid_unique').on('orgs').column('uuid').unique().execute();

  await createInstanceTables(db);
  await createPlatformTables(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of [
    'audit_log',
    'integrations',
    'app_secrets',
    'apps',
    'invitations',
    'developers',
    'operators',
    'dealer_application_request_types',
    'dealer_applications',
    'dealer_areas',
    'dealers',
    'volunteer_departments',
    'volunteer_contact_methods',
    'volunteers',
    'department_leads',
    'departments',
    'registration_flags',
    'registrations',
    'option_definitions',
    'badge_arts',
    'flags',
    'products',
    'user_roles',
    'role_permissions',
    'roles',
    'users',
    'conventions',
  ]) {
    await db.schema.dropTable(table).execute();
  }
  await db.schema.dropTable('org_base_urls').execute();
  await db.schema.dropTable('orgs').execute();
}

type Column = (col: ColumnDefinitionBuilder) => ColumnDefinitionBuilder;
const required: Column = (col) => col.notNull();
const orgId: Column = (col) => col.notNull().references('orgs.id').onDelete('cascade');

async function createInstanceTables(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('conventions')
    .addColumn('id', 'integer', autoId(db))
    .addColumn('org_id', 'integer', orgId)
    .addColumn('name', 'text', required)
    .addColumn('slug', 'text', required)
    .addColumn('starts_on', 'text', required)
    .addColumn('ends_on', 'text', required)
    .addColumn('is_current', 'integer', required)
    .addColumn('created_at', 'text', required)
    .addColumn('updated_at', 'text', required)
    .addUniqueConstraint('conventions_org_id_unique', ['org_id', 'id'])
    .addUniqueConstraint('conventions_org_slug_unique', ['org_id', 'slug'])
    .execute();
  await db.schema
    .createIndex('conventions_one_current_per_org')
    .on('conventions')
    .column('org_id')
    .unique()
    .where(sql.ref('is_current'), '=', 1)
    .execute();

  await db.schema
    .createTable('users')
    .addColumn('id', 'integer', autoId(db))
    .addColumn('org_id', 'integer', orgId)
    .addColumn('username', 'text', required)
    .addColumn('username_normalized', 'text', required)
    .addColumn('first_name', 'text', required)
    .addColumn('last_name', 'text', required)
    .addColumn('preferred_name', 'text')
    .addColumn('email', 'text', required)
    .addColumn('email_normalized', 'text', required)
    .addColumn('email_verified', 'integer', required)
    .addColumn('phone', 'text')
    .addColumn('address_line1', 'text')
    .addColumn('address_line2', 'text')
    .addColumn('address_city', 'text')
    .addColumn('address_state', 'text')
    .addColumn('address_zipcode', 'text')
    .addColumn('address_country', 'text')
    .addColumn('born_at', 'text')
    .addColumn('identity_verified', 'integer', required)
    .addColumn('newsletter', 'integer', required)
    .addColumn('profile_picture_url', 'text')
    .addColumn('password_hash', 'text')
    .addColumn('social_links', 'text', required)
    .addColumn('created_at', 'text', required)
    .addColumn('updated_at', 'text', required)
    // Also the keyset index for paging users by id.
    .addUniqueConstraint('users_org_id_unique', ['org_id', 'id'])
    .addUniqueConstraint('users_org_username_unique', ['org_id', 'username_normalized'])
    .addUniqueConstraint('users_org_email_unique', ['org_id', 'email_normalized'])
    .execute();
  await createUpdatedAtKeysetIndex(db, 'users');

  await db.schema
    .createTable('roles')
    .addColumn('id', 'integer', autoId(db))
    .addColumn('org_id', 'integer', orgId)
    .addColumn('name', 'text', required)
    .addColumn('description', 'text', required)
    .addColumn('created_at', 'text', required)
    .addColumn('updated_at', 'text', required)
    .addUniqueConstraint('roles_org_id_unique', ['org_id', 'id'])
    .addUniqueConstraint('roles_org_name_unique', ['org_id', 'name'])
    .execute();

  await db.schema
    .createTable('role_permissions')
    .addColumn('org_id', 'integer', orgId)
    .addColumn('role_id', 'integer', required)
    .addColumn('permission', 'text', required)
    .addPrimaryKeyConstraint('role_permissions_pk', ['role_id', 'permission'])
    .addForeignKeyConstraint('role_permissions_role_fk', ['org_id', 'role_id'], 'roles', ['org_id', 'id'], (fk) =>
      fk.onDelete('cascade'),
    )
    .execute();

  await db.schema
    .createTable('user_roles')
    .addColumn('id', 'integer', autoId(db))
    .addColumn('org_id', 'integer', orgId)
    .addColumn('user_id', 'integer', required)
    .addColumn('role_id', 'integer', required)
    .addColumn('scope', 'text', required)
    .addColumn('convention_id', 'integer')
    .addColumn('scope_key', 'text', required)
    .addColumn('created_at', 'text', required)
    .addUniqueConstraint('user_roles_assignment_unique', ['user_id', 'role_id', 'scope_key'])
    .addForeignKeyConstraint('user_roles_user_fk', ['org_id', 'user_id'], 'users', ['org_id', 'id'], (fk) =>
      fk.onDelete('cascade'),
    )
    .addForeignKeyConstraint('user_roles_role_fk', ['org_id', 'role_id'], 'roles', ['org_id', 'id'], (fk) =>
      fk.onDelete('cascade'),
    )
    .addForeignKeyConstraint(
      'user_roles_convention_fk',
      ['org_id', 'convention_id'],
      'conventions',
      ['org_id', 'id'],
      (fk) => fk.onDelete('cascade'),
    )
    .execute();
  // Users search by filter.roleId.
  await db.schema
    .createIndex('user_roles_org_role_user_idx')
    .on('user_roles')
    .columns(['org_id', 'role_id', 'user_id'])
    .execute();

  await db.schema
    .createTable('products')
    .addColumn('id', 'integer', autoId(db))
    .addColumn('org_id', 'integer', orgId)
    .addColumn('convention_id', 'integer', required)
    .addColumn('kind', 'text', required)
    .addColumn('name', 'text', required)
    .addColumn('display_name', 'text')
    .addColumn('price_cents', 'integer', required)
    .addColumn('sort_order', 'integer', required)
    .addColumn('created_at', 'text', required)
    .addColumn('updated_at', 'text', required)
    .addUniqueConstraint('products_org_id_unique', ['org_id', 'id'])
    .addUniqueConstraint('products_convention_name_unique', ['convention_id', 'name'])
    .addForeignKeyConstraint('products_convention_fk', ['org_id', 'convention_id'], 'conventions', ['org_id', 'id'])
    .execute();

  await db.schema
    .createTable('flags')
    .addColumn('id', 'integer', autoId(db))
    .addColumn('org_id', 'integer', orgId)
    .addColumn('short_name', 'text', required)
    .addColumn('name', 'text', required)
    .addColumn('created_at', 'text', required)
    .addUniqueConstraint('flags_org_id_unique', ['org_id', 'id'])
    .addUniqueConstraint('flags_org_short_name_unique', ['org_id', 'short_name'])
    .execute();

  await db.schema
    .createTable('badge_arts')
    .addColumn('id', 'integer', autoId(db))
    .addColumn('org_id', 'integer', orgId)
    .addColumn('convention_id', 'integer', required)
    .addColumn('name', 'text', required)
    .addColumn('image_url', 'text')
    .addColumn('created_at', 'text', required)
    .addUniqueConstraint('badge_arts_org_id_unique', ['org_id', 'id'])
    .addForeignKeyConstraint('badge_arts_convention_fk', ['org_id', 'convention_id'], 'conventions', ['org_id', 'id'])
    .execute();

  await db.schema
    .createTable('option_definitions')
    .addColumn('id', 'integer', autoId(db))
    .addColumn('org_id', 'integer', orgId)
    .addColumn('convention_id', 'integer')
    .addColumn('target', 'text', required)
    .addColumn('name', 'text', required)
    .addColumn('type', 'text', required)
    .addColumn('choices', 'text', required)
    .addColumn('required', 'integer', required)
    .addColumn('min_value', 'integer')
    .addColumn('max_value', 'integer')
    .addColumn('max_length', 'integer')
    .addColumn('sort_order', 'integer', required)
    .addColumn('created_at', 'text', required)
    .addColumn('updated_at', 'text', required)
    .addUniqueConstraint('option_definitions_org_id_unique', ['org_id', 'id'])
    .addForeignKeyConstraint('option_definitions_convention_fk', ['org_id', 'convention_id'], 'conventions', [
      'org_id',
      'id',
    ])
    .execute();
  await db.schema
    .createIndex('option_definitions_org_target_idx')
    .on('option_definitions')
    .columns(['org_id', 'target', 'convention_id'])
    .execute();

  await db.schema
    .createTable('registrations')
    .addColumn('id', 'integer', autoId(db))
    .addColumn('org_id', 'integer', orgId)
    .addColumn('convention_id', 'integer', required)
    .addColumn('user_id', 'integer', required)
    .addColumn('product_id', 'integer', required)
    .addColumn('badge_name', 'text', required)
    .addColumn('status', 'text', required)
    .addColumn('badge_art_id', 'integer')
    .addColumn('option_values', 'text', required)
    .addColumn('created_at', 'text', required)
    .addColumn('updated_at', 'text', required)
    .addUniqueConstraint('registrations_org_id_unique', ['org_id', 'id'])
    .addUniqueConstraint('registrations_convention_user_unique', ['convention_id', 'user_id'])
    .addForeignKeyConstraint('registrations_convention_fk', ['org_id', 'convention_id'], 'conventions', [
      'org_id',
      'id',
    ])
    .addForeignKeyConstraint('registrations_user_fk', ['org_id', 'user_id'], 'users', ['org_id', 'id'], (fk) =>
      fk.onDelete('cascade'),
    )
    .addForeignKeyConstraint('registrations_product_fk', ['org_id', 'product_id'], 'products', ['org_id', 'id'])
    .addForeignKeyConstraint('registrations_badge_art_fk', ['org_id', 'badge_art_id'], 'badge_arts', ['org_id', 'id'])
    .execute();
  await createUpdatedAtKeysetIndex(db, 'registrations');
  await createOrgUserIndex(db, 'registrations');

  await db.schema
    .createTable('registration_flags')
    .addColumn('org_id', 'integer', orgId)
    .addColumn('registration_id', 'integer', required)
    .addColumn('flag_id', 'integer', required)
    .addPrimaryKeyConstraint('registration_flags_pk', ['registration_id', 'flag_id'])
    .addForeignKeyConstraint(
      'registration_flags_registration_fk',
      ['org_id', 'registration_id'],
      'registrations',
      ['org_id', 'id'],
      (fk) => fk.onDelete('cascade'),
    )
    .addForeignKeyConstraint('registration_flags_flag_fk', ['org_id', 'flag_id'], 'flags', ['org_id', 'id'])
    .execute();

  await db.schema
    .createTable('departments')
    .addColumn('id', 'integer', autoId(db))
    .addColumn('org_id', 'integer', orgId)
    .addColumn('name', 'text', required)
    .addColumn('email', 'text', required)
    .addColumn('publicly_visible', 'integer', required)
    .addColumn('created_at', 'text', required)
    .addColumn('updated_at', 'text', required)
    .addUniqueConstraint('departments_org_id_unique', ['org_id', 'id'])
    .addUniqueConstraint('departments_org_name_unique', ['org_id', 'name'])
    .execute();

  await db.schema
    .createTable('department_leads')
    .addColumn('org_id', 'integer', orgId)
    .addColumn('department_id', 'integer', required)
    .addColumn('user_id', 'integer', required)
    .addColumn('created_at', 'text', required)
    .addPrimaryKeyConstraint('department_leads_pk', ['department_id', 'user_id'])
    .addForeignKeyConstraint(
      'department_leads_department_fk',
      ['org_id', 'department_id'],
      'departments',
      ['org_id', 'id'],
      (fk) => fk.onDelete('cascade'),
    )
    .addForeignKeyConstraint('department_leads_user_fk', ['org_id', 'user_id'], 'users', ['org_id', 'id'], (fk) =>
      fk.onDelete('cascade'),
    )
    .execute();
  // isDepartmentLead of /api/users/current.
  await createOrgUserIndex(db, 'department_leads');

  await db.schema
    .createTable('volunteers')
    .addColumn('id', 'integer', autoId(db))
    .addColumn('org_id', 'integer', orgId)
    .addColumn('convention_id', 'integer', required)
    .addColumn('user_id', 'integer', required)
    .addColumn('option_values', 'text', required)
    .addColumn('available_before_con', 'integer', required)
    .addColumn('anything_else', 'text')
    .addColumn('previous_con_experience', 'text')
    .addColumn('previous_other_experience', 'text')
    .addColumn('events_can_not_miss', 'text')
    .addColumn('created_at', 'text', required)
    .addColumn('updated_at', 'text', required)
    .addUniqueConstraint('volunteers_org_id_unique', ['org_id', 'id'])
    .addUniqueConstraint('volunteers_convention_user_unique', ['convention_id', 'user_id'])
    .addForeignKeyConstraint('volunteers_convention_fk', ['org_id', 'convention_id'], 'conventions', ['org_id', 'id'])
    .addForeignKeyConstraint('volunteers_user_fk', ['org_id', 'user_id'], 'users', ['org_id', 'id'], (fk) =>
      fk.onDelete('cascade'),
    )
    .execute();
  await createUpdatedAtKeysetIndex(db, 'volunteers');
  await createOrgUserIndex(db, 'volunteers');

  await db.schema
    .createTable('volunteer_contact_methods')
    .addColumn('org_id', 'integer', orgId)
    .addColumn('volunteer_id', 'integer', required)
    .addColumn('name', 'text', required)
    .addColumn('value', 'text', required)
    .addColumn('is_primary', 'integer', required)
    .addPrimaryKeyConstraint('volunteer_contact_methods_pk', ['volunteer_id', 'name'])
    .addForeignKeyConstraint(
      'volunteer_contact_methods_volunteer_fk',
      ['org_id', 'volunteer_id'],
      'volunteers',
      ['org_id', 'id'],
      (fk) => fk.onDelete('cascade'),
    )
    .execute();
  await db.schema
    .createIndex('volunteer_contact_methods_one_primary')
    .on('volunteer_contact_methods')
    .column('volunteer_id')
    .unique()
    .where(sql.ref('is_primary'), '=', 1)
    .execute();

  await db.schema
    .createTable('volunteer_departments')
    .addColumn('org_id', 'integer', orgId)
    .addColumn('volunteer_id', 'integer', required)
    .addColumn('department_id', 'integer', required)
    .addColumn('state', 'text', required)
    .addColumn('created_at', 'text', required)
    .addPrimaryKeyConstraint('volunteer_departments_pk', ['volunteer_id', 'department_id', 'state'])
    .addForeignKeyConstraint(
      'volunteer_departments_volunteer_fk',
      ['org_id', 'volunteer_id'],
      'volunteers',
      ['org_id', 'id'],
      (fk) => fk.onDelete('cascade'),
    )
    .addForeignKeyConstraint('volunteer_departments_department_fk', ['org_id', 'department_id'], 'departments', [
      'org_id',
      'id',
    ])
    .execute();
  // A department's volunteers (and the foreign key check when a department is deleted).
  await db.schema
    .createIndex('volunteer_departments_org_department_idx')
    .on('volunteer_departments')
    .columns(['org_id', 'department_id', 'state'])
    .execute();

  await db.schema
    .createTable('dealers')
    .addColumn('id', 'integer', autoId(db))
    .addColumn('org_id', 'integer', orgId)
    .addColumn('user_id', 'integer', required)
    .addColumn('name', 'text', required)
    .addColumn('email', 'text')
    .addColumn('address_line1', 'text', required)
    .addColumn('address_line2', 'text')
    .addColumn('address_city', 'text', required)
    .addColumn('address_state', 'text', required)
    .addColumn('address_zipcode', 'text', required)
    .addColumn('address_country', 'text', required)
    .addColumn('option_values', 'text', required)
    .addColumn('created_at', 'text', required)
    .addColumn('updated_at', 'text', required)
    .addUniqueConstraint('dealers_org_id_unique', ['org_id', 'id'])
    .addUniqueConstraint('dealers_org_user_unique', ['org_id', 'user_id'])
    .addForeignKeyConstraint('dealers_user_fk', ['org_id', 'user_id'], 'users', ['org_id', 'id'], (fk) =>
      fk.onDelete('cascade'),
    )
    .execute();
  await createUpdatedAtKeysetIndex(db, 'dealers');

  await db.schema
    .createTable('dealer_areas')
    .addColumn('id', 'integer', autoId(db))
    .addColumn('org_id', 'integer', orgId)
    .addColumn('convention_id', 'integer', required)
    .addColumn('name', 'text', required)
    .addColumn('created_at', 'text', required)
    .addUniqueConstraint('dealer_areas_org_id_unique', ['org_id', 'id'])
    .addForeignKeyConstraint('dealer_areas_convention_fk', ['org_id', 'convention_id'], 'conventions', ['org_id', 'id'])
    .execute();

  await db.schema
    .createTable('dealer_applications')
    .addColumn('id', 'integer', autoId(db))
    .addColumn('org_id', 'integer', orgId)
    .addColumn('convention_id', 'integer', required)
    .addColumn('dealer_id', 'integer', required)
    .addColumn('status', 'text', required)
    .addColumn('special_requests', 'text')
    .addColumn('table_number', 'text')
    .addColumn('table_type_product_id', 'integer', required)
    .addColumn('table_type_paid', 'integer', required)
    .addColumn('dealer_area_id', 'integer')
    .addColumn('option_values', 'text', required)
    .addColumn('created_at', 'text', required)
    .addColumn('updated_at', 'text', required)
    .addUniqueConstraint('dealer_applications_org_id_unique', ['org_id', 'id'])
    .addUniqueConstraint('dealer_applications_convention_dealer_unique', ['convention_id', 'dealer_id'])
    .addForeignKeyConstraint('dealer_applications_convention_fk', ['org_id', 'convention_id'], 'conventions', [
      'org_id',
      'id',
    ])
    .addForeignKeyConstraint(
      'dealer_applications_dealer_fk',
      ['org_id', 'dealer_id'],
      'dealers',
      ['org_id', 'id'],
      (fk) => fk.onDelete('cascade'),
    )
    .addForeignKeyConstraint('dealer_applications_table_type_fk', ['org_id', 'table_type_product_id'], 'products', [
      'org_id',
      'id',
    ])
    .addForeignKeyConstraint('dealer_applications_dealer_area_fk', ['org_id', 'dealer_area_id'], 'dealer_areas', [
      'org_id',
      'id',
    ])
    .execute();
  // A dealer's applications, embedded in every dealer of a search page.
  await db.schema
    .createIndex('dealer_applications_org_dealer_idx')
    .on('dealer_applications')
    .columns(['org_id', 'dealer_id'])
    .execute();

  await db.schema
    .createTable('dealer_application_request_types')
    .addColumn('org_id', 'integer', orgId)
    .addColumn('application_id', 'integer', required)
    .addColumn('product_id', 'integer', required)
    .addColumn('paid', 'integer', required)
    .addPrimaryKeyConstraint('dealer_application_request_types_pk', ['application_id', 'product_id'])
    .addForeignKeyConstraint(
      'dealer_application_request_types_application_fk',
      ['org_id', 'application_id'],
      'dealer_applications',
      ['org_id', 'id'],
      (fk) => fk.onDelete('cascade'),
    )
    .addForeignKeyConstraint('dealer_application_request_types_product_fk', ['org_id', 'product_id'], 'products', [
      'org_id',
      'id',
    ])
    .execute();
}

async function createPlatformTables(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('operators')
    .addColumn('id', 'integer', autoId(db))
    .addColumn('email', 'text', (col) => col.notNull().unique())
    .addColumn('name', 'text', required)
    .addColumn('password_hash', 'text', required)
    .addColumn('created_at', 'text', required)
    .addColumn('disabled_at', 'text')
    .execute();

  await db.schema
    .createTable('developers')
    .addColumn('id', 'integer', autoId(db))
    .addColumn('email', 'text', (col) => col.notNull().unique())
    .addColumn('name', 'text', required)
    .addColumn('company_name', 'text', required)
    .addColumn('company_website', 'text')
    .addColumn('contact_info', 'text', required)
    .addColumn('password_hash', 'text')
    .addColumn('created_at', 'text', required)
    .addColumn('updated_at', 'text', required)
    .execute();

  await db.schema
    .createTable('invitations')
    .addColumn('id', 'integer', autoId(db))
    .addColumn('email', 'text', required)
    .addColumn('note', 'text', required)
    .addColumn('token_hash', 'text', (col) => col.notNull().unique())
    .addColumn('created_by_operator_id', 'integer', (col) => col.notNull().references('operators.id'))
    .addColumn('created_at', 'text', required)
    .addColumn('expires_at', 'text', required)
    .addColumn('used_at', 'text')
    .addColumn('withdrawn_at', 'text')
    .execute();
  await db.schema.createIndex('invitations_email_idx').on('invitations').column('email').execute();

  await db.schema
    .createTable('apps')
    .addColumn('id', 'integer', autoId(db))
    .addColumn('client_id', 'integer', (col) => col.notNull().unique())
    .addColumn('developer_id', 'integer', (col) => col.references('developers.id'))
    .addColumn('owner_org_id', 'integer', (col) => col.references('orgs.id').onDelete('cascade'))
    .addColumn('display_name', 'text', required)
    .addColumn('description', 'text', required)
    .addColumn('interested_event_customers', 'text', required)
    .addColumn('homepage_url', 'text')
    .addColumn('privacy_url', 'text')
    .addColumn('logo_url', 'text')
    .addColumn('redirect_uris', 'text', required)
    .addColumn('require_pkce', 'integer', required)
    .addColumn('status', 'text', required)
    .addColumn('review_note', 'text', required)
    .addColumn('created_at', 'text', required)
    .addColumn('updated_at', 'text', required)
    .addColumn('revoked_at', 'text')
    .addColumn('revoke_reason', 'text')
    .addColumn('deletion_attested_at', 'text')
    .execute();
  await db.schema.createIndex('apps_developer_idx').on('apps').column('developer_id').execute();
  await db.schema.createIndex('apps_owner_org_idx').on('apps').column('owner_org_id').execute();
  // The operators' review queue.
  await db.schema.createIndex('apps_status_idx').on('apps').columns(['status', 'id']).execute();

  await db.schema
    .createTable('app_secrets')
    .addColumn('id', 'integer', autoId(db))
    .addColumn('app_id', 'integer', (col) => col.notNull().references('apps.id').onDelete('cascade'))
    .addColumn('secret_hash', 'text', (col) => col.notNull().unique())
    .addColumn('hint', 'text', required)
    .addColumn('created_at', 'text', required)
    .addColumn('expires_at', 'text')
    .addColumn('last_used_at', 'text')
    .addColumn('revoked_at', 'text')
    .execute();
  await db.schema.createIndex('app_secrets_app_idx').on('app_secrets').column('app_id').execute();

  await db.schema
    .createTable('integrations')
    .addColumn('id', 'integer', autoId(db))
    .addColumn('org_id', 'integer', orgId)
    .addColumn('app_id', 'integer', (col) => col.notNull().references('apps.id').onDelete('cascade'))
    .addColumn('scopes', 'text', required)
    .addColumn('obo_enabled', 'integer', required)
    .addColumn('status', 'text', required)
    .addColumn('created_by_user_id', 'integer')
    .addColumn('created_at', 'text', required)
    .addColumn('updated_at', 'text', required)
    .addUniqueConstraint('integrations_org_id_unique', ['org_id', 'id'])
    .addUniqueConstraint('integrations_org_app_unique', ['org_id', 'app_id'])
    .execute();
  await db.schema.createIndex('integrations_app_idx').on('integrations').column('app_id').execute();

  await db.schema
    .createTable('audit_log')
    .addColumn('id', 'integer', autoId(db))
    .addColumn('org_id', 'integer')
    .addColumn('actor_type', 'text', required)
    .addColumn('actor_id', 'text')
    .addColumn('action', 'text', required)
    .addColumn('target_type', 'text')
    .addColumn('target_id', 'text')
    .addColumn('details', 'text', required)
    .addColumn('ip', 'text')
    .addColumn('created_at', 'text', required)
    .execute();
  await db.schema.createIndex('audit_log_org_idx').on('audit_log').columns(['org_id', 'id']).execute();
  await db.schema
    .createIndex('audit_log_target_idx')
    .on('audit_log')
    .columns(['target_type', 'target_id', 'id'])
    .execute();
}

/** Keyset pagination by (org_id, updated_at, id): "what changed since". */
async function createUpdatedAtKeysetIndex(db: Kysely<unknown>, table: string): Promise<void> {
  await db.schema.createIndex(`${table}_org_updated_idx`).on(table).columns(['org_id', 'updated_at', 'id']).execute();
}

/** A user's rows in an org, and the foreign key check when a user is deleted. */
async function createOrgUserIndex(db: Kysely<unknown>, table: string): Promise<void> {
  await db.schema.createIndex(`${table}_org_user_idx`).on(table).columns(['org_id', 'user_id']).execute();
}
