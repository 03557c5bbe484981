import { X509Certificate, createPrivateKey } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { type RequestListener, type Server, createServer as createHttpServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { createSecureContext } from 'node:tls';
import type { Logger } from 'pino';
import { type Settings, type TlsSettings, isLoopback } from './settings.js';

/**
 * A year, without includeSubDomains or preload: Cairn is one host among others under its domain, and the header
 * binds browsers only to this one.
 */
export const HSTS = 'max-age=31536000';

/** The server Cairn listens with: HTTPS (and so WSS, every upgrade) when TLS is configured, else plain HTTP. */
export interface CairnServer {
  readonly server: Server;
  readonly scheme: 'http' | 'https';
  /** Stops watching the certificate files. */
  stop(): void;
}

interface KeyPair {
  readonly cert: Buffer;
  readonly key: Buffer;
  readonly certificate: X509Certificate;
}

/**
 * Refuses a non-loopback address without TLS: tokens would cross the network in clear. A proxy that terminates TLS
 * in front of Cairn says so explicitly (CAIRN_TLS_TERMINATED_BY_PROXY).
 */
export function checkTransportSecurity(settings: Pick<Settings, 'host' | 'tls' | 'tlsTerminatedByProxy'>): void {
  if (settings.tls || settings.tlsTerminatedByProxy || isLoopback(settings.host)) return;
  throw new Error(
    `CAIRN_HOST=${settings.host} is not a loopback address and TLS is off: set CAIRN_TLS_CERT and CAIRN_TLS_KEY, ` +
      'or CAIRN_TLS_TERMINATED_BY_PROXY=true when a proxy in front of Cairn terminates TLS',
  );
}

/**
 * An HTTPS server whose certificate and key are read at start (a pair that does not load stops the start) and
 * checked every CAIRN_TLS_RELOAD_MS: a changed pair is swapped in for new connections with setSecureContext, open ones
 * keep theirs. A new pair that does not load is logged and the old one kept, so a half-written rotation (the
 * certificate replaced, the key not yet) never takes the server down; it is tried again when the files change again.
 */
export async function createCairnServer(tls: TlsSettings | null, handler: RequestListener, logger: Logger): Promise<CairnServer> {
  if (!tls) return { server: createHttpServer(handler), scheme: 'http', stop: () => undefined };
  let seen = await filesVersion(tls);
  const pair = await loadKeyPair(tls).catch((error: unknown) => {
    throw new Error(`CAIRN_TLS_CERT/CAIRN_TLS_KEY: ${errorText(error)}`);
  });
  logger.info(describe(pair), 'TLS on: HTTPS and WSS with this certificate');
  const server = createHttpsServer({ cert: pair.cert, key: pair.key }, handler);
  server.prependListener('request', (_req, res) => res.setHeader('strict-transport-security', HSTS));
  let checking = false;
  const check = async (): Promise<void> => {
    const version = await filesVersion(tls).catch(() => seen);
    if (version === seen) return;
    seen = version;
    try {
      const next = await loadKeyPair(tls);
      server.setSecureContext({ cert: next.cert, key: next.key });
      logger.info(describe(next), 'TLS certificate reloaded: new connections use it');
    } catch (error) {
      logger.error({ reason: errorText(error) }, 'the changed TLS certificate or key does not load: still serving the previous pair');
    }
  };
  const timer = setInterval(() => {
    if (checking) return;
    checking = true;
    void check().finally(() => (checking = false));
  }, tls.reloadMs);
  timer.unref();
  return { server, scheme: 'https', stop: () => clearInterval(timer) };
}

/** Changes when either file is written or replaced (a rename, a Kubernetes secret's symlink swap). */
async function filesVersion(tls: TlsSettings): Promise<string> {
  const stats = await Promise.all([stat(tls.certFile), stat(tls.keyFile)]);
  return stats.map((s) => `${s.ino}:${s.size}:${s.mtimeMs}:${s.ctimeMs}`).join('/');
}

async function loadKeyPair(tls: TlsSettings): Promise<KeyPair> {
  const [cert, key] = await Promise.all([readFile(tls.certFile), readFile(tls.keyFile)]);
  const certificate = new X509Certificate(cert);
  if (!certificate.checkPrivateKey(createPrivateKey(key))) throw new Error('the private key does not match the certificate');
  // Whatever else OpenSSL refuses (a broken chain, an unusable key) fails here rather than in setSecureContext.
  createSecureContext({ cert, key });
  return { cert, key, certificate };
}

/** What an operator checks after a rotation; nothing secret. */
function describe(pair: KeyPair): Record<string, string> {
  const { subject, subjectAltName, validTo, fingerprint256 } = pair.certificate;
  return { subject, subjectAltName: subjectAltName ?? '', validTo, fingerprint256 };
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
