import type { FastifyInstance } from 'fastify';
import { apiError } from '../../http/errors.js';
import type { ServerDependencies } from '../../http/server.js';
import { approvedAppIds, integratedOrgIds } from '../../usage/report-subjects.js';
import { csvPeriod, usageCsv } from '../../usage/usage-csv.js';
import { usageReport } from '../../usage/usage-report.js';
import { html } from '../html.js';
import { csvFileName, sendCsv } from '../usage/csv-reply.js';
import { idParam } from '../../http/web/form-fields.js';
import { csvGranularityOf } from '../usage/route-inputs.js';
import { usageReportBody } from '../usage/usage-view.js';
import { sendConsolePage } from './views.js';

const USAGE = '/console/usage';

function appUsagePath(appId: number): string {
  return `${USAGE}/apps/${appId}`;
}

/** Usage for operators: every app on the platform over the last 30 days, then one app per instance; both as CSV. */
export function registerUsageRoutes(app: FastifyInstance, deps: ServerDependencies): void {
  const { clock, config } = deps;
  const db = deps.database.db;

  app.get(USAGE, async (request, reply) => {
    const report = await usageReport(db, { breakdown: 'app', alwaysList: await approvedAppIds(db) }, clock);
    const body = html`<h1>Usage</h1>
${usageReportBody(report, {
  breakdownHeading: 'By app',
  breakdownColumn: 'App (API ID)',
  breakdownLink: (row) => appUsagePath(row.id),
  csv: { day: `${USAGE}.csv?by=day`, endpoint: `${USAGE}.csv?by=endpoint` },
  flushSeconds: config.usageFlushInterval,
})}`;
    return sendConsolePage(request, reply, { title: 'Usage', body, section: USAGE });
  });

  app.get(`${USAGE}.csv`, async (request, reply) => {
    const granularity = csvGranularityOf(request.query);
    if (typeof granularity !== 'string') return reply.sendError(granularity);
    const { from, to } = csvPeriod(clock);
    return sendCsv(reply, csvFileName(['usage', 'all-apps', `by-${granularity}`, from, to]), await usageCsv(db, {}, granularity, clock));
  });

  /** The app the path names, or undefined (answered with 404). */
  const namedApp = async (params: unknown) => {
    const appId = idParam(params, 'appId');
    return appId === null ? undefined : db.selectFrom('apps').select(['id', 'client_id', 'display_name']).where('id', '=', appId).executeTakeFirst();
  };

  app.get(`${USAGE}/apps/:appId`, async (request, reply) => {
    const found = await namedApp(request.params);
    if (found === undefined) return reply.sendError(apiError.notFound('No such app'));
    const report = await usageReport(db, { appId: found.id, breakdown: 'instance', alwaysList: await integratedOrgIds(db, found.id) }, clock);
    const base = appUsagePath(found.id);
    const body = html`<p><a href="${USAGE}">← Usage of every app</a> · <a href="/console/apps/${found.id}">${found.display_name} in the console</a></p>
<h1>Usage of ${found.display_name} <span class="hint">API ID ${found.client_id}</span></h1>
${usageReportBody(report, {
  breakdownHeading: 'By instance',
  breakdownColumn: 'Instance',
  breakdownLink: () => null,
  csv: { day: `${base}/usage.csv?by=day`, endpoint: `${base}/usage.csv?by=endpoint` },
  flushSeconds: config.usageFlushInterval,
})}`;
    return sendConsolePage(request, reply, { title: `Usage of ${found.display_name}`, body, section: USAGE });
  });

  app.get(`${USAGE}/apps/:appId/usage.csv`, async (request, reply) => {
    const found = await namedApp(request.params);
    if (found === undefined) return reply.sendError(apiError.notFound('No such app'));
    const granularity = csvGranularityOf(request.query);
    if (typeof granularity !== 'string') return reply.sendError(granularity);
    const { from, to } = csvPeriod(clock);
    return sendCsv(reply, csvFileName(['usage', String(found.client_id), `by-${granularity}`, from, to]), await usageCsv(db, { appId: found.id }, granularity, clock));
  });
}
