import { parseArgs } from 'node:util';
import { ConfigError } from '../config.js';
import { MigrationError } from '../db/migrate.js';
import { UsageError, type Command, type CommandIo } from './command.js';
import { commands } from './commands/index.js';
import { configHelp, configOptions } from './config-flags.js';

function commandHelp(command: Command): string {
  const own = Object.entries(command.optionHelp).map(([flag, text]) => `  --${flag.padEnd(18)} ${text}`);
  return [
    `Usage: concat ${command.name} [options]`,
    '',
    command.summary,
    '',
    ...(own.length > 0 ? ['Options:', ...own, ''] : []),
    configHelp(),
    ...(command.details === undefined ? [] : ['', command.details]),
  ].join('\n');
}

function overview(): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  return [
    'Usage: concat <command> [options]',
    '',
    'Commands:',
    ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    "Run 'concat <command> --help' for a command's options.",
  ].join('\n');
}

/** Finds the command named by the longest run of leading words, e.g. `invite create`. */
function findCommand(argv: string[]): { command: Command; rest: string[] } | undefined {
  for (let words = Math.min(argv.length, 3); words > 0; words--) {
    const name = argv.slice(0, words).join(' ');
    const command = commands.find((c) => c.name === name);
    if (command !== undefined) return { command, rest: argv.slice(words) };
  }
  return undefined;
}

export async function runCli(argv: string[], io: CommandIo): Promise<number> {
  if (argv.length === 0 || argv[0] === '--help' || argv[0] === '-h' || argv[0] === 'help') {
    io.out(overview());
    return argv.length === 0 ? 2 : 0;
  }
  const found = findCommand(argv);
  if (found === undefined) {
    io.err(`concat: unknown command '${argv.filter((a) => !a.startsWith('-')).join(' ')}'. Run 'concat --help' for the list.`);
    return 2;
  }
  const { command, rest } = found;
  if (rest.includes('--help') || rest.includes('-h')) {
    io.out(commandHelp(command));
    return 0;
  }
  try {
    const { values, positionals } = parseArgs({ args: rest, options: { ...configOptions, ...command.options }, strict: true, allowPositionals: command.positionals === true });
    return await command.run(values, io, positionals);
  } catch (error) {
    if (error instanceof UsageError || error instanceof ConfigError || isParseArgsError(error)) {
      io.err(`concat ${command.name}: ${oneLine(error)}. Run 'concat ${command.name} --help'.`);
      return 2;
    }
    if (error instanceof MigrationError) {
      io.err(`concat ${command.name}: ${oneLine(error)}`);
      return 1;
    }
    throw error;
  }
}

function isParseArgsError(error: unknown): error is Error {
  return error instanceof Error && 'code' in error && typeof error.code === 'string' && error.code.startsWith('ERR_PARSE_ARGS');
}

function oneLine(error: Error): string {
  return (error.message.split('\n')[0] ?? '').replace(/\.$/, '');
}
