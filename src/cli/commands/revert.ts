import type { Command } from 'commander';
import { contextOf } from '../context.js';
import { REVERT, unwrap } from '../operations.js';
import { type WritePayload, printWrite } from '../write-result.js';

export function registerRevert(program: Command): void {
  program
    .command('revert')
    .description('a new version undoing one version alone (three-way, per value); a conflict with later versions exits 4 and lists them')
    .argument('<namespace>')
    .argument('<version>', 'the version whose changes to undo')
    .option('--dry-run', 'show what would change; commit nothing')
    .option('--expect <version>', 'the head you based this on (default: the current head)')
    .option('-m, --message <comment>', 'why: the commit message')
    .option('--request-id <id>', 'idempotency key')
    .action(
      async (namespace: string, version: string, options: { dryRun?: boolean; expect?: string; message?: string; requestId?: string }, command: Command) => {
        const { client, out } = contextOf(command);
        const input = {
          namespace,
          version,
          dryRun: options.dryRun === true,
          expectedVersion: options.expect ?? 'HEAD',
          comment: options.message ?? null,
          requestId: options.requestId ?? null,
        };
        const data = await client.request<{ revert: { __typename: string } }>(REVERT, { input });
        printWrite(out, unwrap<WritePayload>(data.revert, 'WritePayload'));
      },
    );
}
