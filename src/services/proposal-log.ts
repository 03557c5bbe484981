import type { Signature } from '../git/object-format.js';
import { NotFoundError } from '../domain/errors.js';
import { PROPOSAL_BRANCH_PREFIX, type ProposalState, isProposalId, proposalBranch } from '../domain/proposal.js';
import type { IndexedCommit } from '../git/commit-index.js';
import type { GitRepository } from '../git/repository.js';
import type { PathChange } from '../git/tree-diff.js';
import type { NamespaceReader } from './namespace-reader.js';
import { releaseLog } from './release-log.js';

export interface Review {
  readonly verdict: ReviewVerdict;
  readonly reviewer: Signature;
  readonly comment: string;
  /** The review's commit on the proposal branch. */
  readonly commit: IndexedCommit;
}

/** What a release proposal asks for: a version of main released to an environment, with its rollout if any. */
export interface ProposedRelease {
  readonly environment: string;
  readonly version: string;
  /** The rollout strategy as its trailer says it (rollout-strategy.ts); null: every instance at once. */
  readonly rollout: string | null;
}

/** A change request as its branch and main tell it: nothing about a proposal is kept anywhere else. */
export interface Proposal {
  readonly namespace: NamespaceReader;
  readonly id: string;
  readonly branch: string;
  /** The branch's tip: the last review, or the proposed change itself. */
  readonly tip: string;
  /** The proposed change (action propose), whose parent is the base. */
  readonly change: IndexedCommit;
  /** Main's head the change was proposed against (null: the namespace had no commit). */
  readonly base: string | null;
  readonly author: Signature;
  readonly comment: string;
  /** The documents the proposal changes, against its base. */
  readonly changes: readonly PathChange[];
  readonly reviews: readonly Review[];
  readonly state: ProposalState;
  /** The commit that merged it: on main, or for a release proposal on its environment's release branch. */
  readonly merged: IndexedCommit | null;
  /** A proposed release instead of a change of documents (no changes then); null for a change. */
  readonly release: ProposedRelease | null;
}

/** A review on a proposal branch: a verdict, or a comment that decides nothing. */
export type ReviewVerdict = 'approve' | 'reject' | 'comment';

function isReviewVerdict(action: string | undefined): action is ReviewVerdict {
  return action === 'approve' || action === 'reject' || action === 'comment';
}

/** Reads proposal `id` of `repo` from `refs/heads/proposals/<id>`; NotFound if there is no such branch. */
export async function readProposal(repo: GitRepository, id: string): Promise<Proposal> {
  const branch = proposalBranch(id);
  const tip = await repo.readRef(branch);
  if (!tip) throw new NotFoundError('proposal', id);
  const reviews: Review[] = [];
  let commit = await repo.describe(tip);
  // First-parent walk from the tip back to the change: reviews are empty commits stacked on it.
  // Anything else on the way (a branch someone moved by hand) means it is not a proposal: never a walk through main.
  while (!(commit.trailers?.action === 'propose' && commit.trailers.proposal === id)) {
    const verdict = commit.trailers?.action;
    const parent = commit.parents[0];
    if (!isReviewVerdict(verdict) || commit.trailers?.proposal !== id || !parent) throw new NotFoundError('proposal', id);
    reviews.unshift({ verdict, reviewer: commit.author, comment: commit.comment, commit });
    commit = await repo.describe(parent);
  }
  const base = commit.parents[0] ?? null;
  const release = releaseOf(commit);
  const changes = release ? [] : await repo.changesBetween(base ? await repo.treeOf(base) : null, commit.tree);
  const merged = release
    ? await releaseMergeOf(repo, id, release.environment)
    : mergeOf(
        repo,
        id,
        base,
        changes.map((c) => c.path),
      );
  const rejected = reviews.some((r) => r.verdict === 'reject');
  const state: ProposalState = merged ? 'merged' : rejected ? 'rejected' : 'open';
  return { namespace: repo, id, branch, tip, change: commit, base, author: commit.author, comment: commit.comment, changes, reviews, state, merged, release };
}

/** A release proposal says what it releases in its trailers (Cairn-Environment, Cairn-Release-Of, Cairn-Rollout). */
function releaseOf(change: IndexedCommit): ProposedRelease | null {
  const { environment, releaseOf: version, rollout } = change.trailers ?? {};
  return environment && version ? { environment, version, rollout: rollout ?? null } : null;
}

/** The release that merged a release proposal names it, on the environment's branch (among its recent releases). */
async function releaseMergeOf(repo: GitRepository, id: string, environment: string): Promise<IndexedCommit | null> {
  const made = (await releaseLog(repo, environment, Number.POSITIVE_INFINITY)).find((c) => c.trailers?.action === 'release' && c.trailers.proposal === id);
  return made ? repo.describe(made.oid) : null;
}

/** Every proposal of `repo`, newest first. */
export async function listProposals(repo: GitRepository): Promise<Proposal[]> {
  const branches = await repo.branches(PROPOSAL_BRANCH_PREFIX);
  const ids = branches.map((b) => b.slice(PROPOSAL_BRANCH_PREFIX.length)).filter(isProposalId);
  // Branches under proposals/ that are not proposals (made with the git CLI, say) are left out, not fatal.
  const read = await Promise.all(
    ids.map((id) => readProposal(repo, id).catch((error: unknown) => (error instanceof NotFoundError ? null : Promise.reject(error)))),
  );
  const all = read.filter((p): p is Proposal => p !== null);
  return all.sort((a, b) => b.change.committer.timestamp - a.change.committer.timestamp || (a.id < b.id ? 1 : -1));
}

/**
 * Main is the truth about merges: the merge commit names the proposal, so a crash can never half-record one. A merge
 * changes some of the proposal's documents, so only main's commits after the base that changed one are looked at.
 */
function mergeOf(repo: GitRepository, id: string, base: string | null, paths: readonly string[]): IndexedCommit | null {
  const after = base ? (repo.mainCommit(base)?.seq ?? -1) : -1;
  const candidates = new Set(paths.flatMap((p) => repo.historyOf(p).filter((seq) => seq > after)));
  for (const seq of [...candidates].sort((a, b) => a - b)) {
    const commit = repo.mainCommitAt(seq);
    if (commit?.trailers?.action === 'merge' && commit.trailers.proposal === id) return commit;
  }
  return null;
}
