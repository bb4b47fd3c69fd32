/**
 * One HTTP POST of a webhook message. The target is checked again at delivery time (DNS may have
 * changed since the URL was saved): unless private targets are allowed, every resolved address
 * must be public, and the connection goes to the address that was checked (pinned through the
 * socket's `lookup`), so a second DNS answer cannot redirect it. Redirects are not followed: a
 * 3xx is a failed attempt. The whole exchange is bounded by a timeout.
 */
import http from 'node:http';
import https from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import { isNonPublicAddress, resolveWithDns, type ResolveHost } from './target-address.js';

/** Bytes of the response kept for the delivery log. */
export const RESPONSE_EXCERPT_BYTES = 1_000;

export interface SendPolicy {
  allowPrivateTargets: boolean;
  timeoutMs: number;
  resolve?: ResolveHost;
}

export type SendResult =
  | { kind: 'response'; statusCode: number; retryAfter: string | undefined; excerpt: string }
  /** No response: refused target, DNS failure, connection error or timeout. */
  | { kind: 'error'; message: string };

export async function sendWebhook(target: string, headers: Record<string, string>, body: string, policy: SendPolicy): Promise<SendResult> {
  let url: URL;
  try {
    url = new URL(target);
  } catch {
    return { kind: 'error', message: 'the endpoint URL is not valid' };
  }
  if (url.protocol !== 'https:' && !(policy.allowPrivateTargets && url.protocol === 'http:')) return { kind: 'error', message: 'the endpoint URL must use https' };
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  let address: string;
  if (isIP(host) !== 0) {
    address = host;
  } else {
    let addresses: string[];
    try {
      addresses = await (policy.resolve ?? resolveWithDns)(host);
    } catch {
      return { kind: 'error', message: `could not resolve ${host.slice(0, 100)}` };
    }
    const first = addresses[0];
    if (first === undefined) return { kind: 'error', message: `could not resolve ${host.slice(0, 100)}` };
    if (!policy.allowPrivateTargets && addresses.some(isNonPublicAddress)) return { kind: 'error', message: 'refused: the host resolves to a private, loopback or link-local address' };
    address = first;
  }
  if (!policy.allowPrivateTargets && isNonPublicAddress(address)) return { kind: 'error', message: 'refused: the address is private, loopback or link-local' };
  return post(url, address, headers, body, policy.timeoutMs);
}

function post(url: URL, address: string, headers: Record<string, string>, body: string, timeoutMs: number): Promise<SendResult> {
  const family = isIP(address);
  const lookup: LookupFunction = (_hostname, options, callback) => {
    if (options.all === true) callback(null, [{ address, family }]);
    else callback(null, address, family);
  };
  const client = url.protocol === 'https:' ? https : http;
  return new Promise((resolve) => {
    let settled = false;
    const finish = (result: SendResult): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      request.destroy();
      resolve(result);
    };
    const request = client.request(url, { method: 'POST', headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) }, lookup, agent: false }, (response) => {
      const chunks: Buffer[] = [];
      let size = 0;
      const done = (): void => {
        finish({
          kind: 'response',
          statusCode: response.statusCode ?? 0,
          retryAfter: typeof response.headers['retry-after'] === 'string' ? response.headers['retry-after'] : undefined,
          excerpt: Buffer.concat(chunks).subarray(0, RESPONSE_EXCERPT_BYTES).toString('utf8'),
        });
      };
      response.on('data', (chunk: Buffer) => {
        if (size < RESPONSE_EXCERPT_BYTES) chunks.push(chunk);
        size += chunk.length;
        // Enough for the log: the rest of a large body is not waited for.
        if (size >= RESPONSE_EXCERPT_BYTES) done();
      });
      response.on('end', done);
      response.on('error', done);
    });
    const timer = setTimeout(() => finish({ kind: 'error', message: `no response within ${timeoutMs} ms` }), timeoutMs);
    request.on('error', (error) => finish({ kind: 'error', message: error.message.slice(0, 300) }));
    request.end(body);
  });
}
