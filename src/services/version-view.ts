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
