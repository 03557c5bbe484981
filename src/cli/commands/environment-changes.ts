import type { Command } from 'commander';
import { contextOf } from '../context.js';
import { expectedRelease } from '../environment-state.js';
import { usageError } from '../errors.js';
import { ENVIRONMENT_DIFF, RELEASE_AUDIT, ROLLBACK_ENVIRONMENT, unwrap } from '../operations.js';
import { shortTime } from '../output.js';
import { type FileDiff, type WritePayload, printFiles, printWrite } from '../write-result.js';

interface RollbackOptions {
  readonly to: string;
  readonly dryRun?: boolean;
  readonly expect?: string;
  readonly message?: string;
  readonly requestId?: string;
}

interface ReleaseEntry {
  readonly version: { readonly hash: string; readonly shortHash: string };
  readonly time: string;
  readonly action: string | null;
  readonly comment: string;
  readonly operator: { readonly email: string };
}

interface ClusterDiff {
  readonly cluster: string | null;
  readonly files: readonly FileDiff[];
}

/**
 * `cairn env rollback`, `cairn env history` and `cairn env diff`: an environment back to what it ran before, the
 * releases made, and two environments compared.
 */
export function registerEnvironmentChanges(env: Command): void {
  env
    .command('rollback')
    .description('release again a version this environment ran before (a new release commit: history is never rewritten)')
    .argument('<namespace>')
    .argument('<environment>')
    .requiredOption('--to <version>', 'a version of main the environment ran before')
    .option('--dry-run', 'show the diff from what the environment runs; commit nothing')
    .option('--expect <release>', "the environment's release you saw (refused, exit 4, if another came first; default: its release now)")
    .option('-m, --message <comment>', 'why: the commit message')
    .option('--request-id <id>', 'idempotency key')
    .action(async (namespace: string, environment: string, options: RollbackOptions, command: Command) => {
      const { client, out } = contextOf(command);
      const input = {
        namespace,
        environment,
        to: options.to,
        dryRun: options.dryRun === true,
        expectedRelease: await expectedRelease(client, namespace, environment, options.expect),
        comment: options.message ?? null,
        requestId: options.requestId ?? null,
      };
      const data = await client.request<{ rollbackEnvironment: { __typename: string } }>(ROLLBACK_ENVIRONMENT, { input });
      printWrite(out, unwrap<WritePayload>(data.rollbackEnvironment, 'WritePayload'));
    });
  env
    .command('history')
    .description("delivery's audit log: every environment's releases, rollbacks and rollout steps, newest first")
    .argument('<namespace>')
    .option('--limit <n>', 'how many (default 50, at most 161)', '50')
    .action(async (namespace: string, options: { limit: string }, command: Command) => {
      const { client, out } = contextOf(command);
      const first = Number(options.limit);
      if (!Number.isInteger(first) || first < 1) throw usageError(`--limit '${options.limit}': a positive whole number`);
      const data = await client.request<{ releaseAudit: { __typename: string } }>(RELEASE_AUDIT, { ns: namespace, first });
      const entries = unwrap<{ data: ReleaseEntry[] }>(data.releaseAudit, 'ReleaseAuditSuccess').data;
      if (out.json) {
        out.data(entries);
        return;
      }
      out.table(
        ['VERSION', 'TIME', 'ACTION', 'OPERATOR', 'COMMENT'],
        entries.map((e) => [e.version.shortHash, shortTime(e.time), (e.action ?? '-').toLowerCase(), e.operator.email, e.comment.split('\n')[0] ?? '']),
      );
    });
  env
    .command('diff')
    .description('what promoting <from> to <to> would change, per cluster, as the instances run it (overlays applied)')
    .argument('<namespace>')
    .argument('<from>', 'the environment whose release would be taken')
    .argument('<to>', 'the environment that would take it')
    .action(async (namespace: string, from: string, to: string, _options: unknown, command: Command) => {
      const { client, out } = contextOf(command);
      const data = await client.request<{ environmentDiff: { __typename: string } }>(ENVIRONMENT_DIFF, { ns: namespace, from, to });
      const clusters = unwrap<{ data: ClusterDiff[] }>(data.environmentDiff, 'EnvironmentDiffSuccess').data;
      if (out.json) {
        out.data({ namespace, from, to, clusters });
        return;
      }
      for (const { cluster, files } of clusters) {
        out.line(out.bold(`${cluster ?? 'base (no cluster)'}: ${files.length} document(s) differ`));
        printFiles(out, files);
      }
    });
}
