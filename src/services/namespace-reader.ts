import type { GitRepository } from '../git/repository.js';

/**
 * The read side of one namespace that views carry to the API layer, for what a view reads on demand (a version's
 * parent, a document's history, text and blame). A GitRepository is one; nothing here writes.
 */
export type NamespaceReader = Pick<
  GitRepository,
  'name' | 'head' | 'versionCount' | 'mainCommitAt' | 'historyOf' | 'lastChangeOf' | 'resolve' | 'describe' | 'blobAt' | 'readBlob'
>;
