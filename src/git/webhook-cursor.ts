import { validateEnvironmentName } from '../domain/environment.js';
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

/**
 * The cursor, local or, with replicas, the one on the shared remote when it is further along main: a replica that
 * takes over delivery resumes where the previous one stopped instead of where it last delivered itself.
 */
export async function readWebhookCursor(repo: GitRepository, webhookId: string): Promise<string | null> {
  const ref = webhookCursorRef(webhookId);
  const local = await repo.readRef(ref);
  const shared = repo.upstream ? await repo.upstream.remote.head(ref).catch(() => null) : null;
  return furtherAlong(repo, local, shared);
}

/** Moves the cursor from `expected` (null: no ref yet) to `next`; throws RefMovedError if someone else moved it. */
export async function moveWebhookCursor(repo: GitRepository, webhookId: string, expected: string | null, next: string): Promise<void> {
  const ref = webhookCursorRef(webhookId);
  if (!repo.upstream) return repo.moveRef(ref, expected, next);
  // With replicas `expected` may be the remote's cursor, ahead of this replica's own ref: move the local ref from
  // wherever it is, forward only.
  const local = await repo.readRef(ref);
  if (local !== next && furtherAlong(repo, local, next) === next) await repo.moveRef(ref, local, next);
  await shareCursor(repo, ref, next);
}

/** Removes the webhook's cursors, main's and every environment's, here and on the shared remote. */
export async function removeWebhookCursor(repo: GitRepository, webhookId: string): Promise<void> {
  const releases = await repo.branches(`${RELEASE_CURSORS}${validateWebhookId(webhookId)}/`);
  for (const ref of [webhookCursorRef(webhookId), ...releases]) {
    const current = await repo.readRef(ref);
    if (current) await repo.removeRef(ref, current);
    if (repo.upstream) {
      const shared = await repo.upstream.remote.head(ref).catch(() => null);
      if (shared) await repo.upstream.remote.push(ref, [], null, shared).catch(() => undefined);
    }
  }
}

/**
 * Publishes the cursor to the remote when it moves it forward. Best effort: the local ref is the record, and a
 * remote that lags only means a replica taking over may send an event again (at least once, never skipped).
 */
async function shareCursor(repo: GitRepository, ref: string, next: string): Promise<void> {
  if (!repo.upstream) return;
  const remote = repo.upstream.remote;
  try {
    const shared = await remote.head(ref);
    // A shared cursor this replica has not pulled yet may be ahead: never move it back.
    if (shared !== null && !repo.mainCommit(shared)) return;
    if (furtherAlong(repo, shared, next) === next && shared !== next) await remote.push(ref, [], next, shared);
  } catch {
    // Lagging is safe (see above); the next delivery tries again.
  }
}

/** Of two commits of main, the later one; a commit this replica does not know counts as not along at all. */
function furtherAlong(repo: GitRepository, a: string | null, b: string | null): string | null {
  const seqA = a ? (repo.mainCommit(a)?.seq ?? -1) : -1;
  const seqB = b ? (repo.mainCommit(b)?.seq ?? -1) : -1;
  if (seqA < 0 && seqB < 0) return a ?? b;
  return seqA >= seqB ? a : b;
}

/**
 * How far a webhook delivered an environment's releases: `refs/cairn/webhook-releases/<id>/<environment>` points at
 * the last commit of the environment's branch that was delivered. Shared with replicas like main's cursor.
 */
export function releaseCursorRef(webhookId: string, environment: string): string {
  return `${RELEASE_CURSORS}${validateWebhookId(webhookId)}/${validateEnvironmentName(environment)}`;
}

const RELEASE_CURSORS = 'refs/cairn/webhook-releases/';

/** Of two commits of a branch, the later one (null: neither is known to be on it). */
export type LaterOf = (a: string | null, b: string | null) => string | null;

/**
 * The release cursor: this replica's, or the shared remote's when `later` says it is further along. A remote that
 * cannot be read is an error, never "no cursor", which would mean "from the environment's first release".
 */
export async function readReleaseCursor(repo: GitRepository, webhookId: string, environment: string, later: LaterOf): Promise<string | null> {
  const ref = releaseCursorRef(webhookId, environment);
  const local = await repo.readRef(ref);
  const shared = repo.upstream ? await repo.upstream.remote.head(ref) : null;
  return later(local, shared);
}

/**
 * Moves the release cursor forward to `next`, here and (never backwards) on the shared remote. After a delivery the
 * remote's copy is best effort (lagging only means an event may be sent again); placing it when a webhook takes an
 * environment (`placing`) must reach the remote, since the replica that delivers may be another one.
 */
export async function moveReleaseCursor(
  repo: GitRepository,
  webhookId: string,
  environment: string,
  next: string,
  later: LaterOf,
  placing = false,
): Promise<void> {
  const ref = releaseCursorRef(webhookId, environment);
  const local = await repo.readRef(ref);
  if (local !== next && later(local, next) === next) await repo.moveRef(ref, local, next);
  if (!repo.upstream) return;
  const remote = repo.upstream.remote;
  try {
    const shared = await remote.head(ref);
    if (shared !== next && later(shared, next) === next) await remote.push(ref, [], next, shared);
  } catch (error) {
    if (placing) throw error;
  }
}
