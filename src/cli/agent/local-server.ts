import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parse } from 'yaml';
import type { Snapshot } from '../../client/snapshot.js';
import { waitDurationOf } from '../../domain/wait-duration.js';

/** What the local server shows besides the documents (`GET /.cairn/state`). */
export interface AgentState {
  readonly version: string | null;
  readonly status: string | null;
  readonly message: string | null;
  readonly live: boolean;
}

/**
 * `--listen`: the documents the agent serves, on a local port, for applications that would rather ask than read
 * files (the AWS AppConfig Agent's model): `GET /<path>` answers the document as written to --dir (`?format=json`:
 * as JSON), ETag = the version, `If-None-Match` → 304, `?wait=30s` with it holds the request until another version
 * is in service. `GET /.cairn/state` answers the agent's state. It serves from memory what is in service on disk,
 * so it answers while Cairn is down, and from the cache at start.
 */
export class LocalServer {
  private readonly server: Server;
  private snapshot: Snapshot<string> | null = null;
  private readonly waiting = new Set<() => void>();

  constructor(private readonly state: () => AgentState) {
    this.server = createServer((req, res) => {
      // A request the agent cannot answer is that request's failure, never the agent's.
      this.handle(req, res).catch((error: unknown) => {
        if (!res.headersSent) json(res, 500, { error: { code: 'INTERNAL', message: error instanceof Error ? error.message : String(error) } });
        else res.destroy();
      });
    });
  }

  /** Listens on `host:port`; answers the address it got (port 0: any free port). */
  async listen(address: string): Promise<AddressInfo> {
    const at = address.lastIndexOf(':');
    const host = at > 0 ? address.slice(0, at) : '127.0.0.1';
    const port = Number(at >= 0 ? address.slice(at + 1) : address);
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--listen '${address}': host:port, e.g. 127.0.0.1:2772`);
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => resolve());
    });
    return this.server.address() as AddressInfo;
  }

  /** What is in service now; held long-polls are answered. */
  serve(snapshot: Snapshot<string>): void {
    this.snapshot = snapshot;
    for (const wake of [...this.waiting]) wake();
  }

  async close(): Promise<void> {
    for (const wake of [...this.waiting]) wake();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://agent.invalid');
    if (req.method !== 'GET' && req.method !== 'HEAD') return json(res, 405, { error: { code: 'METHOD_NOT_ALLOWED', message: 'GET only' } });
    if (url.pathname === '/.cairn/state') return json(res, 200, { ...this.state(), documents: Object.keys(this.snapshot?.documents ?? {}) });
    const wait = waitDurationOf(url.searchParams.get('wait'));
    if (wait === null) return json(res, 400, { error: { code: 'INVALID_INPUT', message: 'wait: a duration such as 500ms, 30s or 2m (at most 5m)' } });
    const known = req.headers['if-none-match'];
    if (wait > 0 && known !== undefined && known === etagOf(this.snapshot)) await this.changeOrTimeout(wait, req);
    const snapshot = this.snapshot;
    if (snapshot === null) return json(res, 503, { error: { code: 'NOT_READY', message: 'no configuration yet: the agent has not reached Cairn' } });
    let file: string;
    try {
      file = decodeURIComponent(url.pathname.slice(1));
    } catch {
      return json(res, 400, { error: { code: 'INVALID_PATH', message: 'the path is not valid percent-encoding' } });
    }
    const text = Object.hasOwn(snapshot.documents, file) ? snapshot.documents[file] : undefined;
    if (text === undefined) return json(res, 404, { error: { code: 'NOT_FOUND', message: `no document '${file}' at ${snapshot.version}` } });
    const etag = `"${snapshot.version}"`;
    if (known === etag) return void res.writeHead(304, { etag }).end();
    const headers = { etag, 'cache-control': 'no-cache', 'x-cairn-version': snapshot.version };
    if (url.searchParams.get('format') === 'json') {
      let value: unknown;
      try {
        value = file.endsWith('.json') ? JSON.parse(text) : parse(text);
      } catch {
        return json(res, 422, { error: { code: 'INVALID_DOCUMENT', message: `${file} does not parse as ${file.endsWith('.json') ? 'JSON' : 'YAML'}` } });
      }
      return void res.writeHead(200, { ...headers, 'content-type': 'application/json; charset=utf-8' }).end(`${JSON.stringify(value)}\n`);
    }
    const type = file.endsWith('.json') ? 'application/json' : 'application/yaml';
    res.writeHead(200, { ...headers, 'content-type': `${type}; charset=utf-8` }).end(text);
  }

  private changeOrTimeout(ms: number, req: IncomingMessage): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.waiting.delete(done);
        req.socket.off('close', done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.waiting.add(done);
      req.socket.once('close', done);
    });
  }
}

function etagOf(snapshot: Snapshot<string> | null): string | undefined {
  return snapshot ? `"${snapshot.version}"` : undefined;
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-cache' }).end(`${JSON.stringify(body)}\n`);
}
