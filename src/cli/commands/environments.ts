import type { Command } from 'commander';
import { contextOf } from '../context.js';
import type { EnvironmentState } from '../environment-state.js';
import { DEFINE_ENVIRONMENT, ENVIRONMENTS, unwrap } from '../operations.js';
import { shortTime } from '../output.js';
import { type WritePayload, printWrite } from '../write-result.js';
import { registerEnvironmentChanges } from './environment-changes.js';
import { seconds } from './release.js';
import { splitList } from './rollback.js';

interface CreateOptions {
  readonly promotesFrom?: string;
  readonly healthyFor?: string;
  readonly clusters?: string;
  readonly description?: string;
  readonly message?: string;
}

export function registerEnvironments(program: Command): void {
  const env = program.command('env').description("a namespace's environments (dev, staging, prod) and what each runs");
  env
    .command('list')
    .description('each environment, its release, its rollout and how many instances converged')
    .argument('<namespace>')
    .action(async (namespace: string, _options: unknown, command: Command) => {
      const { client, out } = contextOf(command);
      const data = await client.request<{ environments: { __typename: string } }>(ENVIRONMENTS, { ns: namespace });
      const rows = unwrap<{ data: EnvironmentState[] }>(data.environments, 'EnvironmentsSuccess').data;
      if (out.json) {
        out.data(rows);
        return;
      }
      out.table(
        ['ENVIRONMENT', 'RELEASE', 'RELEASED', 'ROLLOUT', 'CONVERGED', 'PROMOTES FROM'],
        rows.map((e) => [
          e.name,
          e.release?.version?.shortHash ?? '-',
          shortTime(e.release?.time),
          rolloutSummary(e),
          `${e.instances.filter((i) => i.converged).length}/${e.instances.length}`,
          e.promotesFrom ?? '-',
        ]),
      );
    });
  env
    .command('create')
    .description('define an environment, or change one: a commit to the namespace (.cairn/environments.json); admins')
    .argument('<namespace>')
    .argument('<name>')
    .option('--promotes-from <environment>', 'it takes its versions only after that environment ran them')
    .option('--healthy-for <duration>', 'with --promotes-from: how long a version must have run there healthy first (300, 30m, 2h)')
    .option('--clusters <a,b>', 'the clusters its instances run in (default: any)')
    .option('--description <text>')
    .option('-m, --message <comment>', 'why: the commit message')
    .action(async (namespace: string, name: string, options: CreateOptions, command: Command) => {
      const { client, out } = contextOf(command);
      const input = {
        namespace,
        name,
        promotesFrom: options.promotesFrom ?? null,
        healthyForSeconds: options.healthyFor ? seconds(options.healthyFor, '--healthy-for') : null,
        clusters: options.clusters ? splitList(options.clusters, '--clusters') : null,
        description: options.description ?? null,
        expectedVersion: 'HEAD',
        comment: options.message ?? null,
      };
      const data = await client.request<{ defineEnvironment: { __typename: string } }>(DEFINE_ENVIRONMENT, { input });
      printWrite(out, unwrap<WritePayload>(data.defineEnvironment, 'WritePayload'));
    });
  registerEnvironmentChanges(env);
}

export function rolloutSummary(e: EnvironmentState): string {
  const r = e.rollout;
  if (!r) return '-';
  if (r.phase === 'COMPLETED') return 'complete';
  const step = r.canaryStep ? 'canary' : `${r.percent}%`;
  const bake = r.bakeSecondsLeft === null ? '' : `, ${Math.ceil(r.bakeSecondsLeft)}s left`;
  return `${r.phase.toLowerCase()} step ${r.step}/${r.stepCount} (${step}${bake}), ${r.healthy} healthy, ${r.failed.length} failed`;
}
