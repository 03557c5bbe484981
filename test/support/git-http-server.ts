import { type ChildProcessByStdio, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { type IncomingMessage, type OutgoingHttpHeaders, STATUS_CODES, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Readable, Writable } from 'node:stream';

/**
 * A real Git smart-HTTP remote for tests: a loopback Node HTTP server that hands every request to the real
 * `git http-backend` as a CGI, so clients (git CLI, isomorphic-git) talk to exactly what they would meet behind
 * nginx+fcgiwrap or Apache, including protocol v2, gzip request bodies and receive-pack's ref checks.
 *
 * Every served repository accepts pushes (`http.receivepack=true`) and refuses non-fast-forward updates
 * (`receive.denyNonFastForwards=true`), as a shared "single source of truth" remote should. Like a hosting service
 * (GitHub, GitLab and Gitea check what they receive), it checks every pushed object (`receive.fsckObjects=true`) and
 * keeps every received pack as a pack (`receive.unpackLimit=1`), which runs `index-pack --strict`: a pack carrying
 * the same object twice, or a malformed object, is refused (`unpack index-pack abnormal exit`). Like a host, it keeps
 * housekeeping out of the push (`receive.autogc=false`: no `git gc --auto` process after every push). All of these
 * are passed as environment config to the backend, so they apply to repositories created by other means under
 * `root` too.
 *
 * The server runs in the test's own event loop: talk to it with asynchronous clients (isomorphic-git, `gitCli`
 * from `./git-cli.js`), never `execFileSync('git', ...)`, which blocks the very loop that must answer it.
 */
export interface GitHttpServer {
  /** Base URL with a trailing slash, e.g. `http://127.0.0.1:41234/`; a repository `name` is at `url + name`. */
  readonly url: string;
  /** Directory holding the served bare repositories (`path.join(root, name)` is the repository `name`). */
  readonly root: string;
  /** Requests received so far, including refused and failed ones. */
  readonly requests: number;
  /** One entry per answered request, in order of completion. */
  readonly log: readonly GitHttpRequest[];
  /** Creates an empty bare repository `name` (e.g. `config.git`, HEAD → `main`) under root; returns its clone URL. */
  createRepository(name: string, options?: { initialBranch?: string }): string;
  /**
   * The next `count` matching requests fail instead of reaching the repository (`Infinity`: every one, until
   * `failNext(0)`). A new call replaces the previous rule.
   */
  failNext(count: number, options?: FailureOptions): void;
  /** Holds every new request (the client just waits) until `resume()`: a remote that hangs. */
  pause(): void;
  resume(): void;
  /** Stops listening, drops open connections and held requests, and removes `root` if this server created it. */
  close(): Promise<void>;
}

export interface GitHttpServerOptions {
  /** Directory to serve; a fresh temporary directory (removed by `close`) when absent. */
  readonly root?: string;
  /** Require HTTP basic auth with these credentials on every request (401 + `WWW-Authenticate` otherwise). */
  readonly auth?: { readonly username: string; readonly password: string };
  /** Port to listen on (127.0.0.1); a free one when absent. */
  readonly port?: number;
  /** Told of each entry as it joins `log`. */
  readonly onLogged?: (entry: GitHttpRequest) => void;
}

export type GitService = 'git-upload-pack' | 'git-receive-pack';

export interface FailureOptions {
  /** The HTTP status to answer (default 500), or `'reset'` to destroy the connection without an answer. */
  readonly status?: number | 'reset';
  /** Only requests for this service fail (fetches and ls-remote use upload-pack, pushes receive-pack). */
  readonly service?: GitService;
  /**
   * Let the repository handle the request first (a push lands), then fail the answer: the client cannot tell
   * whether its push happened. Only POSTs (the requests that do the work) match such a rule; the ref
   * advertisement before them passes.
   */
  readonly afterBackend?: boolean;
}

export interface GitHttpRequest {
  readonly method: string;
  /** The path below the base URL, e.g. `/config.git/info/refs` or `/config.git/git-receive-pack`. */
  readonly path: string;
  readonly service: GitService | null;
  /** The request's Content-Encoding (`gzip` for larger fetch negotiations from the git CLI), or null. */
  readonly contentEncoding: string | null;
  /** The status sent, or `'reset'` when the connection closed without an answer (on purpose or by the client). */
  readonly status: number | 'reset';
}

type Backend = ChildProcessByStdio<Writable, Readable, Readable>;

interface FailureRule {
  remaining: number;
  readonly options: FailureOptions;
}

const REPOSITORY_NAME = /^[\w.-]+(\/[\w.-]+)*$/;

/** Config every backend run gets through git's environment config (git ≥ 2.31), whatever the repository holds. */
const BACKEND_CONFIG: readonly (readonly [string, string])[] = [
  ['http.receivepack', 'true'],
  ['receive.denyNonFastForwards', 'true'],
  ['receive.fsckObjects', 'true'],
  ['receive.unpackLimit', '1'],
  ['receive.autogc', 'false'],
];

let backendProgram: string | undefined;

/**
 * The `git-http-backend` program in git's exec path, run directly: `git http-backend` would start the git wrapper
 * only for it to start this program, one process more for every request.
 */
function httpBackend(): string {
  backendProgram ??= path.join(execFileSync('git', ['--exec-path'], { encoding: 'utf8', env: gitFreeEnv() }).trim(), 'git-http-backend');
  return backendProgram;
}

export async function startGitHttpServer(options: GitHttpServerOptions = {}): Promise<GitHttpServer> {
  const ownsRoot = options.root === undefined;
  const root = options.root ?? mkdtempSync(path.join(tmpdir(), 'cairn-git-remote-'));
  const backends = new Set<Backend>();
  const log: GitHttpRequest[] = [];
  let requests = 0;
  let failure: FailureRule | null = null;
  let held: { promise: Promise<void>; release: () => void } | null = null;

  const server = createServer((req, res) => {
    requests++;
    void handle(req, res).catch((error: unknown) => {
      // Past the headers the client can only learn of the failure from a cut-off body.
      if (res.headersSent) {
        res.destroy();
        return;
      }
      res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(`${error instanceof Error ? error.message : String(error)}\n`);
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    while (held) await held.promise;
    // close() released it: nobody is listening any more.
    if (req.socket.destroyed) return;
    const { pathInfo, query } = splitUrl(req.url ?? '/');
    const service = serviceOf(pathInfo, query);
    const contentEncoding = header(req, 'content-encoding') ?? null;
    res.once('close', () => {
      const entry: GitHttpRequest = { method: req.method ?? '', path: pathInfo, service, contentEncoding, status: res.headersSent ? res.statusCode : 'reset' };
      log.push(entry);
      options.onLogged?.(entry);
    });
    const rule = takeFailure(service, req.method);
    if (rule && !rule.afterBackend) return fail(req, res, rule);
    const user = authenticate(req, options.auth);
    if (user === false) {
      res.writeHead(401, { 'www-authenticate': 'Basic realm="git"', 'content-type': 'text/plain' });
      res.end('authentication required\n');
      return;
    }
    const backend = spawnBackend(req, { root, pathInfo, query, user, port: (server.address() as AddressInfo).port });
    backends.add(backend);
    backend.once('close', () => backends.delete(backend));
    res.once('close', () => {
      if (backend.exitCode === null) backend.kill('SIGKILL');
    });
    if (rule) {
      await discardBackend(backend);
      return fail(req, res, rule);
    }
    await forwardCgiResponse(backend, res);
  }

  function takeFailure(service: GitService | null, method: string | undefined): FailureOptions | null {
    if (!failure || failure.remaining <= 0) return null;
    if (failure.options.service && failure.options.service !== service) return null;
    if (failure.options.afterBackend && method !== 'POST') return null;
    failure.remaining--;
    return failure.options;
  }

  function resume(): void {
    const current = held;
    held = null;
    current?.release();
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', resolve);
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;

  return {
    url,
    root,
    get requests() {
      return requests;
    },
    log,
    createRepository(name, { initialBranch = 'main' } = {}) {
      return createServedRepository(root, url, name, initialBranch);
    },
    failNext(count, failureOptions = {}) {
      failure = { remaining: count, options: failureOptions };
    },
    pause() {
      if (held) return;
      let release = () => {};
      const promise = new Promise<void>((resolve) => (release = resolve));
      held = { promise, release };
    },
    resume,
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      resume();
      for (const backend of backends) backend.kill('SIGKILL');
      await closed;
      if (ownsRoot) rmSync(root, { recursive: true, force: true });
    },
  };
}

/** `git init --bare` of repository `name` under `root`, served at `url + name`. */
export function createServedRepository(root: string, url: string, name: string, initialBranch = 'main'): string {
  if (!REPOSITORY_NAME.test(name) || name.split('/').includes('..')) throw new Error(`invalid repository name: ${name}`);
  execFileSync('git', ['init', '--quiet', '--bare', `--initial-branch=${initialBranch}`, path.join(root, name)], { env: gitFreeEnv() });
  return url + name;
}

function fail(req: IncomingMessage, res: ServerResponse, rule: FailureOptions): void {
  const status = rule.status ?? 500;
  if (status === 'reset') {
    req.socket.destroy();
    return;
  }
  res.writeHead(status, { 'content-type': 'text/plain' });
  res.end(`failure injected by the test (${status})\n`);
}

function splitUrl(rawUrl: string): { pathInfo: string; query: string } {
  const mark = rawUrl.indexOf('?');
  const rawPath = mark === -1 ? rawUrl : rawUrl.slice(0, mark);
  return { pathInfo: decodeURIComponent(rawPath), query: mark === -1 ? '' : rawUrl.slice(mark + 1) };
}

function serviceOf(pathInfo: string, query: string): GitService | null {
  const requested = new URLSearchParams(query).get('service') ?? pathInfo.slice(pathInfo.lastIndexOf('/') + 1);
  return requested === 'git-upload-pack' || requested === 'git-receive-pack' ? requested : null;
}

/** The authenticated user name, `null` when the server needs no auth, `false` when the credentials are missing or wrong. */
function authenticate(req: IncomingMessage, auth: GitHttpServerOptions['auth']): string | null | false {
  if (!auth) return null;
  const match = /^Basic\s+(\S+)$/i.exec(req.headers.authorization ?? '');
  if (!match?.[1]) return false;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  const ok = colon !== -1 && decoded.slice(0, colon) === auth.username && decoded.slice(colon + 1) === auth.password;
  return ok ? auth.username : false;
}

/** The test process's environment without GIT_* variables, which would redirect or reconfigure the backend. */
function gitFreeEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) if (!key.startsWith('GIT_')) env[key] = value;
  return env;
}

interface BackendRequest {
  readonly root: string;
  readonly pathInfo: string;
  readonly query: string;
  readonly user: string | null;
  readonly port: number;
}

function spawnBackend(req: IncomingMessage, request: BackendRequest): Backend {
  const env: NodeJS.ProcessEnv = {
    ...gitFreeEnv(),
    GIT_PROJECT_ROOT: request.root,
    GIT_HTTP_EXPORT_ALL: '1',
    GIT_CONFIG_COUNT: String(BACKEND_CONFIG.length),
    GATEWAY_INTERFACE: 'CGI/1.1',
    SERVER_PROTOCOL: `HTTP/${req.httpVersion}`,
    SERVER_SOFTWARE: 'cairn-test-git-http-server',
    SERVER_NAME: '127.0.0.1',
    SERVER_PORT: String(request.port),
    REQUEST_METHOD: req.method ?? 'GET',
    PATH_INFO: request.pathInfo,
    QUERY_STRING: request.query,
    REMOTE_ADDR: req.socket.remoteAddress ?? '127.0.0.1',
  };
  BACKEND_CONFIG.forEach(([key, value], i) => {
    env[`GIT_CONFIG_KEY_${i}`] = key;
    env[`GIT_CONFIG_VALUE_${i}`] = value;
  });
  const optional: [string, string | undefined][] = [
    ['CONTENT_TYPE', req.headers['content-type']],
    // Without a length (chunked bodies) http-backend reads the body until EOF.
    ['CONTENT_LENGTH', req.headers['content-length']],
    // git gzips larger upload-pack requests; http-backend inflates them itself.
    ['HTTP_CONTENT_ENCODING', req.headers['content-encoding']],
    ['GIT_PROTOCOL', header(req, 'git-protocol')],
    ['REMOTE_USER', request.user ?? undefined],
    ['AUTH_TYPE', request.user ? 'Basic' : undefined],
  ];
  for (const [key, value] of optional) if (value !== undefined) env[key] = value;
  const backend = spawn(httpBackend(), [], { env, stdio: ['pipe', 'pipe', 'pipe'] });
  // The backend may answer (an error) without reading the whole body; the broken pipe is expected then.
  backend.stdin.on('error', () => {});
  req.pipe(backend.stdin);
  return backend;
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value.join(', ') : value;
}

/** Lets the backend finish its work with nobody listening to its answer. */
function discardBackend(backend: Backend): Promise<void> {
  backend.stdout.resume();
  backend.stderr.resume();
  return new Promise((resolve, reject) => {
    backend.once('error', reject);
    backend.once('close', () => resolve());
  });
}

/** Parses the CGI header block (`Status:` and other headers), then streams the rest of stdout as the body. */
function forwardCgiResponse(backend: Backend, res: ServerResponse): Promise<void> {
  return new Promise((resolve, reject) => {
    let head = Buffer.alloc(0);
    let stderr = '';
    backend.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    const onData = (chunk: Buffer): void => {
      head = Buffer.concat([head, chunk]);
      const end = headerEnd(head);
      if (!end) return;
      backend.stdout.off('data', onData);
      backend.stdout.pause();
      const { status, reason, headers } = parseCgiHeaders(head.subarray(0, end.headers).toString('latin1'));
      res.writeHead(status, reason, headers);
      res.write(head.subarray(end.body));
      backend.stdout.pipe(res);
      res.once('close', () => resolve());
    };
    backend.stdout.on('data', onData);
    backend.once('error', reject);
    backend.once('close', (code) => {
      if (res.headersSent) return;
      reject(new Error(`git http-backend exited with ${code} before sending headers: ${stderr.trim()}`));
    });
  });
}

function headerEnd(buffer: Buffer): { headers: number; body: number } | null {
  const crlf = buffer.indexOf('\r\n\r\n');
  const lf = buffer.indexOf('\n\n');
  if (crlf === -1 && lf === -1) return null;
  if (lf === -1 || (crlf !== -1 && crlf < lf)) return { headers: crlf, body: crlf + 4 };
  return { headers: lf, body: lf + 2 };
}

function parseCgiHeaders(block: string): { status: number; reason: string; headers: OutgoingHttpHeaders } {
  let status = 200;
  let reason = '';
  const headers: Record<string, string[]> = {};
  for (const line of block.split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    if (name === 'status') {
      const match = /^(\d{3})\s*(.*)$/.exec(value);
      status = Number(match?.[1] ?? 500);
      reason = match?.[2] || reason;
    } else {
      (headers[name] ??= []).push(value);
    }
  }
  return { status, reason: reason || (STATUS_CODES[status] ?? ''), headers };
}
