import { request } from 'node:https';
import { Readable } from 'node:stream';
import type { ReadableStream } from 'node:stream/web';
import WebSocket from 'ws';
import type { Fetch } from '../cairn-endpoint.js';

/** PEM text of one or more certificate authorities. */
export type CertificateAuthority = string | Buffer;

/**
 * fetch for an https:// server whose certificate a private CA signed: Node's fetch takes no CA of its own (only the
 * process-wide NODE_EXTRA_CA_CERTS), so HTTPS goes through node:https with `ca`; http:// URLs through fetch as before.
 * Covers what the library sends: a method, headers, a text body and a signal.
 */
export function fetchTrusting(ca: CertificateAuthority): Fetch {
  return (input, init = {}) => (input.startsWith('https:') ? httpsFetch(input, init, ca) : globalThis.fetch(input, init));
}

/** The `ws` WebSocket class, connecting with `ca`: graphql-ws builds its sockets as `new WebSocketImpl(url, protocol)`. */
export function webSocketTrusting(ca: CertificateAuthority): new (address: string | URL, protocols?: string | string[]) => WebSocket {
  return class TrustingWebSocket extends WebSocket {
    constructor(address: string | URL, protocols?: string | string[]) {
      super(address, protocols, { ca });
    }
  };
}

function httpsFetch(url: string, init: RequestInit, ca: CertificateAuthority): Promise<Response> {
  if (init.body !== undefined && init.body !== null && typeof init.body !== 'string') return Promise.reject(new TypeError('only text bodies are supported'));
  return new Promise((resolve, reject) => {
    const headers = Object.fromEntries(new Headers(init.headers).entries());
    const req = request(url, { method: init.method ?? 'GET', headers, ca, ...(init.signal ? { signal: init.signal } : {}) }, (res) => {
      const status = res.statusCode ?? 0;
      const answered = new Headers();
      for (const [name, value] of Object.entries(res.headers)) {
        for (const item of Array.isArray(value) ? value : value === undefined ? [] : [value]) answered.append(name, item);
      }
      // A 304 or 204 has no body, and Response refuses one: drain the socket so the connection is reused.
      const empty = status === 204 || status === 304;
      if (empty) res.resume();
      const body = empty ? null : (Readable.toWeb(res) as ReadableStream<Uint8Array>);
      resolve(new Response(body as globalThis.ReadableStream<Uint8Array> | null, { status, statusText: res.statusMessage ?? '', headers: answered }));
    });
    req.once('error', reject);
    req.end(init.body ?? undefined);
  });
}
