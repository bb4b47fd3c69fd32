import type { Kysely } from 'kysely';
import { isoTimestamp, type Clock } from '../../src/clock.js';
import type { Database } from '../../src/db/database.js';
import type { AppStatus, Schema } from '../../src/db/schema.js';
import { createInstance, parseBaseUrl } from '../../src/instance/create-instance.js';
import { allocateClientId } from '../../src/platform/client-ids.js';
import { hashPassword } from '../../src/security/passwords.js';
import { revokeApp } from '../../src/platform/app-revocation.js';

/** Minimal rows for developer-portal tests: developers, their apps, instances integrating them. */

let sequence = 0;

export async function insertDeveloper(db: Kysely<Schema>, clock: Clock, options: { email?: string; password?: string | null } = {}): Promise<{ id: number; email: string }> {
  sequence += 1;
  const email = options.email ?? `dev${sequence}-${Date.now()}@example.net`;
  const password = options.password === undefined ? null : options.password;
  const now = isoTimestamp(clock.now());
  const row = await db
    .insertInto('developers')
    .values({
      email,
      name: `Developer ${sequence}`,
      company_name: 'Example Co',
      company_website: null,
      contact_info: email,
      password_hash: password === null ? null : await hashPassword(password),
      created_at: now,
      updated_at: now,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return { id: row.id, email };
}

export async function insertApp(
  db: Kysely<Schema>,
  clock: Clock,
  developerId: number | null,
  options: { status?: AppStatus; name?: string; reviewNote?: string; redirectUris?: string[]; ownerOrgId?: number } = {},
): Promise<{ id: number; clientId: number }> {
  const now = isoTimestamp(clock.now());
  const clientId = await allocateClientId(db);
  const row = await db
    .insertInto('apps')
    .values({
      client_id: clientId,
      developer_id: developerId,
      owner_org_id: options.ownerOrgId ?? null,
      display_name: options.name ?? 'Test App',
      description: 'Prints badges for attendees.',
      interested_event_customers: '',
      homepage_url: 'https://app.example.com/',
      privacy_url: 'https://app.example.com/privacy',
      logo_url: null,
      redirect_uris: JSON.stringify(options.redirectUris ?? []),
      require_pkce: 0,
      // A revoked app is revoked the one way the platform does it, so it has its record.
      status: options.status === undefined || options.status === 'revoked' ? 'approved' : options.status,
      review_note: options.reviewNote ?? '',
      created_at: now,
      updated_at: now,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  if (options.status === 'revoked') await revokeApp(db, { app: { appId: row.id }, reason: 'No activity for a year', actor: { type: 'cli' } }, clock);
  return { id: row.id, clientId };
}

/** An instance on the platform host at /o/<slug>, integrating `appId` with `scopes`. */
export async function insertIntegration(
  database: Database,
  clock: Clock,
  options: { slug: string; name: string; appId: number; scopes: string[]; oboEnabled: boolean; status?: 'active' | 'suspended' | 'removed' },
): Promise<{ orgId: number }> {
  const { orgId } = await createInstance(
    database,
    { slug: options.slug, name: options.name, baseUrls: [parseBaseUrl(`/o/${options.slug}`, new URL('https://localhost'))] },
    { type: 'system', id: null },
    clock,
  );
  const now = isoTimestamp(clock.now());
  await database.db
    .insertInto('integrations')
    .values({ org_id: orgId, app_id: options.appId, scopes: JSON.stringify(options.scopes), obo_enabled: options.oboEnabled ? 1 : 0, status: options.status ?? 'active', created_by_user_id: null, created_at: now, updated_at: now })
    .execute();
  return { orgId };
}
