import https from 'node:https';
import http from 'node:http';

export interface SimpleResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
  json<T = unknown>(): T;
}

export interface RequestOptions {
  method?: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  /** Connect here instead of the URL's host (e.g. to send a different Host header). */
  connectTo?: { host: string; port: number };
  tls?: https.RequestOptions;
}

/**
 * A plain HTTPS client for tests that trusts our self-signed certificate (rejectUnauthorized
 * off) and lets tests set any Host header, which fetch does not.
 */
export function request(url: string, options: RequestOptions = {}): Promise<SimpleResponse> {
  const target = new URL(url);
  const transport = target.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const req = transport.request(
      {
        host: options.connectTo?.host ?? target.hostname.replace(/^\[|\]$/g, ''),
        port: options.connectTo?.port ?? target.port,
        path: `${target.pathname}${target.search}`,
        method: options.method ?? 'GET',
        headers: { host: target.host, ...options.headers },
        rejectUnauthorized: false,
        agent: false,
        ...options.tls,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const body = Buffer.concat(chunks).toString('utf8');
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body, json: <T>() => JSON.parse(body) as T });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    if (options.body !== undefined) req.write(options.body);
    req.end();
  });
}
