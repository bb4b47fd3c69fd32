import type { Kysely } from 'kysely';
import { recordAudit } from '../audit/audit-log.js';
import type { Clock } from '../clock.js';
import type { Schema } from '../db/schema.js';
import { SERVICE_SCOPE_NAMES } from '../oauth/scopes.js';
import { hashSecret } from '../security/secrets.js';
import { SeededRandom } from './random.js';
import { DAY_MS, iso } from './seed-context.js';

export const DEMO_OPERATOR = { email: 'operator@example.com', name: 'Pat Operator' } as const;
export const DEMO_DEVELOPER = { email: 'developer@example.net', name: 'Devon Park' } as const;
export const DEMO_APP = {
  name: 'Badge Buddy',
  redirectUri: 'http://localhost:8765/callback',
} as const;

export interface PlatformSeedOptions {
  anchorMs: number;
  clock: Clock;
  operatorPasswordHash: string;
  developerPasswordHash: string;
  /** The demo app's client secret, stored only as its hash. */
  clientSecret: string;
  /** The (already used) invitation the demo developer joined with; stored only as its hash. */
  invitationToken: string;
  /** The instance the demo app is integrated in, and the org admin who set that up. */
  integration: { orgId: number; createdByUserId: number };
}

export interface SeededPlatform {
  clientId: number;
}

/**
 * The platform side of the demo: an operator, a developer invited by them, the developer's
 * approved app with one secret, and its integration in the first instance holding every service
 * scope with sign-in (OBO) enabled.
 */
export async function seedPlatform(db: Kysely<Schema>, options: PlatformSeedOptions): Promise<SeededPlatform> {
  const { anchorMs, clock } = options;
  const random = new SeededRandom('concat-demo:platform');
  const system = { type: 'system', id: null } as const;

  const operator = await db
    .insertInto('operators')
    .values({
      email: DEMO_OPERATOR.email,
      name: DEMO_OPERATOR.name,
      password_hash: options.operatorPasswordHash,
      created_at: iso(anchorMs - 400 * DAY_MS),
      disabled_at: null,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  await recordAudit(
    db,
    { orgId: null, actor: system, action: 'operator.created', target: { type: 'operator', id: String(operator.id) } },
    clock,
  );

  const invitedMs = anchorMs - 30 * DAY_MS;
  const invitation = await db
    .insertInto('invitations')
    .values({
      email: DEMO_DEVELOPER.email,
      note: 'Demo developer',
      token_hash: hashSecret(options.invitationToken),
      created_by_operator_id: operator.id,
      created_at: iso(invitedMs),
      expires_at: iso(invitedMs + 14 * DAY_MS),
      used_at: iso(invitedMs + DAY_MS),
      withdrawn_at: null,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  await recordAudit(
    db,
    {
      orgId: null,
      actor: system,
      action: 'invitation.created',
      target: { type: 'invitation', id: String(invitation.id) },
      details: { email: DEMO_DEVELOPER.email },
    },
    clock,
  );

  const joinedAt = iso(invitedMs + DAY_MS);
  const developer = await db
    .insertInto('developers')
    .values({
      email: DEMO_DEVELOPER.email,
      name: DEMO_DEVELOPER.name,
      company_name: 'Example Badge Tools',
      company_website: 'https://badgetools.example.net',
      contact_info: 'developer@example.net, +1 312 555 0199',
      password_hash: options.developerPasswordHash,
      created_at: joinedAt,
      updated_at: joinedAt,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  await recordAudit(
    db,
    {
      orgId: null,
      actor: system,
      action: 'developer.created',
      target: { type: 'developer', id: String(developer.id) },
    },
    clock,
  );

  const appliedAt = iso(invitedMs + 2 * DAY_MS);
  const approvedAt = iso(invitedMs + 3 * DAY_MS);
  const clientId = random.int(100_000, 999_999);
  const app = await db
    .insertInto('apps')
    .values({
      client_id: clientId,
      developer_id: developer.id,
      owner_org_id: null,
      display_name: DEMO_APP.name,
      description: 'Signs attendees in with their convention account and prints personalized badge labels.',
      interested_event_customers: 'Lakeshore FurFest',
      homepage_url: 'https://badgebuddy.example.net',
      privacy_url: 'https://badgebuddy.example.net/privacy',
      logo_url: null,
      redirect_uris: JSON.stringify([DEMO_APP.redirectUri]),
      // Real clients never send PKCE (see DESIGN.md), so the demo app does not require it.
      require_pkce: 0,
      status: 'approved',
      review_note: '',
      created_at: appliedAt,
      updated_at: approvedAt,
      activated_at: approvedAt,
      revoked_at: null,
      revoke_reason: null,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  const appTarget = { type: 'app', id: String(app.id) };
  await recordAudit(
    db,
    { orgId: null, actor: system, action: 'app.created', target: appTarget, details: { clientId } },
    clock,
  );
  await recordAudit(db, { orgId: null, actor: system, action: 'app.approved', target: appTarget }, clock);

  const secret = await db
    .insertInto('app_secrets')
    .values({
      app_id: app.id,
      secret_hash: hashSecret(options.clientSecret),
      hint: options.clientSecret.slice(-4),
      created_at: approvedAt,
      expires_at: null,
      last_used_at: null,
      revoked_at: null,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  await recordAudit(
    db,
    { orgId: null, actor: system, action: 'app.secret.created', target: { type: 'app_secret', id: String(secret.id) } },
    clock,
  );

  const integratedAt = iso(invitedMs + 5 * DAY_MS);
  const { orgId, createdByUserId } = options.integration;
  const integration = await db
    .insertInto('integrations')
    .values({
      org_id: orgId,
      app_id: app.id,
      scopes: JSON.stringify(SERVICE_SCOPE_NAMES),
      obo_enabled: 1,
      status: 'active',
      created_by_user_id: createdByUserId,
      created_at: integratedAt,
      updated_at: integratedAt,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  await recordAudit(
    db,
    {
      orgId,
      actor: system,
      action: 'integration.created',
      target: { type: 'integration', id: String(integration.id) },
      details: { appId: app.id, scopes: SERVICE_SCOPE_NAMES, oboEnabled: true },
    },
    clock,
  );
  return { clientId };
}
