import { CairnError, InvalidRefError } from '../domain/errors.js';

/** `since` names no version of the namespace's main history. Same code and GraphQL type as InvalidRef; a clearer message. */
export class UnknownSinceError extends InvalidRefError {
  constructor(
    readonly namespace: string,
    since: string,
    reason: InvalidRefError['reason'],
  ) {
    super(since, reason);
    this.message =
      `since: ${reason} version reference '${since}': it must name a version in the history of namespace '${namespace}'. ` +
      'Re-read the current state and subscribe with its version as since, or without since for live events only.';
  }

  /** Machine-readable details for the GraphQL error's `extensions`. */
  get extensions(): Record<string, unknown> {
    return { argument: 'since', ref: this.ref, reason: this.reason, namespace: this.namespace };
  }
}

/**
 * A subscriber fell more than its buffer behind the writers and was cut off instead of slowing them down. Nothing
 * is lost: resubscribing with `since` = `resumeFrom` (the last version it was sent) replays the rest from history.
 */
export class SlowSubscriberError extends CairnError {
  readonly code = 'SLOW_SUBSCRIBER';

  constructor(
    readonly maxBufferedEvents: number,
    /** Namespace of the subscription; null for a subscription to every namespace. */
    readonly namespace: string | null,
    /** The version to pass as `since`; null for a subscription to every namespace (resume each with its own). */
    readonly resumeFrom: string | null,
  ) {
    super(`subscriber fell more than ${maxBufferedEvents} events behind and was disconnected; ${resumeHint(namespace, resumeFrom)}`);
  }

  /** Machine-readable details for the GraphQL error's `extensions`. */
  get extensions(): Record<string, unknown> {
    return { namespace: this.namespace, resumeFrom: this.resumeFrom, maxBufferedEvents: this.maxBufferedEvents };
  }
}

function resumeHint(namespace: string | null, resumeFrom: string | null): string {
  if (!namespace) return 'resubscribe to each namespace with since: the last version you received from it';
  return resumeFrom ? `resubscribe with since: "${resumeFrom}"` : 'resubscribe with since: the last version you received';
}
