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
  /** More documents of the same change request, as `<path>=<file>`. */
  readonly also: readonly string[];
  /** More documents the change request deletes. */
  readonly alsoDelete: readonly string[];
}

const collect = (value: string, previous: string[]): string[] => [...previous, value];

async function changeOf(path: string, file: string | undefined, options: ProposeOptions): Promise<Record<string, unknown>> {
  if (options.delete) {
    if (file !== undefined) throw usageError('--delete takes no <file>');
    return { path, delete: true };
  }
  if (file === undefined) throw usageError('a <file> (or - for stdin) is needed, or --delete');
  return { path, text: await readSource(file) };
}

/** The documents --also and --also-delete add, in the order given. */
async function moreChanges(options: ProposeOptions): Promise<Record<string, unknown>[]> {
  const changes: Record<string, unknown>[] = [];
  for (const pair of options.also) {
    const at = pair.indexOf('=');
    if (at <= 0 || at === pair.length - 1) throw usageError(`--also takes <path>=<file>, got '${pair}'`);
    changes.push({ path: pair.slice(0, at), text: await readSource(pair.slice(at + 1)) });
  }
  for (const path of options.alsoDelete) changes.push({ path, delete: true });
  return changes;
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
    .option('--also <path=file>', 'another document of the same change request and its new content (- for stdin); repeatable', collect, [])
    .option('--also-delete <path>', 'another document the same change request deletes; repeatable', collect, [])
    .action(async (namespace: string, path: string, file: string | undefined, options: ProposeOptions, command: Command) => {
      const { client, out } = contextOf(command);
      if ([file, ...options.also.map((a) => a.slice(a.indexOf('=') + 1))].filter((f) => f === '-').length > 1) throw usageError('stdin (-) can be read once');
      const changes = [await changeOf(path, file, options), ...(await moreChanges(options))];
      const paths = changes.map((c) => c.path);
      const twice = paths.find((p, i) => paths.indexOf(p) !== i);
      if (twice !== undefined) throw usageError(`${String(twice)} is named twice: one change per document`);
      const input = { namespace, changes, expectedVersion: options.expect ?? null, comment: options.message ?? null };
      const data = await client.request<{ proposeChange: { __typename: string } }>(PROPOSE_CHANGE, { input });
      printProposal(out, unwrap<Proposal>(data.proposeChange, 'Proposal'));
    });
}
