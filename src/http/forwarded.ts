import type { IncomingMessage } from 'node:http';
import proxyAddr from 'proxy-addr';

/** What a request says about where the client reached us: believed only from a trusted proxy. */
export interface RequestOrigin {
  /** Lower-case host[:port] the client asked for, default port removed. */
  host: string;
  protocol: 'https' | 'http';
  /** The peer is a configured proxy (so X-Forwarded-* were read). */
  viaTrustedProxy: boolean;
}

export type ProxyTrust = (address: string, hop: number) => boolean;

export function compileProxyTrust(trustedProxies: string[]): ProxyTrust {
  return trustedProxies.length === 0 ? () => false : proxyAddr.compile(trustedProxies);
}

/** The last value of a possibly repeated, comma-joined header: the one the nearest proxy wrote. */
function nearestValue(value: string | string[] | undefined): string | undefined {
  const joined = Array.isArray(value) ? value.join(',') : value;
  const last = joined?.split(',').pop()?.trim();
  return last === '' ? undefined : last;
}

export function normalizeHost(host: string, protocol: 'https' | 'http'): string {
  const lower = host.toLowerCase();
  const defaultPort = protocol === 'https' ? ':443' : ':80';
  return lower.endsWith(defaultPort) ? lower.slice(0, -defaultPort.length) : lower;
}

export function requestOrigin(req: IncomingMessage, trust: ProxyTrust, tlsSocket: boolean): RequestOrigin {
  const peer = req.socket.remoteAddress ?? '';
  const viaTrustedProxy = peer !== '' && trust(peer, 0);
  let protocol: 'https' | 'http' = tlsSocket ? 'https' : 'http';
  let host = req.headers.host ?? '';
  if (viaTrustedProxy) {
    const forwardedProto = nearestValue(req.headers['x-forwarded-proto'])?.toLowerCase();
    if (forwardedProto === 'https' || forwardedProto === 'http') protocol = forwardedProto;
    host = nearestValue(req.headers['x-forwarded-host']) ?? host;
  }
  return { host: normalizeHost(host, protocol), protocol, viaTrustedProxy };
}
