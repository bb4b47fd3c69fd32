import type { FastifyInstance } from 'fastify';
import type { Database } from '../db/database.js';
import { baseUrlString, listInstances, primaryBaseUrl } from '../instance/instances.js';
import { html } from '../pages/html.js';
import { STYLESHEET_PATH, layout } from '../pages/layout.js';
import { STYLESHEET } from '../pages/stylesheet.js';

/** The one stylesheet, served on both surfaces so instance pages stay under their base URL. */
export function registerStylesheet(app: FastifyInstance): void {
  app.get(STYLESHEET_PATH, (_request, reply) => reply.type('text/css; charset=utf-8').header('cache-control', 'public, max-age=3600').send(STYLESHEET));
}

/** The platform host's front page: what is served here and where. */
export function registerPlatformHome(app: FastifyInstance, database: Database, publicUrl: URL): void {
  app.get('/', async (_request, reply) => {
    const instances = await listInstances(database);
    const rows = instances.map((instance) => {
      const base = primaryBaseUrl(instance);
      const url = base === undefined ? '' : baseUrlString(base, publicUrl);
      return html`<tr><td>${instance.name}</td><td><a href="${url}/">${url}</a></td></tr>`;
    });
    const body = html`<h1>ConCat developer platform</h1>
<p>This server hosts the developer program and the event instances below. Every instance has its own
OAuth authorization server and API under its base URL.</p>
<h2>Instances</h2>
${instances.length === 0 ? html`<p class="muted">No instances yet.</p>` : html`<table><thead><tr><th>Organization</th><th>Base URL</th></tr></thead><tbody>${rows}</tbody></table>`}`;
    return reply.type('text/html; charset=utf-8').send(layout({ title: 'ConCat developer platform', body }));
  });
}

/** An instance's front page. */
export function registerInstanceHome(app: FastifyInstance): void {
  app.get('/', (request, reply) => {
    const tenant = request.tenant;
    if (tenant.kind !== 'instance') return reply.callNotFound();
    const body = html`<h1>${tenant.instance.name}</h1>
<p>Base URL: <code>${tenant.baseUrl}</code></p>
<p><a href="${tenant.pathPrefix}/login">Sign in</a> · <a href="${tenant.pathPrefix}/account/profile">Your profile</a> · <a href="${tenant.pathPrefix}/account/apps">Connected apps</a> (the apps you allowed to use your account) · <a href="${tenant.pathPrefix}/housekeeping">Housekeeping</a> (organization admins: integrations and the organization's own apps)</p>`;
    return reply.type('text/html; charset=utf-8').send(layout({ title: tenant.instance.name, body, assetBase: tenant.pathPrefix, heading: tenant.instance.name }));
  });
}
