import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { DemoSummary } from '../src/demo/seed.js';
import { SERVICE_SCOPE_NAMES } from '../src/oauth/scopes.js';
import { request } from '../test/support/https-client.js';
import { freePort } from '../test/support/platform.js';
import { createBenchDatabase, type Engine } from './bench-database.js';
import { measure, median, type LoadOptions, type Measurement } from './measure.js';
import { cpuSeconds, pinLoadGenerator, pinning, root, runConcat, startProcess, stopProcess } from './processes.js';
import { benchWebhookDelivery, type WebhookBenchResult } from './webhook-delivery.js';

/**
 * `npm run bench`: the platform seeded with `concat seed --users N` (100,000 by default), served
 * by `concat serve` on one core, loaded by autocannon on the other over keep-alive HTTPS
 * connections. Every scenario alternates rounds with the trivial endpoint of the same server
 * (`/healthz`) and is reported as a ratio to it, since this machine's absolute numbers swing
 * 2-3x between runs. SQLite always; PostgreSQL too when a server is named (--postgres-url or
 * BENCH_POSTGRES_URL; the run uses a schema of its own and drops it). The `webhooks` scenario
 * (bench/webhook-delivery.ts) measures delivery from a committed change to a local receiver.
 */
const { values } = parseArgs({
  options: {
    duration: { type: 'string', default: process.env.BENCH_DURATION ?? '3' },
    rounds: { type: 'string', default: process.env.BENCH_ROUNDS ?? '3' },
    connections: { type: 'string', default: '50' },
    users: { type: 'string', default: process.env.BENCH_USERS ?? '100000' },
    'postgres-url': { type: 'string', default: process.env.BENCH_POSTGRES_URL },
    engines: { type: 'string' },
    only: { type: 'string', default: '' },
    out: { type: 'string', default: 'bench/results.md' },
    'webhook-changes': { type: 'string', default: '40' },
    'webhook-queued': { type: 'string', default: '2000' },
  },
});
const durationSeconds = Number(values.duration);
const rounds = Number(values.rounds);
const connections = Number(values.connections);
const users = Number(values.users);
const postgresUrl = values['postgres-url'];
const engines = (values.engines ?? (postgresUrl === undefined ? 'sqlite' : 'sqlite,postgres')).split(',').filter((e): e is Engine => e === 'sqlite' || e === 'postgres');
const only = new RegExp(values.only ?? '');

/** Every limit at its maximum: the limiter still runs (its cost is measured) but never refuses. */
const UNLIMITED = '10000000';
const RATE_LIMITS_OFF = {
  CONCAT_RATE_LIMIT_API: UNLIMITED,
  CONCAT_RATE_LIMIT_API_ADDRESS: UNLIMITED,
  CONCAT_RATE_LIMIT_TOKEN: UNLIMITED,
  CONCAT_RATE_LIMIT_TOKEN_ADDRESS: UNLIMITED,
  CONCAT_RATE_LIMIT_ANONYMOUS: UNLIMITED,
};

interface Scenario {
  key: string;
  name: string;
  load: Omit<LoadOptions, 'connections' | 'durationSeconds'>;
}

interface ScenarioResult {
  scenario: Scenario;
  subject: Measurement[];
  /** `/healthz` rounds alternated with the subject's. */
  reference: Measurement[];
  cpuMsPerRequest: number[];
  referenceCpuMsPerRequest: number[];
}

interface EngineReport {
  engine: Engine;
  seedSeconds: number;
  registrations: number;
  deepPage: number;
  results: ScenarioResult[];
  webhooks: WebhookBenchResult | undefined;
}

const form = { 'content-type': 'application/x-www-form-urlencoded' };
const json = { 'content-type': 'application/json' };

function log(message: string): void {
  process.stderr.write(`bench: ${message}\n`);
}

async function issueToken(instanceBase: string, credentials: string): Promise<string> {
  const response = await request(`${instanceBase}/api/oauth/token`, { method: 'POST', headers: form, body: `grant_type=client_credentials&${credentials}` });
  const token: unknown = response.json<Record<string, unknown>>().access_token;
  if (response.status !== 200 || typeof token !== 'string') throw new Error(`could not get a token: ${response.status} ${response.body}`);
  return token;
}

interface SearchPage {
  data: unknown[];
  nextPage: string | null;
  hasMore: boolean;
}

async function searchPage(url: string, token: string, body: Record<string, unknown>): Promise<SearchPage> {
  const response = await request(url, { method: 'POST', headers: { ...json, authorization: `Bearer ${token}` }, body: JSON.stringify(body) });
  if (response.status !== 200) throw new Error(`${url}: ${response.status} ${response.body.slice(0, 300)}`);
  return response.json<SearchPage>();
}

/** Walks every page of the registration search; the cursor of the page at 90% of the way, and the totals. */
async function deepCursor(url: string, token: string): Promise<{ cursor: string; page: number; registrations: number }> {
  const cursors: string[] = [];
  let registrations = 0;
  let page = await searchPage(url, token, {});
  registrations += page.data.length;
  while (page.hasMore && page.nextPage !== null) {
    cursors.push(page.nextPage);
    page = await searchPage(url, token, { nextPage: page.nextPage });
    registrations += page.data.length;
  }
  const index = Math.floor(cursors.length * 0.9);
  const cursor = cursors[index];
  if (cursor === undefined) throw new Error('the registration search has a single page: seed more users');
  return { cursor, page: index + 2, registrations };
}

async function runScenarios(scenarios: Scenario[], healthz: Scenario, serverPid: number | undefined): Promise<ScenarioResult[]> {
  const results: ScenarioResult[] = [];
  for (const scenario of scenarios) {
    await measure({ ...scenario.load, connections, durationSeconds: 1 }); // warm-up
    const result: ScenarioResult = { scenario, subject: [], reference: [], cpuMsPerRequest: [], referenceCpuMsPerRequest: [] };
    for (let round = 0; round < rounds; round++) {
      for (const [target, into, cpuInto] of [
        [healthz, result.reference, result.referenceCpuMsPerRequest],
        [scenario, result.subject, result.cpuMsPerRequest],
      ] as const) {
        const before = cpuSeconds(serverPid);
        const measured = await measure({ ...target.load, connections, durationSeconds });
        into.push(measured);
        cpuInto.push(((cpuSeconds(serverPid) - before) * 1000) / Math.max(1, measured.requests));
      }
    }
    results.push(result);
    log(`${scenario.name}: ${Math.round(median(result.subject.map((m) => m.requestsPerSecond)))} req/s`);
  }
  return results;
}

async function benchEngine(engine: Engine): Promise<EngineReport> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'concat-bench-'));
  const database = await createBenchDatabase(engine, dataDir, postgresUrl);
  const port = await freePort();
  // Private targets allowed: the webhook scenario's receiver listens on 127.0.0.1 over plain http.
  const env = { CONCAT_DATA_DIR: dataDir, DATABASE_URL: database.url, LOG_LEVEL: 'warn', PORT: String(port), CONCAT_WEBHOOKS_ALLOW_PRIVATE_TARGETS: 'true', ...RATE_LIMITS_OFF };
  try {
    log(`${engine}: seeding ${users} users…`);
    const seedStarted = Date.now();
    const demo = JSON.parse(runConcat(['seed', '--users', String(users), '--json'], env)) as DemoSummary;
    const seedSeconds = (Date.now() - seedStarted) / 1000;
    log(`${engine}: seeded in ${seedSeconds.toFixed(1)} s; starting the server`);
    const serve = () => startProcess(['--import', 'tsx', 'src/cli/main.ts', 'serve'], env, /listening on/);
    let server = await serve();
    const baselinePort = await freePort();
    const certDir = path.join(dataDir, 'tls');
    const baseline = await startProcess(['--import', 'tsx', 'bench/baseline-server.ts', path.join(certDir, 'localhost-cert.pem'), path.join(certDir, 'localhost-key.pem'), String(baselinePort)], {}, /listening/);
    try {
      const instanceBase = demo.instances[0]?.baseUrl ?? '';
      const credentials = `client_id=${demo.app.clientId}&client_secret=${encodeURIComponent(demo.app.clientSecret)}`;
      const token = await issueToken(instanceBase, `${credentials}&scope=${encodeURIComponent(SERVICE_SCOPE_NAMES.join(' '))}`);
      const bearer = { authorization: `Bearer ${token}` };
      const users = await searchPage(`${instanceBase}/api/v0/users/search`, token, { limit: 100 });
      const someone = users.data.at(-1) as { id?: string } | undefined;
      if (someone?.id === undefined) throw new Error('the users search found nobody');
      const searchUrl = `${instanceBase}/api/v0/registration/search`;
      log(`${engine}: walking the registration search for a deep cursor…`);
      const deep = await deepCursor(searchUrl, token);

      const healthz: Scenario = { key: 'healthz', name: 'platform `GET /healthz` (the trivial endpoint)', load: { url: `https://localhost:${port}/healthz` } };
      const all: Scenario[] = [
        { key: 'bare', name: 'bare `node:https` JSON server (context: TLS and HTTP alone)', load: { url: `https://localhost:${baselinePort}/` } },
        {
          key: 'token',
          name: '`POST /api/oauth/token` client_credentials (form-body secret)',
          load: { url: `${instanceBase}/api/oauth/token`, method: 'POST', headers: form, body: `grant_type=client_credentials&scope=user%3Aread&${credentials}` },
        },
        { key: 'read', name: '`GET /api/v0/users/{id}` (token check + one user)', load: { url: `${instanceBase}/api/v0/users/${someone.id}`, headers: bearer } },
        { key: 'first', name: '`POST /api/v0/registration/search` first page (100)', load: { url: searchUrl, method: 'POST', headers: { ...json, ...bearer }, body: '{}' } },
        {
          key: 'deep',
          name: `\`POST /api/v0/registration/search\` page ${deep.page} (100)`,
          load: { url: searchUrl, method: 'POST', headers: { ...json, ...bearer }, body: JSON.stringify({ nextPage: deep.cursor }) },
        },
      ];
      const results = await runScenarios(all.filter((s) => only.test(s.key)), healthz, server.pid);
      let webhooks: WebhookBenchResult | undefined;
      if (only.test('webhooks')) {
        log(`${engine}: webhook delivery…`);
        webhooks = await benchWebhookDelivery({
          databaseUrl: database.url,
          dataDir,
          latencyChanges: Number(values['webhook-changes']),
          queuedChanges: Number(values['webhook-queued']),
          stopServer: () => stopProcess(server),
          startServer: async () => {
            server = await serve();
          },
        });
        log(`${engine}: webhooks p50 ${webhooks.p50Ms} ms, p99 ${webhooks.p99Ms} ms, ${Math.round(webhooks.deliveriesPerSecond)} deliveries/s`);
      }
      return { engine, seedSeconds, registrations: deep.registrations, deepPage: deep.page, results, webhooks };
    } finally {
      await stopProcess(server);
      await stopProcess(baseline);
    }
  } finally {
    await database.drop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

function fixed(value: number, digits = 2): string {
  return Number.isFinite(value) ? value.toFixed(digits) : 'n/a';
}

function engineSection(report: EngineReport): string[] {
  const lines = [
    `### ${report.engine === 'sqlite' ? 'SQLite' : 'PostgreSQL'}`,
    '',
    `Seeded ${users} users (${report.registrations} registrations in the first instance) in ${report.seedSeconds.toFixed(1)} s with \`concat seed --users ${users}\`.`,
    '',
  ];
  if (report.results.length > 0) {
    lines.push(
      '| scenario | req/s | /healthz req/s | ratio | p50 ms | p99 ms | /healthz p99 ms | server CPU ms/req | /healthz CPU ms/req | non-2xx |',
      '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    );
  }
  for (const r of report.results) {
    const rps = median(r.subject.map((m) => m.requestsPerSecond));
    const ref = median(r.reference.map((m) => m.requestsPerSecond));
    const failures = r.subject.reduce((sum, m) => sum + m.non2xx + m.errors, 0);
    lines.push(
      `| ${r.scenario.name} | ${Math.round(rps)} | ${Math.round(ref)} | ${fixed(rps / ref)} | ${median(r.subject.map((m) => m.p50Ms))} | ${median(r.subject.map((m) => m.p99Ms))} | ${median(r.reference.map((m) => m.p99Ms))} | ${fixed(median(r.cpuMsPerRequest), 3)} | ${fixed(median(r.referenceCpuMsPerRequest), 3)} | ${failures} |`,
    );
  }
  const find = (key: string) => report.results.find((r) => r.scenario.key === key);
  const ratio = (r: ScenarioResult | undefined) => (r === undefined ? Number.NaN : median(r.subject.map((m) => m.requestsPerSecond)) / median(r.reference.map((m) => m.requestsPerSecond)));
  const read = find('read');
  const first = find('first');
  const deep = find('deep');
  lines.push('');
  if (read !== undefined) lines.push(`- Authenticated read: ${fixed(ratio(read))} of \`/healthz\` throughput (target on SQLite: at least 0.50).`);
  if (first !== undefined && deep !== undefined) {
    const cost = (r: ScenarioResult) => median(r.cpuMsPerRequest);
    const p50 = (r: ScenarioResult) => median(r.subject.map((m) => m.p50Ms));
    lines.push(
      `- Deep page against first page: throughput ${fixed(median(first.subject.map((m) => m.requestsPerSecond)) / median(deep.subject.map((m) => m.requestsPerSecond)))}x, server CPU per request ${fixed(cost(deep) / cost(first))}x, p50 ${fixed(p50(deep) / Math.max(1, p50(first)))}x (target: within 1.2x).`,
    );
  }
  lines.push('');
  if (report.webhooks !== undefined) lines.push(...webhookLines(report.webhooks));
  return lines;
}

function webhookLines(w: WebhookBenchResult): string[] {
  return [
    `Webhook delivery to a local plain-http receiver (worker poll interval ${w.pollIntervalMs} ms):`,
    '',
    '| measure | value |',
    '| --- | --- |',
    `| commit to arrival, p50 / p99 / max (${w.latencyChanges} changes) | ${w.p50Ms} / ${w.p99Ms} / ${w.maxMs} ms |`,
    `| of which waiting for a poll (commit to fan-out), p50 | ${w.waitP50Ms} ms |`,
    `| of which fan-out to arrival (sign + POST), p50 | ${w.sendP50Ms} ms |`,
    `| deliveries/s, ${w.queued} queued before a restart | ${Math.round(w.deliveriesPerSecond)} |`,
    `| receiver's own rate, sequential POSTs from a plain client | ${Math.round(w.receiverRequestsPerSecond)} req/s |`,
    `| ratio | ${fixed(w.deliveriesPerSecond / w.receiverRequestsPerSecond)} |`,
    `| restart to the last of the ${w.queued} delivered | ${fixed(w.queueSeconds, 1)} s |`,
    '',
  ];
}

async function main(): Promise<void> {
  pinLoadGenerator();
  const reports: EngineReport[] = [];
  for (const engine of engines) reports.push(await benchEngine(engine));
  const lines = [
    `Run ${new Date().toISOString()}: ${rounds} rounds of ${durationSeconds} s per scenario alternated with \`/healthz\`, ${connections} connections, ${cpus().length} cores (${cpus()[0]?.model ?? 'unknown'}), Node ${process.version}, pinning ${pinning ? 'server core 0 / load core 1' : 'off'}.`,
    '',
    ...reports.flatMap(engineSection),
  ];
  const report = lines.join('\n');
  writeFileSync(path.resolve(root, values.out ?? 'bench/results.md'), `${report}\n`);
  process.stdout.write(`${report}\n`);
}

await main();
