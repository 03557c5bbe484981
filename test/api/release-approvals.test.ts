import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFINE_ENVIRONMENT, ENVIRONMENT, PROMOTE, RELEASE, ROLLBACK_ENVIRONMENT, type ReleaseFields } from '../support/environment-operations.js';
import { type Harness, startHarness } from '../support/harness.js';
import { CREATE_NAMESPACE, ERROR_FIELDS, PAYLOAD_FIELDS, PUT_CONFIG, READ_ERROR_FIELDS, type WriteResult } from '../support/operations.js';
import { ADMIN, EDITOR, type TestToken } from '../support/tokens.js';

/**
 * Releases to an environment a policy rule governs (`approvals[].environments`) go through a change request: a
 * direct release, promotion or rollback is ApprovalRequired (an admin's emergency rollback aside, when allowed);
 * `proposeRelease` proposes it, approvers approve it, `mergeChange` releases it with the approvers in its trailers.
 */

const LEAD: TestToken = { token: 'lea-lead-token', name: 'Lea Lead', email: 'lea@example.com', roles: { '*': 'editor' } };
const OTHER: TestToken = { token: 'ot-other-token', name: 'Otto Other', email: 'otto@example.com', roles: { '*': 'editor' } };

const APPROVAL_FIELDS = '... on ApprovalRequired { paths required approvals missingFrom }';
const PROPOSAL_FIELDS = `id branch state diff { path } change { hash } mergedVersion { hash }
  release { environment version { hash } rollout } approvals { reviewer { email } }`;
const PROPOSE_RELEASE = `mutation($input: ProposeReleaseInput!) { proposeRelease(input: $input) {
  __typename ... on Proposal { ${PROPOSAL_FIELDS} } ${ERROR_FIELDS} ... on NotFound { kind key } } }`;
const APPROVE = `mutation($input: ProposalActionInput!) { approveChange(input: $input) {
  __typename ... on Proposal { ${PROPOSAL_FIELDS} } ... on ReviewNotAllowed { reason } ... on Error { code message } } }`;
const MERGE = `mutation($input: ProposalActionInput!) { mergeChange(input: $input) {
  ${PAYLOAD_FIELDS} ${ERROR_FIELDS} ${APPROVAL_FIELDS} ... on ProposalClosed { state } } }`;
const PROPOSAL = `query($ns: String!, $id: String!) { namespace(name: $ns) { ... on Namespace { proposal(id: $id) {
  __typename ... on Proposal { ${PROPOSAL_FIELDS} } ${READ_ERROR_FIELDS} } } } }`;
const REQUIREMENTS = `query($ns: String!, $id: String!) { namespace(name: $ns) { ... on Namespace { proposal(id: $id) { ... on Proposal {
  requirements { mergeable approvedBy rules { environments required approvers approvedBy missing } blockers { code } } } } } } }`;
const GOVERNED = `${APPROVAL_FIELDS} ... on Error { __typename code message }`;

interface ProposalData {
  __typename: string;
  id: string;
  branch: string;
  state: string;
  diff: { path: string }[];
  change: { hash: string };
  mergedVersion: { hash: string } | null;
  release: { environment: string; version: { hash: string }; rollout: string | null } | null;
  approvals: { reviewer: { email: string } }[];
  code?: string;
  reason?: string;
}

type Result = WriteResult & { __typename: string; code?: string; paths?: string[]; required?: number; approvals?: number; missingFrom?: string[] };

describe('releases to a governed environment', () => {
  let h: Harness;
  const v: string[] = [];

  const gql = async <T>(query: string, variables: Record<string, unknown>, token: string): Promise<T> => {
    const res = await h.gql<T>(query, variables, token);
    expect(res.errors, JSON.stringify(res.errors)).toBeUndefined();
    return res.data;
  };
  const git = (...args: string[]): string => h.git('shop', ...args).trim();
  const branchTip = (): string => git('rev-parse', 'environments/prod');
  const write = async (mutation: string, field: string, input: Record<string, unknown>, token: string): Promise<Result> =>
    (await gql<Record<string, Result>>(mutation, { input: { namespace: 'shop', ...input } }, token))[field]!;
  /** staging is governed by no rule: releases there go straight through. */
  const releaseToStaging = (version: string): Promise<Result> =>
    write(RELEASE, 'release', { environment: 'staging', version, expectedRelease: git('rev-parse', 'environments/staging') }, EDITOR.token);
  const currentRelease = async (): Promise<ReleaseFields> =>
    (await gql<{ environment: { data: { release: ReleaseFields } } }>(ENVIRONMENT, { ns: 'shop', name: 'prod', first: 1 }, EDITOR.token)).environment.data
      .release;
  const proposeRelease = async (input: Record<string, unknown>, token = EDITOR.token): Promise<ProposalData> =>
    (await gql<{ proposeRelease: ProposalData }>(PROPOSE_RELEASE, { input: { namespace: 'shop', ...input } }, token)).proposeRelease;
  const approve = async (id: string, token: string): Promise<ProposalData> =>
    (await gql<{ approveChange: ProposalData }>(APPROVE, { input: { namespace: 'shop', proposal: id } }, token)).approveChange;
  const merge = async (id: string, token = EDITOR.token): Promise<Result> =>
    (await gql<{ mergeChange: Result }>(MERGE, { input: { namespace: 'shop', proposal: id } }, token)).mergeChange;

  beforeAll(async () => {
    h = await startHarness({ tokens: [ADMIN, EDITOR, LEAD, OTHER] });
    await gql(CREATE_NAMESPACE, { name: 'shop' }, ADMIN.token);
    let head: string | null = null;
    for (let i = 0; i < 3; i += 1) {
      const put: { putConfig: WriteResult } = await gql<{ putConfig: WriteResult }>(
        PUT_CONFIG,
        { input: { namespace: 'shop', path: 'app.json', content: { replicas: i }, expectedVersion: head } },
        EDITOR.token,
      );
      head = put.putConfig.version!.hash;
      v.push(head);
    }
    for (const [name, promotesFrom] of [
      ['staging', null],
      ['prod', 'staging'],
    ] as const) {
      const defined = await gql<{ defineEnvironment: WriteResult }>(
        DEFINE_ENVIRONMENT,
        { input: { namespace: 'shop', name, promotesFrom, expectedVersion: head } },
        ADMIN.token,
      );
      expect(defined.defineEnvironment.status).toBe('COMMITTED');
      head = defined.defineEnvironment.version!.hash;
    }
    for (const env of ['staging', 'prod']) {
      const released = await write(RELEASE, 'release', { environment: env, version: v[0], expectedRelease: null }, EDITOR.token);
      expect(released.status).toBe('COMMITTED');
    }
    expect((await releaseToStaging(v[1]!)).status).toBe('COMMITTED');
    // prod's releases need one approval from the lead; an admin may roll prod back in an emergency.
    const policy = { approvals: [{ environments: ['prod'], required: 1, approvers: [LEAD.email] }], emergencyRollback: true };
    const put = await gql<{ putConfig: WriteResult }>(
      PUT_CONFIG,
      { input: { namespace: 'shop', path: '.cairn/policy.json', content: policy, expectedVersion: null } },
      ADMIN.token,
    );
    expect(put.putConfig.status).toBe('COMMITTED');
  });

  afterAll(() => h?.close());

  it('refuses a direct release, promotion or rollback with ApprovalRequired, naming the environment and its approvers; nothing is committed', async () => {
    const before = branchTip();
    const expectedRelease = (await currentRelease()).hash;
    const refused = [
      await write(RELEASE, 'release', { environment: 'prod', version: v[1], expectedRelease }, EDITOR.token),
      await write(PROMOTE, 'promote', { from: 'staging', to: 'prod', expectedRelease }, EDITOR.token),
      await write(RELEASE, 'release', { environment: 'prod', version: v[1], expectedRelease, dryRun: true }, ADMIN.token),
    ];
    for (const result of refused) {
      expect(result).toMatchObject({ __typename: 'ApprovalRequired', code: 'APPROVAL_REQUIRED' });
    }
    const detail = await h.gql<{ release: Result }>(
      `mutation($input: ReleaseInput!) { release(input: $input) { __typename ${GOVERNED} } }`,
      { input: { namespace: 'shop', environment: 'prod', version: v[1], expectedRelease } },
      EDITOR.token,
    );
    expect(detail.data.release).toMatchObject({ paths: ['environments/prod'], required: 1, approvals: 0, missingFrom: [LEAD.email] });
    // An environment no rule governs releases as before.
    expect((await releaseToStaging(v[2]!)).status).toBe('COMMITTED');
    expect(branchTip()).toBe(before);
  });

  it('refuses to propose what could not be released: an unknown environment, a version not of main, one the promotion order forbids', async () => {
    const branches = git('for-each-ref', '--format=%(refname)', 'refs/heads/proposals/');
    expect(await proposeRelease({ environment: 'qa', version: v[1] })).toMatchObject({ __typename: 'NotFound', kind: 'environment' });
    expect(await proposeRelease({ environment: 'prod', version: 'no-such-version' })).toMatchObject({ __typename: 'InvalidRef' });
    // prod takes its versions from staging: v[0]..v[2] were released there, a version never released there is not.
    const unreleased = (
      await gql<{ putConfig: WriteResult }>(
        PUT_CONFIG,
        { input: { namespace: 'shop', path: 'other.json', content: { x: 1 }, expectedVersion: null } },
        EDITOR.token,
      )
    ).putConfig.version!.hash;
    expect(await proposeRelease({ environment: 'prod', version: unreleased })).toMatchObject({ __typename: 'InvalidInput' });
    expect(git('for-each-ref', '--format=%(refname)', 'refs/heads/proposals/')).toBe(branches);
  });

  it('releases through a change request: proposed, refused until the lead approves, then released once with the approver in its trailers', async () => {
    const before = branchTip();
    const proposal = await proposeRelease({ environment: 'prod', version: v[1], comment: 'ship replicas=1', strategy: { steps: [50, 100], bakeSeconds: 60 } });
    expect(proposal).toMatchObject({
      __typename: 'Proposal',
      state: 'OPEN',
      diff: [],
      release: { environment: 'prod', version: { hash: v[1] }, rollout: expect.stringContaining('50,100') as string },
    });
    // The proposal is a commit with main's tree that names the release; main and prod did not move.
    const trailers = git(
      'log',
      '-1',
      '--format=%P|%(trailers:key=Cairn-Action,key=Cairn-Environment,key=Cairn-Release-Of,valueonly,separator=%x2C)',
      proposal.change.hash,
    );
    expect(trailers).toBe(`${git('rev-parse', 'main')}|propose,prod,${v[1]}`);
    expect(git('rev-parse', `${proposal.change.hash}^{tree}`)).toBe(git('rev-parse', 'main^{tree}'));
    expect(branchTip()).toBe(before);

    expect(await merge(proposal.id)).toMatchObject({ __typename: 'ApprovalRequired', paths: ['environments/prod'], missingFrom: [LEAD.email] });
    expect(await approve(proposal.id, EDITOR.token)).toMatchObject({ __typename: 'ReviewNotAllowed', reason: 'AUTHOR' });
    expect(await approve(proposal.id, OTHER.token)).toMatchObject({ __typename: 'ReviewNotAllowed', reason: 'NOT_APPROVER' });
    // The merge box says the same as the merge: the environment's rule, waiting for the lead.
    const requirements = async (): Promise<unknown> =>
      (await gql<{ namespace: { proposal: { requirements: unknown } } }>(REQUIREMENTS, { ns: 'shop', id: proposal.id }, EDITOR.token)).namespace.proposal
        .requirements;
    expect(await requirements()).toEqual({
      mergeable: false,
      approvedBy: [],
      rules: [{ environments: ['prod'], required: 1, approvers: [LEAD.email], approvedBy: [], missing: 1 }],
      blockers: [{ code: 'APPROVAL_REQUIRED' }],
    });
    expect(await approve(proposal.id, LEAD.token)).toMatchObject({ approvals: [{ reviewer: { email: LEAD.email } }] });
    expect(branchTip()).toBe(before);
    expect(await requirements()).toMatchObject({ mergeable: true, approvedBy: [LEAD.email], rules: [{ approvedBy: [LEAD.email], missing: 0 }], blockers: [] });

    const merged = await merge(proposal.id);
    expect(merged).toMatchObject({ status: 'COMMITTED', version: { action: 'RELEASE', comment: 'ship replicas=1' } });
    const release = merged.version!.hash;
    expect(branchTip()).toBe(release);
    expect(git('log', '-1', '--format=%P|%(trailers:key=Cairn-Proposal,key=Cairn-Approved-By,key=Cairn-Release-Of,valueonly,separator=%x2C)', release)).toBe(
      `${before} ${v[1]}|${proposal.id},${LEAD.email},${v[1]}`,
    );
    // The release carries the proposed rollout: it is in progress now.
    expect(git('log', '-1', '--format=%(trailers:key=Cairn-Rollout,valueonly)', release)).toContain('50,100');
    const read = (await gql<{ namespace: { proposal: ProposalData } }>(PROPOSAL, { ns: 'shop', id: proposal.id }, EDITOR.token)).namespace.proposal;
    expect(read).toMatchObject({ state: 'MERGED', mergedVersion: { hash: release } });
    expect(await merge(proposal.id)).toMatchObject({ __typename: 'ProposalClosed', state: 'MERGED' });
    expect(branchTip()).toBe(release);
  });

  it("rolls back directly only as an admin's emergency, recorded as one", async () => {
    const abort = await h.gql<{ abortRollout: Result }>(
      `mutation($input: RolloutCommandInput!) { abortRollout(input: $input) { ... on WritePayload { status } ... on Error { code message } } }`,
      { input: { namespace: 'shop', environment: 'prod' } },
      EDITOR.token,
    );
    // Aborting goes back to what was approved before: never held up by the rule.
    expect(abort.data.abortRollout.status).toBe('COMMITTED');
    const expectedRelease = (await currentRelease()).hash;
    // The abort went back to v[0]; v[1], approved and released before, is what an emergency brings back.
    const byEditor = await write(ROLLBACK_ENVIRONMENT, 'rollbackEnvironment', { environment: 'prod', to: v[1], expectedRelease }, EDITOR.token);
    expect(byEditor).toMatchObject({ __typename: 'ApprovalRequired' });
    const byAdmin = await write(ROLLBACK_ENVIRONMENT, 'rollbackEnvironment', { environment: 'prod', to: v[1], expectedRelease }, ADMIN.token);
    expect(byAdmin.status).toBe('COMMITTED');
    expect(git('log', '-1', '--format=%(trailers:key=Cairn-Emergency,valueonly)', byAdmin.version!.hash)).toBe('true');
    expect(() => git('fsck', '--strict', '--no-progress')).not.toThrow();
  });
});
