import type { ParseArgsConfig } from 'node:util';

export type OptionSpecs = NonNullable<ParseArgsConfig['options']>;
export type ParsedValues = Record<string, string | boolean | (string | boolean)[] | undefined>;

/** Where a command writes; tests pass their own streams. */
export interface CommandIo {
  out: (text: string) => void;
  err: (text: string) => void;
  env: NodeJS.ProcessEnv;
  cwd: string;
}

/**
 * One CLI command. Names are `<noun> <verb>` (e.g. `invite create`) except the few top-level
 * verbs (`serve`, `migrate`, `seed`). Every command takes the configuration flags of config.ts
 * and `--json` where it prints results.
 */
export interface Command {
  name: string;
  summary: string;
  /** Extra usage text after the options table, e.g. examples. */
  details?: string;
  options: OptionSpecs;
  /** Option help lines, keyed like `options`. */
  optionHelp: Record<string, string>;
  /** Whether the command takes positional arguments (e.g. `apps revoke CLIENT_ID`); others refuse them. */
  positionals?: boolean;
  /** Resolves with the exit code; a long-running command resolves when it stops. */
  run(values: ParsedValues, io: CommandIo, positionals: string[]): Promise<number>;
}

/** A mistake in how the command was called: printed as one line, exit code 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}
