import type { Command } from 'commander';
import { contextOf } from '../context.js';
import { CliError } from '../errors.js';
import { ExitCode } from '../exit-codes.js';
import type { HttpClient } from '../http-client.js';
import { APPLY_CHANGES, GET_CONFIG, unwrap } from '../operations.js';
import { type WritePayload, printWrite } from '../write-result.js';

interface MoveOptions {
  readonly expect: string;
  readonly message?: string;
  readonly requestId?: string;
}

/** A document's text at a version, or null where there is none. */
async function textAt(client: HttpClient, namespace: string, path: string, at: string): Promise<string | null> {
  const data = await client.request<{ namespace: { __typename: string } }>(GET_CONFIG, { ns: namespace, path, at });
  const config = unwrap<{ config: { __typename: string } }>(data.namespace, 'Namespace').config;
  if (config.__typename === 'NotFound') return null;
  return unwrap<{ text: string }>(config, 'ConfigDocument').text;
}

/**
 * The text moved is the one at --expect: what the user saw is what moves, and a later change makes the write a
 * conflict. A write names documents to set, so an existing <to> would be overwritten: it is refused here instead.
 */
async function movedText(client: HttpClient, namespace: string, from: string, to: string, at: string): Promise<string> {
  const [text, existing] = await Promise.all([textAt(client, namespace, from, at), textAt(client, namespace, to, at)]);
  if (text === null) throw new CliError(`${from} does not exist at ${at}`, ExitCode.notFound, 'NotFound', { kind: 'Config', key: from });
  if (existing !== null) throw new CliError(`${to} already exists: delete it first, or choose another path`, ExitCode.conflict, 'AlreadyExists', { path: to });
  return text;
}

export function registerMove(program: Command): void {
  program
    .command('mv')
    .description('rename or move a document, byte for byte: one commit adding <to> and deleting <from>')
    .argument('<namespace>')
    .argument('<from>', 'the document to move')
    .argument('<to>', 'its new path (must not exist; same format: .yaml stays YAML, .json JSON)')
    .requiredOption('--expect <version>', 'the version you read: refused (exit 4) if either document changed since')
    .option('-m, --message <comment>', 'why: the commit message')
    .option('--request-id <id>', 'idempotency key: a retry with the same id never commits twice')
    .action(async (namespace: string, from: string, to: string, options: MoveOptions, command: Command) => {
      const { client, out } = contextOf(command);
      const text = await movedText(client, namespace, from, to, options.expect);
      const input = {
        namespace,
        changes: [
          { path: to, text },
          { path: from, delete: true },
        ],
        expectedVersion: options.expect,
        comment: options.message ?? `move ${from} to ${to}`,
        requestId: options.requestId ?? null,
      };
      const data = await client.request<{ applyChanges: { __typename: string } }>(APPLY_CHANGES, { input });
      printWrite(out, unwrap<WritePayload>(data.applyChanges, 'WritePayload'));
    });
}
