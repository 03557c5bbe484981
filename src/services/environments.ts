import {
  ENVIRONMENTS_PATH,
  type EnvironmentDefinition,
  formatEnvironments,
  parseEnvironments,
  validateEnvironmentName,
  withEnvironment,
} from '../domain/environment.js';
import { InvalidInputError, NotFoundError, VersionConflictError } from '../domain/errors.js';
import { validateClusterName } from '../domain/overlay-path.js';
import type { IndexedCommit } from '../git/commit-index.js';
import type { GitRepository, LoggedCommit } from '../git/repository.js';
import { rolloutStateOf } from '../domain/rollout-state.js';
import { type RolloutStrategy, type StrategyInput, formatStrategy, parseStrategy, validateStrategy } from '../domain/rollout-strategy.js';
import { roleIn } from '../domain/access.js';
import { releaseRules, releaseSubject } from '../domain/proposal.js';
import { ApprovalRequiredError, ProposalClosedError } from '../domain/proposal-errors.js';
import { policyAt } from './namespace-policy.js';
import { enforceRequirements, releaseRequirements } from './merge-requirements.js';
import { type Proposal, type ProposedRelease, readProposal } from './proposal-log.js';
import type { Actor } from './actor.js';
import { parseStoredText } from './document-parser.js';
import { giveWay } from './event-loop-turn.js';
import type { NamespaceAccess } from './namespace-access.js';
import type { NamespaceReader } from './namespace-reader.js';
import { LOG_LENGTH, RELEASE_REPLAY_WINDOW, releaseLog } from './release-log.js';
import { type VersionView, versionOf } from './version-view.js';
import type { WriteOutcome, WritePipeline } from './write-pipeline.js';
import { type CommitOptions, type WritePlan, writeInputs } from './write-request.js';

/** An environment as the API shows it: its definition at main's head, read on demand from its branch. */
export interface EnvironmentView {
  readonly namespace: NamespaceReader;
  readonly repo: GitRepository;
  readonly definition: EnvironmentDefinition;
}

export interface DefineEnvironmentRequest extends CommitOptions {
  readonly namespace: string;
  readonly name: string;
  readonly description?: string | null;
  readonly promotesFrom?: string | null;
  readonly clusters?: readonly string[] | null;
  readonly healthyForSeconds?: number | null;
}

/** A release as asked for: of which version, to which environment, how. */
export interface ReleaseAsk {
  readonly environment: string;
  /** The version of main to release (hash, short hash, tag, HEAD~N). */
  readonly version: string;
  /** A progressive rollout; without one every instance takes the release at once. */
  readonly strategy?: StrategyInput | null;
}

/** `expectedVersion` is the environment's current release (its commit), null when it has none yet. */
export interface ReleaseRequest extends CommitOptions, ReleaseAsk {
  readonly namespace: string;
}

export interface EnvironmentRollbackRequest extends CommitOptions {
  readonly namespace: string;
  readonly environment: string;
  /** A version this environment ran before. */
  readonly to: string;
}

export interface PromoteRequest extends CommitOptions {
  readonly namespace: string;
  readonly from: string;
  /** The environment released to; `expectedVersion` is its current release. */
  readonly to: string;
  /** The version previewed: refused with VersionConflict if `from` runs another by now. */
  readonly version?: string | null;
}

/**
 * Environments and their releases. An environment is defined in `.cairn/environments.json` on main; its releases
 * are commits on its own branch (ReleaseTarget), each with the tree of the version of main it releases, the
 * previous release as first parent and that version as second. Every release, rollback and promotion is a write
 * through the one pipeline: idempotent on its request id, guarded by the expected current release, previewable.
 */
export class EnvironmentService {
  constructor(
    private readonly access: NamespaceAccess,
    private readonly pipeline: WritePipeline,
    /** Told of every release committed (with whether it starts a rollout, which something must then move on). */
    private readonly released: (namespace: string, environment: string, commit: string, rollout: boolean) => void = () => undefined,
    /** The instances of an environment that report a version failed, for the promotion's health check. */
    private readonly failures: (namespace: string, environment: string, version: string) => string[] = () => [],
    private readonly clock: () => number = Date.now,
  ) {}

  async list(actor: Actor, namespace: string): Promise<EnvironmentView[]> {
    const repo = await this.access.open(actor, namespace, 'viewer');
    return (await definitionsAt(repo, repo.head())).map((definition) => ({ namespace: repo, repo, definition }));
  }

  async get(actor: Actor, namespace: string, name: string): Promise<EnvironmentView> {
    const found = (await this.list(actor, namespace)).find((e) => e.definition.name === validateEnvironmentName(name));
    if (!found) throw new NotFoundError('environment', name);
    return found;
  }

  /** Adds an environment, or changes the one of that name: a commit to main's `.cairn/environments.json`. */
  define(actor: Actor, request: DefineEnvironmentRequest): Promise<WriteOutcome> {
    const definition: EnvironmentDefinition = {
      name: validateEnvironmentName(request.name),
      description: request.description ?? '',
      promotesFrom: request.promotesFrom ? validateEnvironmentName(request.promotesFrom) : null,
      healthyForSeconds: request.healthyForSeconds ?? 0,
      clusters: (request.clusters ?? []).map(validateClusterName),
    };
    const options = { ...request, comment: request.comment || `define environment ${definition.name}` };
    return this.pipeline.run(
      actor,
      options,
      { operation: 'defineEnvironment', payload: [...writeInputs(request), definition] },
      async (repo, head, documents) => {
        const next = withEnvironment(await definitionsAt(repo, head), definition);
        // The file is checked as it will be read: a promotesFrom naming nothing, or a loop, is refused here.
        const text = formatEnvironments(parseEnvironments(JSON.parse(formatEnvironments(next))));
        const files = new Map([[ENVIRONMENTS_PATH, text]]);
        return { action: (await documents.exists(ENVIRONMENTS_PATH)) ? 'update' : 'create', files };
      },
      'admin',
    );
  }

  release(actor: Actor, request: ReleaseRequest): Promise<WriteOutcome> {
    const environment = validateEnvironmentName(request.environment);
    const strategy = request.strategy ? validateStrategy(request.strategy) : null;
    const payload = [...writeInputs(request), environment, request.version, strategy ? formatStrategy(strategy) : null];
    const outcome = this.releaseTo(actor, request, environment, { operation: 'release', payload }, DIRECT, async (repo) => ({
      ...(await this.releasable(repo, environment, request.version)),
      strategy,
    }));
    return this.announced(outcome, request.namespace, environment, strategy !== null);
  }

  /**
   * Checks a release as it would be made now (the environment, the version, its promotion order and health) for a
   * change request proposing it: what the proposal's commit names.
   */
  async proposable(repo: GitRepository, request: ReleaseAsk): Promise<ProposedRelease> {
    const environment = validateEnvironmentName(request.environment);
    const strategy = request.strategy ? validateStrategy(request.strategy) : null;
    const { version } = await this.releasable(repo, environment, request.version);
    if (strategy && !(await currentRelease(repo, environment))) {
      throw new InvalidInputError(`the first release of ${environment} goes to every instance at once; give a strategy from the second on`);
    }
    return { environment, version, rollout: strategy ? formatStrategy(strategy) : null };
  }

  /**
   * The release an approved change request proposed, on the environment's current release. The approvals are
   * checked inside the write lock against the policy at main's head, and the proposal's state with them: it is
   * released once, and the release names the proposal and its approvers (Cairn-Proposal, Cairn-Approved-By).
   */
  async mergeRelease(actor: Actor, proposal: Proposal, comment?: string | null): Promise<WriteOutcome> {
    const proposed = proposal.release;
    if (!proposed) throw new InvalidInputError(`proposal ${proposal.id} proposes no release`);
    const { environment } = proposed;
    const strategy = proposed.rollout ? parseStrategy(proposed.rollout) : null;
    const repo = await this.access.open(actor, proposal.namespace.name, 'editor');
    const current = await currentRelease(repo, environment);
    const options = {
      namespace: proposal.namespace.name,
      expectedVersion: current?.oid ?? null,
      comment: comment || proposal.comment || `release proposal ${proposal.id}`,
    };
    const outcome = this.releaseTo(
      actor,
      options,
      environment,
      { operation: 'mergeRelease', payload: [proposal.id] },
      { kind: 'proposal', id: proposal.id },
      async (repo) => ({
        ...(await this.releasable(repo, environment, proposed.version)),
        strategy,
      }),
    );
    return this.announced(outcome, options.namespace, environment, strategy !== null);
  }

  /** Releases a version this environment ran before: a new release commit (Cairn-Rollback-To), never a moved ref. */
  rollback(actor: Actor, request: EnvironmentRollbackRequest): Promise<WriteOutcome> {
    const environment = validateEnvironmentName(request.environment);
    const payload = [...writeInputs(request), environment, request.to];
    const outcome = this.releaseTo(actor, request, environment, { operation: 'rollbackEnvironment', payload }, ROLLBACK, async (repo) => {
      const version = await mainVersion(repo, request.to);
      if (!(await releasedTo(repo, environment, version))) {
        throw new InvalidInputError(
          `'${request.to}' was not released to ${environment} (among its last ${RELEASE_REPLAY_WINDOW} releases); release it instead`,
        );
      }
      return { version, rollback: true, strategy: null };
    });
    return this.announced(outcome, request.namespace, environment, false);
  }

  /** Releases to `to` the version `from` runs now. */
  promote(actor: Actor, request: PromoteRequest): Promise<WriteOutcome> {
    const from = validateEnvironmentName(request.from);
    const to = validateEnvironmentName(request.to);
    if (from === to) throw new InvalidInputError('an environment cannot be promoted to itself');
    const outcome = this.releaseTo(
      actor,
      request,
      to,
      { operation: 'promote', payload: [...writeInputs(request), from, to, request.version ?? null] },
      DIRECT,
      async (repo) => {
        const definitions = await definitionsAt(repo, repo.head());
        definitionIn(definitions, from);
        const target = definitionIn(definitions, to);
        if (target.promotesFrom !== null && target.promotesFrom !== from) {
          throw new InvalidInputError(`${to} takes its versions from ${target.promotesFrom}, not from ${from}`);
        }
        const running = await currentRelease(repo, from);
        if (!running?.trailers?.releaseOf) throw new InvalidInputError(`${from} has no release to promote`);
        // What was previewed is what is promoted: a release to `from` in between is a conflict, not a surprise.
        if (request.version && (await repo.resolve(request.version).catch(() => request.version)) !== running.trailers.releaseOf) {
          throw new VersionConflictError(request.version, running.trailers.releaseOf, []);
        }
        if (target.promotesFrom === from) await this.checkHealthy(repo, target, running.trailers.releaseOf);
        return { version: running.trailers.releaseOf, rollback: false, strategy: null };
      },
    );
    return this.announced(outcome, request.namespace, to, false);
  }

  /**
   * The audit trail of delivery: every environment's releases and rollout commits (steps, pauses, automatic
   * rollbacks), newest first, `first` of them (at most 100). Each environment's log is read once; the merge is linear.
   */
  async releaseAudit(actor: Actor, namespace: string, first: number): Promise<VersionView[]> {
    if (!Number.isInteger(first) || first < 1 || first > RELEASE_REPLAY_WINDOW) throw new InvalidInputError(`first must be 1 to ${RELEASE_REPLAY_WINDOW}`);
    const repo = await this.access.open(actor, namespace, 'viewer');
    // Each branch's own order (newest first) is kept within one second: commit times have a second's resolution.
    const entries: { commit: LoggedCommit; environment: string; index: number }[] = [];
    for (const { name } of await definitionsAt(repo, repo.head())) {
      entries.push(...(await releaseLog(repo, name, first)).map((commit, index) => ({ commit, environment: name, index })));
    }
    entries.sort(
      (a, b) =>
        b.commit.committer.timestamp - a.commit.committer.timestamp ||
        (a.environment < b.environment ? -1 : a.environment > b.environment ? 1 : 0) ||
        a.index - b.index,
    );
    return Promise.all(entries.slice(0, first).map((e) => versionOf(repo, e.commit.oid)));
  }

  /** The version of main the environment's newest release released (the one rolling out, during a rollout); NotFound before its first. */
  async releasedVersion(actor: Actor, namespace: string, environment: string): Promise<string> {
    const view = await this.get(actor, namespace, environment);
    const version = (await currentRelease(view.repo, view.definition.name))?.trailers?.releaseOf;
    if (!version) throw new NotFoundError('environment', `${view.definition.name} has no release yet`);
    return version;
  }

  /** A commit of an environment's branch (a release or a rollout step), as a subscriber is told of it. */
  async releaseCommit(actor: Actor, namespace: string, commit: string): Promise<VersionView> {
    const repo = await this.access.open(actor, namespace, 'agent');
    return versionOf(repo, commit);
  }

  /** The environment's current release (a commit on its branch), or null before its first. */
  async current(view: EnvironmentView): Promise<VersionView | null> {
    const latest = await currentRelease(view.repo, view.definition.name);
    return latest ? versionOf(view.namespace, latest.oid) : null;
  }

  /** The newest `first` releases, newest first. */
  async releases(view: EnvironmentView, first: number): Promise<VersionView[]> {
    if (!Number.isInteger(first) || first < 1 || first > RELEASE_REPLAY_WINDOW) throw new InvalidInputError(`first must be 1 to ${RELEASE_REPLAY_WINDOW}`);
    const log = (await releaseLog(view.repo, view.definition.name, Number.POSITIVE_INFINITY)).filter(isRelease).slice(0, first);
    return Promise.all(log.map((c) => versionOf(view.namespace, c.oid)));
  }

  /** Tells `released` of a release once it is committed (a replay was told already). */
  private async announced(outcome: Promise<WriteOutcome>, namespace: string, environment: string, rollout: boolean): Promise<WriteOutcome> {
    const done = await outcome;
    if (done.kind === 'committed' && !done.replayed) this.released(namespace, environment, done.version.commit.oid, rollout);
    return done;
  }

  private releaseTo(
    actor: Actor,
    options: CommitOptions & { readonly namespace: string },
    environment: string,
    request: { operation: string; payload: unknown[] },
    approval: ReleaseApproval,
    choose: (repo: GitRepository) => Promise<ReleaseChoice>,
  ): Promise<WriteOutcome> {
    return this.pipeline.write({
      actor,
      target: this.pipeline.targets.release(options.namespace, environment),
      options,
      request,
      plan: async (repo, base) => {
        definitionIn(await definitionsAt(repo, repo.head()), environment);
        const approved = await approvalFor(repo, actor, environment, approval);
        // A release over a rollout in progress would move the instances it has not reached onto a version half-rolled.
        const log = await releaseLog(repo, environment, Number.POSITIVE_INFINITY, base?.oid ?? null);
        const rolling = rolloutStateOf(log.map((c) => ({ oid: c.oid, time: c.committer.timestamp, trailers: c.trailers })));
        if (rolling && rolling.phase !== 'completed') {
          throw new InvalidInputError(`the rollout of ${rolling.version.slice(0, 12)} to ${environment} is in progress: promote or abort it first`);
        }
        return { ...(await planRelease(repo, base, environment, await choose(repo))), ...approved };
      },
    });
  }

  /** A version of main the environment may take: when it promotes from another, one released there. */
  private async releasable(repo: GitRepository, environment: string, ref: string): Promise<{ version: string; rollback: false }> {
    const version = await mainVersion(repo, ref);
    const definition = definitionIn(await definitionsAt(repo, repo.head()), environment);
    const { promotesFrom } = definition;
    if (promotesFrom && !(await releasedTo(repo, promotesFrom, version))) {
      throw new InvalidInputError(`${environment} takes its versions from ${promotesFrom}, and ${version.slice(0, 12)} was not released there`);
    }
    await this.checkHealthy(repo, definition, version);
    return { version, rollback: false };
  }

  /**
   * A version enters an environment with `healthyForSeconds` only once it has run in `promotesFrom` that long: it
   * is the release there, its rollout complete, released long enough ago, and no instance there reports it failed.
   */
  private async checkHealthy(repo: GitRepository, definition: EnvironmentDefinition, version: string): Promise<void> {
    const from = definition.promotesFrom;
    if (!from || definition.healthyForSeconds === 0) return;
    const short = version.slice(0, 12);
    const log = await releaseLog(repo, from, Number.POSITIVE_INFINITY);
    const release = log.find(isRelease);
    if (release?.trailers?.releaseOf !== version)
      throw new InvalidInputError(`${short} is not what ${from} runs now: ${definition.name} takes versions healthy there`);
    const state = rolloutStateOf(log.map((c) => ({ oid: c.oid, time: c.committer.timestamp, trailers: c.trailers })));
    if (state && state.phase !== 'completed') throw new InvalidInputError(`the rollout of ${short} to ${from} is not complete`);
    // Every instance has run it since the release, or since its rollout completed.
    const ranFor = Math.floor(this.clock() / 1000) - (state ? state.since : release.committer.timestamp);
    if (ranFor < definition.healthyForSeconds) {
      throw new InvalidInputError(
        `${short} has run in ${from} for ${ranFor} s; ${definition.name} takes versions healthy there for ${definition.healthyForSeconds} s`,
      );
    }
    const failed = this.failures(repo.name, from, version);
    if (failed.length) throw new InvalidInputError(`${failed.length} instance(s) of ${from} report ${short} failed (${failed.slice(0, 5).join(', ')})`);
  }
}

/**
 * How a release gets past the approval rules that govern its environment (policy `approvals[].environments`):
 * `direct` does not (ApprovalRequired: propose it instead); `rollback` does as an admin's emergency rollback when
 * the policy allows those; `proposal` does as the merge of an approved change request. Releases the rollout driver
 * makes (steps, automatic rollbacks, aborts) go back to what was approved before and are never held up.
 */
type ReleaseApproval = { readonly kind: 'direct' | 'rollback' } | { readonly kind: 'proposal'; readonly id: string };
const DIRECT: ReleaseApproval = { kind: 'direct' };
const ROLLBACK: ReleaseApproval = { kind: 'rollback' };

/** What a release's commit says of its approval, or ApprovalRequired. Runs in the write lock. */
async function approvalFor(
  repo: GitRepository,
  actor: Actor,
  environment: string,
  approval: ReleaseApproval,
): Promise<{ proposal?: string; approvedBy?: string[]; emergency?: boolean }> {
  const policy = await policyAt(repo, repo.head()?.oid ?? null);
  const rules = releaseRules(policy, environment);
  const subject = [releaseSubject(environment)];
  if (approval.kind === 'proposal') {
    const proposal = await readProposal(repo, approval.id);
    if (proposal.state === 'merged') throw new ProposalClosedError(approval.id, 'merged');
    // Its merge is looked for among the branch's newest commits: older than all of them, it may have been merged.
    const log = await releaseLog(repo, environment, Number.POSITIVE_INFINITY);
    if (log.length >= LOG_LENGTH && log.at(-1)!.committer.timestamp > proposal.change.committer.timestamp) {
      throw new InvalidInputError(`proposal ${approval.id} is older than the ${LOG_LENGTH} newest commits of ${environment}: propose the release again`);
    }
    // The same requirements the console's merge box shows: rejected, then the environment's rules.
    const { approvedBy } = enforceRequirements(releaseRequirements(proposal, environment, policy));
    return { proposal: approval.id, approvedBy };
  }
  const rule = rules[0];
  if (!rule) return {};
  if (approval.kind === 'rollback' && policy.emergencyRollback && roleIn(actor.operator.grants, repo.name) === 'admin') return { emergency: true };
  throw new ApprovalRequiredError(subject, rule.required, 0, rule.approvers);
}

/** What a release commits: the version, whether it rolls the environment back, and its rollout. */
export interface ReleaseChoice {
  readonly version: string;
  readonly rollback: boolean;
  readonly strategy?: RolloutStrategy | null;
}

/**
 * The definitions each repository had at the commit last asked for: instances ask about their environment a
 * thousand times a second, and the head rarely moves between two of them.
 */
const definitionsCache = new WeakMap<GitRepository, { readonly commit: string; readonly definitions: Promise<EnvironmentDefinition[]> }>();

/** The definitions in force at `commit` (none without the file). */
export function definitionsAt(repo: GitRepository, commit: IndexedCommit | null): Promise<EnvironmentDefinition[]> {
  if (!commit) return Promise.resolve([]);
  const cached = definitionsCache.get(repo);
  if (cached?.commit === commit.oid) return cached.definitions;
  const definitions = readDefinitions(repo, commit.oid);
  definitionsCache.set(repo, { commit: commit.oid, definitions });
  // A failed read (a file that does not parse, pushed with git) is not remembered: it is reported each time.
  definitions.catch(() => definitionsCache.delete(repo));
  return definitions;
}

async function readDefinitions(repo: GitRepository, commit: string): Promise<EnvironmentDefinition[]> {
  const blob = await repo.blobAt(commit, ENVIRONMENTS_PATH);
  if (!blob) return [];
  return parseEnvironments(await parseStoredText(ENVIRONMENTS_PATH, await repo.readText(blob), blob));
}

export function definitionIn(definitions: readonly EnvironmentDefinition[], name: string): EnvironmentDefinition {
  const found = definitions.find((d) => d.name === name);
  if (!found) throw new NotFoundError('environment', name);
  return found;
}

async function mainVersion(repo: GitRepository, ref: string): Promise<string> {
  const oid = await repo.resolve(ref);
  // A release serves what it names: only main's history has passed the checks that guard served configuration.
  if (!repo.mainCommit(oid)) throw new InvalidInputError(`'${ref}' is not a version of main; only main's versions are released`);
  return oid;
}

/** The newest release of the environment (not a rollout step of it). */
export async function currentRelease(repo: GitRepository, environment: string): Promise<LoggedCommit | null> {
  return (await releaseLog(repo, environment, Number.POSITIVE_INFINITY)).find(isRelease) ?? null;
}

function isRelease(commit: LoggedCommit): boolean {
  return commit.trailers?.action === 'release';
}

/** Whether `version` is among the environment's last releases. */
async function releasedTo(repo: GitRepository, environment: string, version: string): Promise<boolean> {
  return (await releaseLog(repo, environment, Number.POSITIVE_INFINITY)).some((c) => isRelease(c) && c.trailers?.releaseOf === version);
}

/**
 * The release of `version` on top of `base` (the environment's current release): every file that differs between
 * the two trees, documents and `.cairn/` alike, so the release's tree is the version's tree exactly.
 */
export async function planRelease(repo: GitRepository, base: IndexedCommit | null, environment: string, choice: ReleaseChoice): Promise<WritePlan> {
  const { version, rollback, strategy } = choice;
  const release = { environment, version, ...(strategy ? { rollout: formatStrategy(strategy) } : {}) };
  if (base?.trailers?.releaseOf === version) return { action: 'release', files: new Map(), release, settled: true };
  // A rollout keeps the instances it has not reached on what the environment ran: the first release has nothing to keep them on.
  if (strategy && !base) throw new InvalidInputError(`the first release of ${environment} goes to every instance at once; give a strategy from the second on`);
  const files = new Map<string, string | null>();
  for (const change of await repo.changesBetween(base?.tree ?? null, await repo.treeOf(version))) {
    if (change.newOid === null) {
      files.set(change.path, null);
      continue;
    }
    const text = await repo.readText(change.newOid);
    // The release commits text; a file that is not UTF-8 would come out different, and the tree with it.
    if (repo.blobId(text) !== change.newOid) throw new InvalidInputError(`${change.path} at ${version.slice(0, 12)} is not UTF-8 text; it cannot be released`);
    files.set(change.path, text);
    await giveWay();
  }
  return { action: 'release', files, release, ...(rollback ? { rollbackTo: version } : {}) };
}
