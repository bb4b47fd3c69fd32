import { createHash } from 'node:crypto';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { html } from '../pages/html.js';
import { layout } from '../pages/layout.js';
import { ApiError, apiError, categoryForStatus, errorEnvelope, type FieldProblem } from './errors.js';

declare module 'fastify' {
  interface FastifyReply {
    /** Sends an ApiError as the ConCat envelope, or as a readable page to a browser. */
    sendError(error: ApiError): FastifyReply;
  }
}

const STATUS_TITLES: Record<number, string> = {
  400: 'Bad request',
  401: 'Sign-in required',
  403: 'Forbidden',
  404: 'Not found',
  413: 'Request too large',
  415: 'Unsupported content type',
  429: 'Too many requests',
  500: 'Something went wrong',
  503: 'Unavailable',
};

function isApiPath(url: string): boolean {
  return url.startsWith('/api/') || url === '/api';
}

function wantsHtml(request: FastifyRequest): boolean {
  return !isApiPath(request.url) && (request.headers.accept ?? '').includes('text/html');
}

function fieldsOf(validation: NonNullable<FastifyError['validation']>, context: FastifyError['validationContext']): FieldProblem[] {
  return validation.map((issue) => {
    const base = issue.instancePath.replace(/^\//, '').replace(/\//g, '.');
    const missing = typeof issue.params.missingProperty === 'string' ? issue.params.missingProperty : undefined;
    const extra = typeof issue.params.additionalProperty === 'string' ? issue.params.additionalProperty : undefined;
    const leaf = missing ?? extra;
    const field = [context === 'body' ? '' : context, base, leaf].filter((p) => p !== undefined && p !== '').join('.');
    const message = extra !== undefined ? 'is not an accepted property' : (issue.message ?? 'is invalid');
    return { field: field === '' ? '(body)' : field, message };
  });
}

/** Turns anything thrown into the ApiError the client sees. Unknown errors become a 500 with a trace hash. */
function toApiError(error: unknown, request: FastifyRequest): ApiError {
  if (error instanceof ApiError) return error;
  const fastifyError: Partial<FastifyError> = error instanceof Error ? error : {};
  if (fastifyError.validation !== undefined) {
    const fields = fieldsOf(fastifyError.validation, fastifyError.validationContext);
    const summary = fields.map((f) => `${f.field} ${f.message}`).join('; ');
    return apiError.validation(`Invalid request: ${summary}`, fields);
  }
  const status = fastifyError.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    const message =
      fastifyError.code === 'FST_ERR_CTP_INVALID_JSON_BODY' ? 'The body is not valid JSON'
      : fastifyError.code === 'FST_ERR_CTP_BODY_TOO_LARGE' ? 'The request body is too large'
      : fastifyError.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE' ? `Unsupported Content-Type: ${request.headers['content-type'] ?? '(none)'}`
      : (fastifyError.message ?? STATUS_TITLES[status] ?? 'Bad request');
    return new ApiError(status, categoryForStatus(status), { message });
  }
  return new ApiError(500, 'server', { message: 'Internal error; quote the hash to support', hash: traceHash(request.id) });
}

/** The tracing hash a client quotes to support; it names the request id in our logs. */
function traceHash(requestId: string): string {
  return createHash('sha256').update(requestId).digest('base64url').slice(0, 16);
}

function errorPage(request: FastifyRequest, error: ApiError): string {
  const title = STATUS_TITLES[error.statusCode] ?? 'Error';
  const hash = typeof error.detail.hash === 'string' ? error.detail.hash : undefined;
  const assetBase = request.tenant.kind === 'instance' ? request.tenant.pathPrefix : '';
  return layout({
    title,
    assetBase,
    body: html`<h1>${title}</h1><p>${error.detail.message}</p>${hash === undefined ? '' : html`<p class="muted">Reference: <code>${hash}</code></p>`}`,
  });
}

export function installErrorHandling(app: FastifyInstance): void {
  app.decorateReply('sendError', function (this: FastifyReply, error: ApiError) {
    void this.code(error.statusCode).headers(error.headers);
    if (wantsHtml(this.request)) return this.type('text/html; charset=utf-8').send(errorPage(this.request, error));
    return this.type('application/json; charset=utf-8').send(errorEnvelope(error.category, error.detail));
  });

  app.setErrorHandler((error, request, reply) => {
    const apiErr = toApiError(error, request);
    if (apiErr.statusCode >= 500) request.log.error({ err: error, hash: apiErr.detail.hash }, 'request failed');
    return reply.sendError(apiErr);
  });

  app.setNotFoundHandler((request, reply) => {
    const message =
      request.tenant.kind === 'unknown'
        ? 'No instance or platform is served at this address'
        : `No such endpoint: ${request.method} ${request.url.split('?')[0] ?? ''}`;
    return reply.sendError(apiError.notFound(message));
  });
}
