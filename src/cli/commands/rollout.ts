import type { Command } from 'commander';
import { contextOf } from '../context.js';
import { readEnvironment } from '../environment-state.js';
import { ROLLOUT_COMMAND, unwrap } from '../operations.js';
import { type WritePayload, printWrite } from '../write-result.js';
import { rolloutSummary } from './environments.js';

interface RolloutOptions {
  readonly env: string;
  readonly message?: string;
}

const COMMANDS = {
  pause: 'hold the rollout at its step',
  resume: 'let a paused rollout go on (its step bakes again from now)',
  abort: 'roll the environment back to what it ran before the release',
} as const;

export function registerRollout(program: Command): void {
  const rollout = program.command('rollout').description("the progressive rollout of an environment's newest release");
  rollout
    .command('status')
    .description('step, share of instances, bake time left, healthy and failed instances')
    .argument('<namespace>')
    .requiredOption('--env <environment>')
    .action(async (namespace: string, options: RolloutOptions, command: Command) => {
      const { client, out } = contextOf(command);
      const environment = await readEnvironment(client, namespace, options.env);
      if (out.json) {
        out.data({ release: environment.release, rollout: environment.rollout });
        return;
      }
      out.line(`${options.env}: ${environment.release?.version?.shortHash ?? 'no release yet'}; rollout ${rolloutSummary(environment)}`);
      if (environment.rollout?.failed.length) out.line(out.red(`failed: ${environment.rollout.failed.join(', ')}`));
    });
  for (const [name, description] of Object.entries(COMMANDS)) {
    rollout
      .command(name)
      .description(description)
      .argument('<namespace>')
      .requiredOption('--env <environment>')
      .option('-m, --message <comment>', 'why: the commit message')
      .action(async (namespace: string, options: RolloutOptions, command: Command) => {
        const { client, out } = contextOf(command);
        const input = { namespace, environment: options.env, comment: options.message ?? null };
        const data = await client.request<Record<string, { __typename: string }>>(ROLLOUT_COMMAND(name), { input });
        printWrite(out, unwrap<WritePayload>(data[`${name}Rollout`], 'WritePayload'));
      });
  }
}
