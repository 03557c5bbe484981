import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';
import { type Connection, authorization } from './connection.js';
import { CliError } from './errors.js';
import { ExitCode, type ExitCodeValue } from './exit-codes.js';

/** What a downloaded bundle file is: its hash is computed as it is written, so the file is read once. */
export interface DownloadedFile {
  readonly sha256: string;
  readonly bytes: number;
}

const BACKUP_PATH = '/v1/backup';

/** The repositories the server would back up (namespaces, then the system repository). */
export async function backupRepositories(connection: Connection): Promise<string[]> {
  const response = await get(connection, BACKUP_PATH, AbortSignal.timeout(connection.timeoutMs));
  const body = (await response.json()) as { repositories?: unknown };
  if (!Array.isArray(body.repositories) || !body.repositories.every((name) => typeof name === 'string')) {
    throw new CliError(`${BACKUP_PATH} answered without a list of repositories`, ExitCode.unexpected, 'Unexpected');
  }
  return body.repositories;
}

/**
 * Downloads one repository's bundle to `file`. `--timeout` bounds each wait for the server (the answer, then each
 * next piece of the bundle), not the whole download: a large repository may take longer and still be alive.
 */
export async function downloadBundle(connection: Connection, name: string, file: string): Promise<DownloadedFile> {
  const idle = new IdleDeadline(connection.timeoutMs);
  try {
    const response = await get(connection, `${BACKUP_PATH}/${encodeURIComponent(name)}`, idle.signal);
    if (!response.body) throw new CliError(`the server sent no bundle for ${name}`, ExitCode.unexpected, 'Unexpected');
    const hash = createHash('sha256');
    let bytes = 0;
    const measure = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        idle.restart();
        hash.update(chunk);
        bytes += chunk.length;
        done(null, chunk);
      },
    });
    await pipeline(Readable.fromWeb(response.body as NodeReadableStream<Uint8Array>), measure, createWriteStream(file, { flags: 'wx' }));
    return { sha256: hash.digest('hex'), bytes };
  } catch (error) {
    if (error instanceof CliError) throw error;
    const reason = idle.signal.aborted ? `no data from the server within ${connection.timeoutMs} ms (--timeout)` : (error as Error).message;
    throw new CliError(`the bundle of ${name} could not be downloaded: ${reason}`, ExitCode.unreachable, 'Unreachable', { repository: name });
  } finally {
    idle.stop();
  }
}

async function get(connection: Connection, pathname: string, signal: AbortSignal): Promise<Response> {
  const url = `${connection.url}${pathname}`;
  let response: Response;
  try {
    response = await fetch(url, { headers: authorization(connection), signal });
  } catch (error) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    const reason = signal.aborted ? `no answer within ${connection.timeoutMs} ms (--timeout)` : (cause?.code ?? cause?.message ?? (error as Error).message);
    throw new CliError(`cannot reach ${url}: ${reason}`, ExitCode.unreachable, 'Unreachable', { url });
  }
  if (response.ok) return response;
  const text = await response.text();
  let error: { code?: string; message?: string } = {};
  try {
    error = (JSON.parse(text) as { error?: typeof error }).error ?? {};
  } catch {
    // not one of Cairn's JSON errors (a proxy's page): the status says enough
  }
  const message = error.message ?? `${url} answered ${response.status}`;
  throw new CliError(message, exitCodeOfStatus(response.status), error.code ?? `HTTP${response.status}`, { url });
}

function exitCodeOfStatus(status: number): ExitCodeValue {
  if (status === 401 || status === 403) return ExitCode.forbidden;
  if (status === 404) return ExitCode.notFound;
  if (status === 503) return ExitCode.unreachable;
  return ExitCode.unexpected;
}

/** An abort signal that fires once nothing happened for `ms`; `restart` whenever something did. */
class IdleDeadline {
  private readonly controller = new AbortController();
  private timer: NodeJS.Timeout;

  constructor(private readonly ms: number) {
    this.timer = this.start();
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  restart(): void {
    clearTimeout(this.timer);
    this.timer = this.start();
  }

  stop(): void {
    clearTimeout(this.timer);
  }

  private start(): NodeJS.Timeout {
    return setTimeout(() => this.controller.abort(), this.ms).unref();
  }
}
