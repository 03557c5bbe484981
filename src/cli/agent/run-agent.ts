import path from 'node:path';
import WebSocket from 'ws';
import pino from 'pino';
import { CairnEndpoint } from '../../client/cairn-endpoint.js';
import { CairnClientError } from '../../client/client-error.js';
import { type Outcome, Follower, errorText } from '../../client/follower.js';
import { type FollowTarget, cacheKey } from '../../client/target.js';
import type { Connection } from '../connection.js';
import { CliError, usageError } from '../errors.js';
import { ExitCode, type ExitCodeValue } from '../exit-codes.js';
import { AgentApplier, prefixOf } from './agent.js';
import { LocalServer } from './local-server.js';

export interface AgentOptions {
  readonly namespace: string;
  readonly env?: string;
  readonly cluster?: string;
  readonly instance: string;
  readonly label: string[];
  readonly dir: string;
  readonly paths: string[];
  readonly exec?: string;
  readonly check?: string;
  readonly revertOnFailure?: boolean;
  readonly commandTimeout: string;
  readonly listen?: string;
  readonly once?: boolean;
  readonly heartbeat: string;
  readonly logLevel: string;
}

/**
 * What `cairn agent` does, apart from its flags: the client library, ws, pino, picomatch and the YAML parser it needs
 * are loaded when an agent runs, not at the start of every other command.
 */
export async function runAgent(options: AgentOptions, connection: Connection): Promise<void> {
  if (options.env !== undefined && options.cluster === undefined)
    throw usageError("--env needs --cluster: an instance runs in one of the environment's clusters");
  const logger = pino({ name: 'cairn-agent', level: options.logLevel }, pino.destination({ fd: 2, sync: true }));
  const log = (level: 'debug' | 'info' | 'warn' | 'error', message: string, fields: Record<string, unknown> = {}): void => logger[level](fields, message);
  const target: FollowTarget = {
    url: connection.url,
    token: connection.token,
    namespace: options.namespace,
    environment: options.env ?? null,
    cluster: options.cluster ?? null,
    instance: options.instance,
    labels: labelsOf(options.label),
    prefix: prefixOf(options.paths),
  };
  let follower: Follower<string> | null = null;
  const local = options.listen
    ? new LocalServer(() => ({
        version: follower?.snapshot?.version ?? null,
        status: follower?.outcome?.status ?? null,
        message: follower?.outcome?.message ?? null,
        live: follower?.live ?? false,
      }))
    : null;
  const applier = new AgentApplier(
    path.resolve(options.dir),
    cacheKey(target),
    options.paths,
    {
      exec: options.exec ?? null,
      check: options.check ?? null,
      timeoutMs: seconds(options.commandTimeout, '--command-timeout') * 1000,
      revertOnFailure: options.revertOnFailure === true,
    },
    local,
    log,
  );
  follower = new Follower<string>({
    target,
    endpoint: new CairnEndpoint(target),
    format: 'text',
    cache: applier,
    apply: (next, cached) => applier.apply(next, cached),
    log,
    webSocket: WebSocket,
    heartbeatMs: seconds(options.heartbeat, '--heartbeat') * 1000,
  });
  if (local) {
    const address = await local.listen(options.listen ?? '');
    log('info', 'serving the documents locally', { listen: `${address.address}:${address.port}` });
  }
  const cached = await follower.fromCache();
  if (options.once) {
    const code = await once(follower, cached !== null, log);
    await follower.stop();
    await local?.close();
    if (code !== ExitCode.ok) throw new CliError(`the agent did not apply a version (exit ${code})`, code, 'Agent');
    return;
  }
  follower.follow();
  await new Promise<void>((resolve) => {
    const stop = (signal: string): void => {
      log('info', 'stopping', { signal });
      resolve();
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
  await follower.stop();
  await local?.close();
}

/** `--once`: one reconciliation; the copy on disk stands in for a server that cannot be reached. */
async function once(
  follower: Follower<string>,
  haveCopy: boolean,
  log: (level: 'warn' | 'error', message: string, fields?: Record<string, unknown>) => void,
): Promise<ExitCodeValue> {
  let outcome: Outcome | null;
  try {
    outcome = await follower.syncOnce();
  } catch (error) {
    const retriable = !(error instanceof CairnClientError) || error.retriable;
    if (retriable && haveCopy) {
      log('warn', 'Cairn cannot be reached: the copy on disk stays in service', { error: errorText(error), version: follower.snapshot?.version });
      return ExitCode.ok;
    }
    log('error', 'cannot read the configuration to run', { error: errorText(error) });
    if (error instanceof CairnClientError && !retriable)
      return error.status === 401 || error.status === 403 ? ExitCode.forbidden : error.status === 404 ? ExitCode.notFound : ExitCode.invalid;
    return ExitCode.unreachable;
  }
  return outcome?.status === 'FAILED' ? ExitCode.checkFailed : ExitCode.ok;
}

function labelsOf(pairs: readonly string[]): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const pair of pairs) {
    const at = pair.indexOf('=');
    if (at <= 0) throw usageError(`--label '${pair}': name=value`);
    labels[pair.slice(0, at)] = pair.slice(at + 1);
  }
  return labels;
}

function seconds(text: string, flag: string): number {
  const value = Number(text);
  if (!Number.isFinite(value) || value <= 0) throw usageError(`${flag} '${text}': a positive number of seconds`);
  return value;
}
