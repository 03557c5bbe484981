import { validateWebhookId } from '../domain/webhook.js';
import type { GitRepository } from './repository.js';

/**
 * How far a webhook delivered, as a ref in the namespace's repository: `refs/cairn/webhooks/<id>` points at the
 * last commit of main that was delivered (or skipped by its filter). Moved with git's lock protocol after each
 * 2xx, so a restart resumes right after it and `git log <ref>..main` lists what is still to be delivered.
 */
export function webhookCursorRef(webhookId: string): string {
  return `refs/cairn/webhooks/${validateWebhookId(webhookId)}`;
}

export function readWebhookCursor(repo: GitRepository, webhookId: string): Promise<string | null> {
  return repo.refs.read(webhookCursorRef(webhookId));
}

/** Moves the cursor from `expected` (null: no ref yet) to `next`; throws RefMovedError if someone else moved it. */
export function moveWebhookCursor(repo: GitRepository, webhookId: string, expected: string | null, next: string): Promise<void> {
  return repo.refs.compareAndSwap(webhookCursorRef(webhookId), expected, next);
}

export async function removeWebhookCursor(repo: GitRepository, webhookId: string): Promise<void> {
  const current = await readWebhookCursor(repo, webhookId);
  if (current) await repo.refs.remove(webhookCursorRef(webhookId), current);
}
