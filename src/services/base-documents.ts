import type { IndexedCommit } from '../git/commit-index.js';
import type { GitRepository } from '../git/repository.js';

/**
 * The documents at a write's base commit, each path looked up once per write whoever asks: the plan (does it
 * exist?), the expected-version check (must it not exist?) and the no-op filter (does the write change it?).
 */
export class BaseDocuments {
  private readonly blobs = new Map<string, Promise<string | null>>();

  constructor(
    private readonly repo: GitRepository,
    readonly commit: IndexedCommit | null,
  ) {}

  /** The blob id of `path` at the base, or null when it does not exist there. */
  blobOf(path: string): Promise<string | null> {
    const commit = this.commit;
    if (!commit) return Promise.resolve(null);
    let blob = this.blobs.get(path);
    if (!blob) {
      blob = this.repo.blobAt(commit.oid, path);
      this.blobs.set(path, blob);
    }
    return blob;
  }

  async exists(path: string): Promise<boolean> {
    return (await this.blobOf(path)) !== null;
  }
}
