import { hostname } from 'node:os';
import { type Command, Option } from 'commander';
import type { AgentOptions } from '../agent/run-agent.js';
import { resolveConnection } from '../connection.js';
import type { GlobalOptions } from '../context.js';

const collect = (value: string, previous: string[]): string[] => [...previous, ...value.split(',').filter(Boolean)];

export function registerAgent(program: Command): void {
  program
    .command('agent')
    .description(
      'run beside a service: write its configuration to --dir (one atomic swap per version), follow releases live, run --exec and --check, report APPLIED or FAILED; serves its last good copy while Cairn is down',
    )
    .requiredOption('--namespace <namespace>', 'the namespace to follow')
    .option('--env <environment>', "the environment whose releases to run (default: main's head, nothing reported)")
    .option('--cluster <cluster>', "this instance's cluster: its overlay is applied")
    .option('--instance <id>', 'this instance (default: the host name)', hostname())
    .option('--label <name=value>', 'a label of this instance (canary selectors match them); repeatable', collect, [])
    .requiredOption('--dir <directory>', 'where the documents are written (as <dir>/<path>, through <dir>/..data)')
    .option('--paths <glob>', "only documents matching (e.g. 'services/api/**'); repeatable or comma-separated", collect, [])
    .option('--exec <command>', 'run (sh -c) after a new version is in service, e.g. to reload the service')
    .option('--check <command>', 'run after --exec: a non-zero exit reports FAILED (a rollout in progress halts)')
    .option('--revert-on-failure', 'when --exec or --check fails, put the previous files back (and run --exec for them)')
    .option('--command-timeout <seconds>', 'longest --exec or --check may run', '60')
    .option('--listen <host:port>', 'also serve the documents over HTTP (GET /<path>, ?format=json, ETag, ?wait= long-poll)')
    .option('--once', 'apply the version to run once and exit (init containers, CI): 0 applied, 7 check failed, 6 unreachable without a copy on disk')
    .option('--heartbeat <seconds>', 'how often to report while nothing changes', '30')
    .addOption(
      new Option('--log-level <level>', 'structured logs (JSON lines on stderr) from this level').choices(['debug', 'info', 'warn', 'error']).default('info'),
    )
    .action(async (options: AgentOptions, command: Command) => {
      const connection = resolveConnection(command.optsWithGlobals<GlobalOptions>());
      const { runAgent } = await import('../agent/run-agent.js');
      await runAgent(options, connection);
    });
}
