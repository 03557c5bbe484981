import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../../src/domain/errors.js';
import { parseNamespacePolicy } from '../../src/domain/namespace-policy.js';
import {
  approvalRefusal,
  coveringRules,
  evaluateApprovals,
  newProposalId,
  proposalBranch,
  releaseRules,
  validateProposalId,
} from '../../src/domain/proposal.js';

const PROD = { paths: ['prod/**'], environments: [], required: 2, approvers: ['a@x', 'b@x', 'c@x'] };
const DB = { paths: ['**/db.yaml'], environments: [], required: 1, approvers: ['d@x'] };

describe('proposal ids', () => {
  it('generates ids that name a branch, and refuses anything that could escape refs/heads/proposals/', () => {
    const id = newProposalId(1_700_000_000_000, 'DEADBEEF');
    expect(id).toMatch(/^[a-z0-9]+-deadbeef$/);
    expect(proposalBranch(id)).toBe(`refs/heads/proposals/${id}`);
    for (const bad of ['', 'ab', '../main', 'a/b', 'x..y/z', '-abc', 'ABC', 'a b', 'x'.repeat(65)])
      expect(() => validateProposalId(bad)).toThrow(InvalidInputError);
  });
});

describe('approvalRefusal', () => {
  it('never lets the author approve, even one named as approver', () => {
    expect(approvalRefusal([PROD], 'a@x', 'A@X', true)).toBe('author');
    expect(approvalRefusal([], 'a@x', 'a@x', true)).toBe('author');
  });

  it('lets only approvers of a covering rule approve; with no rule, editors', () => {
    expect(approvalRefusal([PROD], 'a@x', 'b@x', false)).toBeNull();
    expect(approvalRefusal([PROD], 'a@x', 'd@x', true)).toBe('not-approver');
    expect(approvalRefusal([PROD, DB], 'a@x', 'd@x', false)).toBeNull();
    expect(approvalRefusal([], 'a@x', 'z@x', true)).toBeNull();
    expect(approvalRefusal([], 'a@x', 'z@x', false)).toBe('not-approver');
  });
});

describe('evaluateApprovals', () => {
  it('needs N distinct approvals per rule, never counting the author', () => {
    expect(evaluateApprovals([PROD], 'a@x', ['a@x', 'b@x']).unmet).toEqual([{ rule: PROD, approvals: 1, missingFrom: ['c@x'] }]);
    expect(evaluateApprovals([PROD], 'a@x', ['b@x', 'B@x']).unmet[0]?.approvals).toBe(1);
    expect(evaluateApprovals([PROD], 'a@x', ['c@x', 'b@x'])).toMatchObject({
      unmet: [],
      approvedBy: ['b@x', 'c@x'],
      rules: [{ rule: PROD, approvedBy: ['b@x', 'c@x'], missing: 0, missingFrom: [] }],
    });
  });

  it('needs every covering rule met, each by its own approvers', () => {
    const { unmet, approvedBy } = evaluateApprovals([PROD, DB], 'z@x', ['a@x', 'b@x']);
    expect(unmet).toEqual([{ rule: DB, approvals: 0, missingFrom: ['d@x'] }]);
    expect(approvedBy).toEqual(['a@x', 'b@x']);
    expect(evaluateApprovals([PROD, DB], 'z@x', ['a@x', 'b@x', 'd@x', 'q@x']).approvedBy).toEqual(['a@x', 'b@x', 'd@x']);
    expect(evaluateApprovals([], 'z@x', []).unmet).toEqual([]);
  });
});

describe('coveringRules', () => {
  const policy = { protectedTags: [], approvals: [PROD, DB], emergencyRollback: false, secrets: [] };

  it('gives the rules whose globs match, and every rule for a change to the policy itself', () => {
    expect(coveringRules(policy, ['dev/a.json'])).toEqual([]);
    expect(coveringRules(policy, ['prod/a/b.json'])).toEqual([PROD]);
    expect(coveringRules(policy, ['dev/db.yaml', 'prod/x.json'])).toEqual([PROD, DB]);
    expect(coveringRules(policy, ['.cairn/policy.json'])).toEqual([PROD, DB]);
    expect(coveringRules({ ...policy, approvals: [] }, ['.cairn/policy.json'])).toEqual([]);
  });
});

describe('rules governing releases', () => {
  it('reads environments beside paths, needs one of the two, and finds the rules of an environment', () => {
    const policy = parseNamespacePolicy({
      approvals: [
        { environments: ['prod'], required: 1, approvers: ['a@x'] },
        { paths: ['prod/**'], environments: ['prod', 'eu-prod'], required: 2, approvers: ['a@x', 'b@x'] },
        { paths: ['db/**'], required: 1, approvers: ['d@x'] },
      ],
    });
    expect(releaseRules(policy, 'prod').map((r) => r.required)).toEqual([1, 2]);
    expect(releaseRules(policy, 'eu-prod')).toHaveLength(1);
    expect(releaseRules(policy, 'staging')).toEqual([]);
    // An environment-only rule governs no document.
    expect(coveringRules(policy, ['prod/app.json']).map((r) => r.required)).toEqual([2]);
    expect(() => parseNamespacePolicy({ approvals: [{ required: 1, approvers: ['a@x'] }] })).toThrow('approvals[0] must name paths, environments or both');
    expect(() => parseNamespacePolicy({ approvals: [{ environments: 'prod', required: 1, approvers: ['a@x'] }] })).toThrow(
      'approvals[0].environments must be an array of non-empty strings',
    );
  });
});
