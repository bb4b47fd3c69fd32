import type { Command } from '../command.js';
import { appsRevokeCommand } from './apps.js';
import { createOperatorCommand } from './create-operator.js';
import { instanceCreateCommand, instanceListCommand } from './instance.js';
import { inviteCreateCommand } from './invite.js';
import { migrateCommand } from './migrate.js';
import { orgAppCreateCommand } from './org-app.js';
import { revocationsSweepCommand } from './revocations.js';
import { seedCommand } from './seed.js';
import { serveCommand } from './serve.js';
import { signingKeyListCommand, signingKeyRetireCommand, signingKeyRotateCommand } from './signing-key.js';

export const commands: Command[] = [serveCommand, migrateCommand, seedCommand, createOperatorCommand, instanceCreateCommand, instanceListCommand, inviteCreateCommand, orgAppCreateCommand, appsRevokeCommand, revocationsSweepCommand, signingKeyListCommand, signingKeyRotateCommand, signingKeyRetireCommand];
