import { CairnError } from './errors.js';

/** The data directory has files in it: a restore never mixes a backup with other data. */
export class DataDirNotEmptyError extends CairnError {
  readonly code = 'DATA_DIR_NOT_EMPTY';
  constructor(readonly dataDir: string) {
    super(`${dataDir} is not empty: restore only into an empty or new data directory (nothing was written)`);
  }
}

/** The backup is not what its manifest says (a bundle missing, changed or damaged): nothing was written. */
export class BackupDamagedError extends CairnError {
  readonly code = 'BACKUP_DAMAGED';
  constructor(
    readonly repository: string,
    reason: string,
  ) {
    super(`backup damaged, repository '${repository}': ${reason} (nothing was written)`);
  }
}
