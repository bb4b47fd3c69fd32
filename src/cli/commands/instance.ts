import { systemClock } from '../../clock.js';
import { createInstance, InstanceInputError, parseBaseUrl } from '../../instance/create-instance.js';
import { baseUrlString, listInstances } from '../../instance/instances.js';
import { UsageError, type Command } from '../command.js';
import { configFrom } from '../config-flags.js';
import { withDatabase } from '../database-session.js';

export const instanceCreateCommand: Command = {
  name: 'instance create',
  summary: "Create an organization's instance with one or more base URLs",
  details: 'Examples:\n  concat instance create --slug bigcon --name "Big Con" --base-url https://reg.bigcon.org\n  concat instance create --slug smallcon --name "Small Con" --base-url /o/smallcon',
  options: { slug: { type: 'string' }, name: { type: 'string' }, 'base-url': { type: 'string', multiple: true }, json: { type: 'boolean' } },
  optionHelp: {
    slug: 'short unique name (lower-case letters, digits, hyphens)',
    name: "the organization's display name",
    'base-url': 'https://host[/prefix], or /prefix on the platform host; repeat for more (the first is the issuer)',
    json: 'print the result as JSON',
  },
  async run(values, io) {
    const config = configFrom(values, io);
    const slug = values.slug;
    const name = values.name;
    const urls = values['base-url'];
    if (typeof slug !== 'string') throw new UsageError('--slug is required');
    if (typeof name !== 'string') throw new UsageError('--name is required');
    if (!Array.isArray(urls) || urls.length === 0) throw new UsageError('at least one --base-url is required');
    try {
      const baseUrls = urls.map((u) => parseBaseUrl(String(u), config.publicUrl));
      const { orgId } = await withDatabase(config, (database) =>
        createInstance(database, { slug, name, baseUrls }, { type: 'cli', id: null }, systemClock),
      );
      const absolute = baseUrls.map((u) => baseUrlString({ ...u, orgId, isPrimary: false }, config.publicUrl));
      if (values.json === true) io.out(JSON.stringify({ orgId, slug, name, baseUrls: absolute }));
      else io.out(`Instance ${slug} created (org ${orgId}) at ${absolute.join(', ')}`);
      return 0;
    } catch (error) {
      if (error instanceof InstanceInputError) throw new UsageError(error.message);
      throw error;
    }
  },
};

export const instanceListCommand: Command = {
  name: 'instance list',
  summary: 'List instances and their base URLs',
  options: { json: { type: 'boolean' } },
  optionHelp: { json: 'print as JSON' },
  async run(values, io) {
    const config = configFrom(values, io);
    const instances = await withDatabase(config, (database) => listInstances(database));
    const rows = instances.map((i) => ({ orgId: i.orgId, slug: i.slug, name: i.name, baseUrls: i.baseUrls.map((u) => baseUrlString(u, config.publicUrl)) }));
    if (values.json === true) io.out(JSON.stringify(rows));
    else io.out(rows.length === 0 ? 'No instances.' : rows.map((r) => `${r.slug.padEnd(20)} ${r.name.padEnd(30)} ${r.baseUrls.join(' ')}`).join('\n'));
    return 0;
  },
};
