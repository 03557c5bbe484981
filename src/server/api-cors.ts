import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * CORS for the plain HTTP APIs, from the same CAIRN_CORS_ORIGINS as GraphQL: a frontend served from an allowed
 * origin reads its flags with `fetch` and a bearer token (which makes the browser ask first: the preflight). Other
 * origins get no CORS headers, so browsers keep their pages from reading the answer. Answers true when it answered
 * the request itself (a preflight).
 */
export function applyApiCors(req: IncomingMessage, res: ServerResponse, allowed: readonly string[]): boolean {
  const origin = req.headers.origin;
  if (origin === undefined || !allowed.includes(origin)) {
    if (req.method === 'OPTIONS') res.writeHead(204, { allow: 'GET, HEAD, POST, OPTIONS' }).end();
    return req.method === 'OPTIONS';
  }
  res.setHeader('access-control-allow-origin', origin);
  res.setHeader('vary', 'Origin');
  res.setHeader('access-control-expose-headers', 'ETag, X-Cairn-Version');
  if (req.method !== 'OPTIONS') return false;
  res
    .writeHead(204, {
      'access-control-allow-methods': 'GET, HEAD, POST',
      'access-control-allow-headers': 'authorization, content-type, if-none-match',
      'access-control-max-age': '600',
    })
    .end();
  return true;
}
