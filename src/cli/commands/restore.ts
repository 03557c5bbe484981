import type { Command } from 'commander';
import { InvalidInputError } from '../../domain/errors.js';
import { BackupDamagedError, DataDirNotEmptyError } from '../../domain/restore-errors.js';
import { CliError } from '../errors.js';
import { ExitCode } from '../exit-codes.js';
import { Output } from '../output.js';

/** The restore's typed refusals as the CLI reports them; anything else is unexpected. */
function cliErrorOf(error: unknown): unknown {
  if (error instanceof DataDirNotEmptyError) return new CliError(error.message, ExitCode.conflict, 'DataDirNotEmpty', { dataDir: error.dataDir });
  if (error instanceof BackupDamagedError) return new CliError(error.message, ExitCode.invalid, 'BackupDamaged', { repository: error.repository });
  if (error instanceof InvalidInputError) return new CliError(error.message, ExitCode.invalid, 'InvalidInput');
  return error;
}

export function registerRestore(program: Command): void {
  program
    .command('restore')
    .description('restore a backup (cairn backup) into an empty or new data directory, for a server to start on; no server is involved')
    .argument('<backup-dir>', 'a directory cairn backup wrote')
    .argument('<data-dir>', 'the new data directory (CAIRN_DATA_DIR of the server to start on it): empty or absent')
    .action(async (backupDir: string, dataDir: string, _options: unknown, command: Command) => {
      const out = new Output(command.optsWithGlobals<{ json?: boolean }>().json === true);
      let report;
      try {
        // Loaded here, as `cairn serve` loads the server: no other command pays for the repository layer.
        const { restoreDataDir } = await import('../../server/restore-data-dir.js');
        report = await restoreDataDir(backupDir, dataDir);
      } catch (error) {
        throw cliErrorOf(error);
      }
      const { repositories } = report.manifest;
      const refs = repositories.reduce((sum, r) => sum + Object.keys(r.refs).length, 0);
      if (out.json) out.data({ dataDir: report.dataDir, repositories: repositories.map((r) => r.name), refs, backedUpAt: report.manifest.createdAt });
      else
        out.line(
          `restored ${repositories.length} repositor${repositories.length === 1 ? 'y' : 'ies'} (${refs} refs, backed up ${report.manifest.createdAt}) into ${report.dataDir}`,
        );
    });
}
