#!/usr/bin/env node
import { Command, CommanderError } from 'commander';
import { registerAgent } from './commands/agent.js';
import { registerAudit } from './commands/audit.js';
import { registerBackup } from './commands/backup.js';
import { registerBlame } from './commands/blame.js';
import { registerCompletion } from './commands/completion.js';
import { registerCreateNamespace } from './commands/create-namespace.js';
import { registerDelete } from './commands/delete.js';
import { registerDiff } from './commands/diff.js';
import { registerExport } from './commands/export.js';
import { registerGet } from './commands/get.js';
import { registerHistory } from './commands/history.js';
import { registerImport } from './commands/import.js';
import { registerMove } from './commands/move.js';
import { registerNamespaces } from './commands/namespaces.js';
import { registerPolicy } from './commands/policy.js';
import { registerPropose } from './commands/propose.js';
import { registerProposalActions } from './commands/proposal-actions.js';
import { registerPut } from './commands/put.js';
import { registerRestore } from './commands/restore.js';
import { registerReview } from './commands/review.js';
import { registerRevert } from './commands/revert.js';
import { registerRollback } from './commands/rollback.js';
import { registerEnvironments } from './commands/environments.js';
import { registerRelease } from './commands/release.js';
import { registerRollout } from './commands/rollout.js';
import { registerServe } from './commands/serve.js';
import { registerTag } from './commands/tag.js';
import { registerToken } from './commands/token.js';
import { registerWatch } from './commands/watch.js';
import { registerWebhook } from './commands/webhook.js';
import { CliError } from './errors.js';
import { EXIT_CODES_HELP, ExitCode } from './exit-codes.js';
import { Output } from './output.js';

function program(): Command {
  const cli = new Command('cairn')
    .description('Cairn from the command line: read, write, watch, import and export versioned configuration')
    .option('--url <url>', 'the server (default: $CAIRN_URL or http://127.0.0.1:4000)')
    .option('--token <token>', 'bearer token (default: $CAIRN_TOKEN)')
    .option('--timeout <ms>', 'longest wait for one answer from the server (default: $CAIRN_TIMEOUT_MS or 120000)')
    .option('--json', 'machine-readable output: one JSON document per line on stdout (errors too, as {"error": ...})')
    .addHelpText('after', `\n${EXIT_CODES_HELP}`)
    // Each command's --help lists --url, --token and --json too: they go before or after the command alike.
    .configureHelp({ showGlobalOptions: true })
    .showHelpAfterError()
    .exitOverride();
  for (const register of [
    registerServe,
    registerNamespaces,
    registerCreateNamespace,
    registerGet,
    registerPut,
    registerDelete,
    registerMove,
    registerHistory,
    registerDiff,
    registerRollback,
    registerRevert,
    registerTag,
    registerPropose,
    registerReview,
    registerProposalActions,
    registerPolicy,
    registerEnvironments,
    registerRelease,
    registerRollout,
    registerAudit,
    registerBlame,
    registerWatch,
    registerImport,
    registerExport,
    registerAgent,
    registerWebhook,
    registerBackup,
    registerRestore,
    registerToken,
    registerCompletion,
  ]) {
    register(cli);
  }
  // Subcommands (tag create as well as get) inherit the exit override, so usage errors reach the handler below
  // (exit 2), not process.exit(1).
  describeExits(cli.commands);
  return cli;
}

function describeExits(commands: readonly Command[]): void {
  for (const command of commands) {
    command.exitOverride().showHelpAfterError().addHelpText('after', `\n${EXIT_CODES_HELP}`);
    describeExits(command.commands);
  }
}

function exitCodeOf(error: unknown): number {
  if (error instanceof CliError) return error.exitCode;
  return ExitCode.unexpected;
}

async function main(argv: readonly string[]): Promise<number> {
  const cli = program();
  try {
    await cli.parseAsync([...argv]);
    return ExitCode.ok;
  } catch (error) {
    const out = new Output(cli.opts<{ json?: boolean }>().json === true || argv.includes('--json'));
    if (error instanceof CommanderError) {
      // Help asked for (--help, cairn help) is no failure: commander exits 0 for it. Everything else it refuses
      // (already explained on stderr) is a usage error, help shown because no command was given included.
      if (error.exitCode === 0) return ExitCode.ok;
      const message = error.code === 'commander.help' ? 'a command is needed: see cairn --help' : error.message.replace(/^error: /, '');
      if (out.json) out.error(new CliError(message, ExitCode.invalid, 'Usage'));
      return ExitCode.invalid;
    }
    const failure =
      error instanceof CliError
        ? error
        : new CliError(`unexpected error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`, ExitCode.unexpected, 'Unexpected');
    out.error(failure);
    return exitCodeOf(failure);
  }
}

// A reader that stopped reading (`cairn watch | head -5`) is no failure: end quietly, as Unix filters do, rather
// than crash on the next write with EPIPE and a stack trace. A command that already failed keeps its exit code.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code !== 'EPIPE') throw error;
  process.exit(typeof process.exitCode === 'number' ? process.exitCode : ExitCode.ok);
});

process.exitCode = await main(process.argv);
