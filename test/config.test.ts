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
  ])('refuses %o with a one-line reason', (raw, message) => {
    expect(() => resolveConfig(raw)).toThrow(new ConfigError(message));
  });
});
