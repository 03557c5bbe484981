import type { CommitAction } from '../domain/commit-message.js';
import { isDocumentPath, validatePathPrefix } from '../domain/document-path.js';
import type { IndexedCommit } from '../git/commit-index.js';
import type { ChangeEvent } from './change-event.js';

/** Which commits of a namespace a subscriber wants, checkable on an event or, before building it, on the commit. */
export class CommitFilter {
  private readonly prefix: string | null;
  private readonly actions: readonly CommitAction[] | null;

  constructor(pathPrefix: string | null | undefined, actions: readonly CommitAction[] | null | undefined) {
    this.prefix = pathPrefix ? validatePathPrefix(pathPrefix) : null;
    this.actions = actions?.length ? actions : null;
  }

  acceptsEvent(event: ChangeEvent): boolean {
    return this.acceptsAction(event.action) && this.acceptsPaths(event.documents.map((d) => d.path));
  }

  /** The same answer as acceptsEvent on the event built from this commit, without reading a blob. */
  acceptsCommit(commit: IndexedCommit): boolean {
    return this.acceptsAction(commit.trailers?.action ?? null) && this.acceptsPaths(commit.changes.map((c) => c.path).filter(isDocumentPath));
  }

  private acceptsAction(action: CommitAction | null): boolean {
    return !this.actions || (action !== null && this.actions.includes(action));
  }

  private acceptsPaths(paths: readonly string[]): boolean {
    const prefix = this.prefix;
    return prefix === null || paths.some((p) => p.startsWith(prefix));
  }
}
