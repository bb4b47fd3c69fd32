import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { DemoSummary } from '../demo/seed.js';

/** demo.json holds secrets (passwords, the demo client secret): readable by its owner only. */
export function writeDemoFile(dataDir: string, summary: DemoSummary): string {
  mkdirSync(dataDir, { recursive: true });
  const file = path.join(dataDir, 'demo.json');
  writeFileSync(file, `${JSON.stringify(summary, null, 2)}\n`, { mode: 0o600 });
  return file;
}

/** The demo summary written at seeding, or null when it is missing or not one (e.g. edited by hand). */
export function readDemoFile(dataDir: string): DemoSummary | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path.join(dataDir, 'demo.json'), 'utf8'));
  } catch {
    return null;
  }
  return isDemoSummary(parsed) ? parsed : null;
}

function isDemoSummary(value: unknown): value is DemoSummary {
  if (typeof value !== 'object' || value === null) return false;
  const { instances, logins, app, attendeePassword } = value as Partial<Record<keyof DemoSummary, unknown>>;
  return Array.isArray(instances) && Array.isArray(logins) && typeof app === 'object' && app !== null && typeof attendeePassword === 'string';
}

export function formatDemoSummary(summary: DemoSummary): string {
  const lines = ['Demo instances:'];
  for (const instance of summary.instances) lines.push(`  ${instance.name.padEnd(28)} ${instance.baseUrl}`);
  lines.push('', 'Logins:');
  for (const login of summary.logins) {
    const where = login.instance === null ? 'platform' : `instance ${login.instance}`;
    lines.push(`  ${login.role.padEnd(18)} ${where.padEnd(22)} ${login.username ?? login.email}  /  ${login.password}`);
  }
  lines.push(`  (every seeded attendee's password: ${summary.attendeePassword})`);
  lines.push(
    '',
    `Demo app "${summary.app.name}":`,
    `  client_id      ${summary.app.clientId}`,
    `  client_secret  ${summary.app.clientSecret}`,
    `  redirect_uri   ${summary.app.redirectUri}`,
    `  service scopes ${summary.app.scopes.join(' ')}`,
  );
  return lines.join('\n');
}
