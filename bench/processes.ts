import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import path from 'node:path';

export const root = path.resolve(import.meta.dirname, '..');

/** Servers on core 0, the load generator on core 1, when `taskset` and two cores exist. */
export const pinning = spawnSync('taskset', ['--version']).status === 0 && cpus().length >= 2;

/** Pins this process (the load generator) to core 1. */
export function pinLoadGenerator(): void {
  if (pinning) spawnSync('taskset', ['-cp', '1', String(process.pid)]);
}

/** Starts a Node process (pinned to core 0) and resolves once its stdout matches `ready`. */
export function startProcess(args: string[], env: NodeJS.ProcessEnv, ready: RegExp): Promise<ChildProcess> {
  const command = pinning ? 'taskset' : process.execPath;
  // taskset execs node, so the child's pid is the server's (its CPU time is read from /proc).
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

/** Runs a `concat` command from the sources to completion; its stdout. */
export function runConcat(args: string[], env: NodeJS.ProcessEnv): string {
  const result = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], { cwd: root, env: { ...process.env, ...env }, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (result.status !== 0) throw new Error(`concat ${args.join(' ')} failed (${result.status}): ${result.stderr}`);
  return result.stdout;
}

/** CPU seconds (user + system) a process has used so far, from /proc; NaN where there is no /proc. */
export function cpuSeconds(pid: number | undefined): number {
  if (pid === undefined) return Number.NaN;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces) start at state; utime and stime are the 12th and 13th.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return Number.NaN;
  }
}

/** Stops a child and waits for it to exit. */
export function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}
