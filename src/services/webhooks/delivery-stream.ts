import type { WebhookDefinition } from '../../domain/webhook.js';
import type { GitRepository } from '../../git/repository.js';

/**
 * What one webhook worker delivers, in order: main's commits (MainStream), or one environment's releases and
 * rollout steps (ReleaseStream). Each keeps its own cursor, a ref, and reads what comes after it from Git, so a
 * missed notification, a restart or a crash only delays a delivery; the worker's attempts, retries, parking,
 * redeliveries and log are the same for every stream.
 */
export interface DeliveryStream {
  /** For logs: `main`, or `environments/<name>`. */
  readonly label: string;
  /** The first commit after the cursor the webhook's filter matches; with none, the cursor moves past what it skipped. */
  next(repo: GitRepository, definition: WebhookDefinition): Promise<string | null>;
  /** Whether `oid` is an event of this stream: a commit of its branch the webhook would be told of. */
  owns(repo: GitRepository, oid: string): Promise<boolean>;
  /** Whether the cursor is past `oid` already (delivered, or skipped by the filter). */
  passed(repo: GitRepository, definition: WebhookDefinition, oid: string): Promise<boolean>;
  /** Moves the cursor onto `oid`, just delivered (never back). */
  delivered(repo: GitRepository, definition: WebhookDefinition, oid: string): Promise<void>;
  /** The request body of `oid`, the same for every attempt: `{"type","timestamp","data"}` as Standard Webhooks suggests. */
  body(repo: GitRepository, oid: string): Promise<string>;
}
