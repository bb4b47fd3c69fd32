import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import type { Clock } from '../../clock.js';
import type { Schema } from '../../db/schema.js';
import { apiError } from '../../http/errors.js';
import type { Instance } from '../../instance/instances.js';
import { findIntegration, listIntegrations } from '../../platform/integrations.js';
import { integratedAppIds } from '../../usage/report-subjects.js';
import { csvPeriod, usageCsv } from '../../usage/usage-csv.js';
import { usageReport } from '../../usage/usage-report.js';
import { html, type SafeHtml } from '../html.js';
import { csvFileName, sendCsv } from '../usage/csv-reply.js';
import { idParam } from '../../http/web/form-fields.js';
import { csvGranularityOf } from '../usage/route-inputs.js';
import { usageReportBody } from '../usage/usage-view.js';
import type { PageContext, Section } from './views.js';

/** What the Housekeeping area hands its usage pages: who is looking, and how to send a page in its layout. */
export interface HousekeepingUsageDeps {
  db: Kysely<Schema>;
  clock: Clock;
  /** config usageFlushInterval, in seconds. */
  flushSeconds: number;
  viewerOf: (request: FastifyRequest) => { instance: Instance; context: PageContext };
  show: (request: FastifyRequest, reply: FastifyReply, section: Section, title: string, body: SafeHtml) => FastifyReply;
}

/**
 * Usage in Housekeeping: the apps integrated in THIS instance over the last 30 days, and one
 * integration's; both as CSV. Every query is scoped by the instance, so another instance's usage
 * never shows, even for an app integrated in both. Needs oauth:manage (the area's default).
 */
export function registerHousekeepingUsage(app: FastifyInstance, deps: HousekeepingUsageDeps): void {
  const { db, clock, viewerOf, show } = deps;

  app.get('/housekeeping/usage', async (request, reply) => {
    const { instance, context } = viewerOf(request);
    const [report, integrations] = await Promise.all([
      usageReport(db, { orgId: instance.orgId, breakdown: 'app', alwaysList: await integratedAppIds(db, instance.orgId) }, clock),
      listIntegrations(db, instance.orgId),
    ]);
    const integrationOfApp = new Map(integrations.map((i) => [i.appId, i.id]));
    const base = `${context.prefix}/housekeeping/usage`;
    const body = html`<h1>Usage</h1>
<p>How the apps integrated in ${context.instanceName} use its API.</p>
${usageReportBody(report, {
  breakdownHeading: 'By integration',
  breakdownColumn: 'App (API ID)',
  breakdownLink: (row) => {
    const id = integrationOfApp.get(row.id);
    return id === undefined ? null : `${context.prefix}/housekeeping/integrations/${id}/usage`;
  },
  csv: { day: `${base}.csv?by=day`, endpoint: `${base}.csv?by=endpoint` },
  flushSeconds: deps.flushSeconds,
})}`;
    return show(request, reply, 'usage', 'Usage', body);
  });

  app.get('/housekeeping/usage.csv', async (request, reply) => {
    const { instance } = viewerOf(request);
    const granularity = csvGranularityOf(request.query);
    if (typeof granularity !== 'string') return reply.sendError(granularity);
    const { from, to } = csvPeriod(clock);
    return sendCsv(reply, csvFileName(['usage', instance.slug, `by-${granularity}`, from, to]), await usageCsv(db, { orgId: instance.orgId }, granularity, clock));
  });

  app.get('/housekeeping/integrations/:id/usage', async (request, reply) => {
    const { instance, context } = viewerOf(request);
    const id = idParam(request.params, 'id');
    const integration = id === null ? undefined : await findIntegration(db, instance.orgId, id);
    if (integration === undefined) return reply.sendError(apiError.notFound('There is no such integration in this instance.'));
    const report = await usageReport(db, { orgId: instance.orgId, appId: integration.appId, breakdown: 'instance', alwaysList: [] }, clock);
    const base = `${context.prefix}/housekeeping/integrations/${integration.id}`;
    const body = html`<p><a href="${context.prefix}/housekeeping/usage">← Usage of every integration</a> · <a href="${base}">${integration.appName}: permissions</a></p>
<h1>Usage of ${integration.appName} <span class="hint">API ID ${integration.clientId}</span></h1>
${usageReportBody(report, {
  breakdownHeading: null,
  breakdownColumn: 'Instance',
  breakdownLink: () => null,
  csv: { day: `${base}/usage.csv?by=day`, endpoint: `${base}/usage.csv?by=endpoint` },
  flushSeconds: deps.flushSeconds,
})}`;
    return show(request, reply, 'usage', `Usage of ${integration.appName}`, body);
  });

  app.get('/housekeeping/integrations/:id/usage.csv', async (request, reply) => {
    const { instance } = viewerOf(request);
    const id = idParam(request.params, 'id');
    const integration = id === null ? undefined : await findIntegration(db, instance.orgId, id);
    if (integration === undefined) return reply.sendError(apiError.notFound('There is no such integration in this instance.'));
    const granularity = csvGranularityOf(request.query);
    if (typeof granularity !== 'string') return reply.sendError(granularity);
    const { from, to } = csvPeriod(clock);
    const csv = await usageCsv(db, { orgId: instance.orgId, appId: integration.appId }, granularity, clock);
    return sendCsv(reply, csvFileName(['usage', instance.slug, String(integration.clientId), `by-${granularity}`, from, to]), csv);
  });
}
