import { randomBytes } from 'node:crypto';
import { roleIn, satisfies } from '../domain/access.js';
import { formatCommitMessage, defaultComment } from '../domain/commit-message.js';
import { InvalidInputError, InvalidPathError, NotFoundError, VersionConflictError } from '../domain/errors.js';
import {
  type ProposalState,
  approvalRefusal,
  coveringRules,
  evaluateApprovals,
  newProposalId,
  proposalBranch,
  validateProposalId,
} from '../domain/proposal.js';
import { ApprovalRequiredError, ProposalClosedError, ProposalConflictError, ProposalRejectedError, ReviewNotAllowedError } from '../domain/proposal-errors.js';
import type { IndexedCommit } from '../git/commit-index.js';
import type { Signature } from '../git/object-format.js';
import type { CommitRequest, GitRepository } from '../git/repository.js';
import type { Actor } from './actor.js';
import type { NamespaceAccess } from './namespace-access.js';
import type { ProposalEvents } from './proposal-events.js';
import { parseNewDocument } from './document-parser.js';
import { policyAt } from './namespace-policy.js';
import { type Proposal, listProposals, readProposal } from './proposal-log.js';
import { storageFailureOf } from './remote-retry.js';
import { type DocumentWrite, prepare } from './update.js';
import type { WriteOutcome, WritePipeline, WritePlan, WriteSettings } from './write-pipeline.js';
import { PathCollisionError } from '../git/tree-builder.js';

export interface ProposeOptions {
  readonly namespace: string;
  /** As for a direct write: the version the change is based on; null means the documents must not exist yet. */
  readonly expectedVersion: string | null;
  readonly comment?: string | null;
}

/**
 * Change requests. A proposal is a commit on `refs/heads/proposals/<id>` whose parent is main's head; each review
 * is an empty commit on that branch, authored by the reviewer; the merge is one commit on main naming the proposal
 * and its approvers. Everything is Git, readable with `git log proposals/<id>` and `git log main`.
 */
export class ProposalService {
  constructor(
    private readonly access: NamespaceAccess,
    private readonly pipeline: WritePipeline,
    private readonly settings: WriteSettings,
    private readonly events: ProposalEvents,
  ) {}

  async propose(actor: Actor, options: ProposeOptions, writes: readonly DocumentWrite[]): Promise<Proposal> {
    const files = prepare(writes);
    const repo = await this.access.open(actor, options.namespace, 'editor');
    return repo.exclusive(async () => {
      const head = repo.head();
      await checkExpected(repo, head, options.expectedVersion, [...files.keys()]);
      const effective = await this.effectiveFiles(repo, head, files);
      const id = newProposalId(this.settings.clock().getTime(), randomBytes(4).toString('hex'));
      const version = await commitToBranch(repo, proposalBranch(id), null, {
        parent: head?.oid ?? null,
        files: new Map([...effective].map(([path, text]) => [path, text === null ? null : Buffer.from(text)] as const)),
        ...this.signatures(actor),
        message: formatCommitMessage(options.comment ?? '', {
          action: 'propose',
          operatorIp: actor.ip,
          requestId: null,
          rollbackTo: null,
          reverts: null,
          proposal: id,
        }),
      });
      this.events.publish({ namespace: repo.name, proposal: id, action: 'propose', version });
      return readProposal(repo, id);
    });
  }

  approve(actor: Actor, namespace: string, id: string, comment?: string | null): Promise<Proposal> {
    return this.review(actor, namespace, id, 'approve', comment);
  }

  reject(actor: Actor, namespace: string, id: string, comment?: string | null): Promise<Proposal> {
    return this.review(actor, namespace, id, 'reject', comment);
  }

  /** Commits the proposal's change to main as one commit, once the policy at main's head is met. */
  async merge(actor: Actor, namespace: string, id: string, comment?: string | null): Promise<WriteOutcome> {
    validateProposalId(id);
    const repo = await this.access.open(actor, namespace, 'editor');
    const proposal = await readProposal(repo, id);
    // Planned inside the pipeline's write lock: the approvals checked are the ones in force when main moves.
    const options = { namespace, expectedVersion: proposal.base, comment: comment || mergeComment(proposal.comment, id) };
    const outcome = await this.pipeline.run(actor, options, { operation: 'merge', payload: [id] }, (r, head) => planMerge(r, head, id));
    if (outcome.kind === 'committed') this.events.publish({ namespace: repo.name, proposal: id, action: 'merge', version: outcome.version.commit.oid });
    return outcome;
  }

  async get(actor: Actor, namespace: string, id: string): Promise<Proposal> {
    const repo = await this.access.open(actor, namespace, 'viewer');
    return readProposal(repo, validateProposalId(id));
  }

  async list(actor: Actor, namespace: string, state: ProposalState | null): Promise<Proposal[]> {
    const repo = await this.access.open(actor, namespace, 'viewer');
    return (await listProposals(repo)).filter((p) => state === null || p.state === state);
  }

  private async review(actor: Actor, namespace: string, id: string, verdict: 'approve' | 'reject', comment?: string | null): Promise<Proposal> {
    validateProposalId(id);
    // A reviewer is named by the policy, not by a role: a viewer listed as approver may approve.
    const repo = await this.access.open(actor, namespace, 'viewer');
    return repo.exclusive(async () => {
      const proposal = await readProposal(repo, id);
      if (proposal.state !== 'open') throw new ProposalClosedError(id, proposal.state);
      const rules = coveringRules(
        await policyAt(repo),
        proposal.changes.map((c) => c.path),
      );
      const isEditor = satisfies(roleIn(actor.operator.grants, repo.name), 'editor');
      const refusal = approvalRefusal(rules, proposal.author.email, actor.operator.email, isEditor);
      // The author may withdraw (reject) their own proposal; nobody outside the approvers may decide it.
      if (refusal !== null && !(verdict === 'reject' && refusal === 'author')) throw new ReviewNotAllowedError(id, refusal);
      const version = await commitToBranch(repo, proposal.branch, proposal.tip, {
        parent: proposal.tip,
        files: new Map(),
        ...this.signatures(actor),
        message: formatCommitMessage(comment ?? '', { action: verdict, operatorIp: actor.ip, requestId: null, rollbackTo: null, reverts: null, proposal: id }),
      });
      this.events.publish({ namespace: repo.name, proposal: id, action: verdict, version });
      return readProposal(repo, id);
    });
  }

  private signatures(actor: Actor): { author: Signature; committer: Signature } {
    const timestamp = Math.floor(this.settings.clock().getTime() / 1000);
    const sign = (who: { name: string; email: string }): Signature => ({ name: who.name, email: who.email, timestamp, timezoneOffset: 0 });
    return { author: sign(actor.operator), committer: sign(this.settings.committer) };
  }

  /** Validates every document and drops writes that change nothing; a proposal must change something. */
  private async effectiveFiles(
    repo: GitRepository,
    head: IndexedCommit | null,
    files: ReadonlyMap<string, string | null>,
  ): Promise<Map<string, string | null>> {
    const effective = new Map<string, string | null>();
    for (const [path, text] of files) {
      const current = head ? await repo.blobAt(head.oid, path) : null;
      if (text === null && current === null) throw new NotFoundError('document', path);
      const next = text === null ? null : repo.objects.blobOid(Buffer.from(text));
      if (text !== null) await parseNewDocument(path, text, this.settings.maxDocumentBytes, next);
      if (current !== next) effective.set(path, text);
    }
    if (effective.size === 0) throw new InvalidInputError('the proposed change leaves every document as it is');
    return effective;
  }
}

/** A disk that refuses the branch commit is a StorageFailure, as for any write; nothing was recorded. */
/** A merge says what it merges: the proposal's own comment, unless it had none. */
function mergeComment(proposed: string, id: string): string {
  return proposed && proposed !== defaultComment('propose') ? proposed : `merge proposal ${id}`;
}

async function commitToBranch(repo: GitRepository, ref: string, expected: string | null, request: CommitRequest): Promise<string> {
  try {
    return await repo.commitToBranch(ref, expected, request);
  } catch (error) {
    if (error instanceof PathCollisionError) throw new InvalidPathError(error.entryName, error.message);
    throw storageFailureOf(error) ?? error;
  }
}

async function checkExpected(repo: GitRepository, head: IndexedCommit | null, expected: string | null, paths: string[]): Promise<void> {
  if (expected === null) {
    const existing: string[] = [];
    for (const path of paths) if (head && (await repo.blobAt(head.oid, path))) existing.push(path);
    if (existing.length) throw new VersionConflictError(null, head?.oid ?? null, existing);
    return;
  }
  const base = repo.index.get(await repo.resolver.resolve(expected));
  const changed = base ? repo.index.changedSince(base.seq, paths) : paths;
  if (changed.length) throw new VersionConflictError(expected, head?.oid ?? null, changed);
}

/**
 * The proposal's own file changes applied onto main's current head: documents main changed since the base are a
 * conflict (never resolved silently); everything else main changed meanwhile stays as it is.
 */
async function planMerge(repo: GitRepository, head: IndexedCommit | null, id: string): Promise<WritePlan> {
  const proposal = await readProposal(repo, id);
  if (proposal.state === 'merged') throw new ProposalClosedError(id, 'merged');
  if (proposal.state === 'rejected') throw new ProposalRejectedError(id);
  const paths = proposal.changes.map((c) => c.path);
  const base = proposal.base ? repo.index.get(proposal.base) : null;
  const conflicts = proposal.base && !base ? paths : repo.index.changedSince(base?.seq ?? -1, paths);
  if (conflicts.length) throw new ProposalConflictError(id, conflicts);
  const rules = coveringRules(await policyAt(repo, head?.oid ?? null), paths);
  const approvers = proposal.reviews.filter((r) => r.verdict === 'approve').map((r) => r.reviewer.email);
  const { unmet, approvedBy } = evaluateApprovals(rules, proposal.author.email, approvers);
  const first = unmet[0];
  if (first) throw new ApprovalRequiredError(paths, first.rule.required, first.approvals, first.missingFrom);
  const files = new Map<string, string | null>();
  for (const change of proposal.changes) {
    files.set(change.path, change.newOid === null ? null : Buffer.from(await repo.objects.readBlob(change.newOid)).toString('utf8'));
  }
  return { action: 'merge', files, proposal: id, approvedBy };
}
