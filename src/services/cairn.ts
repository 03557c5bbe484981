import type { RepositoryStore } from '../git/repository-store.js';
import { AuditQuery } from './audit-query.js';
import { ChangeFeed, type FeedOptions } from './change-feed.js';
import { DiffService } from './diff.js';
import { DocumentReader } from './documents.js';
import { History } from './history.js';
import { IntegrityService } from './integrity.js';
import type { Logger } from './logger.js';
import { NamespaceAccess } from './namespace-access.js';
import { NamespaceService } from './namespaces.js';
import { RevertService } from './revert.js';
import { RollbackService } from './rollback.js';
import { UpdateService } from './update.js';
import { WritePipeline, type WriteSettings } from './write-pipeline.js';

export interface CairnDependencies {
  readonly store: RepositoryStore;
  /** Carries change events: an in-process EventTarget, or a Redis-backed one across replicas. */
  readonly events: EventTarget;
  readonly logger: Logger;
  readonly write: WriteSettings;
  readonly feed?: FeedOptions;
}

/** The use cases, wired once per process. The GraphQL layer calls these and nothing below them. */
export interface Cairn {
  readonly namespaces: NamespaceService;
  readonly documents: DocumentReader;
  readonly history: History;
  readonly audit: AuditQuery;
  readonly diffs: DiffService;
  readonly updates: UpdateService;
  readonly rollbacks: RollbackService;
  readonly reverts: RevertService;
  readonly feed: ChangeFeed;
  readonly integrity: IntegrityService;
  /** Waits for every queued write to finish (graceful shutdown). */
  drain(): Promise<void>;
}

export function createCairn(deps: CairnDependencies): Cairn {
  const access = new NamespaceAccess(deps.store);
  const feed = new ChangeFeed(deps.events, access, deps.logger, deps.feed);
  // Every commit reaches the feed once, in index order, whoever made it: this process, another replica, the git CLI.
  deps.store.onAppend((repo, commits) => {
    for (const commit of commits) feed.publish(repo, commit.oid);
  });
  const pipeline = new WritePipeline(access, deps.write);
  return {
    namespaces: new NamespaceService(access),
    documents: new DocumentReader(access),
    history: new History(access),
    audit: new AuditQuery(access),
    diffs: new DiffService(access),
    updates: new UpdateService(pipeline),
    rollbacks: new RollbackService(pipeline),
    reverts: new RevertService(pipeline),
    feed,
    integrity: new IntegrityService(access),
    async drain() {
      await Promise.all((await deps.store.opened()).map((repo) => repo.drain()));
      await feed.published();
    },
  };
}
