import { readFileSync } from 'node:fs';
import https from 'node:https';

/**
 * The baseline every ratio is measured against: a bare node:https server with the same
 * certificate, answering a fixed small JSON body. Usage: baseline-server.ts <certFile> <keyFile> <port>
 */
const [certFile, keyFile, port] = process.argv.slice(2);
if (certFile === undefined || keyFile === undefined || port === undefined) throw new Error('usage: baseline-server.ts cert key port');
const body = JSON.stringify({ status: 'ok' });
https
  .createServer({ cert: readFileSync(certFile), key: readFileSync(keyFile), minVersion: 'TLSv1.2' }, (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  })
  .listen(Number(port), '127.0.0.1', () => process.stdout.write('listening\n'));
