import { readFile, realpath, stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';

/** What the web console's build (Vite) emits, by extension; anything else is not served. */
const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
};

/** Vite names everything under assets/ by content hash: a new build means new names, so these never change. */
const HASHED_PREFIX = '/assets/';
const IMMUTABLE = 'public, max-age=31536000, immutable';

/** What the console needs to sign in with the identity provider (authorization code with PKCE). */
export interface ConsoleSignOn {
  readonly issuer: string;
  readonly clientId: string;
  readonly scopes: string;
}

/** The console reads its single sign-on settings here (`null`: none). Not a file: it is answered from memory. */
export const SIGN_ON_PATH = '/sign-on.json';

export interface ConsoleAssets {
  /** Answers GET/HEAD for the console's paths (`/`, `/index.html`, `/assets/…`, top-level files); false: not ours. */
  handle(req: IncomingMessage, res: ServerResponse): boolean;
}

/**
 * The web console, served from its build directory (CAIRN_CONSOLE_DIR). The console routes on the URL hash, so the
 * only page is index.html. Everything else Cairn serves (/graphql, /healthz, …) never reaches this handler.
 */
export function consoleAssets(directory: string, signOn: ConsoleSignOn | null = null): ConsoleAssets {
  const root = path.resolve(directory);
  // The console fetches the provider's discovery document and exchanges the code at its token endpoint.
  const provider = signOn ? new URL(signOn.issuer).origin : null;
  return {
    handle(req, res) {
      if (req.method !== 'GET' && req.method !== 'HEAD') return false;
      const pathname = pathnameOf(req.url);
      if (pathname === SIGN_ON_PATH) {
        const body = JSON.stringify(signOn);
        res.writeHead(200, { ...securityHeaders(req, provider), 'content-type': CONTENT_TYPES['.json']!, 'cache-control': 'no-cache' });
        res.end(req.method === 'HEAD' ? undefined : body);
        return true;
      }
      if (pathname === null || !isConsolePath(pathname)) return false;
      void serve(root, pathname, req, res, provider).catch(() => {
        if (!res.headersSent) sendPage(res, 500, 'Console unavailable', 'The console could not be read from disk.', req);
        else res.destroy();
      });
      return true;
    },
  };
}

function pathnameOf(url: string | undefined): string | null {
  try {
    return new URL(url ?? '/', 'http://console.invalid').pathname;
  } catch {
    return null;
  }
}

/** `/`, `/index.html`, anything under `/assets/`, and single-segment files like `/favicon.svg`. */
function isConsolePath(pathname: string): boolean {
  if (pathname === '/' || pathname.startsWith(HASHED_PREFIX)) return true;
  return /^\/[\w.-]+\.[a-z0-9]+$/i.test(pathname) && path.extname(pathname).toLowerCase() in CONTENT_TYPES;
}

async function serve(root: string, pathname: string, req: IncomingMessage, res: ServerResponse, provider: string | null): Promise<void> {
  const index = path.join(root, 'index.html');
  if (!(await isFile(index))) {
    sendPage(
      res,
      503,
      'Console not built',
      `The web console is not built: run <code>npm run build</code>, or point CAIRN_CONSOLE_DIR at a built console. Looked in <code>${escapeHtml(root)}</code>. The GraphQL API is at <a href="/graphql">/graphql</a>.`,
      req,
    );
    return;
  }
  const file = pathname === '/' ? index : resolveInside(root, pathname);
  const type = file ? CONTENT_TYPES[path.extname(file).toLowerCase()] : undefined;
  if (!file || !type || !(await isFile(file)) || !(await staysInside(root, file))) {
    sendPage(res, 404, 'Not found', `Nothing at <code>${escapeHtml(pathname)}</code>. The console is at <a href="/">/</a>.`, req);
    return;
  }
  const body = await readFile(file);
  res.writeHead(200, {
    ...securityHeaders(req, provider),
    'content-type': type,
    'content-length': body.length,
    'cache-control': pathname.startsWith(HASHED_PREFIX) ? IMMUTABLE : 'no-cache',
  });
  res.end(req.method === 'HEAD' ? undefined : body);
}

/** The file a URL path names, or null when it would leave the console directory (`..`, encoded or not, NUL). */
function resolveInside(root: string, pathname: string): string | null {
  let decoded: string;
  try {
    decoded = decodeURIComponent(pathname);
  } catch {
    return null;
  }
  if (decoded.includes('\0') || decoded.split(/[\\/]/).includes('..')) return null;
  const file = path.resolve(root, `.${decoded}`);
  return file.startsWith(root + path.sep) ? file : null;
}

/** A symbolic link in the directory must not lead out of it either. */
async function staysInside(root: string, file: string): Promise<boolean> {
  const [realRoot, realFile] = await Promise.all([realpath(root), realpath(file)]);
  return realFile.startsWith(realRoot + path.sep);
}

async function isFile(file: string): Promise<boolean> {
  try {
    return (await stat(file)).isFile();
  } catch {
    return false;
  }
}

/**
 * Only the console's own scripts, styles and images; its only connections are to this server's /graphql, over
 * HTTP and WebSocket (named with the request's host: older browsers do not count ws: as 'self').
 */
function contentSecurityPolicy(req: IncomingMessage, provider: string | null): string {
  const host = req.headers.host;
  const sockets = host && /^[\w.:[\]-]+$/.test(host) ? ` ws://${host} wss://${host}` : '';
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    `connect-src 'self'${sockets}${provider ? ` ${provider}` : ''}`,
    "manifest-src 'self'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

function securityHeaders(req: IncomingMessage, provider: string | null = null): Record<string, string> {
  return {
    'content-security-policy': contentSecurityPolicy(req, provider),
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    'x-frame-options': 'DENY',
  };
}

function sendPage(res: ServerResponse, status: number, title: string, html: string, req: IncomingMessage): void {
  const body = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${title} · Cairn</title></head><body><h1>${title}</h1><p>${html}</p></body></html>`;
  res.writeHead(status, {
    ...securityHeaders(req),
    'content-type': 'text/html; charset=utf-8',
    'cache-control': 'no-store',
    'content-length': Buffer.byteLength(body),
  });
  res.end(req.method === 'HEAD' ? undefined : body);
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
