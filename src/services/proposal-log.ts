import type { Signature } from '../git/object-format.js';
import { NotFoundError } from '../domain/errors.js';
import { PROPOSAL_BRANCH_PREFIX, type ProposalState, isProposalId, proposalBranch } from '../domain/proposal.js';
import type { IndexedCommit } from '../git/commit-index.js';
import type { GitRepository } from '../git/repository.js';
import type { PathChange } from '../git/tree-diff.js';
import type { NamespaceReader } from './namespace-reader.js';

export interface Review {
  readonly verdict: 'approve' | 'reject';
  readonly reviewer: Signature;
  readonly comment: string;
  /** The review's commit on the proposal branch. */
  readonly commit: IndexedCommit;
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
  /** The commit of main that merged it. */
  readonly merged: IndexedCommit | null;
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
    if (!(verdict === 'approve' || verdict === 'reject') || commit.trailers?.proposal !== id || !parent) throw new NotFoundError('proposal', id);
    reviews.unshift({ verdict, reviewer: commit.author, comment: commit.comment, commit });
    commit = await repo.describe(parent);
  }
  const base = commit.parents[0] ?? null;
  const changes = await repo.changesBetween(base ? await repo.treeOf(base) : null, commit.tree);
  const merged = mergeOf(
    repo,
    id,
    base,
    changes.map((c) => c.path),
  );
  const rejected = reviews.some((r) => r.verdict === 'reject');
  const state: ProposalState = merged ? 'merged' : rejected ? 'rejected' : 'open';
  return { namespace: repo, id, branch, tip, change: commit, base, author: commit.author, comment: commit.comment, changes, reviews, state, merged };
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
