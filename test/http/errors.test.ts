import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/clock.js';
import { resolveConfig } from '../../src/config.js';
import { openDatabase, type Database } from '../../src/db/database.js';
import { migrateToLatest } from '../../src/db/migrate.js';
import { apiError, LogicErrorCode } from '../../src/http/errors.js';
import { buildServer } from '../../src/http/server.js';
import { surfaceRoutes } from '../../src/http/surfaces.js';
import { TenantDirectory } from '../../src/http/tenancy.js';
import { createSelfSignedCertificate } from '../../src/http/tls/self-signed-certificate.js';
import { createInstance, parseBaseUrl } from '../../src/instance/create-instance.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { request } from '../support/https-client.js';
import { freePort } from '../support/platform.js';

/**
 * The error contract of every route: these probe routes exist only in this test, registered on
 * the real server with the real error handling, so later endpoints inherit what is pinned here.
 */
describe('errors', () => {
  let app: FastifyInstance;
  let database: Database;
  let testDb: TestDatabase;
  let base: string;

  beforeAll(async () => {
    testDb = await createTestDatabase();
    database = openDatabase(testDb.url);
    await migrateToLatest(database);
    const port = await freePort();
    const config = resolveConfig({ port: String(port), dataDir: testDb.dataDir, databaseUrl: testDb.url, bodyLimit: '2048' });
    await createInstance(database, { slug: 'demo', name: 'Demo', baseUrls: [parseBaseUrl('/o/demo', config.publicUrl)] }, { type: 'system', id: null }, systemClock);
    const tenants = new TenantDirectory(database, config.publicUrl);
    await tenants.reload();
    const tls = { ...createSelfSignedCertificate({ commonName: 'localhost', dnsNames: ['localhost'], ipAddresses: [], notBefore: new Date(), days: 1 }), source: 'configured' as const, file: '' };
    app = await buildServer({ config, database, clock: systemClock, tenants, tls, logger: false });
    await app.register(surfaceRoutes('instance', (instance) => {
      instance.post('/api/v0/probe', {
        schema: {
          body: {
            type: 'object',
            additionalProperties: false,
            properties: { limit: { type: 'integer', minimum: 1 }, filter: { type: 'object', properties: { userIds: { type: 'array', items: { type: 'string' } } } } },
          },
        },
      }, (req) => ({ received: req.body }));
      instance.get('/api/v0/crash', () => {
        throw new Error('secret internal detail');
      });
      instance.get('/api/v0/logic', () => {
        throw apiError.logic(LogicErrorCode.UserWasAlreadyAdded, 'The user already holds this role');
      });
      instance.get('/page/crash', () => {
        throw new Error('boom');
      });
    }));
    await app.listen({ port, host: '127.0.0.1' });
    base = `https://localhost:${port}/o/demo`;
  });

  afterAll(async () => {
    await app.close();
    await database.close();
    await testDb.cleanup();
  });

  const post = (body: string, contentType = 'application/json') =>
    request(`${base}/api/v0/probe`, { method: 'POST', headers: { 'content-type': contentType }, body });

  it('accepts a valid body', async () => {
    const response = await post('{"limit":5}');
    expect(response.status).toBe(200);
    expect(response.json()).toEqual({ received: { limit: 5 } });
  });

  it('answers malformed JSON with a 400 validation error', async () => {
    const response = await post('{"limit":');
    expect(response.status).toBe(400);
    expect(response.json()).toEqual({ errors: { validation: { message: 'The body is not valid JSON' } } });
  });

  it('names the offending field of a schema violation', async () => {
    const response = await post('{"limit":0,"filter":{"userIds":[1,{}]}}');
    expect(response.status).toBe(400);
    const body = response.json<{ errors: { validation: { fields: { field: string }[] } } }>();
    expect(body.errors.validation.fields.map((f) => f.field)).toContain('limit');
  });

  it('ignores properties it does not know, as real ConCat clients send extra fields', async () => {
    const response = await post('{"limit":2,"bogus":true}');
    expect(response.status).toBe(200);
    expect(response.json()).toEqual({ received: { limit: 2 } });
  });

  it('refuses a wrong content type with 415 and an oversized body with 413', async () => {
    const wrongType = await post('limit=5', 'application/x-www-form-urlencoded');
    expect(wrongType.status).toBe(415);
    expect(wrongType.json()).toEqual({ errors: { usage: { message: 'Unsupported Content-Type: application/x-www-form-urlencoded' } } });
    const oversized = await post(JSON.stringify({ limit: 1, filter: { userIds: Array.from({ length: 500 }, (_, i) => String(i)) } }));
    expect(oversized.status).toBe(413);
    expect(oversized.json()).toEqual({ errors: { usage: { message: 'The request body is too large' } } });
  });

  it('hides internal errors behind a 500 with a tracing hash', async () => {
    const response = await request(`${base}/api/v0/crash`);
    expect(response.status).toBe(500);
    const body = response.json<{ errors: { server: { hash: string; message: string } } }>();
    expect(body.errors.server.hash).toMatch(/^[\w-]{16}$/);
    expect(response.body).not.toContain('secret internal detail');
  });

  it('reports logic errors with their ConCat code', async () => {
    const response = await request(`${base}/api/v0/logic`);
    expect(response.status).toBe(400);
    expect(response.json()).toEqual({ errors: { logic: { code: 3, message: 'The user already holds this role' } } });
  });

  it('answers unknown API routes with a 404 resource error, also to browsers', async () => {
    const response = await request(`${base}/api/v0/nothing`, { headers: { accept: 'text/html' } });
    expect(response.status).toBe(404);
    expect(response.json()).toEqual({ errors: { resource: { message: 'No such endpoint: GET /api/v0/nothing' } } });
  });

  it('shows browsers a readable page outside /api', async () => {
    const missing = await request(`${base}/nowhere`, { headers: { accept: 'text/html,application/xhtml+xml' } });
    expect(missing.status).toBe(404);
    expect(missing.headers['content-type']).toMatch(/text\/html/);
    expect(missing.body).toContain('<h1>Not found</h1>');
    const crash = await request(`${base}/page/crash`, { headers: { accept: 'text/html' } });
    expect(crash.status).toBe(500);
    expect(crash.body).toContain('Reference:');
    expect(crash.body).not.toContain('boom');
    expect(crash.headers['content-security-policy']).toContain("frame-ancestors 'none'");
  });
});
