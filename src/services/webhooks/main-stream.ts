import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { type WebhookDefinition, webhookMatches } from '../../domain/webhook.js';
import type { IndexedCommit } from '../../git/commit-index.js';
import { RefMovedError } from '../../git/ref-store.js';
import type { GitRepository } from '../../git/repository.js';
import { moveWebhookCursor, readWebhookCursor } from '../../git/webhook-cursor.js';
import { createBlobSource } from '../blob-source.js';
import { buildChangeEvent } from '../change-event.js';
import type { Logger } from '../logger.js';
import type { DeliveryStream } from './delivery-stream.js';

export const EVENT_TYPE = 'config.changed';

/**
 * Main's commits, in commit order, as change events: the cursor is `refs/cairn/webhooks/<id>` (the last commit
 * delivered or skipped by the filter), the commit index says what comes after it.
 */
export class MainStream implements DeliveryStream {
  readonly label = 'main';
  /** The cursor ref's value as last read or written (undefined: not read yet). */
  private cursorRef: string | null | undefined = undefined;

  constructor(
    private readonly webhookId: string,
    private readonly logger: Logger,
  ) {}

  async next(repo: GitRepository, definition: WebhookDefinition): Promise<string | null> {
    await repo.syncIndex();
    const from = this.cursorSeq(repo, definition, await this.readCursor(repo));
    for (let seq = from + 1; seq < repo.versionCount(); seq += 1) {
      const commit = repo.mainCommitAt(seq);
      if (commit && webhookMatches(definition, { action: commit.trailers?.action ?? null, paths: commit.changes.map((c) => c.path) })) return commit.oid;
      // Long runs of commits the filter skips are scanned without holding up everything else.
      if (seq % 1000 === 999) await yieldToLoop();
    }
    const head = repo.head();
    if (head && head.seq > from) await this.moveCursor(repo, definition, head);
    return null;
  }

  owns(repo: GitRepository, oid: string): Promise<boolean> {
    return Promise.resolve(repo.mainCommit(oid) !== undefined);
  }

  async passed(repo: GitRepository, definition: WebhookDefinition, oid: string): Promise<boolean> {
    const commit = repo.mainCommit(oid);
    return commit !== undefined && commit.seq <= this.cursorSeq(repo, definition, await this.readCursor(repo));
  }

  async delivered(repo: GitRepository, definition: WebhookDefinition, oid: string): Promise<void> {
    const commit = repo.mainCommit(oid);
    if (commit) await this.moveCursor(repo, definition, commit);
  }

  async body(repo: GitRepository, oid: string): Promise<string> {
    const commit = repo.mainCommit(oid) ?? (await repo.describe(oid));
    const event = await buildChangeEvent(repo, commit, createBlobSource());
    return JSON.stringify({ type: EVENT_TYPE, timestamp: event.time, data: event });
  }

  private async readCursor(repo: GitRepository): Promise<string | null> {
    if (this.cursorRef === undefined) this.cursorRef = await readWebhookCursor(repo, this.webhookId);
    return this.cursorRef;
  }

  /** The sequence number after which delivery continues (-1: from the first commit). */
  private cursorSeq(repo: GitRepository, definition: WebhookDefinition, ref: string | null): number {
    const oid = ref ?? definition.startAfter;
    if (oid === null) return -1;
    const commit = repo.mainCommit(oid);
    if (commit) return commit.seq;
    // Main was rewritten outside Cairn and no longer contains the cursor: there is no "after it" to deliver.
    this.logger.warn({ webhook: this.webhookId, cursor: oid }, 'webhook cursor is not on main any more; continuing from the head');
    return repo.head()?.seq ?? -1;
  }

  private async moveCursor(repo: GitRepository, definition: WebhookDefinition, commit: IndexedCommit): Promise<void> {
    const current = await this.readCursor(repo);
    if (this.cursorSeq(repo, definition, current) >= commit.seq) return;
    try {
      await moveWebhookCursor(repo, this.webhookId, current, commit.oid);
      this.cursorRef = commit.oid;
    } catch (error) {
      // Someone else moved it (a second dispatcher, an operator with git update-ref): re-read it next round.
      if (!(error instanceof RefMovedError)) throw error;
      this.cursorRef = undefined;
      this.logger.warn({ webhook: this.webhookId, err: error }, 'webhook cursor moved by someone else');
    }
  }
}
