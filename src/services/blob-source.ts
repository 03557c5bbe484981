import DataLoader from 'dataloader';
import type { GitRepository } from '../git/repository.js';

/** Reads document text by blob id. One per request, so the same blob is read and decoded once per request. */
export interface BlobSource {
  text(repo: GitRepository, oid: string): Promise<string>;
}

/** ignoreBOM keeps a leading byte-order mark: the text is served byte for byte as stored. */
const decoder = new TextDecoder('utf-8', { fatal: false, ignoreBOM: true });

export function createBlobSource(): BlobSource {
  const repos = new Map<string, GitRepository>();
  const loader = new DataLoader<string, string>(async (keys) =>
    Promise.all(
      keys.map(async (key) => {
        const split = key.indexOf('\0');
        const repo = repos.get(key.slice(0, split));
        if (!repo) throw new Error(`blob source: unknown repository for ${key}`);
        return decoder.decode(await repo.objects.readBlob(key.slice(split + 1)));
      }),
    ),
  );
  return {
    text(repo, oid) {
      repos.set(repo.name, repo);
      return loader.load(`${repo.name}\0${oid}`);
    },
  };
}
