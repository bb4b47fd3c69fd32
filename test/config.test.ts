import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, resolveConfig } from '../src/config.js';

describe('resolveConfig', () => {
  it('has defaults that serve the demo on https://localhost:8443 from ./data', () => {
    const config = resolveConfig({}, '/srv/concat');
    expect(config.port).toBe(8443);
    expect(config.dataDir).toBe('/srv/concat/data');
    expect(config.databaseUrl).toBe(`sqlite:${path.join('/srv/concat/data', 'concat.sqlite')}`);
    expect(config.publicUrl.href).toBe('https://localhost:8443/');
    expect(config.behindProxy).toBe(false);
    expect(config.smtpUrl).toBeNull();
  });

  it('derives the public URL from the port and accepts PostgreSQL', () => {
    const config = resolveConfig({ port: '9443', databaseUrl: 'postgres://u:p@db:5432/concat' });
    expect(config.publicUrl.origin).toBe('https://localhost:9443');
    expect(config.databaseUrl).toBe('postgres://u:p@db:5432/concat');
  });

  it('reads the inactivity settings: warnings largest first, none at all with "none"', () => {
    expect(resolveConfig({})).toMatchObject({ inactivityDays: 365, inactivityWarningDays: [30, 7], revocationSweepInterval: 3600 });
    expect(resolveConfig({ inactivityDays: '90', inactivityWarningDays: ' 1, 14 ,7' }).inactivityWarningDays).toEqual([14, 7, 1]);
    expect(resolveConfig({ inactivityWarningDays: 'none' }).inactivityWarningDays).toEqual([]);
  });

  it.each([
    [{ port: 'abc' }, 'port must be a whole number, got "abc"'],
    [{ port: '70000' }, 'port must be between 1 and 65535, got 70000'],
    [{ databaseUrl: 'mysql://x' }, 'database-url must start with sqlite: or postgres://, got "mysql:…"'],
    [{ publicUrl: 'http://example.org' }, 'public-url must be https://, got "http://example.org"'],
    [{ publicUrl: 'not a url' }, 'public-url is not a URL: "not a url"'],
    [{ tlsCertFile: 'cert.pem' }, '--cert and --key (CONCAT_TLS_CERT, CONCAT_TLS_KEY) must be given together'],
    [{ behindProxy: 'true' }, '--behind-proxy needs --trusted-proxies (CONCAT_TRUSTED_PROXIES): the addresses of the TLS-terminating proxies'],
    [{ behindProxy: 'maybe' }, 'behind-proxy must be true or false, got "maybe"'],
    [{ trustedProxies: '10.0.0.0/40' }, 'trusted-proxies entry "10.0.0.0/40" is not an IP address or CIDR range'],
    [{ smtpUrl: 'http://mail' }, 'smtp-url must start with smtp:// or smtps://'],
    [{ logLevel: 'loud' }, 'log-level must be one of fatal, error, warn, info, debug, trace, silent, got "loud"'],
    [{ inactivityDays: '10' }, 'inactivity-days must be between 30 and 3650, got 10'],
    [{ inactivityWarningDays: '30,30' }, 'inactivity-warning-days lists a day twice: "30,30"'],
    [{ inactivityDays: '60', inactivityWarningDays: '60' }, 'inactivity-warning-days must be between 1 and 59, got 60'],
    [{ inactivityWarningDays: '7,soon' }, 'inactivity-warning-days must be a whole number, got "soon"'],
    [{ revocationSweepInterval: '5' }, 'revocation-sweep-interval must be between 60 and 86400, got 5'],
  ])('refuses %o with a one-line reason', (raw, message) => {
    expect(() => resolveConfig(raw)).toThrow(new ConfigError(message));
  });
});
