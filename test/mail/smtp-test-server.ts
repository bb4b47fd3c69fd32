import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer, type SMTPServerOptions } from 'smtp-server';

export interface ReceivedMail {
  envelopeFrom: string;
  envelopeTo: string[];
  /** The session used TLS (smtps:// or STARTTLS). */
  secure: boolean;
  /** The user the session logged in as, if any. */
  user: string | null;
  parsed: ParsedMail;
}

export interface SmtpTestServerOptions {
  /** A fixed port, e.g. one an "SMTP is down" test already gave the worker; otherwise a free one. */
  port?: number;
  /** Require this login. A wrong one is refused with a reply that quotes what the client sent. */
  auth?: { user: string; pass: string };
  /** Refuse every recipient with this reply, e.g. { code: 550, message: 'no such user' }. */
  rejectRecipient?: { code: number; message: string };
  /** smtps:// (TLS from the first byte) instead of plain SMTP with STARTTLS. */
  implicitTls?: boolean;
  /** Offer STARTTLS (off by default: the built-in test certificate is not trusted by clients). */
  starttls?: boolean;
}

export interface SmtpTestServer {
  port: number;
  received: ReceivedMail[];
  close(): Promise<void>;
}

/** A real SMTP server on loopback that parses what it receives with mailparser. */
export async function startSmtpTestServer(options: SmtpTestServerOptions = {}): Promise<SmtpTestServer> {
  const received: ReceivedMail[] = [];
  const users = new Map<string, string>();
  const config: SMTPServerOptions = {
    logger: false,
    secure: options.implicitTls === true,
    disabledCommands: options.starttls === true || options.implicitTls === true ? [] : ['STARTTLS'],
    authOptional: options.auth === undefined,
    // Credentials over plain text are fine on loopback in tests.
    allowInsecureAuth: true,
    disableReverseLookup: true,
    onAuth(auth, session, callback) {
      const expected = options.auth;
      if (expected !== undefined && auth.username === expected.user && auth.password === expected.pass) {
        users.set(session.id, auth.username);
        callback(null, { user: auth.username });
        return;
      }
      // A careless server that echoes the credentials: the platform must not store or log them.
      const error = Object.assign(new Error(`Authentication failed for ${auth.username ?? ''} with password ${auth.password ?? ''}`), { responseCode: 535 });
      callback(error);
    },
    onRcptTo(_address, _session, callback) {
      const reject = options.rejectRecipient;
      callback(reject === undefined ? null : Object.assign(new Error(reject.message), { responseCode: reject.code }));
    },
    onData(stream, session, callback) {
      simpleParser(stream)
        .then((parsed) => {
          const from = session.envelope.mailFrom;
          received.push({
            envelopeFrom: from === false ? '' : from.address,
            envelopeTo: session.envelope.rcptTo.map((rcpt) => rcpt.address),
            secure: session.secure,
            user: users.get(session.id) ?? null,
            parsed,
          });
          callback();
        })
        .catch((error: unknown) => callback(error instanceof Error ? error : new Error(String(error))));
    },
  };
  const server = new SMTPServer(config);
  const port = await new Promise<number>((resolve, reject) => {
    server.on('error', reject);
    const listening = server.listen(options.port ?? 0, '127.0.0.1', () => {
      const address = listening.address();
      resolve(typeof address === 'object' && address !== null ? address.port : 0);
    });
  });
  return {
    port,
    received,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
