import type { Command } from 'commander';

export function registerServe(program: Command): void {
  program
    .command('serve')
    .description('start the Cairn server, exactly as npm start does (configured by the CAIRN_* environment variables)')
    .action(async () => {
      // The server's own entry point: settings from the environment, startServer, signal handling.
      await import('../../server/main.js');
    });
}
