import { InvalidInputError } from '../domain/errors.js';
import type { IndexedCommit } from '../git/commit-index.js';
import type { GitRepository } from '../git/repository.js';

/** A version as the API shows it: a commit and the namespace it belongs to. */
export interface VersionView {
  readonly repo: GitRepository;
  readonly commit: IndexedCommit;
}

export async function versionAt(repo: GitRepository, ref: string): Promise<VersionView> {
  const oid = await repo.resolver.resolve(ref);
  return { repo, commit: await repo.describe(oid) };
}

export function viewOf(repo: GitRepository, commit: IndexedCommit): VersionView {
  return { repo, commit };
}

/** The version argument of a read: a reference (`at`), an instant (`asOf`: main's last commit by then), or the head. */
export function versionArgument(at?: string | null, asOf?: Date | null): string {
  if (at && asOf) throw new InvalidInputError('give either at or asOf, not both');
  return asOf ? `@{${asOf.toISOString()}}` : (at ?? 'HEAD');
}
