import type { FastifyInstance } from 'fastify';
import type { MailStatus } from '../../db/schema.js';
import { apiError } from '../../http/errors.js';
import type { ServerDependencies } from '../../http/server.js';
import { getMail, listMail } from '../../mail/outbox-listing.js';
import { html } from '../html.js';
import { sendConsolePage } from './views.js';
import { statusBadge, time, wideTable } from '../components.js';
import { idParam, queryParam } from '../../http/web/form-fields.js';

/** Messages per page of the outbox. */
const MAIL_PAGE_SIZE = 50;

const MAIL_STATUSES: readonly MailStatus[] = ['queued', 'sent', 'failed'];

function isMailStatus(value: string): value is MailStatus {
  return MAIL_STATUSES.some((status) => status === value);
}

export function registerMailRoutes(app: FastifyInstance, deps: ServerDependencies): void {
  const db = deps.database.db;
  const delivery = deps.config.smtpUrl === null ? 'written to the outbox folder in the data directory' : 'sent through the configured SMTP server';

  app.get('/console/mail', async (request, reply) => {
    const statusText = queryParam(request.query, 'status');
    const status = isMailStatus(statusText) ? statusText : undefined;
    const beforeText = queryParam(request.query, 'before');
    const beforeId = /^[1-9]\d{0,14}$/.test(beforeText) ? Number(beforeText) : undefined;
    const page = await listMail(db, { status, beforeId, limit: MAIL_PAGE_SIZE });
    const statusQuery = status === undefined ? '' : `&status=${status}`;
    const rows = page.messages.map(
      (message) => html`<tr><td>${time(message.createdAt)}</td><td>${message.to}</td><td><a href="/console/mail/${message.id}">${message.subject}</a><br><span class="hint">${message.kind}</span></td><td>${statusBadge(message.status)}${
        message.lastError === null ? '' : html`<br><span class="hint">${message.lastError}</span>`
      }</td></tr>`,
    );
    const filter = html`<form method="get" action="/console/mail"><label for="f-status">Status</label>
<select id="f-status" name="status"><option value="">All</option>${MAIL_STATUSES.map((s) => html`<option value="${s}"${s === status ? html` selected` : ''}>${s}</option>`)}</select>
<button type="submit">Show</button></form>`;
    const pager = html`<nav aria-label="Outbox pages" class="pager">${beforeId === undefined ? '' : html`<a href="/console/mail${status === undefined ? '' : `?status=${status}`}">Newest</a>`}${
      page.nextBeforeId === null ? '' : html`<a href="/console/mail?before=${page.nextBeforeId}${statusQuery}">Older messages</a>`
    }</nav>`;
    const body = html`<h1>Mail outbox</h1>
<p>Every email the platform queued, newest first. Messages are ${delivery}; failed attempts are retried.</p>
${filter}
${wideTable(html`<tr><th scope="col">Queued</th><th scope="col">To</th><th scope="col">Subject</th><th scope="col">Status</th></tr>`, rows, 'No mail yet.')}
${pager}`;
    return sendConsolePage(request, reply, { title: 'Mail outbox', body, section: '/console/mail' });
  });

  app.get('/console/mail/:id', async (request, reply) => {
    const id = idParam(request.params);
    const message = id === null ? null : await getMail(db, id);
    if (message === null) throw apiError.notFound('No such message');
    const body = html`<p><a href="/console/mail">Mail outbox</a></p>
<h1>${message.subject}</h1>
<dl>
<dt>To</dt><dd>${message.to}</dd>
<dt>Kind</dt><dd><code>${message.kind}</code></dd>
<dt>Status</dt><dd>${statusBadge(message.status)} after ${message.attempts} attempt${message.attempts === 1 ? '' : 's'}${message.lastError === null ? '' : html` <span class="hint">last error: ${message.lastError}</span>`}</dd>
<dt>Queued</dt><dd>${time(message.createdAt)}</dd>
<dt>Sent</dt><dd>${time(message.sentAt)}</dd>
</dl>
<h2>Message</h2>
<pre class="mail-text">${message.text}</pre>
<details><summary>HTML version (source)</summary><pre class="mail-text">${message.html}</pre></details>`;
    return sendConsolePage(request, reply, { title: message.subject, body, section: '/console/mail' });
  });
}
