import type { Output } from './output.js';
import { firstLine, shortTime } from './output.js';
import { type FileDiff, printFiles } from './write-result.js';

/** A change request as the CLI asks for it (operations.ts PROPOSAL). */
export interface Proposal {
  readonly id: string;
  readonly namespace: string;
  readonly branch: string;
  readonly state: 'OPEN' | 'MERGED' | 'REJECTED';
  readonly comment: string | null;
  readonly createdAt: string | null;
  readonly author: { readonly email: string } | null;
  readonly base: { readonly shortHash: string } | null;
  readonly mergedVersion: { readonly hash: string; readonly shortHash: string } | null;
  readonly reviews: readonly { readonly verdict: string; readonly comment: string | null; readonly reviewer: { readonly email: string } | null }[] | null;
  readonly diff: readonly FileDiff[] | null;
  readonly release: { readonly environment: string; readonly version: { readonly shortHash: string } | null } | null;
}

/** One line: what it is and where it stands. */
export function proposalSummary(p: Proposal): string {
  const what = p.release ? `release ${p.release.version?.shortHash ?? '?'} to ${p.release.environment}` : `${p.diff?.length ?? 0} document(s)`;
  const merged = p.mergedVersion ? ` as ${p.mergedVersion.shortHash}` : '';
  return `${p.id} ${p.state.toLowerCase()}${merged}: ${what} by ${p.author?.email ?? '?'}: ${firstLine(p.comment)}`;
}

/** The whole proposal for people: summary, branch, reviews, then the diff. */
export function printProposal(out: Output, p: Proposal): void {
  if (out.json) {
    out.data(p);
    return;
  }
  out.line(out.bold(proposalSummary(p)));
  out.line(`branch ${p.branch}, against ${p.base?.shortHash ?? 'an empty namespace'}, opened ${shortTime(p.createdAt)}`);
  for (const review of p.reviews ?? []) out.line(`${review.verdict.toLowerCase()} by ${review.reviewer?.email ?? '?'}: ${firstLine(review.comment)}`);
  printFiles(out, p.diff ?? []);
}
