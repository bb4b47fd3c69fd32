import { request, type SimpleResponse } from './https-client.js';

/**
 * A browser stand-in for HTTP-level page tests: keeps cookies per name (path-blind, like a
 * single site), follows nothing by itself, and fills the CSRF field from the last page it read.
 */
export class WebClient {
  readonly cookies = new Map<string, string>();
  lastCsrf: string | undefined;

  constructor(readonly origin: string) {}

  private cookieHeader(): Record<string, string> {
    return this.cookies.size === 0 ? {} : { cookie: [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ') };
  }

  private remember(response: SimpleResponse): SimpleResponse {
    const setCookie = response.headers['set-cookie'] ?? [];
    for (const line of setCookie) {
      const [pair = '', ...attributes] = line.split(';');
      const at = pair.indexOf('=');
      const name = pair.slice(0, at).trim();
      const value = pair.slice(at + 1).trim();
      const expired = attributes.some((a) => /^\s*max-age=0\b/i.test(a) || /^\s*expires=Thu, 01 Jan 1970/i.test(a));
      if (expired || value === '') this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    const csrf = /name="_csrf" value="([^"]+)"/.exec(response.body);
    if (csrf?.[1] !== undefined) this.lastCsrf = csrf[1];
    return response;
  }

  url(path: string): string {
    return path.startsWith('https://') ? path : `${this.origin}${path}`;
  }

  async get(path: string, headers: Record<string, string> = {}): Promise<SimpleResponse> {
    return this.remember(await request(this.url(path), { headers: { accept: 'text/html', ...this.cookieHeader(), ...headers } }));
  }

  /** Posts a form; `_csrf` is added from the last page read unless the fields set it. */
  async post(path: string, fields: Record<string, string | string[]>, headers: Record<string, string> = {}): Promise<SimpleResponse> {
    const body = new URLSearchParams();
    if (!('_csrf' in fields) && this.lastCsrf !== undefined) body.append('_csrf', this.lastCsrf);
    for (const [name, value] of Object.entries(fields)) {
      for (const item of Array.isArray(value) ? value : [value]) body.append(name, item);
    }
    return this.remember(
      await request(this.url(path), {
        method: 'POST',
        headers: { accept: 'text/html', 'content-type': 'application/x-www-form-urlencoded', origin: new URL(this.origin).origin, ...this.cookieHeader(), ...headers },
        body: body.toString(),
      }),
    );
  }
}
