import type { Command } from 'commander';
import { contextOf } from '../context.js';
import { DELETE_CONFIG, unwrap } from '../operations.js';
import { type WritePayload, printWrite } from '../write-result.js';

interface DeleteOptions {
  readonly expect: string;
  readonly message?: string;
  readonly requestId?: string;
}

export function registerDelete(program: Command): void {
  program
    .command('delete')
    .description('delete a document: a new version without it (its history stays)')
    .argument('<namespace>')
    .argument('<path>', 'document path, e.g. services/api/prod.yaml')
    .requiredOption('--expect <version>', 'the version you read: refused (exit 4) if the document changed since; HEAD: whatever is there')
    .option('-m, --message <comment>', 'why: the commit message')
    .option('--request-id <id>', 'idempotency key: a retry with the same id never commits twice')
    .action(async (namespace: string, path: string, options: DeleteOptions, command: Command) => {
      const { client, out } = contextOf(command);
      const input = { namespace, path, expectedVersion: options.expect, comment: options.message ?? null, requestId: options.requestId ?? null };
      const data = await client.request<{ deleteConfig: { __typename: string } }>(DELETE_CONFIG, { input });
      printWrite(out, unwrap<WritePayload>(data.deleteConfig, 'WritePayload'));
    });
}
