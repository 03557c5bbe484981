import { validateEnvironmentName } from '../domain/environment.js';
import { InvalidInputError } from '../domain/errors.js';
import { overlayLocationOf } from '../domain/overlay-path.js';
import type { GitRepository } from '../git/repository.js';
import type { Actor } from './actor.js';
import type { BlobSource } from './blob-source.js';
import { DocumentDiff } from './document-diff.js';
import { currentRelease, definitionIn, definitionsAt } from './environments.js';
import type { NamespaceAccess } from './namespace-access.js';
import type { EffectiveDocument, OverlayService } from './overlays.js';
import type { IndexedCommit } from './version-view.js';

/** What one cluster's instances would see change: null is the base configuration (an instance without overlay). */
export interface ClusterDiff {
  readonly cluster: string | null;
  readonly files: readonly DocumentDiff[];
}

/**
 * The difference between what two environments run, as their instances run it: per cluster, each effective
 * document (base and that cluster's overlay) that differs between the version `from` runs and the one `to` runs.
 * What a promotion from one to the other would change, before it is made.
 */
export class EnvironmentDiff {
  constructor(
    private readonly access: NamespaceAccess,
    private readonly overlays: OverlayService,
  ) {}

  async between(actor: Actor, blobs: BlobSource, namespace: string, from: string, to: string): Promise<ClusterDiff[]> {
    const repo = await this.access.open(actor, namespace, 'viewer');
    const definitions = await definitionsAt(repo, repo.head());
    definitionIn(definitions, validateEnvironmentName(from));
    const target = definitionIn(definitions, validateEnvironmentName(to));
    const source = await releasedCommit(repo, from);
    if (!source) throw new InvalidInputError(`${from} has no release to compare`);
    const current = await releasedCommit(repo, to);
    const clusters = target.clusters.length ? target.clusters : await overlaidClusters(repo, [source, ...(current ? [current] : [])]);
    const diffs: ClusterDiff[] = [];
    for (const cluster of [null, ...clusters]) {
      const before = current ? await this.overlays.effectiveDocuments(repo, blobs, current, cluster) : [];
      const after = await this.overlays.effectiveDocuments(repo, blobs, source, cluster);
      diffs.push({ cluster, files: differences(before, after) });
    }
    return diffs;
  }
}

async function releasedCommit(repo: GitRepository, environment: string): Promise<IndexedCommit | null> {
  const version = (await currentRelease(repo, environment))?.trailers?.releaseOf;
  return version ? (repo.mainCommit(version) ?? null) : null;
}

/** The clusters some overlay names in these commits: an environment not bound to clusters may run any of them. */
export async function overlaidClusters(repo: GitRepository, commits: readonly IndexedCommit[]): Promise<string[]> {
  const clusters = new Set<string>();
  for (const commit of commits) {
    for (const { path } of await repo.filesIn(commit.tree)) {
      try {
        const location = overlayLocationOf(path);
        if (location) clusters.add(location.cluster);
      } catch {
        // A file in an overlay folder that is not an overlay (pushed with git) names no cluster.
      }
    }
  }
  return [...clusters].sort();
}

/** The documents whose text differs, by path, as diffs from `before` to `after`. */
export function differences(before: readonly EffectiveDocument[], after: readonly EffectiveDocument[]): DocumentDiff[] {
  const old = new Map(before.map((d) => [d.path, d.text]));
  const next = new Map(after.map((d) => [d.path, d.text]));
  const side = (text: string | undefined) => (text === undefined ? null : { text: () => Promise.resolve(text), blob: null });
  return [...new Set([...old.keys(), ...next.keys()])]
    .sort()
    .filter((path) => old.get(path) !== next.get(path))
    .map((path) => new DocumentDiff(path, !old.has(path) ? 'added' : !next.has(path) ? 'deleted' : 'modified', side(old.get(path)), side(next.get(path))));
}
