import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { expect } from 'vitest';
import { request, type SimpleResponse } from './https-client.js';

/**
 * A client of an instance's resource API for tests. Every response it receives is checked
 * against the instance's own OpenAPI document (`/api/docs/openapi.json`): the documented path,
 * method and status must exist and the body must match its schema. So every API test also tests
 * the document.
 */
export interface ApiClient {
  get(path: string, token?: string | null, headers?: Record<string, string>): Promise<SimpleResponse>;
  post(path: string, body: unknown, token?: string | null, headers?: Record<string, string>): Promise<SimpleResponse>;
  put(path: string, body: unknown, token?: string | null, headers?: Record<string, string>): Promise<SimpleResponse>;
  patch(path: string, body: unknown, token?: string | null, headers?: Record<string, string>): Promise<SimpleResponse>;
  delete(path: string, token?: string | null, headers?: Record<string, string>): Promise<SimpleResponse>;
  /** Sends a raw request (e.g. a malformed body); the response is still checked. */
  raw(method: string, path: string, options: { body?: string; headers?: Record<string, string> }): Promise<SimpleResponse>;
}

interface OpenApiOperation {
  responses?: Record<string, { content?: Record<string, { schema?: unknown }> }>;
}
type OpenApiDocument = { paths?: Record<string, Record<string, OpenApiOperation>> };

const documents = new Map<string, Promise<OpenApiDocument>>();

async function documentOf(base: string): Promise<OpenApiDocument> {
  let loaded = documents.get(base);
  if (loaded === undefined) {
    loaded = request(`${base}/api/docs/openapi.json`).then((res) => {
      if (res.status !== 200) throw new Error(`no OpenAPI document at ${base}: ${res.status}`);
      return res.json<OpenApiDocument>();
    });
    documents.set(base, loaded);
  }
  return loaded;
}

const ajv = new Ajv2020({ strict: false, allErrors: true });
addFormats.default(ajv);

/**
 * The documented path template (`/api/v0/users/{userId}`) that a concrete path matches; the most
 * literal one when several do, as the router picks (`/users/search` over `/users/{userId}`).
 */
function templateFor(document: OpenApiDocument, path: string): string | undefined {
  const matching = Object.keys(document.paths ?? {}).filter((template) => {
    const pattern = new RegExp(`^${template.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\\?\{[^}]+\\?\}/g, '[^/]+')}$`);
    return pattern.test(path);
  });
  const parameters = (template: string) => (template.match(/\{/g) ?? []).length;
  return matching.sort((a, b) => parameters(a) - parameters(b))[0];
}

/** Fails the test unless the response is one the document describes. */
export async function expectDocumentedResponse(base: string, method: string, path: string, response: SimpleResponse): Promise<void> {
  const document = await documentOf(base);
  const pathOnly = path.split('?')[0] ?? path;
  const template = templateFor(document, pathOnly);
  expect(template, `${method} ${pathOnly} is not in the OpenAPI document`).toBeDefined();
  if (template === undefined) return;
  const operation = document.paths?.[template]?.[method.toLowerCase()];
  expect(operation, `${method} ${template} is not in the OpenAPI document`).toBeDefined();
  const documented = operation?.responses?.[String(response.status)] ?? operation?.responses?.[`${String(response.status).charAt(0)}XX`];
  expect(documented, `${method} ${template} does not document status ${response.status} (body ${response.body.slice(0, 300)})`).toBeDefined();
  const schema = documented?.content?.['application/json']?.schema;
  if (schema === undefined || response.body === '') return;
  const validate = ajv.compile(schema as object);
  const valid = validate(JSON.parse(response.body));
  expect(valid, `${method} ${template} ${response.status} does not match its documented schema: ${ajv.errorsText(validate.errors)}\n${response.body.slice(0, 500)}`).toBe(true);
}

export function apiClient(base: string): ApiClient {
  const send = async (method: string, path: string, options: { body?: string; headers?: Record<string, string> }): Promise<SimpleResponse> => {
    const response = await request(`${base}${path}`, { method, headers: options.headers ?? {}, ...(options.body === undefined ? {} : { body: options.body }) });
    await expectDocumentedResponse(base, method, path, response);
    return response;
  };
  const auth = (token: string | null | undefined, headers: Record<string, string> = {}): Record<string, string> =>
    token === undefined || token === null ? headers : { authorization: `Bearer ${token}`, ...headers };
  const json = (body: unknown, token: string | null | undefined, headers?: Record<string, string>) => ({
    body: JSON.stringify(body),
    headers: { 'content-type': 'application/json', ...auth(token, headers) },
  });
  return {
    get: (path, token, headers) => send('GET', path, { headers: auth(token, headers) }),
    post: (path, body, token, headers) => send('POST', path, json(body, token, headers)),
    put: (path, body, token, headers) => send('PUT', path, json(body, token, headers)),
    patch: (path, body, token, headers) => send('PATCH', path, json(body, token, headers)),
    delete: (path, token, headers) => send('DELETE', path, { headers: auth(token, headers) }),
    raw: (method, path, options) => send(method, path, options),
  };
}
