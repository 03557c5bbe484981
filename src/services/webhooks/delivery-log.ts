import type { DeliveryAttempt } from '../../domain/webhook-delivery.js';
import { DeliveryLogFile } from '../../git/delivery-log-file.js';
import type { RepositoryStore } from '../../git/repository-store.js';
import { type Page, type PageArgs, pageNewestFirst } from '../pagination.js';

/** Where delivery attempts are kept: a file per webhook on one server, Redis when replicas share the work. */
export interface DeliveryLog {
  append(webhookId: string, attempt: Omit<DeliveryAttempt, 'seq'>): Promise<DeliveryAttempt>;
  last(webhookId: string): Promise<DeliveryAttempt | null>;
  /** The newest attempt of in-order delivery (one-off redeliveries aside): where the pending event stands. */
  lastInOrder(webhookId: string): Promise<DeliveryAttempt | null>;
  /** Newest first; the cursor is the entry's seq. */
  page(webhookId: string, args: PageArgs): Promise<Page<DeliveryAttempt>>;
  remove(webhookId: string): Promise<void>;
}

/** A page of `entries` (oldest first, increasing seqs, maybe with gaps), newest first. */
export function pageAttempts(entries: readonly DeliveryAttempt[], args: PageArgs): Page<DeliveryAttempt> {
  const indexOf = (seq: number): number => {
    let lo = 0;
    let hi = entries.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((entries[mid]?.seq ?? Infinity) < seq) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  function* below(limit: number): Generator<number> {
    for (let i = indexOf(limit) - 1; i >= 0; i -= 1) yield entries[i]?.seq ?? -1;
  }
  return pageNewestFirst(below, (seq) => entries[indexOf(seq)], args);
}

export function lastInOrder(entries: readonly DeliveryAttempt[]): DeliveryAttempt | null {
  return entries.findLast((e) => e.trigger === 'event') ?? null;
}

interface OpenLog {
  readonly file: DeliveryLogFile;
  /** The newest `keep` entries, oldest first (increasing seqs). */
  readonly entries: DeliveryAttempt[];
  /** Lines in the file, to know when to rewrite it. */
  lines: number;
}

/**
 * Every attempt of every webhook, newest `keep` per webhook: in memory once read, appended to a JSONL file in
 * the system repository's gitdir, which is rewritten with the newest entries when it reaches twice that.
 */
export class FileDeliveryLog implements DeliveryLog {
  private readonly open = new Map<string, Promise<OpenLog>>();

  constructor(
    private readonly store: RepositoryStore,
    private readonly keep: number,
  ) {}

  async append(webhookId: string, attempt: Omit<DeliveryAttempt, 'seq'>): Promise<DeliveryAttempt> {
    const log = await this.load(webhookId);
    const entry: DeliveryAttempt = { seq: (log.entries.at(-1)?.seq ?? -1) + 1, ...attempt };
    log.entries.push(entry);
    if (log.entries.length > this.keep) log.entries.splice(0, log.entries.length - this.keep);
    log.lines += 1;
    if (log.lines >= 2 * this.keep) {
      log.lines = log.entries.length;
      await log.file.rewrite(log.entries);
    } else {
      await log.file.append(entry);
    }
    return entry;
  }

  async last(webhookId: string): Promise<DeliveryAttempt | null> {
    return (await this.load(webhookId)).entries.at(-1) ?? null;
  }

  async lastInOrder(webhookId: string): Promise<DeliveryAttempt | null> {
    return lastInOrder((await this.load(webhookId)).entries);
  }

  async page(webhookId: string, args: PageArgs): Promise<Page<DeliveryAttempt>> {
    return pageAttempts((await this.load(webhookId)).entries, args);
  }

  async remove(webhookId: string): Promise<void> {
    const log = await this.load(webhookId);
    this.open.delete(webhookId);
    await log.file.remove();
  }

  private load(webhookId: string): Promise<OpenLog> {
    let log = this.open.get(webhookId);
    if (!log) {
      log = (async () => {
        const file = new DeliveryLogFile((await this.store.system()).gitdir, webhookId);
        const entries = await file.load();
        return { file, entries: entries.slice(-this.keep), lines: entries.length };
      })();
      this.open.set(webhookId, log);
      log.catch(() => this.open.delete(webhookId));
    }
    return log;
  }
}
