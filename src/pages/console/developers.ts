import type { FastifyInstance } from 'fastify';
import type { ServerDependencies } from '../../http/server.js';
import { html } from '../html.js';
import { listDevelopers } from './queries.js';
import { appStatusLabel, sendConsolePage } from './views.js';
import { time, wideTable } from '../components.js';

export function registerDeveloperRoutes(app: FastifyInstance, deps: ServerDependencies): void {
  app.get('/console/developers', async (request, reply) => {
    const developers = await listDevelopers(deps.database.db);
    const rows = developers.map(
      (developer) => html`<tr><td>${developer.name}<br><a href="mailto:${developer.email}">${developer.email}</a></td><td>${developer.companyName}${
        developer.companyWebsite === null ? '' : html`<br><span class="hint">${developer.companyWebsite}</span>`
      }</td><td>${time(developer.createdAt)}</td><td>${
        developer.apps.length === 0
          ? html`<span class="muted">None</span>`
          : html`<ul>${developer.apps.map((item) => html`<li><a href="/console/apps/${item.id}">${item.displayName}</a> <span class="hint">${appStatusLabel(item.status)}</span></li>`)}</ul>`
      }</td></tr>`,
    );
    const body = html`<h1>Developers</h1>
${wideTable(html`<tr><th scope="col">Developer</th><th scope="col">Company</th><th scope="col">Joined</th><th scope="col">Apps</th></tr>`, rows, 'No developers yet. Invite one from Invitations.')}`;
    return sendConsolePage(request, reply, { title: 'Developers', body, section: '/console/developers' });
  });
}
