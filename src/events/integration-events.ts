import type { Kysely } from 'kysely';
import type { ActorType } from '../audit/audit-log.js';
import type { Clock } from '../clock.js';
import type { Schema } from '../db/schema.js';
import { storedScopes } from '../platform/integrations.js';
import type { ServiceScope } from '../oauth/scopes.js';
import { recordEvent } from './record-event.js';

/** The integration as its lifecycle events describe it. */
export interface EventIntegration {
  id: string;
  appClientId: string;
  scopes: ServiceScope[];
  oboEnabled: boolean;
}

export type IntegrationEventType = 'integration-created' | 'integration-permissions-changed' | 'integration-removed' | 'app-revoked';

/**
 * Records a lifecycle event of one integration, in the transaction of the change (after the
 * change's write, so `integration` is the state it committed). The subject is the integration:
 * fan-out sends these only to that integration's endpoints. `extra` adds fields beside
 * `integration`, e.g. the previous permissions.
 */
export async function recordIntegrationEvent(
  trx: Kysely<Schema>,
  type: IntegrationEventType,
  change: { orgId: number; integration: EventIntegration; extra?: Record<string, unknown> },
  actor: { type: ActorType; id: string | null },
  clock: Clock,
): Promise<void> {
  await recordEvent(trx, { orgId: change.orgId, type, data: { integration: change.integration, ...change.extra }, actor, subject: { type: 'integration', id: change.integration.id } }, clock);
}

/**
 * Records `app-revoked` for each instance that integrates the app (removed integrations left
 * out), inside the caller's transaction: call it where the app's status becomes `revoked`.
 */
export async function recordAppRevoked(trx: Kysely<Schema>, appId: number, actor: { type: ActorType; id: string | null }, clock: Clock): Promise<number> {
  const rows = await trx
    .selectFrom('integrations')
    .innerJoin('apps', 'apps.id', 'integrations.app_id')
    .select(['integrations.id', 'integrations.org_id', 'integrations.scopes', 'integrations.obo_enabled', 'apps.client_id'])
    .where('integrations.app_id', '=', appId)
    .where('integrations.status', '!=', 'removed')
    .orderBy('integrations.id')
    .execute();
  for (const row of rows) {
    const integration = { id: String(row.id), appClientId: String(row.client_id), scopes: storedScopes(row.scopes), oboEnabled: row.obo_enabled === 1 };
    await recordIntegrationEvent(trx, 'app-revoked', { orgId: row.org_id, integration }, actor, clock);
  }
  return rows.length;
}
