import type { CommitAction } from '../domain/commit-message.js';
import { SlowSubscriberError } from './feed-errors.js';
import type { Actor } from './actor.js';
import { EventQueue } from './event-queue.js';
import type { NamespaceAccess } from './namespace-access.js';

export interface ProposalEvent {
  readonly namespace: string;
  readonly proposal: string;
  readonly action: Extract<CommitAction, 'propose' | 'approve' | 'reject' | 'comment' | 'merge'>;
  /** The commit recording it: on the proposal branch, or on main for a merge. */
  readonly version: string;
}

const TOPIC = 'cairn.proposal';
const MAX_BUFFERED = 1000;

/**
 * Live announcements of change-request activity. Kept apart from the change feed on purpose: the feed is main's
 * history, stitched on sequence numbers, and proposal-branch commits have no place in it (a merge still reaches
 * the feed as a main commit, action MERGE). Live only, from this process: the proposal itself is the durable
 * record (query `proposal` / `proposals`, or the audit log with action PROPOSE, APPROVE or REJECT).
 */
export class ProposalEvents {
  private readonly target = new EventTarget();

  constructor(private readonly access: NamespaceAccess) {}

  publish(event: ProposalEvent): void {
    this.target.dispatchEvent(new CustomEvent(TOPIC, { detail: event }));
  }

  async subscribe(actor: Actor, namespace: string): Promise<AsyncIterableIterator<ProposalEvent>> {
    const name = (await this.access.open(actor, namespace, 'viewer')).name;
    const queue = new EventQueue<ProposalEvent>(MAX_BUFFERED, () => new SlowSubscriberError(MAX_BUFFERED, name, null));
    const listener = (event: Event): void => {
      const detail = (event as CustomEvent<ProposalEvent>).detail;
      if (detail.namespace === name) queue.push(detail);
    };
    this.target.addEventListener(TOPIC, listener);
    const iterator: AsyncIterableIterator<ProposalEvent> = {
      next: () => queue.next(),
      return: () => {
        this.target.removeEventListener(TOPIC, listener);
        return queue.return();
      },
      [Symbol.asyncIterator]: () => iterator,
    };
    return iterator;
  }
}
