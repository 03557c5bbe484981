import { documentKeyOf } from '../domain/etcd-keys.js';
import { TooExpensiveError } from '../domain/errors.js';
import type { JsonValue } from '../domain/json-value.js';
import { rolloutStateOf } from '../domain/rollout-state.js';
import type { IndexedCommit } from '../git/commit-index.js';
import type { GitRepository, LoggedCommit } from '../git/repository.js';
import { createBlobSource } from './blob-source.js';
import { overlaidClusters } from './environment-diff.js';
import { definitionsAt } from './environments.js';
import { giveWay } from './event-loop-turn.js';
import type { OverlayService } from './overlays.js';
import type { SecretReveal } from './secret-reveal.js';

/** One key an environment publishes: a document as one cluster (null: `_`, the base) runs it. */
export interface PublishedDocument {
  readonly key: string;
  readonly cluster: string | null;
  readonly path: string;
  /** The effective document in the base's own format (JSON or YAML), as `desiredConfig` answers it. */
  readonly text: string;
  readonly content: JsonValue;
}

/**
 * The version an environment's branch publishes at `log` (newest first): its newest release's, except while that
 * release's rollout is in progress, when it is the version the instances not reached yet keep (`stable`). etcd has no
 * instance identity to roll out by: it takes a release once every instance may (the rollout completed, or promoted),
 * and never takes one a rollout rolled back. null before the first release.
 */
export function publishedVersionOf(log: readonly LoggedCommit[]): string | null {
  const state = rolloutStateOf(log.map((c) => ({ oid: c.oid, time: c.committer.timestamp, trailers: c.trailers })));
  if (state && state.phase !== 'completed') return state.stable;
  return log.find((c) => c.trailers?.action === 'release')?.trailers?.releaseOf ?? null;
}

interface CachedContents {
  readonly version: string;
  readonly clusters: string;
  readonly documents: Promise<ReadonlyMap<string, PublishedDocument>>;
}

/**
 * What an environment publishes at a version: every effective document for the base (`_`) and for each cluster (the
 * environment's `clusters`, or every cluster an overlay names at that version), by key. The last answer per
 * environment is kept: drift checks ask for the same version after every change in etcd.
 */
export class EtcdContents {
  private readonly cache = new WeakMap<GitRepository, Map<string, CachedContents>>();

  constructor(
    private readonly overlays: OverlayService,
    private readonly root: string,
    /** CAIRN_ETCD_MAX_KEYS: the keys one environment may publish. */
    private readonly maxKeys: number,
    /**
     * etcd is where services read their configuration, as an environment's agent does: secret values go there
     * decrypted (docs/secrets.md), and the drift watch compares etcd with the same plaintext.
     */
    private readonly secrets: SecretReveal | null = null,
  ) {}

  async documents(repo: GitRepository, environment: string, version: string): Promise<ReadonlyMap<string, PublishedDocument>> {
    const commit = repo.mainCommit(version);
    if (!commit) throw new Error(`${version} is not a version of main in ${repo.name} (yet)`);
    const definition = (await definitionsAt(repo, repo.head())).find((d) => d.name === environment);
    const clusters = definition?.clusters.length ? [...definition.clusters] : await overlaidClusters(repo, [commit]);
    let perRepo = this.cache.get(repo);
    if (!perRepo) {
      perRepo = new Map();
      this.cache.set(repo, perRepo);
    }
    const cached = perRepo.get(environment);
    if (cached?.version === version && cached.clusters === clusters.join(',')) return cached.documents;
    const documents = this.read(repo, environment, commit, clusters);
    const entry = { version, clusters: clusters.join(','), documents };
    perRepo.set(environment, entry);
    // A failed read is not kept: the next publication or drift check reads again.
    documents.catch(() => {
      if (perRepo.get(environment) === entry) perRepo.delete(environment);
    });
    return documents;
  }

  private async read(
    repo: GitRepository,
    environment: string,
    commit: IndexedCommit,
    clusters: readonly string[],
  ): Promise<ReadonlyMap<string, PublishedDocument>> {
    const blobs = createBlobSource();
    const documents = new Map<string, PublishedDocument>();
    for (const cluster of [null, ...clusters]) {
      for (const effective of await this.overlays.effectiveDocuments(repo, blobs, commit, cluster)) {
        const document = this.secrets ? await this.secrets.document(effective, true) : effective;
        const key = documentKeyOf(this.root, repo.name, environment, cluster, document.path);
        documents.set(key, { key, cluster, path: document.path, text: document.text, content: document.content });
        if (documents.size > this.maxKeys) {
          throw new TooExpensiveError('CAIRN_ETCD_MAX_KEYS', `${environment} would publish more than ${this.maxKeys} keys to etcd`);
        }
      }
      await giveWay();
    }
    return documents;
  }
}
