import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { apiError } from '../../http/errors.js';
import { queryParam } from '../../http/web/form-fields.js';
import { instanceBySlug, integratedOrgIds } from '../../usage/report-subjects.js';
import { csvPeriod, usageCsv } from '../../usage/usage-csv.js';
import { usageReport } from '../../usage/usage-report.js';
import { html } from '../html.js';
import { csvFileName, sendCsv } from '../usage/csv-reply.js';
import { csvGranularityOf } from '../usage/route-inputs.js';
import { usageReportBody } from '../usage/usage-view.js';
import { developerAppOf } from './developer-app.js';
import { appPath, sendPortalPage, type PortalDependencies } from './views.js';

/** Instance slugs are short lower-case words; anything else names no instance. */
const SLUG = /^[a-z0-9][a-z0-9-]{0,62}$/;

/**
 * An app's usage in the developer portal: the last 30 days over every instance integrating it,
 * or one of them (`?instance=<slug>`), and the same as CSV. Only the app's own developer sees
 * it; another developer's app is a 404 like everywhere in the portal.
 */
export function registerPortalUsage(app: FastifyInstance, deps: PortalDependencies): void {
  const { database, clock, config } = deps;
  const db = database.db;


  /** The instance `?instance=` names: undefined for all, null (after a 404) for an unknown one. */
  async function chosenInstance(request: FastifyRequest, reply: FastifyReply): Promise<{ id: number; name: string; slug: string } | undefined | null> {
    const slug = queryParam(request.query, 'instance');
    if (slug === '') return undefined;
    const instance = SLUG.test(slug) ? await instanceBySlug(db, slug) : undefined;
    if (instance === undefined) {
      await reply.sendError(apiError.notFound('No such instance'));
      return null;
    }
    return instance;
  }

  app.get('/portal/apps/:appId/usage', async (request, reply) => {
    const found = await developerAppOf(request, reply, database);
    if (found === null) return reply;
    const instance = await chosenInstance(request, reply);
    if (instance === null) return reply;
    const base = `${appPath(found.app.id)}/usage`;
    const filter = instance === undefined ? '' : `instance=${encodeURIComponent(instance.slug)}&`;
    const report = await usageReport(
      db,
      { appId: found.app.id, orgId: instance?.id, breakdown: 'instance', alwaysList: instance === undefined ? await integratedOrgIds(db, found.app.id) : [instance.id] },
      clock,
    );
    const body = html`<p><a href="${appPath(found.app.id)}">← ${found.app.display_name}</a></p>
<h1>Usage of ${found.app.display_name}${instance === undefined ? '' : html` in ${instance.name}`}</h1>
${instance === undefined ? '' : html`<p>Only ${instance.name}. <a href="${base}">Show every instance</a></p>`}
${usageReportBody(report, {
  breakdownHeading: 'By instance',
  breakdownColumn: 'Instance',
  breakdownLink: (row) => `${base}?instance=${encodeURIComponent(row.detail)}`,
  csv: { day: `${base}.csv?${filter}by=day`, endpoint: `${base}.csv?${filter}by=endpoint` },
  flushSeconds: config.usageFlushInterval,
})}`;
    return sendPortalPage(request, reply, { title: `Usage of ${found.app.display_name}`, body, developer: found.developer });
  });

  app.get('/portal/apps/:appId/usage.csv', async (request, reply) => {
    const found = await developerAppOf(request, reply, database);
    if (found === null) return reply;
    const granularity = csvGranularityOf(request.query);
    if (typeof granularity !== 'string') return reply.sendError(granularity);
    const instance = await chosenInstance(request, reply);
    if (instance === null) return reply;
    const csv = await usageCsv(db, { appId: found.app.id, orgId: instance?.id }, granularity, clock);
    const { from, to } = csvPeriod(clock);
    return sendCsv(reply, csvFileName(['usage', String(found.app.client_id), ...(instance === undefined ? [] : [instance.slug]), `by-${granularity}`, from, to]), csv);
  });
}
