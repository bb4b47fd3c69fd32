#!/usr/bin/env node
import type { CommandIo } from './command.js';
import { runCli } from './run-cli.js';

const io: CommandIo = {
  out: (text) => process.stdout.write(`${text}\n`),
  err: (text) => process.stderr.write(`${text}\n`),
  env: process.env,
  cwd: process.cwd(),
};

runCli(process.argv.slice(2), io).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    io.err(`concat: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  },
);
