import type { Command } from 'commander';
import { contextOf } from '../context.js';
import { DIFF, unwrap } from '../operations.js';
import { type FileDiff, printFiles } from '../write-result.js';

interface Diff {
  readonly from: { readonly hash: string; readonly shortHash: string };
  readonly to: { readonly hash: string; readonly shortHash: string };
  readonly files: readonly FileDiff[];
}

export function registerDiff(program: Command): void {
  program
    .command('diff')
    .description('what changed between two versions: per document, the value changes and a unified diff')
    .argument('<namespace>')
    .argument('<from>', 'a version: hash, short hash, tag, HEAD~N')
    .argument('[to]', 'a version (default: head)')
    .option('--path <path>', 'only this document')
    .action(async (namespace: string, from: string, to: string | undefined, options: { path?: string }, command: Command) => {
      const { client, out } = contextOf(command);
      const data = await client.request<{ namespace: { __typename: string } }>(DIFF, { ns: namespace, from, to: to ?? null, path: options.path ?? null });
      const diff = unwrap<Diff>(unwrap<{ diff: { __typename: string } }>(data.namespace, 'Namespace').diff, 'Diff');
      if (out.json) {
        out.data({ namespace, from: diff.from.hash, to: diff.to.hash, files: diff.files });
        return;
      }
      out.line(out.bold(`${diff.from.shortHash}..${diff.to.shortHash}: ${diff.files.length} document(s) changed`));
      printFiles(out, diff.files);
    });
}
