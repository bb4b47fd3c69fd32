import type { FastifyInstance } from 'fastify';

/**
 * Reads an empty `application/json` body as no body on routes that take none (PUT and DELETE
 * of an assignment): clients that set `Content-Type: application/json` on every request send it
 * with an empty body, which Fastify's JSON parser refuses. Call it inside the routes' own plugin;
 * a non-empty body is parsed (and refused when it is not JSON) as before.
 */
export function acceptEmptyJsonBody(app: FastifyInstance, methods: readonly string[]): void {
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    const text = typeof body === 'string' ? body : body.toString('utf8');
    if (methods.includes(request.method) && text.length === 0) done(null, undefined);
    else void parseJson(request, text, done);
  });
}
