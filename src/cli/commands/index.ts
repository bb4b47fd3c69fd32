import type { Command } from '../command.js';
import { createOperatorCommand } from './create-operator.js';
import { instanceCreateCommand, instanceListCommand } from './instance.js';
import { migrateCommand } from './migrate.js';
import { seedCommand } from './seed.js';
import { serveCommand } from './serve.js';

export const commands: Command[] = [serveCommand, migrateCommand, seedCommand, createOperatorCommand, instanceCreateCommand, instanceListCommand];
