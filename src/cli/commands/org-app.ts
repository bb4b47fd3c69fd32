import { systemClock } from '../../clock.js';
import { createOrgApp, OrgAppInputError } from '../../platform/org-apps.js';
import { UsageError, type Command } from '../command.js';
import { configFrom } from '../config-flags.js';
import { withDatabase } from '../database-session.js';

/** `concat org-app create`: Housekeeping's "create an app" for an administrator on the server. */
export const orgAppCreateCommand: Command = {
  name: 'org-app create',
  summary: "Create an organization's own app (no platform review), integrated in its instance; prints the API ID and the secret once",
  details: 'Example:\n  concat org-app create --org furfest --name "Door Scanner" --redirect-uri https://scan.example.org/cb --scopes "user:read registration:read" --obo --json',
  options: {
    org: { type: 'string' },
    name: { type: 'string' },
    description: { type: 'string' },
    'redirect-uri': { type: 'string', multiple: true },
    scopes: { type: 'string' },
    obo: { type: 'boolean' },
    json: { type: 'boolean' },
  },
  optionHelp: {
    org: "the instance's slug",
    name: 'the app name users see',
    description: 'what the app does (optional)',
    'redirect-uri': 'an exact redirect URI (https, or http on loopback); repeat for more',
    scopes: 'service permissions, separated by spaces or commas, e.g. "user:read registration:read"',
    obo: "allow the instance's users to sign in to the app",
    json: 'print the result as JSON',
  },
  async run(values, io) {
    const config = configFrom(values, io);
    const slug = values.org;
    const name = values.name;
    if (typeof slug !== 'string') throw new UsageError('--org is required');
    if (typeof name !== 'string') throw new UsageError('--name is required');
    const redirect = values['redirect-uri'];
    const redirectUris = Array.isArray(redirect) ? redirect.filter((u): u is string => typeof u === 'string') : [];
    const scopes = typeof values.scopes === 'string' ? values.scopes.split(/[\s,]+/).filter((s) => s !== '') : [];
    const description = typeof values.description === 'string' ? values.description : '';
    const oboEnabled = values.obo === true;
    try {
      const created = await withDatabase(config, async (database) => {
        const org = await database.db.selectFrom('orgs').select('id').where('slug', '=', slug).executeTakeFirst();
        if (org === undefined) throw new UsageError(`there is no instance with slug "${slug}"`);
        return createOrgApp(database.db, { orgId: org.id, name, description, redirectUris, scopes, oboEnabled }, { actor: { type: 'cli' }, ip: null }, systemClock);
      });
      if (values.json === true) {
        io.out(JSON.stringify({ org: slug, appId: created.appId, clientId: created.clientId, clientSecret: created.clientSecret, name: created.name, redirectUris: created.redirectUris, scopes: created.scopes, oboEnabled: created.oboEnabled, integrationId: created.integrationId }));
      } else {
        io.out(`App "${created.name}" created in ${slug} and integrated with ${created.scopes.length === 0 ? 'no permissions' : created.scopes.join(' ')}${created.oboEnabled ? ', sign-in allowed' : ''}.`);
        io.out(`API ID (client_id): ${created.clientId}`);
        io.out(`Secret key (client_secret, shown once): ${created.clientSecret}`);
      }
      return 0;
    } catch (error) {
      if (error instanceof OrgAppInputError) throw new UsageError(Object.values(error.problems).join(' '));
      throw error;
    }
  },
};
