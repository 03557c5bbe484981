import { roleIn } from '../domain/access.js';
import { ForbiddenError } from '../domain/errors.js';
import { DEFAULT_POLICY, POLICY_PATH, governedNames, matchesAny, parseNamespacePolicy } from '../domain/namespace-policy.js';
import { coveringRules, isGovernanceFile } from '../domain/proposal.js';
import { ApprovalRequiredError } from '../domain/proposal-errors.js';
import type { IndexedCommit } from '../git/commit-index.js';
import type { GitRepository } from '../git/repository.js';
import type { Actor } from './actor.js';
import { parseStoredText } from './document-parser.js';
import { policyAt } from './namespace-policy.js';
import type { PendingWrite, WriteCheck } from './write-check.js';

/**
 * Paths under an approval rule change only through an approved change request: every direct write to them
 * (put, apply, delete, revert, rollback) is refused, previews included. Two ways through: a proposal's merge,
 * which the proposal service lets through only after checking the approvals inside this same write lock, and
 * an admin's emergency rollback when the policy allows it. The policy itself changes only by an admin's hand,
 * whatever the route (a merge of anything under `.cairn/` included).
 */
export class ApprovalCheck implements WriteCheck {
  async check(write: PendingWrite): Promise<void> {
    // A policy that does not parse would lock every later write out: refused before it is committed, merges included.
    const newPolicy = write.files.get(POLICY_PATH);
    if (newPolicy !== undefined && newPolicy !== null) parseNamespacePolicy(await parseStoredText(POLICY_PATH, newPolicy, null));
    const admin = roleIn(write.actor.operator.grants, write.repo.name) === 'admin';
    const governance = [...write.files.keys()].some(isGovernanceFile);
    // Whoever changes the policy decides every later write (and protects tags): only an admin, however the change
    // arrives. A merge brings what an editor proposed: one touching Cairn's own files (policy, schemas) is merged by
    // an admin, since with no rule in force nobody else would have had to look at it.
    if (write.action === 'merge') {
      if (governance && !admin)
        throw new ForbiddenError(write.repo.name, 'admin', governedBy(write.repo.name, [...write.files.keys()].filter(isGovernanceFile)));
      return;
    }
    if (newPolicy !== undefined && !admin) throw new ForbiddenError(write.repo.name, 'admin', governedBy(write.repo.name, [POLICY_PATH]));
    const policy = await policyAt(write.repo, write.head?.oid ?? null).catch((error: unknown) => {
      // A head policy that does not parse (pushed with git) can still be replaced, or removed, by an admin.
      if (admin && newPolicy !== undefined) return DEFAULT_POLICY;
      throw error;
    });
    const rules = coveringRules(policy, write.files.keys());
    if (rules.length === 0) return;
    if (
      write.action === 'rollback' &&
      write.emergency &&
      !governance &&
      (await emergencyRollbackAllowed(write.repo, write.actor, write.head, write.files.keys()))
    )
      return;
    const rule = rules[0]!;
    const covered = [...write.files.keys()].filter((p) => isGovernanceFile(p) || rules.some((r) => governedNames(p).some((name) => matchesAny(r.paths, name))));
    throw new ApprovalRequiredError(covered, rule.required, 0, rule.approvers);
  }
}

/** Why a write of Cairn's own files is refused: the policy (or a schema) decides later writes, so only an admin changes it. */
export function governedBy(namespace: string, files: readonly string[]): string {
  return `this changes ${files.join(', ')}, which decide${files.length === 1 ? 's' : ''} what later writes to '${namespace}' need: only an admin of '${namespace}' may change ${files.length === 1 ? 'it' : 'them'} (a rollback or a merge across such a change too)`;
}

/**
 * A rollback touching covered paths needs no approval when the policy says `emergencyRollback: true` and the
 * operator is an admin of the namespace; such a rollback is recorded as an emergency.
 */
export async function emergencyRollbackAllowed(repo: GitRepository, actor: Actor, head: IndexedCommit | null, paths: Iterable<string>): Promise<boolean> {
  if (roleIn(actor.operator.grants, repo.name) !== 'admin') return false;
  const list = [...paths];
  if (list.some(isGovernanceFile)) return false;
  const policy = await policyAt(repo, head?.oid ?? null);
  return policy.emergencyRollback && coveringRules(policy, list).length > 0;
}
