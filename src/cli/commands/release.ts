import type { Command } from 'commander';
import { contextOf } from '../context.js';
import { expectedRelease } from '../environment-state.js';
import { usageError } from '../errors.js';
import { PROMOTE, PROPOSE_RELEASE, RELEASE, unwrap } from '../operations.js';
import { type WritePayload, printWrite } from '../write-result.js';
import { splitList } from './rollback.js';

interface ReleaseOptions {
  readonly env: string;
  readonly steps?: string;
  readonly bake?: string;
  readonly canary?: string;
  readonly maxFailures?: string;
  readonly dryRun?: boolean;
  readonly propose?: boolean;
  readonly expect?: string;
  readonly message?: string;
  readonly requestId?: string;
}

interface ProposedRelease {
  readonly id: string;
  readonly branch: string;
  readonly release: { readonly environment: string; readonly rollout: string | null; readonly version: { readonly shortHash: string } };
}

interface PromoteOptions {
  readonly from: string;
  readonly to: string;
  readonly version?: string;
  readonly dryRun?: boolean;
  readonly expect?: string;
  readonly message?: string;
  readonly requestId?: string;
}

const EXPECT_HELP = "the environment's release you saw (refused, exit 4, if another came first; default: its release now)";

export function registerRelease(program: Command): void {
  program
    .command('release')
    .description("release a version of main to an environment: a commit on the environment's branch, at once or as a progressive rollout")
    .argument('<namespace>')
    .argument('<version>', 'hash, short hash, tag, HEAD~N')
    .requiredOption('--env <environment>')
    .option('--steps <10,50,100>', 'percentages of instances, one step each, ending at 100')
    .option('--bake <duration>', 'how long each step holds: 300, 30s, 5m, 1h')
    .option('--canary <label=value,…>', 'instances with these labels take it first, in a step of their own')
    .option('--max-failures <n>', 'failed instances tolerated before it rolls back by itself (default 0)')
    .option('--dry-run', 'show the diff from what the environment runs; commit nothing')
    .option('--propose', 'open a change request for it instead (an environment the policy governs takes releases only this way)')
    .option('--expect <release>', EXPECT_HELP)
    .option('-m, --message <comment>', 'why: the commit message')
    .option('--request-id <id>', 'idempotency key')
    .action(async (namespace: string, version: string, options: ReleaseOptions, command: Command) => {
      const { client, out } = contextOf(command);
      if (options.propose) {
        if (options.dryRun || options.expect || options.requestId) throw usageError('--propose takes none of --dry-run, --expect, --request-id');
        const proposal = { namespace, environment: options.env, version, strategy: strategyOf(options), comment: options.message ?? null };
        const data = await client.request<{ proposeRelease: { __typename: string } }>(PROPOSE_RELEASE, { input: proposal });
        const proposed = unwrap<ProposedRelease>(data.proposeRelease, 'Proposal');
        if (out.json) out.data(proposed);
        else {
          const how = proposed.release.rollout ? `as a rollout (${proposed.release.rollout})` : 'to every instance at once';
          out.line(
            `proposed ${proposed.id}: release ${proposed.release.version.shortHash} to ${proposed.release.environment} ${how}, once approved and merged`,
          );
          out.line(`branch ${proposed.branch}`);
        }
        return;
      }
      const input = {
        namespace,
        environment: options.env,
        version,
        strategy: strategyOf(options),
        dryRun: options.dryRun === true,
        expectedRelease: await expectedRelease(client, namespace, options.env, options.expect),
        comment: options.message ?? null,
        requestId: options.requestId ?? null,
      };
      const data = await client.request<{ release: { __typename: string } }>(RELEASE, { input });
      printWrite(out, unwrap<WritePayload>(data.release, 'WritePayload'));
    });
  program
    .command('promote')
    .description('release to --to what --from runs now (--dry-run: the diff between the two)')
    .argument('<namespace>')
    .requiredOption('--from <environment>')
    .requiredOption('--to <environment>')
    .option('--version <version>', 'the version of --from you previewed: refused (exit 4) if --from runs another by now')
    .option('--dry-run', 'show the diff between the two environments; commit nothing')
    .option('--expect <release>', `of --to: ${EXPECT_HELP}`)
    .option('-m, --message <comment>', 'why: the commit message')
    .option('--request-id <id>', 'idempotency key')
    .action(async (namespace: string, options: PromoteOptions, command: Command) => {
      const { client, out } = contextOf(command);
      const input = {
        namespace,
        from: options.from,
        to: options.to,
        version: options.version ?? null,
        dryRun: options.dryRun === true,
        expectedRelease: await expectedRelease(client, namespace, options.to, options.expect),
        comment: options.message ?? null,
        requestId: options.requestId ?? null,
      };
      const data = await client.request<{ promote: { __typename: string } }>(PROMOTE, { input });
      printWrite(out, unwrap<WritePayload>(data.promote, 'WritePayload'));
    });
}

function strategyOf(options: ReleaseOptions): Record<string, unknown> | null {
  if (!options.steps && !options.bake && !options.canary && !options.maxFailures) return null;
  return {
    steps: options.steps ? splitList(options.steps, '--steps').map((s) => wholeNumber(s, '--steps')) : null,
    bakeSeconds: options.bake ? seconds(options.bake, '--bake') : null,
    canary: options.canary ? splitList(options.canary, '--canary').map(label) : null,
    maxFailures: options.maxFailures ? wholeNumber(options.maxFailures, '--max-failures') : null,
  };
}

function wholeNumber(text: string, flag: string): number {
  if (!/^\d+$/.test(text)) throw usageError(`${flag}: '${text}' is not a whole number`);
  return Number(text);
}

/** `300`, `30s`, `5m`, `1h` in seconds. */
export function seconds(text: string, flag: string): number {
  const match = /^(\d+)([smh]?)$/.exec(text);
  if (!match) throw usageError(`${flag}: '${text}' is not a duration (300, 30s, 5m, 1h)`);
  return Number(match[1]) * ({ '': 1, s: 1, m: 60, h: 3600 } as const)[match[2] as '' | 's' | 'm' | 'h'];
}

function label(pair: string): { name: string; value: string } {
  const at = pair.indexOf('=');
  if (at <= 0) throw usageError(`--canary: '${pair}' is not label=value`);
  return { name: pair.slice(0, at), value: pair.slice(at + 1) };
}
