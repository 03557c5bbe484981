import { usageError } from './errors.js';

export const DEFAULT_URL = 'http://127.0.0.1:4000';
/** A write of 500 imported commits takes seconds; a server that says nothing for this long is taken as gone. */
export const DEFAULT_TIMEOUT_MS = 120_000;

/** Where the server is and who we are: flags first, then CAIRN_URL / CAIRN_TOKEN. */
export interface Connection {
  /** The server's base URL, without /graphql. */
  readonly url: string;
  readonly token: string | null;
  /** Longest wait for one HTTP answer (--timeout or CAIRN_TIMEOUT_MS). */
  readonly timeoutMs: number;
}

export function resolveConnection(
  flags: { url?: string | undefined; token?: string | undefined; timeout?: string | undefined },
  env: NodeJS.ProcessEnv = process.env,
): Connection {
  const raw = flags.url ?? env.CAIRN_URL ?? DEFAULT_URL;
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    throw usageError(`'${raw}' is not a URL (--url or CAIRN_URL, e.g. ${DEFAULT_URL})`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw usageError(`'${raw}': the server URL must be http or https`);
  // Either the server (http://host:4000) or its endpoint (http://host:4000/graphql) is accepted.
  const base = parsed.href.replace(/\/+$/, '').replace(/\/graphql$/, '');
  const token = flags.token ?? env.CAIRN_TOKEN ?? null;
  return { url: base, token: token === '' ? null : token, timeoutMs: timeoutOf(flags.timeout ?? env.CAIRN_TIMEOUT_MS) };
}

function timeoutOf(raw: string | undefined): number {
  if (raw === undefined || raw === '') return DEFAULT_TIMEOUT_MS;
  const ms = Number(raw);
  if (!Number.isInteger(ms) || ms < 1)
    throw usageError(`the timeout must be a positive whole number of milliseconds (--timeout or CAIRN_TIMEOUT_MS), not '${raw}'`);
  return ms;
}

export function graphqlUrl(connection: Connection): string {
  return `${connection.url}/graphql`;
}

export function websocketUrl(connection: Connection): string {
  return graphqlUrl(connection).replace(/^http/, 'ws');
}

export function authorization(connection: Connection): Record<string, string> {
  return connection.token ? { authorization: `Bearer ${connection.token}` } : {};
}
