import type { Kysely, Selectable } from 'kysely';
import { recordAudit } from '../audit/audit-log.js';
import { isoTimestamp, type Clock } from '../clock.js';
import type { Schema, WebhookEndpointStatus, WebhookEndpointsTable } from '../db/schema.js';
import { EVENT_TYPES, type EventType } from '../events/event-types.js';
import type { ServiceScope } from '../oauth/scopes.js';
import { findIntegration, type ChangeOrigin, type IntegrationActor } from '../platform/integrations.js';
import { messageBody, newWebhookId } from './fan-out.js';
import { decryptWebhookSecret, encryptWebhookSecret, generateWebhookSecret, SECRET_ROTATION_OVERLAP_MS } from './secrets.js';
import { checkWebhookTarget, WebhookTargetError, type ResolveHost } from './target-address.js';

/**
 * Webhook endpoints of an integration: where an instance's events are delivered, which events,
 * and the secret that signs them. Org admins manage them in Housekeeping; every change is audited.
 * An endpoint receives events from its creation on (its fan-out cursor starts at the newest event).
 */

/** An integration may have a handful of endpoints; more is a misconfiguration, not a need. */
export const MAX_ENDPOINTS_PER_INTEGRATION = 10;

/** The event type of the message "Send test event" makes. */
export const TEST_EVENT_TYPE = 'webhook-test';

export class WebhookEndpointInputError extends Error {
  override name = 'WebhookEndpointInputError';
  constructor(
    readonly field: 'url' | 'events' | '',
    message: string,
  ) {
    super(message);
  }
}

/** The endpoint (or its integration) does not exist in this instance. */
export class WebhookEndpointNotFoundError extends Error {
  override name = 'WebhookEndpointNotFoundError';
}

export interface EndpointSettings {
  /** The data directory's encryption key (loadKeyEncryptionKey). */
  encryptionKey: Buffer;
  allowPrivateTargets: boolean;
  resolve?: ResolveHost;
}

export interface WebhookEndpointSummary {
  id: number;
  integrationId: number;
  url: string;
  eventTypes: EventType[];
  status: WebhookEndpointStatus;
  disabledReason: string | null;
  failingSince: string | null;
  /** While a rotation overlaps: when the previous secret stops signing. */
  previousSecretExpiresAt: string | null;
  createdAt: string;
  updatedAt: string;
}

type EndpointRow = Selectable<WebhookEndpointsTable>;

/** The event types stored on a row; anything unexpected in the JSON selects nothing. */
export function storedEventTypes(json: string): EventType[] {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    return [];
  }
  if (!Array.isArray(value)) return [];
  return EVENT_TYPES.filter((t) => value.includes(t.name)).map((t) => t.name);
}

/**
 * Checks chosen event names: each must be in the catalog and readable with the integration's
 * scopes (an endpoint never receives what its integration could not read through the API).
 * At least one; repeats fold; the result is in catalog order.
 */
export function parseEndpointEventTypes(names: readonly string[], scopes: readonly ServiceScope[]): EventType[] {
  if (names.length === 0) throw new WebhookEndpointInputError('events', 'Choose at least one event.');
  const unknown = names.filter((name) => !EVENT_TYPES.some((t) => t.name === name));
  if (unknown.length > 0) throw new WebhookEndpointInputError('events', `"${(unknown[0] ?? '').slice(0, 60)}" is not an event type.`);
  const chosen = EVENT_TYPES.filter((t) => names.includes(t.name));
  const outOfScope = chosen.filter((t) => t.scope !== null && !scopes.includes(t.scope));
  if (outOfScope.length > 0) {
    const first = outOfScope[0];
    throw new WebhookEndpointInputError('events', `The integration may not receive ${outOfScope.map((t) => `"${t.name}"`).join(', ')}: that needs the ${first?.scope ?? ''} permission.`);
  }
  return chosen.map((t) => t.name);
}

/** The events an integration with these scopes may subscribe to, in catalog order. */
export function availableEventTypes(scopes: readonly ServiceScope[]): EventType[] {
  return EVENT_TYPES.filter((t) => t.scope === null || scopes.includes(t.scope)).map((t) => t.name);
}

function toSummary(row: EndpointRow): WebhookEndpointSummary {
  return {
    id: row.id,
    integrationId: row.integration_id,
    url: row.url,
    eventTypes: storedEventTypes(row.event_types),
    status: row.status,
    disabledReason: row.disabled_reason,
    failingSince: row.failing_since,
    previousSecretExpiresAt: row.previous_secret_expires_at,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

function auditActor(actor: IntegrationActor): { type: 'user' | 'cli'; id: string | null } {
  return actor.type === 'user' ? { type: 'user', id: String(actor.userId) } : { type: 'cli', id: null };
}

async function audit(db: Kysely<Schema>, row: { org_id: number; id: number; integration_id: number }, action: string, details: Record<string, unknown>, origin: ChangeOrigin, clock: Clock): Promise<void> {
  await recordAudit(
    db,
    {
      orgId: row.org_id,
      actor: auditActor(origin.actor),
      action,
      target: { type: 'webhook_endpoint', id: String(row.id) },
      details: { integrationId: row.integration_id, ...details },
      ip: origin.ip,
    },
    clock,
  );
}

/** An integration's endpoints, oldest first. */
export async function listEndpoints(db: Kysely<Schema>, orgId: number, integrationId: number): Promise<WebhookEndpointSummary[]> {
  const rows = await db.selectFrom('webhook_endpoints').selectAll().where('org_id', '=', orgId).where('integration_id', '=', integrationId).orderBy('id').execute();
  return rows.map(toSummary);
}

/** One endpoint of an integration of this instance, or undefined. */
export async function findEndpoint(db: Kysely<Schema>, orgId: number, integrationId: number, endpointId: number): Promise<WebhookEndpointSummary | undefined> {
  const row = await endpointRow(db, orgId, integrationId, endpointId);
  return row === undefined ? undefined : toSummary(row);
}

async function endpointRow(db: Kysely<Schema>, orgId: number, integrationId: number, endpointId: number): Promise<EndpointRow | undefined> {
  return db.selectFrom('webhook_endpoints').selectAll().where('org_id', '=', orgId).where('integration_id', '=', integrationId).where('id', '=', endpointId).executeTakeFirst();
}

async function requireEndpoint(db: Kysely<Schema>, target: EndpointTarget): Promise<EndpointRow> {
  const row = await endpointRow(db, target.orgId, target.integrationId, target.endpointId);
  if (row === undefined) throw new WebhookEndpointNotFoundError('No such webhook endpoint.');
  return row;
}

async function checkedUrl(text: string, settings: EndpointSettings): Promise<string> {
  try {
    return (await checkWebhookTarget(text, { allowPrivateTargets: settings.allowPrivateTargets, ...(settings.resolve === undefined ? {} : { resolve: settings.resolve }) })).href;
  } catch (error) {
    if (error instanceof WebhookTargetError) throw new WebhookEndpointInputError('url', error.message);
    throw error;
  }
}

export interface NewEndpoint {
  orgId: number;
  integrationId: number;
  url: string;
  eventTypes: readonly string[];
}

/** Creates an endpoint; returns its id and its secret, which is shown this once. */
export async function createEndpoint(db: Kysely<Schema>, input: NewEndpoint, settings: EndpointSettings, origin: ChangeOrigin, clock: Clock): Promise<{ endpointId: number; secret: string }> {
  const integration = await findIntegration(db, input.orgId, input.integrationId);
  if (integration === undefined) throw new WebhookEndpointNotFoundError('No such integration.');
  const eventTypes = parseEndpointEventTypes(input.eventTypes, integration.scopes);
  const url = await checkedUrl(input.url, settings);
  const secret = generateWebhookSecret();
  const endpointId = await db.transaction().execute(async (trx) => {
    // A no-op write locks the integration's row, so concurrent additions count one after the other.
    await trx.updateTable('integrations').set((eb) => ({ updated_at: eb.ref('updated_at') })).where('org_id', '=', input.orgId).where('id', '=', input.integrationId).execute();
    const existing = await trx.selectFrom('webhook_endpoints').select((eb) => eb.fn.countAll<string | number>().as('n')).where('org_id', '=', input.orgId).where('integration_id', '=', input.integrationId).executeTakeFirstOrThrow();
    if (Number(existing.n) >= MAX_ENDPOINTS_PER_INTEGRATION) throw new WebhookEndpointInputError('', `An integration can have at most ${MAX_ENDPOINTS_PER_INTEGRATION} endpoints.`);
    const newest = await trx.selectFrom('events').select((eb) => eb.fn.max('id').as('id')).where('org_id', '=', input.orgId).executeTakeFirst();
    const now = isoTimestamp(clock.now());
    const inserted = await trx
      .insertInto('webhook_endpoints')
      .values({
        org_id: input.orgId,
        integration_id: input.integrationId,
        url,
        event_types: JSON.stringify(eventTypes),
        status: 'active',
        disabled_reason: null,
        secret_encrypted: encryptWebhookSecret(secret, settings.encryptionKey),
        previous_secret_encrypted: null,
        previous_secret_expires_at: null,
        failing_since: null,
        last_event_id: Number(newest?.id ?? 0),
        created_at: now,
        updated_at: now,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    await audit(trx, { org_id: input.orgId, id: inserted.id, integration_id: input.integrationId }, 'webhook_endpoint.created', { url, eventTypes }, origin, clock);
    return inserted.id;
  });
  return { endpointId, secret };
}

export interface EndpointTarget {
  orgId: number;
  integrationId: number;
  endpointId: number;
}

/**
 * Replaces the endpoint's secret; returns the new one (shown this once). The current secret
 * becomes the previous one and keeps signing for SECRET_ROTATION_OVERLAP_MS, so the receiver
 * can switch over without losing messages; a secret from an earlier rotation is dropped.
 */
export async function rotateEndpointSecret(db: Kysely<Schema>, target: EndpointTarget, encryptionKey: Buffer, origin: ChangeOrigin, clock: Clock): Promise<{ secret: string; previousExpiresAt: string }> {
  const secret = generateWebhookSecret();
  const now = clock.now();
  const previousExpiresAt = isoTimestamp(new Date(now.getTime() + SECRET_ROTATION_OVERLAP_MS));
  await db.transaction().execute(async (trx) => {
    const row = await requireEndpoint(trx, target);
    await trx
      .updateTable('webhook_endpoints')
      // One statement moves the current secret to previous: concurrent rotations each keep the one before.
      .set((eb) => ({
        secret_encrypted: encryptWebhookSecret(secret, encryptionKey),
        previous_secret_encrypted: eb.ref('secret_encrypted'),
        previous_secret_expires_at: previousExpiresAt,
        updated_at: isoTimestamp(now),
      }))
      .where('org_id', '=', row.org_id)
      .where('id', '=', row.id)
      .execute();
    await audit(trx, row, 'webhook_endpoint.secret-rotated', { previousSecretExpiresAt: previousExpiresAt }, origin, clock);
  });
  return { secret, previousExpiresAt };
}

/** Changes which events the endpoint receives (from the next event on). */
export async function changeEndpointEvents(db: Kysely<Schema>, target: EndpointTarget, names: readonly string[], origin: ChangeOrigin, clock: Clock): Promise<EventType[]> {
  const integration = await findIntegration(db, target.orgId, target.integrationId);
  if (integration === undefined) throw new WebhookEndpointNotFoundError('No such integration.');
  const eventTypes = parseEndpointEventTypes(names, integration.scopes);
  await db.transaction().execute(async (trx) => {
    const row = await requireEndpoint(trx, target);
    const previous = storedEventTypes(row.event_types);
    await trx.updateTable('webhook_endpoints').set({ event_types: JSON.stringify(eventTypes), updated_at: isoTimestamp(clock.now()) }).where('org_id', '=', row.org_id).where('id', '=', row.id).execute();
    await audit(trx, row, 'webhook_endpoint.events-changed', { eventTypes, previousEventTypes: previous }, origin, clock);
  });
  return eventTypes;
}

/**
 * Disables or enables an endpoint. Disabling cancels its pending messages (nothing is sent
 * while disabled); enabling resumes from the newest event, so a long-disabled endpoint is not
 * flooded with what happened meanwhile (the delivery log's "recover" resends failed ones).
 * Returns false when the endpoint already had that status.
 */
export async function setEndpointEnabled(db: Kysely<Schema>, target: EndpointTarget, enabled: boolean, origin: ChangeOrigin, clock: Clock): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    const row = await requireEndpoint(trx, target);
    const status: WebhookEndpointStatus = enabled ? 'active' : 'disabled';
    if (row.status === status) return false;
    const now = isoTimestamp(clock.now());
    if (enabled) {
      const newest = await trx.selectFrom('events').select((eb) => eb.fn.max('id').as('id')).where('org_id', '=', row.org_id).executeTakeFirst();
      await trx
        .updateTable('webhook_endpoints')
        .set({ status, disabled_reason: null, failing_since: null, last_event_id: Math.max(row.last_event_id, Number(newest?.id ?? 0)), updated_at: now })
        .where('org_id', '=', row.org_id)
        .where('id', '=', row.id)
        .execute();
    } else {
      await trx.updateTable('webhook_endpoints').set({ status, disabled_reason: 'Disabled by an administrator.', updated_at: now }).where('org_id', '=', row.org_id).where('id', '=', row.id).execute();
      await trx.updateTable('webhook_messages').set({ status: 'cancelled', next_attempt_at: null, claimed_until: null }).where('org_id', '=', row.org_id).where('endpoint_id', '=', row.id).where('status', '=', 'pending').execute();
    }
    await audit(trx, row, enabled ? 'webhook_endpoint.enabled' : 'webhook_endpoint.disabled', {}, origin, clock);
    return true;
  });
}

/** Deletes the endpoint with its messages and delivery log; returns what it was, for the confirmation. */
export async function deleteEndpoint(db: Kysely<Schema>, target: EndpointTarget, origin: ChangeOrigin, clock: Clock): Promise<WebhookEndpointSummary> {
  return db.transaction().execute(async (trx) => {
    const row = await requireEndpoint(trx, target);
    const messageIds = trx.selectFrom('webhook_messages').select('id').where('org_id', '=', row.org_id).where('endpoint_id', '=', row.id);
    await trx.deleteFrom('webhook_attempts').where('org_id', '=', row.org_id).where('message_id', 'in', messageIds).execute();
    await trx.deleteFrom('webhook_messages').where('org_id', '=', row.org_id).where('endpoint_id', '=', row.id).execute();
    await trx.deleteFrom('webhook_endpoints').where('org_id', '=', row.org_id).where('id', '=', row.id).execute();
    await audit(trx, row, 'webhook_endpoint.deleted', { url: row.url }, origin, clock);
    return toSummary(row);
  });
}

/**
 * "Send test event": queues a message of type `webhook-test` that the worker delivers like any
 * other, signed with the endpoint's secret. Returns the message id. Refused while disabled.
 */
export async function sendTestEvent(db: Kysely<Schema>, target: EndpointTarget, origin: ChangeOrigin, clock: Clock): Promise<number> {
  return db.transaction().execute(async (trx) => {
    const row = await requireEndpoint(trx, target);
    if (row.status !== 'active') throw new WebhookEndpointInputError('', 'Enable the endpoint before sending a test event.');
    const now = isoTimestamp(clock.now());
    const inserted = await trx
      .insertInto('webhook_messages')
      .values({
        org_id: row.org_id,
        endpoint_id: row.id,
        event_id: null,
        webhook_id: newWebhookId(),
        event_type: TEST_EVENT_TYPE,
        body: messageBody(TEST_EVENT_TYPE, JSON.stringify({ endpointId: row.id, sentAt: now, message: 'A test event sent from Housekeeping.' })),
        status: 'pending',
        attempts: 0,
        next_attempt_at: now,
        claimed_until: null,
        created_at: now,
        delivered_at: null,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    await audit(trx, row, 'webhook_endpoint.test-sent', { messageId: inserted.id }, origin, clock);
    return inserted.id;
  });
}

/**
 * The secrets that sign a message now, current first: during a rotation's overlap the previous
 * one too (Standard Webhooks sends one signature per secret). A record this key cannot decrypt
 * is skipped; the result is empty only if the current secret is unreadable.
 */
export function decryptEndpointSecrets(row: Pick<EndpointRow, 'secret_encrypted' | 'previous_secret_encrypted' | 'previous_secret_expires_at'>, key: Buffer, now: Date): string[] {
  const secrets: string[] = [];
  const tryDecrypt = (stored: string) => {
    try {
      secrets.push(decryptWebhookSecret(stored, key));
    } catch {
      // Encrypted under another data directory's key: it cannot sign here.
    }
  };
  tryDecrypt(row.secret_encrypted);
  if (secrets.length === 0) return [];
  if (row.previous_secret_encrypted !== null && row.previous_secret_expires_at !== null && Date.parse(row.previous_secret_expires_at) > now.getTime()) {
    tryDecrypt(row.previous_secret_encrypted);
  }
  return secrets;
}

/** An instance integrating a developer's app, with the app's endpoints there (for the developer portal). */
export interface AppWebhookEndpoints {
  instanceName: string;
  orgId: number;
  integrationId: number;
  endpoints: WebhookEndpointSummary[];
}

/** The endpoints of an app across the instances integrating it (removed integrations left out), by instance name. */
export async function listAppEndpoints(db: Kysely<Schema>, appId: number): Promise<AppWebhookEndpoints[]> {
  const integrations = await db
    .selectFrom('integrations')
    .innerJoin('orgs', 'orgs.id', 'integrations.org_id')
    .select(['integrations.id', 'integrations.org_id', 'orgs.name'])
    .where('integrations.app_id', '=', appId)
    .where('integrations.status', '!=', 'removed')
    .orderBy('orgs.name')
    .execute();
  if (integrations.length === 0) return [];
  const rows = await db.selectFrom('webhook_endpoints').selectAll().where('integration_id', 'in', integrations.map((i) => i.id)).orderBy('id').execute();
  return integrations.map((i) => ({
    instanceName: i.name,
    orgId: i.org_id,
    integrationId: i.id,
    endpoints: rows.filter((r) => r.integration_id === i.id && r.org_id === i.org_id).map(toSummary),
  }));
}

/** One endpoint of an app's integration (not removed), with where it is, or undefined. */
export async function findAppEndpoint(db: Kysely<Schema>, appId: number, endpointId: number): Promise<{ instanceName: string; target: EndpointTarget; endpoint: WebhookEndpointSummary } | undefined> {
  const row = await db
    .selectFrom('webhook_endpoints')
    .innerJoin('integrations', (join) => join.onRef('integrations.id', '=', 'webhook_endpoints.integration_id').onRef('integrations.org_id', '=', 'webhook_endpoints.org_id'))
    .innerJoin('orgs', 'orgs.id', 'webhook_endpoints.org_id')
    .selectAll('webhook_endpoints')
    .select('orgs.name as instance_name')
    .where('integrations.app_id', '=', appId)
    .where('integrations.status', '!=', 'removed')
    .where('webhook_endpoints.id', '=', endpointId)
    .executeTakeFirst();
  if (row === undefined) return undefined;
  return { instanceName: row.instance_name, target: { orgId: row.org_id, integrationId: row.integration_id, endpointId: row.id }, endpoint: toSummary(row) };
}
