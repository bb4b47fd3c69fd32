import { systemClock } from '../../clock.js';
import type { Database } from '../../db/database.js';
import { addSigningKey, listSigningKeys, loadKeyEncryptionKey, retireSigningKey, SIGNING_KEY_PUBLISH_AHEAD_MS } from '../../oauth/signing-keys.js';
import { UsageError, type Command, type ParsedValues } from '../command.js';
import { configFrom } from '../config-flags.js';
import { withDatabase } from '../database-session.js';

/** The org id of `--org SLUG`, or a usage error. */
async function orgOf(database: Database, values: ParsedValues): Promise<number> {
  const slug = values.org;
  if (typeof slug !== 'string') throw new UsageError('--org is required');
  const org = await database.db.selectFrom('orgs').select('id').where('slug', '=', slug).executeTakeFirst();
  if (org === undefined) throw new UsageError(`there is no instance with slug "${slug}"`);
  return org.id;
}

const AHEAD_HOURS = SIGNING_KEY_PUBLISH_AHEAD_MS / 3_600_000;

export const signingKeyListCommand: Command = {
  name: 'signing-key list',
  summary: "List an instance's OAuth signing keys and which one signs",
  options: { org: { type: 'string' }, json: { type: 'boolean' } },
  optionHelp: { org: "the instance's slug", json: 'print as JSON' },
  async run(values, io) {
    const config = configFrom(values, io);
    const keys = await withDatabase(config, async (database) => listSigningKeys(database.db, await orgOf(database, values), systemClock));
    if (values.json === true) io.out(JSON.stringify(keys));
    else io.out(keys.length === 0 ? 'No keys yet (the first is made on the first OAuth request).' : keys.map((k) => `${k.kid}  ${k.state.padEnd(9)}  created ${k.createdAt}${k.retiredAt === null ? '' : `  retired ${k.retiredAt}`}`).join('\n'));
    return 0;
  },
};

export const signingKeyRotateCommand: Command = {
  name: 'signing-key rotate',
  summary: `Add a new OAuth signing key: published at once, signing ${AHEAD_HOURS} hours later`,
  details: `Rotation is two steps: \`rotate\` publishes a new key, which starts signing ${AHEAD_HOURS} hours later (so relying parties that cache the JWKS know it first); once ID tokens signed by the old key have expired, \`retire\` removes the old key. Running servers pick the change up within five minutes.`,
  options: { org: { type: 'string' }, json: { type: 'boolean' } },
  optionHelp: { org: "the instance's slug", json: 'print the result as JSON' },
  async run(values, io) {
    const config = configFrom(values, io);
    const kid = await withDatabase(config, async (database) => addSigningKey(database.db, await orgOf(database, values), loadKeyEncryptionKey(config.dataDir), systemClock));
    if (values.json === true) io.out(JSON.stringify({ kid }));
    else io.out(`New signing key ${kid} published; it signs from ${AHEAD_HOURS} hours from now.`);
    return 0;
  },
};

export const signingKeyRetireCommand: Command = {
  name: 'signing-key retire',
  summary: 'Remove a signing key from the JWKS (ID tokens it signed stop verifying)',
  options: { org: { type: 'string' }, kid: { type: 'string' }, json: { type: 'boolean' } },
  optionHelp: { org: "the instance's slug", kid: 'the key id, from `signing-key list`', json: 'print the result as JSON' },
  async run(values, io) {
    const config = configFrom(values, io);
    const kid = values.kid;
    if (typeof kid !== 'string') throw new UsageError('--kid is required');
    await withDatabase(config, async (database) => {
      const orgId = await orgOf(database, values);
      const keys = await listSigningKeys(database.db, orgId, systemClock);
      const key = keys.find((k) => k.kid === kid);
      if (key === undefined || key.state === 'retired') throw new UsageError(`no unretired key ${kid} in this instance`);
      if (key.state === 'signing') throw new UsageError(`key ${kid} is the one signing: rotate first, and retire it once the new key signs`);
      await retireSigningKey(database.db, orgId, kid, systemClock);
    });
    if (values.json === true) io.out(JSON.stringify({ kid, retired: true }));
    else io.out(`Signing key ${kid} retired.`);
    return 0;
  },
};
