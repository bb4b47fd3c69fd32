import http from 'node:http';
import { isoTimestamp, systemClock, type Clock } from '../../src/clock.js';
import type { Database } from '../../src/db/database.js';
import { seedDemo } from '../../src/demo/seed.js';
import { EVENT_TYPES } from '../../src/events/event-types.js';
import { recordEvent } from '../../src/events/record-event.js';
import { SERVICE_SCOPE_NAMES } from '../../src/oauth/scopes.js';
import { loadKeyEncryptionKey } from '../../src/oauth/signing-keys.js';
import { encryptWebhookSecret, generateWebhookSecret } from '../../src/webhooks/secrets.js';

export interface ReceivedRequest {
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** What the receiver answers; `hang` never answers. */
export type Answer = { status: number; headers?: Record<string, string> } | 'hang';

/** A real HTTP receiver on loopback whose answers the test chooses. */
export interface Receiver {
  url: string;
  received: ReceivedRequest[];
  answer: (request: ReceivedRequest) => Answer;
  close(): Promise<void>;
}

export async function startReceiver(): Promise<Receiver> {
  const receiver: Receiver = { url: '', received: [], answer: () => ({ status: 204 }), close: () => Promise.resolve() };
  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const received = { headers: request.headers, body: Buffer.concat(chunks).toString('utf8') };
      receiver.received.push(received);
      const answer = receiver.answer(received);
      if (answer === 'hang') return;
      response.writeHead(answer.status, answer.headers).end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('the receiver is not on a TCP port');
  receiver.url = `http://127.0.0.1:${address.port}/hook`;
  receiver.close = () =>
    new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return receiver;
}

export interface WebhookWorld {
  orgId: number;
  integrationId: number;
  encryptionKey: Buffer;
}

/** The demo (a few users) with its integration granted every service scope. */
export async function seedWebhookWorld(database: Database, dataDir: string): Promise<WebhookWorld> {
  await seedDemo(database, { publicUrl: new URL('https://localhost'), clock: systemClock, users: 3 });
  const integration = await database.db.selectFrom('integrations').select(['id', 'org_id']).orderBy('id').executeTakeFirstOrThrow();
  await database.db.updateTable('integrations').set({ scopes: JSON.stringify(SERVICE_SCOPE_NAMES) }).where('id', '=', integration.id).execute();
  return { orgId: integration.org_id, integrationId: integration.id, encryptionKey: loadKeyEncryptionKey(dataDir) };
}

/** An active endpoint for every event type, starting after the events recorded so far. Returns its id and secret. */
export async function addEndpoint(database: Database, world: WebhookWorld, url: string, clock: Clock): Promise<{ id: number; secret: string }> {
  const secret = generateWebhookSecret();
  const last = await database.db.selectFrom('events').select((eb) => eb.fn.max('id').as('max')).executeTakeFirst();
  const now = isoTimestamp(clock.now());
  const row = await database.db
    .insertInto('webhook_endpoints')
    .values({
      org_id: world.orgId,
      integration_id: world.integrationId,
      url,
      event_types: JSON.stringify(EVENT_TYPES.map((type) => type.name)),
      status: 'active',
      disabled_reason: null,
      secret_encrypted: encryptWebhookSecret(secret, world.encryptionKey),
      previous_secret_encrypted: null,
      previous_secret_expires_at: null,
      failing_since: null,
      last_event_id: Number(last?.max ?? 0),
      created_at: now,
      updated_at: now,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return { id: row.id, secret };
}

/** Records a role-assigned event, as a committed change would. */
export async function addEvent(database: Database, world: WebhookWorld, n: number, clock: Clock): Promise<number> {
  return database.db.transaction().execute((trx) =>
    recordEvent(trx, { orgId: world.orgId, type: 'role-assigned', data: { userId: n, roleId: 1, n }, actor: { type: 'system', id: null }, subject: { type: 'user', id: String(n) } }, clock),
  );
}

export async function messages(database: Database): Promise<{ id: number; status: string; attempts: number; next_attempt_at: string | null; webhook_id: string }[]> {
  return database.db.selectFrom('webhook_messages').select(['id', 'status', 'attempts', 'next_attempt_at', 'webhook_id']).orderBy('id').execute();
}
