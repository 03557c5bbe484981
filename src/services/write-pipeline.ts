import type { Role } from '../domain/access.js';
import { formatCommitMessage, validateRequestId } from '../domain/commit-message.js';
import { type CairnError, IdempotencyKeyReusedError, InvalidInputError, VersionConflictError } from '../domain/errors.js';
import { formatPerson, parsePerson } from '../domain/person-trailer.js';
import { requestFingerprint } from '../domain/request-fingerprint.js';
import type { IndexedCommit } from '../git/commit-index.js';
import type { GitRepository } from '../git/repository.js';
import type { Actor } from './actor.js';
import { BaseDocuments } from './base-documents.js';
import { createBlobSource } from './blob-source.js';
import { DocumentDiff } from './document-diff.js';
import { checkNewDocument } from './document-parser.js';
import { giveWay } from './event-loop-turn.js';
import { storedDiff } from './diff.js';
import { gitFailure, translatingGitFailures } from './git-failure.js';
import { NO_OBSERVER, type ServiceObserver } from './service-observer.js';
import type { SecretCipher } from './secret-cipher.js';
import { maySeeSecrets } from './secret-reveal.js';
import { SecretSealing } from './secret-sealing.js';
import { signer } from './signature.js';
import { withRemoteRetry } from './remote-retry.js';
import { type StagedChange, stageChanges, stagedBlobs, stagedTexts } from './staged-changes.js';
import type { WriteContext } from './write-context.js';
import type { PendingWrite, WriteCheck } from './write-check.js';
import type { WriteTarget } from './write-target.js';
import type { CommitOptions, PlanWrite, WriteOptions, WritePlan, WriteRequest } from './write-request.js';
import type { WriteTargets } from './write-targets.js';
import { type VersionView, viewOf } from './version-view.js';

export type WriteOutcome =
  | { readonly kind: 'committed'; readonly version: VersionView; readonly files: DocumentDiff[]; readonly replayed: boolean }
  | { readonly kind: 'unchanged'; readonly version: VersionView | null }
  | {
      readonly kind: 'preview';
      readonly base: VersionView | null;
      readonly files: DocumentDiff[];
      /** What the checks would refuse the write for (see `PendingWrite.report`); empty when it would pass. */
      readonly findings: readonly CairnError[];
    };

export interface WriteSettings {
  readonly committer: { readonly name: string; readonly email: string };
  readonly maxDocumentBytes: number;
  readonly clock: () => Date;
  /** Encrypts the values namespace policies mark secret (CAIRN_SECRETS_KEY_FILE); none: such writes are refused. */
  readonly secrets?: SecretCipher | null;
}

/** Everything a write is: who asks, where it lands, how it is asked and what it commits. */
export interface WriteCall {
  readonly actor: Actor;
  readonly target: WriteTarget;
  readonly options: CommitOptions;
  readonly request: WriteRequest;
  readonly plan: PlanWrite;
  /**
   * Runs once the commit landed, still inside the write lock, so that what it announces or reads is the state the
   * commit made, before any later write (a change request's event and its state after a review, say).
   */
  readonly landed?: (repo: GitRepository, commit: IndexedCommit) => Promise<void>;
}

/**
 * The one path every commit takes, whatever its target (main, a change request's branch, the system repository):
 * authorize, replay a known request id, plan against the target's base, check the expected version, validate every
 * document, run the checks, and land the commit, all under the repository's write lock and retried against the
 * shared remote. Which of these stages apply is the target's rule (TargetRules), never a copy of this code. Nothing
 * is written before every check passed, so bad input never leaves a partial commit.
 */
export class WritePipeline {
  private readonly checks: WriteCheck[] = [];
  private readonly sealing: SecretSealing;

  constructor(
    readonly targets: WriteTargets,
    private readonly settings: WriteSettings,
    private readonly observer: ServiceObserver = NO_OBSERVER,
  ) {
    this.sealing = new SecretSealing(settings.secrets ?? null, settings.maxDocumentBytes);
  }

  /** Adds a rule every write must pass before it is committed (and every preview is checked against). */
  addCheck(check: WriteCheck): void {
    this.checks.push(check);
  }

  /** A write to a namespace's main. */
  run(actor: Actor, options: WriteOptions, request: WriteRequest, plan: PlanWrite, role: Role = 'editor'): Promise<WriteOutcome> {
    return this.write({ actor, target: this.targets.main(options.namespace, role), options, request, plan });
  }

  async write(call: WriteCall): Promise<WriteOutcome> {
    const { actor, target, options, request, plan } = call;
    const repo = await target.open(actor);
    const keyed = options.requestId
      ? { id: validateRequestId(options.requestId), fingerprint: fingerprintOf(repo.name, actor, request, this.settings.secrets?.digestKey ?? null) }
      : null;
    const context: WriteContext = { actor, target, repo, options, keyed, plan, landed: call.landed ?? null, blobs: createBlobSource() };
    if (options.dryRun) {
      await repo.syncIndex();
      return this.preview(context);
    }
    const giveUp = (): Error => target.contention(repo, options.expectedVersion);
    try {
      const attempt = (): Promise<WriteOutcome> => withRemoteRetry(repo, () => this.commitOnce(context), giveUp);
      return await (target.serialize ? target.serialize(repo, attempt) : repo.exclusive(attempt));
    } catch (error) {
      // The metric counts lost updates on what is served: main (a stale change request is refused before it exists).
      if (error instanceof VersionConflictError && target.rules.checks) this.observer.versionConflict(repo.name);
      // A commit's batch that could not be made durable fails after `land`: translated here.
      throw gitFailure(error, { base: options.expectedVersion, paths: [] });
    }
  }

  private async commitOnce(context: WriteContext): Promise<WriteOutcome> {
    const { repo, keyed } = context;
    const earlier = keyed ? await (context.target.earlier?.(repo, keyed.id) ?? repo.commitWithRequestId(keyed.id)) : undefined;
    if (earlier && keyed) {
      if (!sameRequest(earlier, keyed.fingerprint, context.actor)) throw new IdempotencyKeyReusedError(keyed.id, earlier.oid);
      return { kind: 'committed', version: viewOf(repo, earlier), files: this.storedDiffs(context, earlier), replayed: true };
    }
    const { base, plan, staged } = await this.stage(context);
    if (plan.settled || (staged.size === 0 && context.target.rules.unchanged === 'unchanged')) {
      return { kind: 'unchanged', version: base ? viewOf(repo, base) : null };
    }
    const forced = await this.runChecks(context, base, plan, staged, (finding) => {
      throw finding;
    });
    const commit = await this.land(context, base, plan, staged, forced);
    if (context.landed) {
      // What it announces must be there for whoever reads it: with group commit, the commit may still be queued.
      await repo.mainDurable();
      await context.landed(repo, commit);
    }
    return { kind: 'committed', version: viewOf(repo, commit), files: this.storedDiffs(context, commit), replayed: false };
  }

  private async preview(context: WriteContext): Promise<WriteOutcome> {
    const { base, documents, plan, staged } = await this.stage(context);
    const findings: CairnError[] = [];
    await this.runChecks(context, base, plan, staged, (finding) => {
      findings.push(finding);
    });
    const files = [...staged].map(([path, change]) => previewDiff(context, documents, path, change));
    return {
      kind: 'preview',
      base: base ? viewOf(context.repo, base) : null,
      files: (await Promise.all(files)).sort((a, b) => (a.path < b.path ? -1 : 1)),
      findings,
    };
  }

  /**
   * Plans the write against the target's base, checks the expected version (before the no-op shortcut: a stale write
   * that happens to match the head is still a lost update), encrypts secret values, keeps the documents that change
   * and validates them.
   */
  private async stage(
    context: WriteContext,
  ): Promise<{ base: IndexedCommit | null; documents: BaseDocuments; plan: WritePlan; staged: Map<string, StagedChange> }> {
    const { repo, target, options } = context;
    const base = await target.base(repo);
    const documents = new BaseDocuments(repo, base);
    const plan = await context.plan(repo, base, documents);
    if (target.rules.expectedVersion === 'documents') await checkExpected(repo, documents, options.expectedVersion, [...plan.files.keys()]);
    if (target.rules.expectedVersion === 'base') {
      const current = target.expectedBase ? await target.expectedBase(repo, base) : (base?.oid ?? null);
      await checkExpectedBase(repo, current, options.expectedVersion);
    }
    // Secrets are encrypted before anything is hashed: no blob of this write ever holds one in plaintext.
    const files = target.rules.validateDocuments ? await this.sealing.seal(repo, documents, plan.files, maySeeSecrets(context.actor, repo.name)) : plan.files;
    const staged = await stageChanges(repo, documents, files);
    if (staged.size === 0 && target.rules.unchanged === 'refuse') throw new InvalidInputError('the proposed change leaves every document as it is');
    if (target.rules.validateDocuments) await this.validate(staged);
    return { base, documents, plan, staged };
  }

  /**
   * Every document parsed (on a worker when it is large), in the write's order, so the first invalid one is the one
   * reported; each is remembered by blob id for the checks that follow.
   */
  private async validate(staged: ReadonlyMap<string, StagedChange>): Promise<void> {
    for (const [path, change] of staged) {
      if (change.text === null || change.blob === null) continue;
      await checkNewDocument(path, change.text, this.settings.maxDocumentBytes, change.blob.oid);
      await giveWay();
    }
  }

  /** True when some check let the write through only because it was forced. */
  private async runChecks(
    context: WriteContext,
    base: IndexedCommit | null,
    plan: WritePlan,
    staged: ReadonlyMap<string, StagedChange>,
    report: (finding: CairnError) => void,
  ): Promise<boolean> {
    if (!context.target.rules.checks) return false;
    const write: PendingWrite = {
      repo: context.repo,
      actor: context.actor,
      head: base,
      action: plan.action,
      files: stagedTexts(staged),
      force: context.options.force ?? false,
      dryRun: context.options.dryRun ?? false,
      report,
      emergency: plan.emergency ?? false,
    };
    let forced = false;
    for (const check of this.checks) if ((await check.check(write)) === 'forced') forced = true;
    return forced;
  }

  private async land(
    context: WriteContext,
    base: IndexedCommit | null,
    plan: WritePlan,
    staged: ReadonlyMap<string, StagedChange>,
    forced: boolean,
  ): Promise<IndexedCommit> {
    const { actor, keyed } = context;
    const sign = signer(this.settings.clock());
    const message = formatCommitMessage(context.options.comment ?? '', {
      action: plan.action,
      operatorIp: actor.ip,
      requestId: keyed?.id ?? null,
      requestFingerprint: keyed?.fingerprint ?? null,
      rollbackTo: plan.rollbackTo ?? null,
      reverts: plan.reverts ?? null,
      resolved: plan.resolved?.length ? plan.resolved.join(', ') : null,
      forced,
      proposal: plan.proposal ?? null,
      approvedBy: plan.approvedBy?.join(', ') ?? null,
      emergency: plan.emergency ? 'true' : null,
      importedBy: plan.author ? formatPerson(actor.operator) : null,
      environment: plan.release?.environment ?? null,
      releaseOf: plan.release?.version ?? null,
      rollout: plan.release?.rollout ?? null,
      rolloutStep: plan.release?.rolloutStep === undefined ? null : String(plan.release.rolloutStep),
      rolloutState: plan.release?.rolloutState ?? null,
      rolloutFailed: plan.release?.rolloutFailed?.join(', ') ?? null,
      etcdKey: plan.capture?.key ?? null,
      etcdRevision: plan.capture ? String(plan.capture.revision) : null,
    });
    const parent = base?.oid ?? null;
    const commit = {
      parent,
      // A release (or a step of its rollout) brings in the version it releases; a proposal of one only names it.
      merged: plan.action === 'propose' ? null : (plan.release?.version ?? null),
      files: stagedBlobs(staged),
      author: plan.author ?? sign(actor.operator),
      committer: sign(this.settings.committer),
      message,
    };
    return translatingGitFailures(context.target.land(context.repo, commit), { base: parent, paths: [...staged.keys()] });
  }

  private storedDiffs(context: WriteContext, commit: IndexedCommit): DocumentDiff[] {
    return commit.changes.map((c) => storedDiff(context.repo, context.blobs, c));
  }
}

async function previewDiff(context: WriteContext, documents: BaseDocuments, path: string, change: StagedChange): Promise<DocumentDiff> {
  const { repo, blobs } = context;
  const oldBlob = await documents.blobOf(path);
  const status = oldBlob === null ? 'added' : change.text === null ? 'deleted' : 'modified';
  const text = change.text;
  return new DocumentDiff(
    path,
    status,
    oldBlob ? { text: () => blobs.text(repo, oldBlob), blob: oldBlob } : null,
    text === null ? null : { text: () => Promise.resolve(text), blob: null },
  );
}

/** Documents changed since the expected version are a lost update; with null, documents that exist already are. */
async function checkExpected(repo: GitRepository, documents: BaseDocuments, expected: string | null, paths: string[]): Promise<void> {
  const head = documents.commit?.oid ?? null;
  if (expected === null) {
    const existing: string[] = [];
    for (const path of paths) if (await documents.exists(path)) existing.push(path);
    if (existing.length) throw new VersionConflictError(null, head, existing);
    return;
  }
  const base = repo.mainCommit(await repo.resolve(expected));
  if (!base) throw new VersionConflictError(expected, head, paths);
  const changed = repo.changedSince(base.seq, paths);
  if (changed.length) throw new VersionConflictError(expected, head, changed);
}

/** The expected version must name `current` (null: there is none yet). */
async function checkExpectedBase(repo: GitRepository, current: string | null, expected: string | null): Promise<void> {
  const wanted = expected === null ? null : await repo.resolve(expected).catch(() => expected);
  if (wanted !== current) throw new VersionConflictError(expected, current, []);
}

/** Keyed with the secrets key when there is one: the payload may hold secret values (request-fingerprint.ts). */
function fingerprintOf(namespace: string, actor: Actor, request: WriteRequest, key: Uint8Array | null): string {
  return requestFingerprint({ namespace, operator: actor.operator.email, operation: request.operation, payload: request.payload }, key);
}

/**
 * Whether the commit that holds a request id was made by this same request. Commits from before fingerprints were
 * recorded can only be matched on their operator (the importer, for an imported commit).
 */
function sameRequest(earlier: IndexedCommit, fingerprint: string, actor: Actor): boolean {
  const recorded = earlier.trailers?.requestFingerprint;
  if (recorded) return recorded === fingerprint;
  const operator = earlier.trailers?.action === 'import' ? parsePerson(earlier.trailers.importedBy ?? null)?.email : earlier.author.email;
  return operator?.toLowerCase() === actor.operator.email.toLowerCase();
}
