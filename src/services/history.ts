import { validateDocumentPath } from '../domain/document-path.js';
import type { IndexedCommit } from '../git/commit-index.js';
import type { Actor } from './actor.js';
import type { NamespaceAccess } from './namespace-access.js';
import type { NamespaceReader } from './namespace-reader.js';
import { type Page, type PageArgs, descendingBelow, pageNewestFirst, reversedBelow } from './pagination.js';
import { type VersionView, versionAt, viewOf } from './version-view.js';

export interface VersionFilter extends PageArgs {
  readonly path?: string | null;
  readonly since?: Date | null;
  readonly until?: Date | null;
}

/** Main's versions, newest first, served from the commit index: no query walks Git. */
export class History {
  constructor(private readonly access: NamespaceAccess) {}

  async versions(actor: Actor, namespace: string, filter: VersionFilter): Promise<Page<VersionView>> {
    const repo = await this.access.open(actor, namespace, 'viewer');
    return listVersions(repo, filter);
  }

  async version(actor: Actor, namespace: string, ref: string): Promise<VersionView> {
    const repo = await this.access.open(actor, namespace, 'viewer');
    return versionAt(repo, ref);
  }
}

export interface VersionSelection {
  /** Only the commit at this sequence number (-1: a version not on main, so none). */
  readonly only?: number | null;
  /** A further condition on each commit (audit filters). */
  readonly matches?: (commit: IndexedCommit) => boolean;
}

export function listVersions(repo: NamespaceReader, filter: VersionFilter, selection: VersionSelection = {}): Page<VersionView> {
  const path = filter.path ? validateDocumentPath(filter.path) : null;
  const { only = null, matches = () => true } = selection;
  const candidates = (below: number): Iterable<number> => {
    if (only !== null) return only >= 0 && only < below ? [only] : [];
    return path ? reversedBelow(repo.historyOf(path), below) : descendingBelow(repo.versionCount(), below);
  };
  return pageNewestFirst(
    candidates,
    (seq) => {
      const commit = repo.mainCommitAt(seq);
      return commit ? viewOf(repo, commit) : undefined;
    },
    filter,
    (v) => inTimeRange(v.commit, filter.since, filter.until) && matches(v.commit),
  );
}

export function inTimeRange(commit: IndexedCommit, since?: Date | null, until?: Date | null): boolean {
  const ms = commit.committer.timestamp * 1000;
  return (!since || ms >= since.getTime()) && (!until || ms <= until.getTime());
}
