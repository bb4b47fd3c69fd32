import { randomUUID } from 'node:crypto';
import { recordAudit, type ActorType } from '../audit/audit-log.js';
import { isoTimestamp, type Clock } from '../clock.js';
import type { Database } from '../db/database.js';
import type { InstanceBaseUrl } from './instances.js';

export class InstanceInputError extends Error {
  override name = 'InstanceInputError';
}

const SLUG = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
const PATH_PREFIX = /^(\/[a-z0-9][a-z0-9._~-]*)+$/i;
const HOST = /^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)*[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?::\d{1,5})?$/;
/** Paths the platform host keeps for itself; an instance prefix may not shadow them. */
const RESERVED_FIRST_SEGMENTS = new Set(['healthz', 'readyz', 'assets', 'api', 'portal', 'console', 'invitations', 'oauth', '.well-known']);

/**
 * Parses a base URL as an operator writes it: an absolute https URL, or a path ('/o/slug') on
 * the platform host. A URL on the platform's own host is stored host-less so it follows the
 * public URL if that changes.
 */
export function parseBaseUrl(text: string, publicUrl: URL): Omit<InstanceBaseUrl, 'orgId' | 'isPrimary'> {
  if (text.startsWith('/')) return checkedBaseUrl('', text.replace(/\/+$/, ''));
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new InstanceInputError(`base URL "${text}" is neither an https URL nor a path`);
  }
  if (url.protocol !== 'https:') throw new InstanceInputError(`base URL "${text}" must use https`);
  if (url.search !== '' || url.hash !== '' || url.username !== '' || url.password !== '') {
    throw new InstanceInputError(`base URL "${text}" must not carry a query, fragment or credentials`);
  }
  const prefix = url.pathname.replace(/\/+$/, '');
  return checkedBaseUrl(url.host === publicUrl.host ? '' : url.host, prefix);
}

function checkedBaseUrl(host: string, pathPrefix: string): Omit<InstanceBaseUrl, 'orgId' | 'isPrimary'> {
  if (host !== '' && !HOST.test(host)) throw new InstanceInputError(`"${host}" is not a host name`);
  if (pathPrefix !== '' && !PATH_PREFIX.test(pathPrefix)) {
    throw new InstanceInputError(`path prefix "${pathPrefix}" may hold only letters, digits and . _ ~ - between slashes`);
  }
  if (host === '') {
    const first = pathPrefix.split('/')[1] ?? '';
    if (first === '') throw new InstanceInputError('an instance on the platform host needs a path prefix such as /o/<slug>');
    if (RESERVED_FIRST_SEGMENTS.has(first.toLowerCase())) throw new InstanceInputError(`path prefix "${pathPrefix}" is reserved by the platform`);
  }
  return { host: host.toLowerCase(), pathPrefix };
}

export interface NewInstance {
  slug: string;
  name: string;
  /** Parsed with parseBaseUrl; the first is the primary (the OAuth issuer). */
  baseUrls: Omit<InstanceBaseUrl, 'orgId' | 'isPrimary'>[];
}

/** Creates an organization's instance with its base URLs. */
export async function createInstance(
  database: Database,
  input: NewInstance,
  actor: { type: ActorType; id: string | null },
  clock: Clock,
): Promise<{ orgId: number }> {
  if (!SLUG.test(input.slug)) throw new InstanceInputError('the slug must be 1-63 lower-case letters, digits or hyphens');
  const name = input.name.trim();
  if (name === '' || name.length > 200) throw new InstanceInputError('the name must be 1 to 200 characters');
  if (input.baseUrls.length === 0) throw new InstanceInputError('an instance needs at least one base URL');

  return database.db.transaction().execute(async (trx) => {
    const slugTaken = await trx.selectFrom('orgs').select('id').where('slug', '=', input.slug).executeTakeFirst();
    if (slugTaken !== undefined) throw new InstanceInputError(`an instance with slug "${input.slug}" already exists`);
    for (const url of input.baseUrls) {
      const taken = await trx
        .selectFrom('org_base_urls')
        .select('id')
        .where('host', '=', url.host)
        .where('path_prefix', '=', url.pathPrefix)
        .executeTakeFirst();
      if (taken !== undefined) throw new InstanceInputError(`the base URL ${url.host || '(platform host)'}${url.pathPrefix} is already in use`);
    }
    const now = isoTimestamp(clock.now());
    const org = await trx
      .insertInto('orgs')
      .values({ slug: input.slug, name, uuid: randomUUID(), created_at: now })
      .returning('id')
      .executeTakeFirstOrThrow();
    await trx
      .insertInto('org_base_urls')
      .values(input.baseUrls.map((url, i) => ({ org_id: org.id, host: url.host, path_prefix: url.pathPrefix, is_primary: i === 0 ? 1 : 0 })))
      .execute();
    await recordAudit(trx, { orgId: org.id, actor, action: 'instance.created', target: { type: 'org', id: String(org.id) }, details: { slug: input.slug, baseUrls: input.baseUrls } }, clock);
    return { orgId: org.id };
  });
}
