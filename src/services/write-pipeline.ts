import type { Role } from '../domain/access.js';
import { type CommitAction, formatCommitMessage, validateRequestId } from '../domain/commit-message.js';
import { type CairnError, IdempotencyKeyReusedError, InvalidPathError, VersionConflictError } from '../domain/errors.js';
import { formatPerson, parsePerson } from '../domain/person-trailer.js';
import { requestFingerprint } from '../domain/request-fingerprint.js';
import type { IndexedCommit } from '../git/commit-index.js';
import type { Signature } from '../git/object-format.js';
import { RefMovedError } from '../git/ref-store.js';
import type { GitRepository } from '../git/repository.js';
import { PathCollisionError } from '../git/tree-builder.js';
import type { Actor } from './actor.js';
import { type BlobSource, createBlobSource } from './blob-source.js';
import { DocumentDiff } from './document-diff.js';
import { parseNewDocument } from './document-parser.js';
import { giveWay } from './event-loop-turn.js';
import { storedDiff } from './diff.js';
import type { NamespaceAccess } from './namespace-access.js';
import { NO_OBSERVER, type ServiceObserver } from './service-observer.js';
import { storageFailureOf, withRemoteRetry } from './remote-retry.js';
import type { PendingWrite, WriteCheck } from './write-check.js';
import { type VersionView, viewOf } from './version-view.js';

export interface WriteOptions {
  readonly namespace: string;
  /**
   * The version the caller based the change on. null: the documents must not exist yet. A write is refused
   * with VersionConflict when a commit after this version touched any document the write changes.
   */
  readonly expectedVersion: string | null;
  readonly comment?: string | null;
  readonly requestId?: string | null;
  readonly dryRun?: boolean | null;
  /** Go ahead despite what a check lets pass when forced (an overlay a base change breaks, say). */
  readonly force?: boolean | null;
}

/**
 * What was asked, for the request's idempotency key: the use case and every input of it that shapes the commit
 * (`writeInputs(options)` plus its own). The same requestId with another request is refused with IdempotencyKeyReused.
 */
export interface WriteRequest {
  readonly operation: string;
  readonly payload: readonly unknown[];
}

/** What a use case wants committed, computed against the current head. */
export interface WritePlan {
  readonly action: CommitAction;
  /** New text per path, or null to delete it. Paths whose content would not change are dropped. */
  readonly files: ReadonlyMap<string, string | null>;
  readonly rollbackTo?: string;
  readonly reverts?: string;
  /** A merge of this change request, let through by these approvers. */
  readonly proposal?: string;
  readonly approvedBy?: readonly string[];
  /** An admin's rollback of paths under an approval rule, allowed by the policy's emergencyRollback. */
  readonly emergency?: boolean;
  /** An imported commit: its original author and time (the operator goes to Cairn-Imported-By instead). */
  readonly author?: Signature;
}

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
}

/**
 * The one path every change takes: authorize, replay a known request id, plan against the head, check the
 * expected version, validate every document, and commit, all under the namespace's write lock. Nothing is
 * written before every check passed, so bad input never leaves a partial commit.
 */
export class WritePipeline {
  private readonly checks: WriteCheck[] = [];

  constructor(
    private readonly access: NamespaceAccess,
    private readonly settings: WriteSettings,
    private readonly observer: ServiceObserver = NO_OBSERVER,
  ) {}

  /** Adds a rule every write must pass before it is committed (and every preview is checked against). */
  addCheck(check: WriteCheck): void {
    this.checks.push(check);
  }

  async run(
    actor: Actor,
    options: WriteOptions,
    request: WriteRequest,
    plan: (repo: GitRepository, head: IndexedCommit | null) => Promise<WritePlan>,
    role: Role = 'editor',
  ): Promise<WriteOutcome> {
    const repo = await this.access.open(actor, options.namespace, role);
    const requestId = options.requestId ? { id: validateRequestId(options.requestId), fingerprint: fingerprintOf(repo.name, actor, request) } : null;
    const blobs = createBlobSource();
    if (options.dryRun) {
      await repo.syncIndex();
      return this.preview(repo, actor, blobs, options, await plan(repo, repo.head()));
    }
    const giveUp = (): Error => new VersionConflictError(options.expectedVersion, repo.head()?.oid ?? null, []);
    try {
      return await repo.exclusive(() => withRemoteRetry(repo, () => this.commitOnce(repo, actor, options, requestId, blobs, plan), giveUp));
    } catch (error) {
      if (error instanceof VersionConflictError) this.observer.versionConflict(repo.name);
      throw error;
    }
  }

  private async commitOnce(
    repo: GitRepository,
    actor: Actor,
    options: WriteOptions,
    requestId: KeyedRequest | null,
    blobs: BlobSource,
    plan: (repo: GitRepository, head: IndexedCommit | null) => Promise<WritePlan>,
  ): Promise<WriteOutcome> {
    const earlier = requestId ? repo.index.withRequestId(requestId.id) : undefined;
    if (earlier && requestId) {
      if (!sameRequest(earlier, requestId.fingerprint, actor)) throw new IdempotencyKeyReusedError(requestId.id, earlier.oid);
      return { kind: 'committed', version: viewOf(repo, earlier), files: this.storedDiffs(repo, blobs, earlier), replayed: true };
    }
    const head = repo.head();
    const planned = await plan(repo, head);
    // Checked before the no-op shortcut: a stale write that happens to match the head is still a lost update.
    await this.checkExpected(repo, head, options.expectedVersion, [...planned.files.keys()]);
    const effective = await this.effectiveFiles(repo, head, planned.files);
    if (effective.size === 0) return { kind: 'unchanged', version: head ? viewOf(repo, head) : null };
    await this.validate(repo, effective);
    const refuse = (finding: CairnError): never => {
      throw finding;
    };
    const forced = await this.runChecks({
      repo,
      actor,
      head,
      action: planned.action,
      files: effective,
      force: options.force ?? false,
      dryRun: false,
      report: refuse,
      emergency: planned.emergency ?? false,
    });
    const commit = await this.commit(repo, actor, head, { ...planned, files: effective }, options.comment ?? '', requestId, forced);
    return { kind: 'committed', version: viewOf(repo, commit), files: this.storedDiffs(repo, blobs, commit), replayed: false };
  }

  private async preview(repo: GitRepository, actor: Actor, blobs: BlobSource, options: WriteOptions, plan: WritePlan): Promise<WriteOutcome> {
    const head = repo.head();
    await this.checkExpected(repo, head, options.expectedVersion, [...plan.files.keys()]);
    const effective = await this.effectiveFiles(repo, head, plan.files);
    await this.validate(repo, effective);
    const findings: CairnError[] = [];
    const report = (finding: CairnError): void => {
      findings.push(finding);
    };
    await this.runChecks({
      repo,
      actor,
      head,
      action: plan.action,
      files: effective,
      force: options.force ?? false,
      dryRun: true,
      report,
      emergency: plan.emergency ?? false,
    });
    const files = await Promise.all(
      [...effective].map(async ([path, text]) => {
        const oldBlob = head ? await repo.blobAt(head.oid, path) : null;
        const status = oldBlob === null ? 'added' : text === null ? 'deleted' : 'modified';
        return new DocumentDiff(
          path,
          status,
          oldBlob ? { text: () => blobs.text(repo, oldBlob), blob: oldBlob } : null,
          text === null ? null : { text: () => Promise.resolve(text), blob: null },
        );
      }),
    );
    return { kind: 'preview', base: head ? viewOf(repo, head) : null, files: files.sort((a, b) => (a.path < b.path ? -1 : 1)), findings };
  }

  /** Drops writes that would leave a document as it is, comparing blob ids. */
  private async effectiveFiles(
    repo: GitRepository,
    head: IndexedCommit | null,
    files: ReadonlyMap<string, string | null>,
  ): Promise<Map<string, string | null>> {
    const effective = new Map<string, string | null>();
    for (const [path, text] of files) {
      const current = head ? await repo.blobAt(head.oid, path) : null;
      const next = text === null ? null : repo.objects.blobOid(Buffer.from(text));
      if (current !== next) effective.set(path, text);
      // A rollback or an import can touch thousands of documents: other requests get their turns in between.
      await giveWay();
    }
    return effective;
  }

  private async checkExpected(repo: GitRepository, head: IndexedCommit | null, expected: string | null, paths: string[]): Promise<void> {
    if (expected === null) {
      const existing = [];
      for (const path of paths) if (head && (await repo.blobAt(head.oid, path))) existing.push(path);
      if (existing.length) throw new VersionConflictError(null, head?.oid ?? null, existing);
      return;
    }
    const base = repo.index.get(await repo.resolver.resolve(expected));
    if (!base) throw new VersionConflictError(expected, head?.oid ?? null, paths);
    const changed = repo.index.changedSince(base.seq, paths);
    if (changed.length) throw new VersionConflictError(expected, head?.oid ?? null, changed);
  }

  /** True when some check let the write through only because it was forced. */
  private async runChecks(write: PendingWrite): Promise<boolean> {
    let forced = false;
    for (const check of this.checks) if ((await check.check(write)) === 'forced') forced = true;
    return forced;
  }

  /**
   * Every document parsed (on a worker when it is large), in the write's order, so the first invalid one is the one
   * reported; each is remembered by blob id for the checks that follow.
   */
  private async validate(repo: GitRepository, files: ReadonlyMap<string, string | null>): Promise<void> {
    for (const [path, text] of files) {
      if (text === null) continue;
      await parseNewDocument(path, text, this.settings.maxDocumentBytes, repo.objects.blobOid(Buffer.from(text)));
      await giveWay();
    }
  }

  private async commit(
    repo: GitRepository,
    actor: Actor,
    head: IndexedCommit | null,
    plan: WritePlan,
    comment: string,
    requestId: KeyedRequest | null,
    forced: boolean,
  ): Promise<IndexedCommit> {
    const seconds = Math.floor(this.settings.clock().getTime() / 1000);
    const sign = (who: { name: string; email: string }): Signature => ({ name: who.name, email: who.email, timestamp: seconds, timezoneOffset: 0 });
    const message = formatCommitMessage(comment, {
      action: plan.action,
      operatorIp: actor.ip,
      requestId: requestId?.id ?? null,
      requestFingerprint: requestId?.fingerprint ?? null,
      rollbackTo: plan.rollbackTo ?? null,
      reverts: plan.reverts ?? null,
      forced,
      proposal: plan.proposal ?? null,
      approvedBy: plan.approvedBy?.join(', ') ?? null,
      emergency: plan.emergency ? 'true' : null,
      importedBy: plan.author ? formatPerson(actor.operator) : null,
    });
    const files = new Map([...plan.files].map(([path, text]) => [path, text === null ? null : Buffer.from(text)] as const));
    try {
      return await repo.commit({
        parent: head?.oid ?? null,
        files,
        author: plan.author ?? sign(actor.operator),
        committer: sign(this.settings.committer),
        message,
      });
    } catch (error) {
      if (error instanceof PathCollisionError) throw new InvalidPathError(error.entryName, error.message);
      if (error instanceof RefMovedError) throw new VersionConflictError(head?.oid ?? null, error.actual, [...plan.files.keys()]);
      throw storageFailureOf(error) ?? error;
    }
  }

  private storedDiffs(repo: GitRepository, blobs: BlobSource, commit: IndexedCommit): DocumentDiff[] {
    return commit.changes.map((c) => storedDiff(repo, blobs, c));
  }
}

/** A request id and the fingerprint of the request it came with. */
interface KeyedRequest {
  readonly id: string;
  readonly fingerprint: string;
}

/** The inputs every direct write shares, for its WriteRequest payload. */
export function writeInputs(options: WriteOptions): unknown[] {
  return [options.expectedVersion, options.comment ?? '', options.force ?? false];
}

function fingerprintOf(namespace: string, actor: Actor, request: WriteRequest): string {
  return requestFingerprint({ namespace, operator: actor.operator.email, operation: request.operation, payload: request.payload });
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
