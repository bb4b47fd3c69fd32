import type { FastifyInstance } from 'fastify';
import type { Database } from '../db/database.js';

/** How long /readyz waits for the database before calling it unreachable. */
const READY_TIMEOUT_MS = 2000;

const statusSchema = {
  200: { type: 'object', properties: { status: { type: 'string' } }, required: ['status'] },
  503: { type: 'object', properties: { status: { type: 'string' }, reason: { type: 'string' } }, required: ['status'] },
};

export function registerHealthRoutes(app: FastifyInstance, database: Database): void {
  // Alive: the process answers. Never touches the database, so a slow database does not get it killed.
  app.get('/healthz', { schema: { response: statusSchema }, logLevel: 'warn' }, () => ({ status: 'ok' }));

  // Ready: the database answers a query.
  app.get('/readyz', { schema: { response: statusSchema }, logLevel: 'warn' }, async (request, reply) => {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('database did not answer in time')), READY_TIMEOUT_MS);
    });
    try {
      await Promise.race([database.ping(), timeout]);
      return { status: 'ready' };
    } catch (error) {
      request.log.warn({ err: error }, 'readiness check failed');
      return reply.code(503).send({ status: 'unavailable', reason: 'database unreachable' });
    } finally {
      clearTimeout(timer);
    }
  });
}
