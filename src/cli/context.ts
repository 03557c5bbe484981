import type { Command } from 'commander';
import { resolveConnection, type Connection } from './connection.js';
import { HttpClient } from './http-client.js';
import { Output } from './output.js';

/** What every command gets: where the server is, a client for it, and how to print. */
export interface CommandContext {
  readonly connection: Connection;
  readonly client: HttpClient;
  readonly out: Output;
}

export interface GlobalOptions {
  readonly url?: string;
  readonly token?: string;
  readonly timeout?: string;
  readonly json?: boolean;
}

export function contextOf(command: Command): CommandContext {
  const globals = command.optsWithGlobals<GlobalOptions>();
  const out = new Output(globals.json === true);
  const connection = resolveConnection(globals);
  return { connection, client: new HttpClient(connection), out };
}
