import type { Command } from 'commander';
import { contextOf } from '../context.js';
import { usageError } from '../errors.js';
import { PROPOSE_CHANGE, unwrap } from '../operations.js';
import { type Proposal, printProposal } from '../proposal.js';
import { readSource } from './put.js';

interface ProposeOptions {
  readonly expect?: string;
  readonly delete?: boolean;
  readonly message?: string;
}

async function changeOf(path: string, file: string | undefined, options: ProposeOptions): Promise<Record<string, unknown>> {
  if (options.delete) {
    if (file !== undefined) throw usageError('--delete takes no <file>');
    return { path, delete: true };
  }
  if (file === undefined) throw usageError('a <file> (or - for stdin) is needed, or --delete');
  return { path, text: await readSource(file) };
}

export function registerPropose(program: Command): void {
  program
    .command('propose')
    .description('open a change request: the change is committed on a branch proposals/<id> for review; main does not move')
    .argument('<namespace>')
    .argument('<path>', 'document path, e.g. prod/limits.yaml')
    .argument('[file]', 'the new content, or - to read stdin')
    .option('--delete', 'propose deleting the document instead')
    .option('--expect <version>', 'the version you read (omitted: the document must not exist yet)')
    .option('-m, --message <comment>', 'why: the description of the change request')
    .action(async (namespace: string, path: string, file: string | undefined, options: ProposeOptions, command: Command) => {
      const { client, out } = contextOf(command);
      const input = { namespace, changes: [await changeOf(path, file, options)], expectedVersion: options.expect ?? null, comment: options.message ?? null };
      const data = await client.request<{ proposeChange: { __typename: string } }>(PROPOSE_CHANGE, { input });
      printProposal(out, unwrap<Proposal>(data.proposeChange, 'Proposal'));
    });
}
