import type { Writable } from 'node:stream';
import { roleIn } from '../domain/access.js';
import { SYSTEM_REPOSITORY_NAME } from '../domain/backup-manifest.js';
import { ForbiddenError, NotFoundError } from '../domain/errors.js';
import { validateNamespaceName } from '../domain/namespace-name.js';
import type { RefSnapshot } from '../git/repository-bundle.js';
import { type RepositoryStore, SYSTEM_REPOSITORY } from '../git/repository-store.js';
import type { Actor } from './actor.js';
import { translatingGitFailures } from './git-failure.js';

/** One repository's consistent state, ready to be written as a Git bundle. */
export interface RepositorySnapshot {
  readonly name: string;
  readonly refs: RefSnapshot;
  /** Writes the bundle of exactly `refs` to `out` (and ends it). */
  write(out: Writable): Promise<void>;
}

/**
 * Backups of a running server: every namespace's repository and the system repository, each as a Git bundle of
 * one consistent snapshot of its refs (read in the namespace's write lock). A backup holds every namespace and
 * every namespace's webhooks, so it takes the admin role on `*`, not on some namespaces.
 */
export class BackupService {
  constructor(private readonly store: RepositoryStore) {}

  /** The repositories a backup holds, by backup name: every namespace, then the system repository when there is one. */
  async repositories(actor: Actor): Promise<string[]> {
    authorize(actor);
    const namespaces = await translatingGitFailures(this.store.list());
    const system = await translatingGitFailures(this.store.exists(SYSTEM_REPOSITORY));
    return system ? [...namespaces, SYSTEM_REPOSITORY_NAME] : namespaces;
  }

  /** The refs of one repository now, and a way to write them as a bundle. */
  async snapshot(actor: Actor, name: string): Promise<RepositorySnapshot> {
    authorize(actor);
    const stored = name === SYSTEM_REPOSITORY_NAME ? SYSTEM_REPOSITORY : validateNamespaceName(name);
    const repo = await translatingGitFailures(this.store.get(stored));
    if (!repo) throw new NotFoundError('namespace', name);
    const refs = await translatingGitFailures(repo.refSnapshot());
    return { name, refs, write: (out) => repo.writeBundle(refs, out) };
  }
}

function authorize(actor: Actor): void {
  if (roleIn(actor.operator.grants, '*') !== 'admin') throw new ForbiddenError('*', 'admin', 'a backup holds every namespace: it needs the admin role on *');
}
