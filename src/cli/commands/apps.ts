import { systemClock } from '../../clock.js';
import { AppRevocationError, revokeApp } from '../../platform/app-revocation.js';
import { UsageError, type Command } from '../command.js';
import { configFrom } from '../config-flags.js';
import { withDatabase } from '../database-session.js';

/** `concat apps revoke`: an operator's revocation of any approved app, from the server's command line. */
export const appsRevokeCommand: Command = {
  name: 'apps revoke',
  summary: 'Revoke an app at once (secrets and tokens stop working, integrations are suspended) and email its developer the 30-day deletion deadline',
  details: 'Usage: concat apps revoke CLIENT_ID --reason R [--json]\nExample:\n  concat apps revoke 4711 --reason "Stored attendee data beyond the stated use" --json',
  positionals: true,
  options: {
    reason: { type: 'string' },
    json: { type: 'boolean' },
  },
  optionHelp: {
    reason: 'why the app is revoked; the developer receives it',
    json: 'print the result as JSON',
  },
  async run(values, io, positionals) {
    const config = configFrom(values, io);
    const [clientIdText, ...extra] = positionals;
    if (clientIdText === undefined || extra.length > 0) throw new UsageError('give exactly one CLIENT_ID (the app\'s API ID)');
    if (!/^[1-9][0-9]{0,15}$/.test(clientIdText)) throw new UsageError(`"${clientIdText.slice(0, 40)}" is not an API ID (a positive number)`);
    const reason = values.reason;
    if (typeof reason !== 'string') throw new UsageError('--reason is required');
    try {
      const revoked = await withDatabase(config, (database) => revokeApp(database.db, { app: { clientId: Number(clientIdText) }, reason, actor: { type: 'cli' } }, systemClock));
      if (values.json === true) {
        io.out(JSON.stringify(revoked));
      } else {
        io.out(`App "${revoked.appName}" (API ID ${revoked.clientId}) revoked at ${revoked.revokedAt}; ${revoked.suspendedIntegrations} integration(s) suspended.`);
        io.out(`Deletion deadline: ${revoked.deletionDueAt}${revoked.emailed ? ' (the developer was emailed)' : ''}.`);
      }
      return 0;
    } catch (error) {
      if (error instanceof AppRevocationError) throw new UsageError(error.message);
      throw error;
    }
  },
};
