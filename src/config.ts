import { isIP } from 'node:net';
import path from 'node:path';

/**
 * Every setting of the platform, with its default, its flag and its environment variable.
 * This table is the documentation: `concat serve --help` prints it and the README copies it.
 * Flags win over environment variables, which win over defaults.
 */
export interface Config {
  /** TCP port the HTTPS (or, behind a proxy, HTTP) server listens on. */
  port: number;
  /** Address to bind. `localhost` binds every loopback address; `0.0.0.0` or `::` to expose it. */
  host: string;
  /** Where the embedded database, the generated certificate, the mail outbox and demo.json live. */
  dataDir: string;
  /** `sqlite:<file>` (embedded) or `postgres://user:pass@host:port/db` (shared, several processes). */
  databaseUrl: string;
  /** Public base URL of the platform host (portal, console). Instances on path prefixes follow it. */
  publicUrl: URL;
  /** PEM certificate and key files; when both are unset a self-signed pair is made in dataDir. */
  tlsCertFile: string | null;
  tlsKeyFile: string | null;
  /** TLS is terminated upstream: serve plain HTTP, and only to the trusted proxies. */
  behindProxy: boolean;
  /** Addresses or CIDR ranges whose X-Forwarded-* headers are believed. Required behind a proxy. */
  trustedProxies: string[];
  /** `smtp://user:pass@host:port` or `smtps://…`; unset writes mail to the outbox in dataDir. */
  smtpUrl: string | null;
  /** Sender address of every email the platform sends. */
  mailFrom: string;
  /** Largest request body accepted, in bytes. */
  bodyLimit: number;
  /** pino log level: fatal, error, warn, info, debug, trace or silent. */
  logLevel: string;
  /** Lifetime of OAuth access tokens (service and on-behalf-of), in seconds. */
  accessTokenTtl: number;
  /** How often usage statistics collected in memory are written to the database, in seconds. */
  usageFlushInterval: number;
  /** Development only: let webhook endpoints be private, loopback or link-local addresses, over http too. */
  webhooksAllowPrivateTargets: boolean;
  /** The window every rate limit below counts requests in, in seconds. */
  rateLimitWindow: number;
  /** API requests (and token-free endpoints: docs, discovery) per window per app and instance; 0: no limit. */
  rateLimitApi: number;
  /** The same per client address; 0: no limit. */
  rateLimitApiAddress: number;
  /** Token, introspection and revocation requests per window per app and instance; 0: no limit. */
  rateLimitToken: number;
  /** The same per client address, the browser sign-in steps included; 0: no limit. */
  rateLimitTokenAddress: number;
  /** Requests naming no client (no Authorization header) per window per client address; 0: no limit. */
  rateLimitAnonymous: number;
  /** Failed client authentications per client and address in 15 minutes before that pair is blocked for 15 minutes. */
  clientAuthFailures: number;
  /** Failed client authentications per address (any client) in 15 minutes before the address is blocked for 15 minutes. */
  clientAuthAddressFailures: number;
  /** Days without activity (token issued, API call, webhook acknowledged) after which an app is revoked. */
  inactivityDays: number;
  /** Days before an inactivity revocation on which the developer is warned, largest first. */
  inactivityWarningDays: number[];
  /** How often the revocation job (inactivity, deletion reminders) runs, in seconds. */
  revocationSweepInterval: number;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

interface SettingSpec {
  key: keyof Config;
  flag: string;
  env: string;
  /** Shown in help and the README; the real default is computed in `resolveConfig`. */
  defaultText: string;
  doc: string;
  /** A flag that takes no value. */
  boolean?: boolean;
}

export const SETTINGS: readonly SettingSpec[] = [
  { key: 'port', flag: 'port', env: 'PORT', defaultText: '8443', doc: 'TCP port to listen on' },
  { key: 'host', flag: 'host', env: 'HOST', defaultText: 'localhost', doc: 'address to bind (0.0.0.0 or :: to expose)' },
  { key: 'dataDir', flag: 'data-dir', env: 'CONCAT_DATA_DIR', defaultText: './data', doc: 'data directory (SQLite file, certificate, mail outbox, demo.json)' },
  { key: 'databaseUrl', flag: 'database-url', env: 'DATABASE_URL', defaultText: 'sqlite:<data dir>/concat.sqlite', doc: 'database: sqlite:<file> or postgres://…' },
  { key: 'publicUrl', flag: 'public-url', env: 'CONCAT_PUBLIC_URL', defaultText: 'https://localhost:<port>', doc: 'public base URL of the platform host; demo instances live under <public url>/o/<slug>' },
  { key: 'tlsCertFile', flag: 'cert', env: 'CONCAT_TLS_CERT', defaultText: '(self-signed in data dir)', doc: 'PEM certificate (chain) file' },
  { key: 'tlsKeyFile', flag: 'key', env: 'CONCAT_TLS_KEY', defaultText: '(self-signed in data dir)', doc: 'PEM private key file' },
  { key: 'behindProxy', flag: 'behind-proxy', env: 'CONCAT_BEHIND_PROXY', defaultText: 'false', doc: 'TLS is terminated by a proxy: serve HTTP to trusted proxies only', boolean: true },
  { key: 'trustedProxies', flag: 'trusted-proxies', env: 'CONCAT_TRUSTED_PROXIES', defaultText: '(none)', doc: 'comma-separated proxy addresses or CIDRs whose X-Forwarded-* headers are trusted' },
  { key: 'smtpUrl', flag: 'smtp-url', env: 'SMTP_URL', defaultText: '(file outbox)', doc: 'smtp://user:pass@host:port or smtps://…; unset writes mail to <data dir>/outbox' },
  { key: 'mailFrom', flag: 'mail-from', env: 'CONCAT_MAIL_FROM', defaultText: 'ConCat Platform <no-reply@localhost>', doc: 'sender of platform email' },
  { key: 'bodyLimit', flag: 'body-limit', env: 'CONCAT_BODY_LIMIT', defaultText: '1048576', doc: 'largest accepted request body, in bytes' },
  { key: 'logLevel', flag: 'log-level', env: 'LOG_LEVEL', defaultText: 'info', doc: 'fatal, error, warn, info, debug, trace or silent' },
  { key: 'accessTokenTtl', flag: 'access-token-ttl', env: 'CONCAT_ACCESS_TOKEN_TTL', defaultText: '3600', doc: 'lifetime of OAuth access tokens, in seconds (60 to 86400)' },
  { key: 'webhooksAllowPrivateTargets', flag: 'webhooks-allow-private-targets', env: 'CONCAT_WEBHOOKS_ALLOW_PRIVATE_TARGETS', defaultText: 'false', doc: 'development only: allow webhook URLs on private, loopback and link-local addresses, and plain http', boolean: true },
  { key: 'usageFlushInterval', flag: 'usage-flush-interval', env: 'CONCAT_USAGE_FLUSH_INTERVAL', defaultText: '30', doc: 'how often usage statistics are written to the database, in seconds (1 to 3600)' },
  { key: 'rateLimitWindow', flag: 'rate-limit-window', env: 'CONCAT_RATE_LIMIT_WINDOW', defaultText: '60', doc: 'window of every rate limit, in seconds (1 to 3600)' },
  { key: 'rateLimitApi', flag: 'rate-limit-api', env: 'CONCAT_RATE_LIMIT_API', defaultText: '600', doc: 'API requests per window per app and instance (0: no limit)' },
  { key: 'rateLimitApiAddress', flag: 'rate-limit-api-address', env: 'CONCAT_RATE_LIMIT_API_ADDRESS', defaultText: '3000', doc: 'API requests per window per client address (0: no limit)' },
  { key: 'rateLimitToken', flag: 'rate-limit-token', env: 'CONCAT_RATE_LIMIT_TOKEN', defaultText: '300', doc: 'token, introspection and revocation requests per window per app and instance (0: no limit)' },
  { key: 'rateLimitTokenAddress', flag: 'rate-limit-token-address', env: 'CONCAT_RATE_LIMIT_TOKEN_ADDRESS', defaultText: '600', doc: 'token, introspection, revocation and sign-in (authorize) requests per window per client address (0: no limit)' },
  { key: 'rateLimitAnonymous', flag: 'rate-limit-anonymous', env: 'CONCAT_RATE_LIMIT_ANONYMOUS', defaultText: '60', doc: 'requests naming no client (no Authorization header) per window per client address (0: no limit)' },
  { key: 'clientAuthFailures', flag: 'client-auth-failures', env: 'CONCAT_CLIENT_AUTH_FAILURES', defaultText: '10', doc: 'failed client authentications per client and address in 15 minutes before they are blocked for 15 minutes' },
  { key: 'clientAuthAddressFailures', flag: 'client-auth-address-failures', env: 'CONCAT_CLIENT_AUTH_ADDRESS_FAILURES', defaultText: '50', doc: 'failed client authentications per address in 15 minutes before it is blocked for 15 minutes' },
  { key: 'inactivityDays', flag: 'inactivity-days', env: 'CONCAT_INACTIVITY_DAYS', defaultText: '365', doc: 'days without activity (token issued, API call, webhook acknowledged) after which an app is revoked (30 to 3650)' },
  { key: 'inactivityWarningDays', flag: 'inactivity-warning-days', env: 'CONCAT_INACTIVITY_WARNING_DAYS', defaultText: '30,7', doc: 'comma-separated days before an inactivity revocation on which the developer is warned (each below --inactivity-days)' },
  { key: 'revocationSweepInterval', flag: 'revocation-sweep-interval', env: 'CONCAT_REVOCATION_SWEEP_INTERVAL', defaultText: '3600', doc: 'how often the revocation job (inactivity, deletion reminders) runs, in seconds (60 to 86400)' },
];

/** Largest rate limit accepted (requests per window); 0 switches a limit off. */
const MAX_RATE_LIMIT = 10_000_000;

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

export type RawSettings = Partial<Record<keyof Config, string | boolean>>;

/** Reads the settings named in SETTINGS from an environment (flags are merged by the caller). */
export function settingsFromEnv(env: NodeJS.ProcessEnv): RawSettings {
  const raw: RawSettings = {};
  for (const spec of SETTINGS) {
    const value = env[spec.env];
    if (value !== undefined && value !== '') raw[spec.key] = value;
  }
  return raw;
}

/** Turns raw strings into a checked Config, or throws a ConfigError with a one-line reason. */
export function resolveConfig(raw: RawSettings, cwd = process.cwd()): Config {
  const text = (key: keyof Config): string | undefined => {
    const value = raw[key];
    if (value === undefined) return undefined;
    return typeof value === 'boolean' ? String(value) : value;
  };

  const port = parseInteger(text('port') ?? '8443', 'port', 1, 65535);
  const dataDir = path.resolve(cwd, text('dataDir') ?? './data');
  const databaseUrl = parseDatabaseUrl(text('databaseUrl') ?? `sqlite:${path.join(dataDir, 'concat.sqlite')}`, cwd);
  const publicUrl = parsePublicUrl(text('publicUrl') ?? `https://localhost:${port}`);
  const tlsCertFile = text('tlsCertFile') ?? null;
  const tlsKeyFile = text('tlsKeyFile') ?? null;
  if ((tlsCertFile === null) !== (tlsKeyFile === null)) {
    throw new ConfigError('--cert and --key (CONCAT_TLS_CERT, CONCAT_TLS_KEY) must be given together');
  }
  const behindProxy = parseBoolean(text('behindProxy') ?? 'false', 'behind-proxy');
  const trustedProxies = (text('trustedProxies') ?? '').split(',').map((s) => s.trim()).filter((s) => s !== '');
  for (const entry of trustedProxies) checkProxyEntry(entry);
  if (behindProxy && trustedProxies.length === 0) {
    throw new ConfigError('--behind-proxy needs --trusted-proxies (CONCAT_TRUSTED_PROXIES): the addresses of the TLS-terminating proxies');
  }
  if (behindProxy && tlsCertFile !== null) {
    throw new ConfigError('--behind-proxy serves plain HTTP to the proxy; do not also give --cert/--key');
  }
  const smtpUrl = text('smtpUrl') ?? null;
  if (smtpUrl !== null) parseSmtpUrl(smtpUrl);
  const inactivityDays = parseInteger(text('inactivityDays') ?? '365', 'inactivity-days', 30, 3650);
  const inactivityWarningDays = parseDayList(text('inactivityWarningDays') ?? '30,7', 'inactivity-warning-days', inactivityDays - 1);
  const logLevel = text('logLevel') ?? 'info';
  if (!LOG_LEVELS.includes(logLevel)) throw new ConfigError(`log-level must be one of ${LOG_LEVELS.join(', ')}, got "${logLevel}"`);

  return {
    port,
    host: text('host') ?? 'localhost',
    dataDir,
    databaseUrl,
    publicUrl,
    tlsCertFile: tlsCertFile === null ? null : path.resolve(cwd, tlsCertFile),
    tlsKeyFile: tlsKeyFile === null ? null : path.resolve(cwd, tlsKeyFile),
    behindProxy,
    trustedProxies,
    smtpUrl,
    mailFrom: text('mailFrom') ?? 'ConCat Platform <no-reply@localhost>',
    bodyLimit: parseInteger(text('bodyLimit') ?? '1048576', 'body-limit', 1024, 100 * 1024 * 1024),
    logLevel,
    accessTokenTtl: parseInteger(text('accessTokenTtl') ?? '3600', 'access-token-ttl', 60, 86_400),
    webhooksAllowPrivateTargets: parseBoolean(text('webhooksAllowPrivateTargets') ?? 'false', 'webhooks-allow-private-targets'),
    usageFlushInterval: parseInteger(text('usageFlushInterval') ?? '30', 'usage-flush-interval', 1, 3600),
    rateLimitWindow: parseInteger(text('rateLimitWindow') ?? '60', 'rate-limit-window', 1, 3600),
    rateLimitApi: parseInteger(text('rateLimitApi') ?? '600', 'rate-limit-api', 0, MAX_RATE_LIMIT),
    rateLimitApiAddress: parseInteger(text('rateLimitApiAddress') ?? '3000', 'rate-limit-api-address', 0, MAX_RATE_LIMIT),
    rateLimitToken: parseInteger(text('rateLimitToken') ?? '300', 'rate-limit-token', 0, MAX_RATE_LIMIT),
    rateLimitTokenAddress: parseInteger(text('rateLimitTokenAddress') ?? '600', 'rate-limit-token-address', 0, MAX_RATE_LIMIT),
    rateLimitAnonymous: parseInteger(text('rateLimitAnonymous') ?? '60', 'rate-limit-anonymous', 0, MAX_RATE_LIMIT),
    clientAuthFailures: parseInteger(text('clientAuthFailures') ?? '10', 'client-auth-failures', 1, 10_000),
    clientAuthAddressFailures: parseInteger(text('clientAuthAddressFailures') ?? '50', 'client-auth-address-failures', 1, 10_000),
    inactivityDays,
    inactivityWarningDays,
    revocationSweepInterval: parseInteger(text('revocationSweepInterval') ?? '3600', 'revocation-sweep-interval', 60, 86_400),
  };
}

function parseInteger(value: string, name: string, min: number, max: number): number {
  if (!/^\d+$/.test(value)) throw new ConfigError(`${name} must be a whole number, got "${value}"`);
  const n = Number(value);
  if (n < min || n > max) throw new ConfigError(`${name} must be between ${min} and ${max}, got ${n}`);
  return n;
}

/** A comma-separated list of distinct day counts (1 to max), largest first; '' or 'none' is no days. */
function parseDayList(value: string, name: string, max: number): number[] {
  if (value.trim() === '' || value.trim().toLowerCase() === 'none') return [];
  const days = value.split(',').map((part) => parseInteger(part.trim(), name, 1, max));
  if (new Set(days).size !== days.length) throw new ConfigError(`${name} lists a day twice: "${value}"`);
  return days.sort((a, b) => b - a);
}

function parseBoolean(value: string, name: string): boolean {
  if (['1', 'true', 'yes', 'on'].includes(value.toLowerCase())) return true;
  if (['0', 'false', 'no', 'off'].includes(value.toLowerCase())) return false;
  throw new ConfigError(`${name} must be true or false, got "${value}"`);
}

function parseDatabaseUrl(value: string, cwd: string): string {
  if (/^postgres(ql)?:\/\//.test(value)) {
    try {
      new URL(value);
    } catch {
      throw new ConfigError(`database-url is not a valid postgres:// URL`);
    }
    return value;
  }
  if (value.startsWith('sqlite:')) {
    const file = value.slice('sqlite:'.length).replace(/^\/\/(?=\/)/, '');
    if (file === '') throw new ConfigError('database-url sqlite: needs a file path, e.g. sqlite:./data/concat.sqlite');
    return `sqlite:${file === ':memory:' ? file : path.resolve(cwd, file)}`;
  }
  throw new ConfigError(`database-url must start with sqlite: or postgres://, got "${value.split(':')[0] ?? value}:…"`);
}

function parsePublicUrl(value: string): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigError(`public-url is not a URL: "${value}"`);
  }
  if (url.protocol !== 'https:') throw new ConfigError(`public-url must be https://, got "${value}"`);
  if (url.search !== '' || url.hash !== '' || url.username !== '' || url.password !== '') {
    throw new ConfigError('public-url must not carry a query, fragment or credentials');
  }
  // A trailing slash would make every derived URL ambiguous ("…//o/demo").
  url.pathname = url.pathname.replace(/\/+$/, '');
  return url;
}

function checkProxyEntry(entry: string): void {
  const [address, bits, extra] = entry.split('/');
  const family = isIP(address ?? '');
  const maxBits = family === 6 ? 128 : 32;
  const bitsOk = bits === undefined || (/^\d+$/.test(bits) && Number(bits) <= maxBits);
  if (family === 0 || !bitsOk || extra !== undefined) {
    throw new ConfigError(`trusted-proxies entry "${entry}" is not an IP address or CIDR range`);
  }
}

export function parseSmtpUrl(value: string): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigError('smtp-url is not a URL (smtp://user:pass@host:port)');
  }
  if (url.protocol !== 'smtp:' && url.protocol !== 'smtps:') {
    throw new ConfigError('smtp-url must start with smtp:// or smtps://');
  }
  return url;
}
