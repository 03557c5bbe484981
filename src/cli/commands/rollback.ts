import type { Command } from 'commander';
import { contextOf } from '../context.js';
import { usageError } from '../errors.js';
import { ROLLBACK, unwrap } from '../operations.js';
import { type WritePayload, printWrite } from '../write-result.js';

interface RollbackOptions {
  readonly to: string;
  readonly paths?: string;
  readonly dryRun?: boolean;
  readonly message?: string;
  readonly expect?: string;
  readonly requestId?: string;
}

export function splitList(value: string, flag: string): string[] {
  const items = value
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean);
  if (items.length === 0) throw usageError(`${flag} needs at least one value`);
  return items;
}

export function registerRollback(program: Command): void {
  program
    .command('rollback')
    .description('a new version whose documents (all, or --paths) equal their content at --to; history is never rewritten')
    .argument('<namespace>')
    .requiredOption('--to <ref>', 'the version to return to: hash, short hash, tag, HEAD~N')
    .option('--paths <a,b>', 'only these documents (comma-separated)')
    .option('--dry-run', 'show what would change (+ added, - removed, • modified) and the validation result; commit nothing')
    .option('--expect <version>', 'the head you previewed: refused (exit 4) if those documents changed since (default: the current head)')
    .option('-m, --message <comment>', 'why: the commit message')
    .option('--request-id <id>', 'idempotency key')
    .action(async (namespace: string, options: RollbackOptions, command: Command) => {
      const { client, out } = contextOf(command);
      const input = {
        namespace,
        to: options.to,
        paths: options.paths ? splitList(options.paths, '--paths') : null,
        dryRun: options.dryRun === true,
        expectedVersion: options.expect ?? 'HEAD',
        comment: options.message ?? null,
        requestId: options.requestId ?? null,
      };
      const data = await client.request<{ rollback: { __typename: string } }>(ROLLBACK, { input });
      printWrite(out, unwrap<WritePayload>(data.rollback, 'WritePayload'));
    });
}
