import { X509Certificate, createPrivateKey } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ConfigError, type Config } from '../../config.js';
import type { Clock } from '../../clock.js';
import { createSelfSignedCertificate, type PemPair } from './self-signed-certificate.js';

/** A generated certificate is replaced this long before it expires. */
const RENEW_BEFORE_MS = 30 * 86_400_000;

export interface TlsCredentials extends PemPair {
  /** Where they came from, for the start-up message. */
  source: 'configured' | 'self-signed (new)' | 'self-signed (reused)';
  file: string;
}

/**
 * The certificate and key the server presents: the configured files, or a self-signed pair for
 * localhost kept in the data directory and reused across starts (so a browser exception sticks).
 */
export function loadTlsCredentials(config: Config, clock: Clock): TlsCredentials {
  if (config.tlsCertFile !== null && config.tlsKeyFile !== null) {
    const cert = readPem(config.tlsCertFile, 'cert');
    const key = readPem(config.tlsKeyFile, 'key');
    try {
      if (!new X509Certificate(cert).checkPrivateKey(createPrivateKey(key))) {
        throw new ConfigError(`--key ${config.tlsKeyFile} does not belong to the certificate in --cert ${config.tlsCertFile}`);
      }
    } catch (error) {
      if (error instanceof ConfigError) throw error;
      throw new ConfigError(`--cert/--key are not a PEM certificate and private key: ${error instanceof Error ? error.message : String(error)}`);
    }
    return { cert, key, source: 'configured', file: config.tlsCertFile };
  }

  const dir = path.join(config.dataDir, 'tls');
  const certFile = path.join(dir, 'localhost-cert.pem');
  const keyFile = path.join(dir, 'localhost-key.pem');
  const existing = readExisting(certFile, keyFile, clock);
  if (existing !== null) return { ...existing, source: 'self-signed (reused)', file: certFile };

  const pair = createSelfSignedCertificate({
    commonName: 'localhost',
    dnsNames: ['localhost'],
    ipAddresses: ['127.0.0.1', '::1'],
    notBefore: new Date(clock.now().getTime() - 60_000),
    days: 365,
  });
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  writeFileSync(keyFile, pair.key, { mode: 0o600 });
  writeFileSync(certFile, pair.cert, { mode: 0o644 });
  return { ...pair, source: 'self-signed (new)', file: certFile };
}

function readPem(file: string, flag: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    throw new ConfigError(`--${flag} ${file} cannot be read: ${error instanceof Error && 'code' in error && typeof error.code === 'string' ? error.code : 'error'}`);
  }
}

function readExisting(certFile: string, keyFile: string, clock: Clock): PemPair | null {
  try {
    const cert = readFileSync(certFile, 'utf8');
    const key = readFileSync(keyFile, 'utf8');
    const x509 = new X509Certificate(cert);
    const fresh = new Date(x509.validTo).getTime() - RENEW_BEFORE_MS > clock.now().getTime();
    return fresh && x509.checkPrivateKey(createPrivateKey(key)) ? { cert, key } : null;
  } catch {
    return null; // Missing or unreadable: make a new pair.
  }
}
