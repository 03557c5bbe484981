import type { Command } from 'commander';
import { contextOf } from '../context.js';
import { usageError } from '../errors.js';
import type { Output } from '../output.js';
import { startProgress } from '../progress.js';
import { printWrite } from '../write-result.js';
import { parseLimit } from '../pages.js';

interface ImportOptions {
  readonly git?: string;
  readonly ref: string;
  readonly message?: string;
  readonly prune?: boolean;
  readonly batchSize: string;
}

/** Under the server's default 16 MiB request limit, with room for JSON escaping. */
const BATCH_BYTES = 6 * 1024 * 1024;

function reportSkipped(out: Output, skipped: readonly { path: string; reason: string }[]): void {
  for (const file of skipped) out.note(`skipped ${file.path}: ${file.reason}`);
}

export function registerImport(program: Command): void {
  program
    .command('import')
    .description('import a directory of JSON/YAML files as one version, or a Git repository with its history (--git)')
    .argument('<namespace>', 'created when it does not exist (admins)')
    .argument('[dir]', 'a directory of .json, .yaml and .yml files (other files are skipped and listed)')
    .option('-m, --message <comment>', 'directory import: the commit message')
    .option('--prune', 'directory import: delete documents of the namespace that are not in the directory')
    .option(
      '--git <repo>',
      'a local Git repository: every first-parent commit of --ref that touches a document, oldest first, with its author and time (admins)',
    )
    .option('--ref <ref>', 'with --git: the branch, tag or commit to import', 'HEAD')
    .option('--batch-size <n>', 'with --git: commits per importHistory request (at most 500)', '500')
    .action(async (namespace: string, dir: string | undefined, options: ImportOptions, command: Command) => {
      const { client, out } = contextOf(command);
      if ((dir === undefined) === (options.git === undefined)) throw usageError('give either a directory or --git <repo>');
      if (options.git !== undefined) {
        if (options.prune || options.message) throw usageError("--prune and --message apply to a directory import only; --git keeps each commit's own message");
        // Each kind of import loads its own code when it runs: no other command pays for it at start.
        const [{ HistoryImporter }, { GitSource }] = await Promise.all([import('../history-import.js'), import('../git-source.js')]);
        const importer = new HistoryImporter(client, namespace, new GitSource(options.git));
        const result = await importer.run(
          { ref: options.ref, batchSize: Math.min(500, parseLimit(options.batchSize, '--batch-size')), batchBytes: BATCH_BYTES },
          (label, total) => startProgress(label, total, { json: out.json }),
        );
        if (out.json) {
          out.data({ namespace, ...result });
          return;
        }
        if (result.skippedPaths.length)
          out.note(
            `skipped ${result.skippedPaths.length} path(s) that are not documents: ${result.skippedPaths.slice(0, 10).join(', ')}${result.skippedPaths.length > 10 ? ', ...' : ''}`,
          );
        out.line(
          `${namespace}: ${result.committed} commit(s) imported, ${result.replayed} already imported, ${result.unchanged} unchanged, ${result.skippedCommits} of ${result.sourceCommits} skipped (no document); head ${result.head?.slice(0, 7) ?? 'none'}`,
        );
        return;
      }
      const { importDirectory } = await import('../directory-import.js');
      const result = await importDirectory(client, namespace, dir!, { comment: options.message ?? null, prune: options.prune === true });
      if (out.json) {
        out.data({ namespace, documents: result.documents, deleted: result.deleted, skipped: result.skipped, write: result.payload });
        return;
      }
      reportSkipped(out, result.skipped);
      if (result.payload) printWrite(out, result.payload);
      else out.line('nothing to import');
    });
}
