import { X509Certificate } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSelfSignedCertificate } from '../../src/http/tls/self-signed-certificate.js';
import { request } from '../support/https-client.js';
import { startTestPlatform, type TestPlatform } from '../support/platform.js';

/** Opens a raw TLS connection limited to one protocol version; resolves with the version or the error. */
function handshake(port: number, version: tls.SecureVersion): Promise<string> {
  return new Promise((resolve) => {
    const socket = tls.connect({
      host: '127.0.0.1',
      port,
      servername: 'localhost',
      minVersion: version,
      maxVersion: version,
      // Let the client offer old protocols at all, so a refusal is the server's.
      ciphers: 'DEFAULT@SECLEVEL=0',
      rejectUnauthorized: false,
    });
    socket.once('secureConnect', () => {
      resolve(socket.getProtocol() ?? 'unknown');
      socket.end();
    });
    socket.once('error', (error: NodeJS.ErrnoException) => resolve(`error: ${error.code ?? error.message}`));
  });
}

describe('HTTPS server', () => {
  let t: TestPlatform;
  beforeAll(async () => {
    t = await startTestPlatform();
  });
  afterAll(async () => {
    await t.stop();
  });

  it('refuses a TLS 1.1 handshake and accepts TLS 1.2 and 1.3', async () => {
    expect(await handshake(t.port, 'TLSv1.1')).toMatch(/^error:/);
    expect(await handshake(t.port, 'TLSv1')).toMatch(/^error:/);
    expect(await handshake(t.port, 'TLSv1.2')).toBe('TLSv1.2');
    expect(await handshake(t.port, 'TLSv1.3')).toBe('TLSv1.3');
  });

  it('presents a self-signed certificate for localhost, 127.0.0.1 and ::1 written to the data directory', () => {
    const certFile = path.join(t.config.dataDir, 'tls', 'localhost-cert.pem');
    const cert = new X509Certificate(readFileSync(certFile));
    expect(cert.checkHost('localhost')).toBe('localhost');
    expect(cert.checkIP('127.0.0.1')).toBe('127.0.0.1');
    expect(cert.checkIP('::1')).toBe('::1');
    expect(t.platform.tls?.source).toBe('self-signed (new)');
  });

  it('sends HSTS on success, not-found, unknown-host and error responses', async () => {
    const responses = await Promise.all([
      request(`${t.baseUrl}/healthz`),
      request(`${t.baseUrl}/no-such-page`),
      request(`${t.baseUrl}/healthz`, { headers: { host: 'unknown.example' } }),
      request(`${t.baseUrl}/healthz`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{' }),
    ]);
    expect(responses.map((r) => r.status)).toEqual([200, 404, 404, 400]);
    for (const response of responses) expect(response.headers['strict-transport-security']).toMatch(/max-age=\d{7,}/);
  });
});

describe('certificates across starts', () => {
  it('reuses the generated certificate on the next start', async () => {
    const first = await startTestPlatform();
    const certFile = path.join(first.config.dataDir, 'tls', 'localhost-cert.pem');
    const pem = readFileSync(certFile, 'utf8');
    await first.platform.close();
    const second = await startTestPlatform({}, {}, first.testDb);
    expect(second.platform.tls?.source).toBe('self-signed (reused)');
    expect(second.platform.tls?.cert).toBe(pem);
    await second.platform.close();
    await first.testDb.cleanup();
  });

  it('serves a configured certificate and key', async () => {
    const pair = createSelfSignedCertificate({ commonName: 'configured.test', dnsNames: ['localhost'], ipAddresses: [], notBefore: new Date(), days: 10 });
    const t = await startTestPlatform();
    const dir = t.config.dataDir;
    writeFileSync(path.join(dir, 'c.pem'), pair.cert);
    writeFileSync(path.join(dir, 'k.pem'), pair.key);
    await t.platform.close();
    const configured = await startTestPlatform({ tlsCertFile: path.join(dir, 'c.pem'), tlsKeyFile: path.join(dir, 'k.pem') }, {}, t.testDb);
    const subject = await new Promise<string>((resolve, reject) => {
      const socket = tls.connect({ host: '127.0.0.1', port: configured.port, servername: 'localhost', rejectUnauthorized: false }, () => {
        resolve(socket.getPeerX509Certificate()?.subject ?? '');
        socket.end();
      });
      socket.once('error', reject);
    });
    expect(subject).toBe('CN=configured.test');
    await configured.platform.close();
    await t.testDb.cleanup();
  });
});
