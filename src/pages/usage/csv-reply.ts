import type { FastifyReply } from 'fastify';

/** A file name safe in a Content-Disposition header and on every file system: letters, digits, dot, dash, underscore. */
export function csvFileName(parts: readonly string[]): string {
  const name = parts
    .join('-')
    .replace(/[^A-Za-z0-9._-]+/g, '-')
    .replace(/-{2,}/g, '-')
    .replace(/^[-.]+|[-.]+$/g, '')
    .slice(0, 120);
  return `${name === '' ? 'usage' : name}.csv`;
}

/** Sends a CSV document as a download. */
export function sendCsv(reply: FastifyReply, fileName: string, body: string): FastifyReply {
  return reply
    .code(200)
    .header('content-type', 'text/csv; charset=utf-8')
    .header('content-disposition', `attachment; filename="${fileName}"`)
    .header('cache-control', 'no-store')
    .send(body);
}
