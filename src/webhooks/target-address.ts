import { BlockList, isIP } from 'node:net';
import { lookup } from 'node:dns/promises';

/**
 * Where a webhook endpoint may point. A webhook makes this server send requests to an address
 * an org admin chose, so without a policy it would reach the machine's own services, the
 * private network or a cloud metadata service (server-side request forgery). Targets must be
 * public https URLs; the development setting `webhooksAllowPrivateTargets` lifts the address
 * rules and allows plain http, so tests and local setups can deliver to a local receiver.
 */

/** Longer URLs are refused: nothing legitimate needs more, and the URL is shown on pages. */
export const MAX_WEBHOOK_URL_LENGTH = 2000;

export class WebhookTargetError extends Error {
  override name = 'WebhookTargetError';
}

/** Resolves a host name to all its addresses (node:dns in production; tests may pass their own). */
export type ResolveHost = (hostname: string) => Promise<string[]>;

export const resolveWithDns: ResolveHost = async (hostname) => (await lookup(hostname, { all: true, verbatim: true })).map((entry) => entry.address);

export interface TargetPolicy {
  allowPrivateTargets: boolean;
  resolve?: ResolveHost;
}

const blocked = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8], // "this network"
  ['10.0.0.0', 8], // private
  ['100.64.0.0', 10], // carrier-grade NAT
  ['127.0.0.0', 8], // loopback
  ['169.254.0.0', 16], // link-local, including the 169.254.169.254 metadata service
  ['172.16.0.0', 12], // private
  ['192.0.0.0', 24], // IETF protocol assignments
  ['192.0.2.0', 24], // documentation
  ['192.168.0.0', 16], // private
  ['198.18.0.0', 15], // benchmarking
  ['198.51.100.0', 24], // documentation
  ['203.0.113.0', 24], // documentation
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved and broadcast
] as const) {
  blocked.addSubnet(network, prefix, 'ipv4');
}
for (const [network, prefix] of [
  ['::', 128], // unspecified
  ['::1', 128], // loopback
  ['100::', 64], // discard-only
  ['2001:db8::', 32], // documentation
  ['fc00::', 7], // unique-local, including the fd00:ec2::254 metadata service
  ['fe80::', 10], // link-local
  ['fec0::', 10], // old site-local
  ['ff00::', 8], // multicast
] as const) {
  blocked.addSubnet(network, prefix, 'ipv6');
}

/** The IPv4 address an IPv6 address carries (IPv4-mapped, IPv4-compatible or NAT64), if any. */
function embeddedIpv4(address: string): string | undefined {
  const match = /^(?:::ffff:|::|64:ff9b::)(?:(\d+\.\d+\.\d+\.\d+)|([0-9a-f]{1,4}):([0-9a-f]{1,4}))$/i.exec(address);
  if (match === null) return undefined;
  if (match[1] !== undefined) return match[1];
  const high = Number.parseInt(match[2] ?? '0', 16);
  const low = Number.parseInt(match[3] ?? '0', 16);
  return [high >> 8, high & 255, low >> 8, low & 255].join('.');
}

/** Whether an IP address is one a webhook may not reach: private, loopback, link-local, metadata… */
export function isNonPublicAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 4) return blocked.check(address, 'ipv4');
  if (family !== 6) return true;
  const v4 = embeddedIpv4(address);
  if (v4 !== undefined && isIP(v4) === 4) return blocked.check(v4, 'ipv4');
  return blocked.check(address, 'ipv6');
}

/**
 * Checks the URL's form: absolute https (http only with the development setting), no
 * credentials, no fragment, at most MAX_WEBHOOK_URL_LENGTH characters. Returns it normalized.
 */
export function parseWebhookUrl(text: string, allowPrivateTargets: boolean): URL {
  const trimmed = text.trim();
  if (trimmed === '') throw new WebhookTargetError('Enter the URL to deliver to.');
  if (trimmed.length > MAX_WEBHOOK_URL_LENGTH) throw new WebhookTargetError(`The URL is too long (at most ${MAX_WEBHOOK_URL_LENGTH} characters).`);
  let url: URL;
  try {
    url = new URL(trimmed);
  } catch {
    throw new WebhookTargetError('Enter a full URL, such as https://example.com/webhooks.');
  }
  const schemeAllowed = url.protocol === 'https:' || (allowPrivateTargets && url.protocol === 'http:');
  if (!schemeAllowed) throw new WebhookTargetError('The URL must start with https://.');
  if (url.username !== '' || url.password !== '') throw new WebhookTargetError('The URL must not contain a user name or password; each message is signed with the endpoint secret instead.');
  if (url.hash !== '' || trimmed.includes('#')) throw new WebhookTargetError('The URL must not contain a fragment (#…).');
  if (url.hostname === '') throw new WebhookTargetError('The URL must name a host.');
  if (url.href.length > MAX_WEBHOOK_URL_LENGTH) throw new WebhookTargetError(`The URL is too long (at most ${MAX_WEBHOOK_URL_LENGTH} characters).`);
  return url;
}

/** The URL's host as an address or name (IPv6 literals without their brackets). */
function hostOf(url: URL): string {
  return url.hostname.startsWith('[') && url.hostname.endsWith(']') ? url.hostname.slice(1, -1) : url.hostname;
}

/**
 * Checks a webhook URL against the policy: its form, and, unless the development setting allows
 * private targets, that the host is a public address or a name all of whose addresses are public.
 * A name that does not resolve is refused too: nothing could be delivered to it.
 */
export async function checkWebhookTarget(text: string, policy: TargetPolicy): Promise<URL> {
  const url = parseWebhookUrl(text, policy.allowPrivateTargets);
  if (policy.allowPrivateTargets) return url;
  const host = hostOf(url);
  if (isIP(host) !== 0) {
    if (isNonPublicAddress(host)) throw new WebhookTargetError('The URL points to a private, loopback or link-local address; webhooks are delivered to public addresses only.');
    return url;
  }
  const name = host.replace(/\.$/, '');
  if (name === 'localhost' || name.endsWith('.localhost')) throw new WebhookTargetError('The URL points to this server (localhost); webhooks are delivered to public addresses only.');
  let addresses: string[];
  try {
    addresses = await (policy.resolve ?? resolveWithDns)(host);
  } catch {
    throw new WebhookTargetError(`The host name "${host.slice(0, 100)}" could not be resolved.`);
  }
  if (addresses.length === 0) throw new WebhookTargetError(`The host name "${host.slice(0, 100)}" could not be resolved.`);
  if (addresses.some(isNonPublicAddress)) throw new WebhookTargetError(`The host name "${host.slice(0, 100)}" resolves to a private, loopback or link-local address; webhooks are delivered to public addresses only.`);
  return url;
}
