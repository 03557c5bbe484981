import type { Command } from 'commander';
import { bashCompletion, zshCompletion } from '../completion-script.js';
import { usageError } from '../errors.js';

const SHELLS: Record<string, (program: Command) => string> = { bash: bashCompletion, zsh: zshCompletion };

/** The program the completion describes: the root of the command tree it was registered in. */
function rootOf(command: Command): Command {
  let root = command;
  while (root.parent) root = root.parent;
  return root;
}

export function registerCompletion(program: Command): void {
  program
    .command('completion')
    .description('print a shell completion script for commands, subcommands and options')
    .argument('<shell>', 'bash or zsh')
    .addHelpText('after', '\nExamples:\n  source <(cairn completion bash)\n  cairn completion zsh > "${fpath[1]}/_cairn"')
    .action((shell: string, _options: unknown, command: Command) => {
      const script = SHELLS[shell];
      if (!script) throw usageError(`completion: '${shell}' is not one of ${Object.keys(SHELLS).join(', ')}`);
      process.stdout.write(script(rootOf(command)));
    });
}
