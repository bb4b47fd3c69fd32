import { sql, type Kysely } from 'kysely';
import { autoId } from './column-types.js';

/**
 * The revocation lifecycle (issue 8): every revocation with its cause, the deletion duty it leaves
 * per instance, the notices sent once (inactivity warnings, deletion reminders), reactivation
 * requests, and the leases that keep a scheduled job to one process at a time. The app row's
 * deadline and attestation columns (0001, 0016) give way to the records.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  // When the app last became approved (approval or reactivation): the idle clock starts there if
  // the app was never used since. Existing approved apps: their last change is the best estimate.
  await db.schema.alterTable('apps').addColumn('activated_at', 'text').execute();
  await sql`update apps set activated_at = updated_at where status in ('approved', 'revoked')`.execute(db);

  // Revoking an app deletes its OAuth records in every instance; removing an integration, in one.
  await db.schema.createIndex('oauth_records_client_idx').on('oauth_records').columns(['client_id', 'org_id']).execute();

  await db.schema
    .createTable('app_revocations')
    .addColumn('id', 'integer', autoId(db))
    .addColumn('app_id', 'integer', (col) => col.notNull().references('apps.id').onDelete('cascade'))
    // 'inactivity' | 'developer' | 'operator'
    .addColumn('cause', 'text', (col) => col.notNull())
    .addColumn('reason', 'text', (col) => col.notNull())
    .addColumn('actor_type', 'text', (col) => col.notNull())
    .addColumn('actor_id', 'text')
    .addColumn('revoked_at', 'text', (col) => col.notNull())
    .addColumn('deletion_due_at', 'text', (col) => col.notNull())
    .addColumn('reactivated_at', 'text')
    .execute();
  await db.schema.createIndex('app_revocations_app_idx').on('app_revocations').columns(['app_id', 'revoked_at']).execute();

  await db.schema
    .createTable('deletion_duties')
    .addColumn('revocation_id', 'integer', (col) => col.notNull().references('app_revocations.id').onDelete('cascade'))
    .addColumn('org_id', 'integer', (col) => col.notNull().references('orgs.id').onDelete('cascade'))
    .addColumn('app_id', 'integer', (col) => col.notNull())
    // 'open' | 'attested' (the developer confirmed deletion) | 'released' (the org admin re-enabled the integration)
    .addColumn('status', 'text', (col) => col.notNull())
    .addColumn('statement', 'text', (col) => col.notNull())
    .addColumn('attested_at', 'text')
    .addColumn('attested_by_developer_id', 'integer')
    .addColumn('released_at', 'text')
    .addPrimaryKeyConstraint('deletion_duties_pk', ['revocation_id', 'org_id'])
    .execute();
  await db.schema.createIndex('deletion_duties_org_idx').on('deletion_duties').columns(['org_id', 'status']).execute();
  await db.schema.createIndex('deletion_duties_app_idx').on('deletion_duties').columns(['app_id', 'status']).execute();

  await db.schema
    .createTable('revocation_notices')
    .addColumn('app_id', 'integer', (col) => col.notNull().references('apps.id').onDelete('cascade'))
    // e.g. 'inactivity-warning-30', 'deletion-reminder-7', 'deletion-overdue'
    .addColumn('kind', 'text', (col) => col.notNull())
    // What the notice is about, so it is sent once per occasion: the idle period's start, or the revocation id.
    .addColumn('reference', 'text', (col) => col.notNull())
    .addColumn('sent_at', 'text', (col) => col.notNull())
    .addPrimaryKeyConstraint('revocation_notices_pk', ['app_id', 'kind', 'reference'])
    .execute();

  await db.schema
    .createTable('reactivation_requests')
    .addColumn('id', 'integer', autoId(db))
    .addColumn('app_id', 'integer', (col) => col.notNull().references('apps.id').onDelete('cascade'))
    .addColumn('revocation_id', 'integer', (col) => col.notNull().references('app_revocations.id').onDelete('cascade'))
    .addColumn('developer_id', 'integer')
    .addColumn('message', 'text', (col) => col.notNull())
    // 'pending' | 'approved' | 'declined'
    .addColumn('status', 'text', (col) => col.notNull())
    .addColumn('requested_at', 'text', (col) => col.notNull())
    .addColumn('decided_at', 'text')
    .addColumn('decided_by_operator_id', 'integer')
    .addColumn('decision_note', 'text', (col) => col.notNull())
    .execute();
  // One pending request per app: a second ask (or two at once) is refused by the database.
  await db.schema.createIndex('reactivation_requests_pending_unique').on('reactivation_requests').column('app_id').unique().where(sql.ref('status'), '=', 'pending').execute();

  await db.schema
    .createTable('job_leases')
    .addColumn('name', 'text', (col) => col.primaryKey())
    .addColumn('holder', 'text', (col) => col.notNull())
    .addColumn('leased_until', 'text', (col) => col.notNull())
    .execute();

  // Apps revoked before this migration (by `concat apps revoke`) get their record and their
  // deletion duties like any other: the deadline and the attestation live there from now on, so
  // the app row's copies of them go.
  await sql`insert into app_revocations (app_id, cause, reason, actor_type, actor_id, revoked_at, deletion_due_at, reactivated_at)
    select id, 'operator', coalesce(revoke_reason, ''), 'cli', null, revoked_at, coalesce(deletion_due_at, revoked_at), null
    from apps where status = 'revoked' and revoked_at is not null`.execute(db);
  await sql`insert into deletion_duties (revocation_id, org_id, app_id, status, statement, attested_at, attested_by_developer_id, released_at)
    select r.id, i.org_id, r.app_id, 'open', '', null, null, null
    from app_revocations r join apps a on a.id = r.app_id join (select distinct app_id, org_id from integrations) i on i.app_id = r.app_id
    where a.developer_id is not null`.execute(db);
  await db.schema.alterTable('apps').dropColumn('deletion_due_at').execute();
  await db.schema.alterTable('apps').dropColumn('deletion_attested_at').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('apps').addColumn('deletion_attested_at', 'text').execute();
  await db.schema.alterTable('apps').addColumn('deletion_due_at', 'text').execute();
  await db.schema.dropTable('job_leases').execute();
  await db.schema.dropTable('reactivation_requests').execute();
  await db.schema.dropTable('revocation_notices').execute();
  await db.schema.dropTable('deletion_duties').execute();
  await db.schema.dropTable('app_revocations').execute();
  await db.schema.dropIndex('oauth_records_client_idx').execute();
  await db.schema.alterTable('apps').dropColumn('activated_at').execute();
}
