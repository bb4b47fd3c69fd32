import type { Database } from '../db/database.js';
import { baseUrlString, listInstances, type Instance } from '../instance/instances.js';

/** Where a request belongs: the platform host, exactly one instance, or nowhere (404). */
export type Tenant =
  | { kind: 'platform' }
  | {
      kind: 'instance';
      instance: Instance;
      /** The absolute base URL the request arrived through, e.g. https://localhost:8443/o/demo. */
      baseUrl: string;
      /** The path prefix stripped from the URL before routing ('' on a dedicated host). */
      pathPrefix: string;
    }
  | { kind: 'unknown' };

interface Entry {
  instance: Instance;
  host: string;
  pathPrefix: string;
}

const LOOPBACK_NAMES = new Set(['localhost', '127.0.0.1', '[::1]']);

function splitHost(host: string): { name: string; port: string } {
  const match = /^(\[[^\]]*\]|[^:]*)(?::(\d+))?$/.exec(host);
  return { name: match?.[1] ?? host, port: match?.[2] ?? '' };
}

/**
 * Resolves requests to tenants from an in-memory copy of the base URL table. Resolution must
 * be synchronous (it runs before routing), so the copy is loaded at start, reloaded after a
 * change in this process (`reload`), and refreshed periodically for changes made elsewhere.
 */
export class TenantDirectory {
  #entries: Entry[] = [];
  #timer: NodeJS.Timeout | undefined;
  readonly #platformHosts: Set<string>;

  constructor(
    private readonly database: Database,
    private readonly publicUrl: URL,
  ) {
    // On a loopback public URL, every loopback name with the same port reaches the platform, so
    // `curl https://127.0.0.1:8443/healthz` works as well as `https://localhost:8443/healthz`.
    const { name, port } = splitHost(publicUrl.host);
    this.#platformHosts = LOOPBACK_NAMES.has(name)
      ? new Set([...LOOPBACK_NAMES].map((n) => (port === '' ? n : `${n}:${port}`)))
      : new Set([publicUrl.host]);
  }

  async reload(): Promise<void> {
    const instances = await listInstances(this.database);
    const entries: Entry[] = [];
    for (const { baseUrls, ...instance } of instances) {
      for (const url of baseUrls) entries.push({ instance, host: url.host, pathPrefix: url.pathPrefix });
    }
    // Longest prefix first, so /o/a/b wins over /o/a.
    entries.sort((a, b) => b.pathPrefix.length - a.pathPrefix.length);
    this.#entries = entries;
  }

  startAutoRefresh(intervalMs: number, onError: (error: unknown) => void): void {
    this.stopAutoRefresh();
    this.#timer = setInterval(() => void this.reload().catch(onError), intervalMs);
    this.#timer.unref();
  }

  stopAutoRefresh(): void {
    clearInterval(this.#timer);
  }

  isPlatformHost(host: string): boolean {
    return this.#platformHosts.has(host);
  }

  /** `host` is normalized (see forwarded.ts); `path` is the URL path without the query. */
  resolve(host: string, path: string): Tenant {
    const onPlatformHost = this.isPlatformHost(host);
    for (const entry of this.#entries) {
      const hostMatches = entry.host === '' ? onPlatformHost : entry.host === host;
      if (!hostMatches) continue;
      if (entry.pathPrefix === '' || path === entry.pathPrefix || path.startsWith(`${entry.pathPrefix}/`)) {
        return {
          kind: 'instance',
          instance: entry.instance,
          baseUrl: baseUrlString({ orgId: entry.instance.orgId, host: entry.host, pathPrefix: entry.pathPrefix, isPrimary: false }, this.publicUrl),
          pathPrefix: entry.pathPrefix,
        };
      }
    }
    return onPlatformHost ? { kind: 'platform' } : { kind: 'unknown' };
  }
}
