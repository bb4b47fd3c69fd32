import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import { MAX_ROW_ID } from '../../db/row-id.js';
import type { Schema } from '../../db/schema.js';
import { eventFeedPage, type EventFeedPage, type FeedEvent } from '../../events/event-feed.js';
import { findEventType } from '../../events/event-types.js';
import type { Instance } from '../../instance/instances.js';
import type { InstancePermission } from '../../instance/permissions.js';
import { html, type SafeHtml } from '../html.js';
import type { PageContext, Section } from './views.js';

/** What the Housekeeping area hands its activity feed: who is looking, and how to send a page in its layout. */
export interface HousekeepingActivityDeps {
  db: Kysely<Schema>;
  /** The permissions that open the feed (the audit log's). */
  access: readonly InstancePermission[];
  viewerOf: (request: FastifyRequest) => { instance: Instance; context: PageContext };
  show: (request: FastifyRequest, reply: FastifyReply, section: Section, title: string, body: SafeHtml) => FastifyReply;
}

/**
 * The activity feed (`/housekeeping/activity`): the instance's domain events, newest first, a page
 * at a time; what webhooks deliver to subscribers. Opens to oauth:manage and audit:read, like the
 * audit log. Every query is scoped by the instance, so another instance's events never show.
 */
export function registerHousekeepingActivity(app: FastifyInstance, deps: HousekeepingActivityDeps): void {
  const { db, access, viewerOf, show } = deps;
  app.get<{ Querystring: { before?: number } }>(
    '/housekeeping/activity',
    { config: { housekeepingAccess: access }, schema: { querystring: { type: 'object', properties: { before: { type: 'integer', minimum: 1, maximum: MAX_ROW_ID } } } } },
    async (request, reply) => {
      const { instance, context } = viewerOf(request);
      const page = await eventFeedPage(db, instance.orgId, request.query.before ?? null);
      return show(request, reply, 'activity', 'Activity', activityPage(context, page));
    },
  );
}

/** 'app 4310001' (its client_id), 'user 42', or 'system'. */
function actorLabel(event: FeedEvent): string {
  return event.actorId === null ? event.actorType : `${event.actorType} ${event.actorId}`;
}

function activityPage(context: PageContext, page: EventFeedPage): SafeHtml {
  const rows = page.events.map(
    (e) => html`<tr>
<td>${e.occurredAt.slice(0, 19).replace('T', ' ')}</td>
<td><code>${e.type}</code><br><span class="hint">${findEventType(e.type)?.description ?? ''}</span></td>
<td>${e.subjectType} ${e.subjectId}</td>
<td>${actorLabel(e)}</td>
<td><code class="hint wrap">${e.data}</code></td>
</tr>`,
  );
  return html`<h1>Activity</h1>
<p>The changes to ${context.instanceName}'s data, newest first, as integrations are told about them. Times are UTC.</p>
${page.events.length === 0
    ? html`<p class="muted">Nothing has happened${page.before === null ? ' yet' : ' before this point'}.</p>`
    : html`<div class="table-scroll"><table><thead><tr><th scope="col">Time</th><th scope="col">Event</th><th scope="col">About</th><th scope="col">Who</th><th scope="col">Data</th></tr></thead><tbody>${rows}</tbody></table></div>`}
<nav aria-label="Pages" class="pager">${page.before === null ? '' : html`<a href="${context.prefix}/housekeeping/activity">Newest</a>`}${page.olderBefore === null ? '' : html`<a href="${context.prefix}/housekeeping/activity?before=${page.olderBefore}">Older events</a>`}</nav>`;
}
