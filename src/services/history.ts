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
  /**
   * Words found in the comment, the operator's name or email, a tag pointing at the version (case-insensitively),
   * or the start of the hash: how a person finds "the version before the timeout change".
   */
  readonly search?: string | null;
}

/**
 * Versions a search page looks at before it answers: a rare word must not walk 100k commits in one event-loop turn.
 * A page that stops here is short, with hasNextPage and a cursor to look further back.
 */
export const MAX_SEARCHED_VERSIONS = 5_000;

/** Main's versions, newest first, served from the commit index: no query walks Git. */
export class History {
  constructor(private readonly access: NamespaceAccess) {}

  async versions(actor: Actor, namespace: string, filter: VersionFilter): Promise<Page<VersionView>> {
    const repo = await this.access.open(actor, namespace, 'viewer');
    const search = filter.search?.trim().toLowerCase();
    if (!search) return listVersions(repo, filter);
    const tagged = new Set((await repo.listTags()).filter((t) => t.name.toLowerCase().includes(search)).map((t) => t.target));
    return listVersions(repo, filter, { matches: (commit) => tagged.has(commit.oid) || matchesSearch(commit, search), scanLimit: MAX_SEARCHED_VERSIONS });
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
  /** At most this many candidates looked at (see pageNewestFirst). */
  readonly scanLimit?: number;
}

export function listVersions(repo: NamespaceReader, filter: VersionFilter, selection: VersionSelection = {}): Page<VersionView> {
  const path = filter.path ? validateDocumentPath(filter.path) : null;
  const { only = null, matches = () => true, scanLimit } = selection;
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
    scanLimit,
  );
}

/** `search` is lower case and trimmed; a hash matches by its start only (a word is not a hash's middle). */
function matchesSearch(commit: IndexedCommit, search: string): boolean {
  return (
    commit.oid.startsWith(search) ||
    commit.comment.toLowerCase().includes(search) ||
    commit.author.name.toLowerCase().includes(search) ||
    commit.author.email.toLowerCase().includes(search)
  );
}

export function inTimeRange(commit: IndexedCommit, since?: Date | null, until?: Date | null): boolean {
  const ms = commit.committer.timestamp * 1000;
  return (!since || ms >= since.getTime()) && (!until || ms <= until.getTime());
}
