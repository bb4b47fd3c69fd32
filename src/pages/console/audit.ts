import type { FastifyInstance } from 'fastify';
import type { ServerDependencies } from '../../http/server.js';
import { html } from '../html.js';
import { platformAuditPage, type AuditRow } from './queries.js';
import { sendConsolePage } from './views.js';
import { time, wideTable } from '../components.js';
import { queryParam } from '../../http/web/form-fields.js';

/** Entries per page of the audit log. */
const AUDIT_PAGE_SIZE = 50;

function actor(row: AuditRow): string {
  if (row.actorName !== null) return `${row.actorType} ${row.actorName}`;
  return row.actorId === null ? row.actorType : `${row.actorType} #${row.actorId}`;
}

export function registerAuditRoutes(app: FastifyInstance, deps: ServerDependencies): void {
  app.get('/console/audit', async (request, reply) => {
    const beforeText = queryParam(request.query, 'before');
    const before = /^[1-9]\d{0,14}$/.test(beforeText) ? Number(beforeText) : null;
    const page = await platformAuditPage(deps.database.db, { before, limit: AUDIT_PAGE_SIZE });
    const rows = page.rows.map(
      (row) => html`<tr><td>${time(row.at)}</td><td>${actor(row)}</td><td><code>${row.action}</code></td><td>${row.targetType ?? ''}${row.targetId === null ? '' : html` #${row.targetId}`}</td><td><code class="wrap">${row.details === '{}' ? '' : row.details}</code></td><td>${row.ip ?? ''}</td></tr>`,
    );
    const pager = html`<nav aria-label="Audit log pages" class="pager">${before === null ? '' : html`<a href="/console/audit">Newest</a>`}${
      page.olderBefore === null ? '' : html`<a href="/console/audit?before=${page.olderBefore}">Older entries</a>`
    }</nav>`;
    const body = html`<h1>Audit log</h1>
<p>Acts on the platform (operators, developers, apps, invitations), newest first. Each instance keeps its own log in Housekeeping.</p>
${wideTable(html`<tr><th scope="col">When</th><th scope="col">Who</th><th scope="col">Action</th><th scope="col">Target</th><th scope="col">Details</th><th scope="col">Address</th></tr>`, rows, 'No entries.')}
${pager}`;
    return sendConsolePage(request, reply, { title: 'Audit log', body, section: '/console/audit' });
  });
}
