import type { Command } from 'commander';
import { contextOf } from '../context.js';
import { CliError } from '../errors.js';
import { ExitCode } from '../exit-codes.js';
import { BLAME, VERIFY_INTEGRITY, unwrap } from '../operations.js';
import { shortTime } from '../output.js';

interface BlameEntry {
  readonly pointer: string;
  readonly value: unknown;
  readonly time: string;
  readonly action: string | null;
  readonly comment: string;
  readonly operator: { readonly name: string; readonly email: string };
  readonly version: { readonly hash: string; readonly shortHash: string };
}

interface IntegrityReport {
  readonly ok: boolean;
  readonly objectsChecked: number;
  readonly refsChecked: number;
  readonly problems: readonly { readonly kind: string; readonly subject: string; readonly message: string }[];
}

/** `cairn blame` (who last set each value) and `cairn verify` (the repository's integrity, as git fsck checks it). */
export function registerBlame(program: Command): void {
  program
    .command('blame')
    .description('who last set each value of a document, when and why: one line per value')
    .argument('<namespace>')
    .argument('<path>')
    .option('--at <version>', 'a version of main (default: head)')
    .option('--pointer <json-pointer>', 'only the values under this JSON pointer, e.g. /limits')
    .action(async (namespace: string, path: string, options: { at?: string; pointer?: string }, command: Command) => {
      const { client, out } = contextOf(command);
      const data = await client.request<{ namespace: { __typename: string } }>(BLAME, {
        ns: namespace,
        path,
        at: options.at ?? null,
        pointer: options.pointer ?? null,
      });
      const blame = unwrap<{ at: { hash: string }; entries: BlameEntry[] }>(
        unwrap<{ blame: { __typename: string } }>(data.namespace, 'Namespace').blame,
        'Blame',
      );
      if (out.json) {
        out.data({ namespace, path, at: blame.at.hash, entries: blame.entries });
        return;
      }
      out.table(
        ['POINTER', 'VALUE', 'VERSION', 'TIME', 'OPERATOR', 'COMMENT'],
        blame.entries.map((e) => [
          e.pointer || '/',
          JSON.stringify(e.value),
          e.version.shortHash,
          shortTime(e.time),
          e.operator.email,
          e.comment.split('\n')[0] ?? '',
        ]),
      );
    });
  program
    .command('verify')
    .description("check every object and ref of a namespace's repository (hashes, trees, trailers), as git fsck --strict does; admins; exit 1 on a problem")
    .argument('<namespace>')
    .action(async (namespace: string, _options: unknown, command: Command) => {
      const { client, out } = contextOf(command);
      const data = await client.request<{ verifyIntegrity: { __typename: string } }>(VERIFY_INTEGRITY, { ns: namespace });
      const report = unwrap<IntegrityReport>(data.verifyIntegrity, 'IntegrityReport');
      if (out.json) out.data({ namespace, ...report });
      else {
        out.line(`${report.ok ? 'ok' : 'PROBLEMS'}: ${report.objectsChecked} objects and ${report.refsChecked} refs checked`);
        for (const p of report.problems) out.line(`  ${p.kind} ${p.subject}: ${p.message}`);
      }
      if (!report.ok) throw new CliError(`${report.problems.length} integrity problem(s) in ${namespace}`, ExitCode.unexpected, 'IntegrityProblem');
    });
}
