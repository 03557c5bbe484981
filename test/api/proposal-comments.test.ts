import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, startHarness } from '../support/harness.js';
import { CREATE_NAMESPACE, PUT_CONFIG, type WriteResult } from '../support/operations.js';
import { ADMIN } from '../support/tokens.js';

/**
 * Comments on a change request: a commit on its branch like a review, with action COMMENT, that approves nothing.
 * Editors, the author and the approvers the policy names (a viewer here) may comment; other viewers may not.
 */

const ALICE = { token: 'alice-editor-token', name: 'Alice', email: 'alice@example.com', roles: { '*': 'editor' as const } };
const CAROL = { token: 'carol-viewer-token', name: 'Carol', email: 'carol@example.com', roles: { '*': 'viewer' as const } };
const DAN = { token: 'dan-viewer-token', name: 'Dan', email: 'dan@example.com', roles: { '*': 'viewer' as const } };

const PROPOSE = `mutation($input: ProposeChangeInput!) { proposeChange(input: $input) { __typename ... on Proposal { id } ... on Error { code message } } }`;
const COMMENT = `mutation($input: ProposalActionInput!) { commentChange(input: $input) {
  __typename ... on Proposal { state reviews { verdict comment reviewer { email } } } ... on Error { code message } } }`;
const REJECT = `mutation($input: ProposalActionInput!) { rejectChange(input: $input) { __typename } }`;
const REQUIREMENTS = `query($id: String!) { namespace(name: "cfg") { ... on Namespace { proposal(id: $id) { ... on Proposal {
  requirements { mergeable approvedBy rules { missing } } } } } } }`;
const AUDIT = `query($filter: AuditFilter) { namespace(name: "cfg") { ... on Namespace { audit(filter: $filter) { edges { node { action comment operator { email } } } } } } }`;

interface Answer {
  __typename: string;
  code?: string;
  message?: string;
  state?: string;
  reviews?: { verdict: string; comment: string; reviewer: { email: string } }[];
}

describe('comments on change requests', () => {
  let h: Harness;
  let id = '';
  const comment = async (text: string | null, token: string): Promise<Answer> =>
    (await h.gql<{ commentChange: Answer }>(COMMENT, { input: { namespace: 'cfg', proposal: id, comment: text } }, token)).data.commentChange;

  beforeAll(async () => {
    h = await startHarness({ tokens: [ADMIN, ALICE, CAROL, DAN] });
    await h.gql(CREATE_NAMESPACE, { name: 'cfg' });
    const put = async (path: string, content: unknown): Promise<void> => {
      const res = await h.gql<{ putConfig: WriteResult }>(PUT_CONFIG, { input: { namespace: 'cfg', path, content, expectedVersion: null } }, ADMIN.token);
      expect(res.data.putConfig.status).toBe('COMMITTED');
    };
    await put('prod/app.json', { replicas: 1 });
    await put('.cairn/policy.json', { approvals: [{ paths: ['prod/**'], required: 1, approvers: [CAROL.email] }] });
    const head = h.git('cfg', 'rev-parse', 'main').trim();
    const res = await h.gql<{ proposeChange: { id: string } }>(
      PROPOSE,
      { input: { namespace: 'cfg', expectedVersion: head, comment: 'more replicas', changes: [{ path: 'prod/app.json', content: { replicas: 3 } }] } },
      ALICE.token,
    );
    id = res.data.proposeChange.id;
  });
  afterAll(() => h?.close());

  it('records comments by the author and a named approver, in order, approving nothing', async () => {
    expect(await comment('Why three?', CAROL.token)).toMatchObject({ __typename: 'Proposal', state: 'OPEN' });
    const answer = await comment('Load tests need three.', ALICE.token);
    expect(answer.reviews).toEqual([
      { verdict: 'COMMENT', comment: 'Why three?', reviewer: { email: CAROL.email } },
      { verdict: 'COMMENT', comment: 'Load tests need three.', reviewer: { email: ALICE.email } },
    ]);
    const requirements = await h.gql<{ namespace: { proposal: { requirements: { mergeable: boolean; approvedBy: string[]; rules: { missing: number }[] } } } }>(
      REQUIREMENTS,
      { id },
      ALICE.token,
    );
    expect(requirements.data.namespace.proposal.requirements).toEqual({ mergeable: false, approvedBy: [], rules: [{ missing: 1 }] });
  });

  it('refuses an empty comment, a viewer the policy does not name, and a closed proposal', async () => {
    expect(await comment('  ', ALICE.token)).toMatchObject({ __typename: 'InvalidInput' });
    expect(await comment('drive-by', DAN.token)).toMatchObject({ __typename: 'Forbidden', code: 'FORBIDDEN' });
    await h.gql(REJECT, { input: { namespace: 'cfg', proposal: id } }, ALICE.token);
    expect(await comment('too late', ALICE.token)).toMatchObject({ __typename: 'ProposalClosed' });
  });

  it('is a commit on the proposal branch with action comment, in the audit as COMMENT', async () => {
    const log = h.git('cfg', 'log', '--format=%ae %(trailers:key=Cairn-Action,valueonly,separator=)|%s', `proposals/${id}`);
    expect(log.trim().split('\n').slice(0, 4)).toEqual([
      `${ALICE.email} reject|reject via Cairn`,
      `${ALICE.email} comment|Load tests need three.`,
      `${CAROL.email} comment|Why three?`,
      `${ALICE.email} propose|more replicas`,
    ]);
    const audit = await h.gql<{ namespace: { audit: { edges: { node: { action: string; comment: string } }[] } } }>(AUDIT, { filter: { action: 'COMMENT' } });
    expect(audit.data.namespace.audit.edges.map((e) => e.node.comment)).toEqual(['Load tests need three.', 'Why three?']);
    h.git('cfg', 'fsck', '--strict');
  });
});
