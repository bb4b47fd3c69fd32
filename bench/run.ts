import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { request } from '../test/support/https-client.js';
import { freePort } from '../test/support/platform.js';
import { measure, median, type LoadOptions, type Measurement } from './measure.js';

/**
 * `npm run bench`: each scenario is measured against the baseline (a bare node:https server with
 * the same certificate) in the same run, alternating A/B rounds, and reported as ratios.
 * The servers run in child processes, pinned to core 0 when `taskset` exists; the load
 * generator runs here, pinned to core 1.
 */
const { values } = parseArgs({
  options: {
    duration: { type: 'string', default: process.env.BENCH_DURATION ?? '5' },
    rounds: { type: 'string', default: process.env.BENCH_ROUNDS ?? '3' },
    connections: { type: 'string', default: '50' },
    out: { type: 'string', default: 'bench/results.md' },
  },
});
const durationSeconds = Number(values.duration);
const rounds = Number(values.rounds);
const connections = Number(values.connections);
const root = path.resolve(import.meta.dirname, '..');
const pinning = spawnSync('taskset', ['--version']).status === 0 && cpus().length >= 2;

function startProcess(args: string[], env: NodeJS.ProcessEnv, ready: RegExp): Promise<ChildProcess> {
  const command = pinning ? 'taskset' : process.execPath;
  const argv = pinning ? ['-c', '0', process.execPath, ...args] : args;
  const child = spawn(command, argv, { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    let seen = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      seen += chunk.toString();
      if (ready.test(seen)) resolve(child);
    });
    child.once('exit', (code) => reject(new Error(`process exited (${code}) before it was ready: ${seen}`)));
  });
}

const HEALTHZ = 'platform GET /healthz (TLS, security headers, tenancy, routing)';

/** A client_credentials token of the demo app, for the scenarios that present one. */
async function issueToken(url: string, credentials: string): Promise<string> {
  const response = await request(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `grant_type=client_credentials&scope=user%3Aread&${credentials}` });
  const token: unknown = response.json<Record<string, unknown>>().access_token;
  if (response.status !== 200 || typeof token !== 'string') throw new Error(`could not get a token: ${response.status} ${response.body}`);
  return token;
}

interface Scenario {
  name: string;
  load: Omit<LoadOptions, 'connections' | 'durationSeconds'>;
}

async function main(): Promise<void> {
  if (pinning) spawnSync('taskset', ['-cp', '1', String(process.pid)]);
  const dataDir = mkdtempSync(path.join(tmpdir(), 'concat-bench-'));
  const port = await freePort();
  const baselinePort = await freePort();
  const env = { CONCAT_DATA_DIR: dataDir, DATABASE_URL: process.env.DATABASE_URL ?? `sqlite:${path.join(dataDir, 'concat.sqlite')}`, LOG_LEVEL: 'warn', PORT: String(port) };
  process.stderr.write(`bench: starting the platform (demo data) in ${dataDir}…\n`);
  const platform = await startProcess(['--import', 'tsx', 'src/cli/main.ts', 'serve', '--demo'], env, /listening on/);
  const demo = JSON.parse(readFileSync(path.join(dataDir, 'demo.json'), 'utf8')) as { instances: { baseUrl: string }[]; app: { clientId: number; clientSecret: string } };
  const instanceBase = demo.instances[0]?.baseUrl ?? '';
  const certDir = path.join(dataDir, 'tls');
  const baseline = await startProcess(['--import', 'tsx', 'bench/baseline-server.ts', path.join(certDir, 'localhost-cert.pem'), path.join(certDir, 'localhost-key.pem'), String(baselinePort)], {}, /listening/);

  const baselineScenario: Scenario = { name: 'baseline: bare node:https JSON', load: { url: `https://localhost:${baselinePort}/` } };
  const form = { 'content-type': 'application/x-www-form-urlencoded' };
  const credentials = `client_id=${demo.app.clientId}&client_secret=${encodeURIComponent(demo.app.clientSecret)}`;
  const token = await issueToken(`${instanceBase}/api/oauth/token`, credentials);
  const scenarios: Scenario[] = [
    { name: HEALTHZ, load: { url: `https://localhost:${port}/healthz` } },
    { name: 'platform GET /readyz (one database query)', load: { url: `https://localhost:${port}/readyz` } },
    { name: 'instance GET {instance}/assets/style.css (prefix resolution)', load: { url: `${instanceBase}/assets/style.css` } },
    {
      name: 'POST {instance}/api/oauth/token client_credentials (ConCat form-body secret)',
      load: { url: `${instanceBase}/api/oauth/token`, method: 'POST', headers: form, body: `grant_type=client_credentials&scope=user%3Aread&${credentials}` },
    },
    {
      name: 'POST {instance}/oauth/introspect (token check through the provider)',
      load: { url: `${instanceBase}/oauth/introspect`, method: 'POST', headers: form, body: `token=${encodeURIComponent(token)}&${credentials}` },
    },
  ];

  const results: { name: string; baseline: Measurement[]; subject: Measurement[] }[] = [];
  try {
    for (const scenario of scenarios) {
      const entry = { name: scenario.name, baseline: [] as Measurement[], subject: [] as Measurement[] };
      await measure({ ...scenario.load, connections, durationSeconds: 1 }); // warm-up
      for (let round = 0; round < rounds; round++) {
        entry.baseline.push(await measure({ ...baselineScenario.load, connections, durationSeconds }));
        entry.subject.push(await measure({ ...scenario.load, connections, durationSeconds }));
      }
      results.push(entry);
      process.stderr.write(`bench: ${scenario.name} done\n`);
    }
  } finally {
    platform.kill('SIGTERM');
    baseline.kill('SIGTERM');
  }

  const lines = [
    `Run ${new Date().toISOString()}: ${rounds} alternating rounds of ${durationSeconds} s, ${connections} connections, ${cpus().length} cores (${cpus()[0]?.model ?? 'unknown'}), Node ${process.version}, database ${env.DATABASE_URL.startsWith('sqlite:') ? 'SQLite' : 'PostgreSQL'}, pinning ${pinning ? 'server core 0 / load core 1' : 'off'}.`,
    '',
    '| scenario | req/s (median) | baseline req/s | ratio | ratio to /healthz | p50 ms | p99 ms | baseline p99 ms | non-2xx |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- |',
  ];
  const healthz = results.find((r) => r.name === HEALTHZ);
  const healthzRps = healthz === undefined ? Number.NaN : median(healthz.subject.map((m) => m.requestsPerSecond));
  for (const r of results) {
    const rps = median(r.subject.map((m) => m.requestsPerSecond));
    const baseRps = median(r.baseline.map((m) => m.requestsPerSecond));
    const non2xx = r.subject.reduce((sum, m) => sum + m.non2xx + m.errors, 0);
    lines.push(
      `| ${r.name} | ${Math.round(rps)} | ${Math.round(baseRps)} | ${(rps / baseRps).toFixed(2)} | ${(rps / healthzRps).toFixed(2)} | ${median(r.subject.map((m) => m.p50Ms))} | ${median(r.subject.map((m) => m.p99Ms))} | ${median(r.baseline.map((m) => m.p99Ms))} | ${non2xx} |`,
    );
  }
  const report = lines.join('\n');
  writeFileSync(path.join(root, values.out ?? 'bench/results.md'), `${report}\n`);
  process.stdout.write(`${report}\n`);
  rmSync(dataDir, { recursive: true, force: true });
}

await main();
