import { EVERY_ENVIRONMENT, type WebhookDefinition } from '../../domain/webhook.js';
import { definitionsAt } from '../environments.js';
import type { GitRepository, LoggedCommit } from '../../git/repository.js';
import { type LaterOf, moveReleaseCursor, readReleaseCursor } from '../../git/webhook-cursor.js';
import type { Logger } from '../logger.js';
import { LOG_LENGTH, releaseLog } from '../release-log.js';
import type { DeliveryStream } from './delivery-stream.js';

export const RELEASE_EVENT_TYPE = 'config.released';

/** One commit of an environment's branch as a webhook delivers it: plain JSON. */
export interface ReleaseEvent {
  /** The commit hash: stable, so a receiver can deduplicate. */
  readonly id: string;
  readonly namespace: string;
  readonly environment: string;
  /** `release` (rollbacks and automatic rollbacks included) or `rollout` (a step, a pause, a resume, the completion). */
  readonly kind: 'release' | 'rollout';
  readonly commit: string;
  /** The previous commit of the branch; null for the environment's first release. */
  readonly parentCommit: string | null;
  /** The version of main the environment runs (or is rolling out) from this commit on. */
  readonly version: string | null;
  readonly rollback: boolean;
  /** The rollout strategy of a release (its trailer), null without one. */
  readonly rollout: string | null;
  readonly rolloutStep: number | null;
  readonly rolloutState: string | null;
  /** The instances whose failures rolled it back. */
  readonly rolloutFailed: readonly string[];
  readonly proposal: string | null;
  readonly approvedBy: readonly string[];
  readonly emergency: boolean;
  readonly operator: { readonly name: string; readonly email: string };
  readonly operatorIp: string | null;
  readonly time: string;
  readonly comment: string;
}

/**
 * One environment's releases and rollout steps, in branch order: the cursor is
 * `refs/cairn/webhook-releases/<id>/<environment>`, the branch's recent commits (release-log.ts) say what comes
 * after it. The webhook service puts the cursor at the environment's newest commit when the webhook takes it.
 */
export class ReleaseStream implements DeliveryStream {
  readonly label: string;
  private waitingOn: string | null = null;

  constructor(
    private readonly webhookId: string,
    readonly environment: string,
    private readonly logger: Logger,
  ) {
    this.label = `environments/${environment}`;
  }

  async next(repo: GitRepository): Promise<string | null> {
    const log = await this.log(repo);
    const cursor = await readReleaseCursor(repo, this.webhookId, this.environment, laterIn(log));
    // No cursor: the environment had no release when the webhook took it (the webhook service puts it at the newest).
    if (cursor === null) return log.at(-1)?.oid ?? null;
    const at = log.findIndex((c) => c.oid === cursor);
    if (at >= 0) return log[at - 1]?.oid ?? null;
    // A cursor further back than one read reaches (over a hundred releases undelivered): go on from the oldest in reach.
    if (log.length >= LOG_LENGTH) {
      this.logger.warn({ webhook: this.webhookId, environment: this.environment, cursor }, 'release cursor fell out of reach; releases before were skipped');
      return log.at(-1)?.oid ?? null;
    }
    // A cursor another replica moved onto a commit this one has not pulled yet (the pull brings it), or a branch
    // moved by hand past it: said once per cursor, since delivery waits until the branch holds it again.
    if (this.waitingOn !== cursor) {
      this.waitingOn = cursor;
      this.logger.warn({ webhook: this.webhookId, environment: this.environment, cursor }, 'release cursor is not on the branch; waiting');
    }
    return null;
  }

  async owns(repo: GitRepository, oid: string): Promise<boolean> {
    return (await this.log(repo)).some((c) => c.oid === oid);
  }

  async passed(repo: GitRepository, _definition: WebhookDefinition, oid: string): Promise<boolean> {
    const log = await this.log(repo);
    const cursor = await readReleaseCursor(repo, this.webhookId, this.environment, laterIn(log));
    const at = log.findIndex((c) => c.oid === oid);
    const delivered = log.findIndex((c) => c.oid === cursor);
    return at >= 0 && delivered >= 0 && at >= delivered;
  }

  async delivered(repo: GitRepository, _definition: WebhookDefinition, oid: string): Promise<void> {
    await moveReleaseCursor(repo, this.webhookId, this.environment, oid, laterIn(await this.log(repo)));
  }

  async body(repo: GitRepository, oid: string): Promise<string> {
    const commit = (await this.log(repo)).find((c) => c.oid === oid) ?? (await repo.branchLog('', 1, oid))[0];
    if (!commit) throw new Error(`${oid} is not a commit of ${this.label}`);
    const event = releaseEvent(repo.name, this.environment, commit);
    return JSON.stringify({ type: RELEASE_EVENT_TYPE, timestamp: event.time, data: event });
  }

  private log(repo: GitRepository): Promise<readonly LoggedCommit[]> {
    return releaseLog(repo, this.environment, Number.POSITIVE_INFINITY);
  }
}

/** Of two commits of the branch (newest first in `log`), the later; one not in reach counts as not along at all. */
export function laterIn(log: readonly LoggedCommit[]): LaterOf {
  const age = (oid: string | null): number => (oid === null ? -1 : log.findIndex((c) => c.oid === oid));
  return (a, b) => {
    const [ageA, ageB] = [age(a), age(b)];
    if (ageA < 0) return ageB < 0 ? (a ?? b) : b;
    if (ageB < 0) return a;
    return ageA <= ageB ? a : b;
  };
}

/** The environments a webhook takes releases of: its names, or `*` read as the namespace defines them now. */
export async function webhookEnvironmentNames(repo: GitRepository, environments: readonly string[] | null): Promise<string[]> {
  const names = environments ?? [];
  if (!names.includes(EVERY_ENVIRONMENT)) return [...names];
  return (await definitionsAt(repo, repo.head())).map((d) => d.name);
}

function list(text: string | undefined): string[] {
  return (text ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

function releaseEvent(namespace: string, environment: string, commit: LoggedCommit): ReleaseEvent {
  const t = commit.trailers;
  const step = t?.rolloutStep;
  return {
    id: commit.oid,
    namespace,
    environment,
    kind: t?.action === 'rollout' ? 'rollout' : 'release',
    commit: commit.oid,
    parentCommit: t?.action === 'release' && commit.parents.length < 2 ? null : (commit.parents[0] ?? null),
    version: t?.releaseOf ?? null,
    rollback: Boolean(t?.rollbackTo),
    rollout: t?.rollout ?? null,
    rolloutStep: step === undefined || step === null ? null : Number(step),
    rolloutState: t?.rolloutState ?? null,
    rolloutFailed: list(t?.rolloutFailed ?? undefined),
    proposal: t?.proposal ?? null,
    approvedBy: list(t?.approvedBy ?? undefined),
    emergency: t?.emergency === 'true',
    operator: { name: commit.author.name, email: commit.author.email },
    operatorIp: t?.operatorIp ?? null,
    time: new Date(commit.committer.timestamp * 1000).toISOString(),
    comment: commit.comment,
  };
}
