import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, startHarness } from '../support/harness.js';
import { CREATE_NAMESPACE, PUT_CONFIG, type WriteResult } from '../support/operations.js';
import { ADMIN } from '../support/tokens.js';

/**
 * A change request's `requirements` (the console's merge box) are decided by the code mergeChange decides with:
 * whenever the box says mergeable, the merge goes through; whenever it names a blocker, the merge refuses with it.
 */

const ALICE = { token: 'alice-editor-token', name: 'Alice', email: 'alice@example.com', roles: { '*': 'editor' as const } };
const BOB = { token: 'bob-editor-token', name: 'Bob', email: 'bob@example.com', roles: { '*': 'editor' as const } };
const CAROL = { token: 'carol-viewer-token', name: 'Carol', email: 'carol@example.com', roles: { '*': 'viewer' as const } };

const PROPOSE = `mutation($input: ProposeChangeInput!) { proposeChange(input: $input) { __typename ... on Proposal { id } ... on Error { code message } } }`;
const APPROVE = `mutation($input: ProposalActionInput!) { approveChange(input: $input) { __typename ... on Error { code message } } }`;
const MERGE = `mutation($input: ProposalActionInput!) { mergeChange(input: $input) {
  __typename ... on WritePayload { status } ... on Error { code } ... on ApprovalRequired { approvals missingFrom } } }`;
const REQUIREMENTS = `query($ns: String!, $id: String!) { namespace(name: $ns) { ... on Namespace { proposal(id: $id) { ... on Proposal {
  requirements { mergeable approvedBy rules { paths environments required approvers approvedBy missing missingFrom } blockers { code message } } } } } } }`;

interface Requirements {
  mergeable: boolean;
  approvedBy: string[];
  rules: { paths: string[]; required: number; approvers: string[]; approvedBy: string[]; missing: number; missingFrom: string[] }[];
  blockers: { code: string; message: string }[];
}

describe('merge requirements', () => {
  let h: Harness;
  const head = (): string => h.git('cfg', 'rev-parse', 'main').trim();
  const put = async (path: string, content: unknown, expectedVersion: string | null): Promise<WriteResult> =>
    (await h.gql<{ putConfig: WriteResult }>(PUT_CONFIG, { input: { namespace: 'cfg', path, content, expectedVersion } }, ADMIN.token)).data.putConfig;
  const propose = async (changes: { path: string; content: unknown }[]): Promise<string> => {
    const res = await h.gql<{ proposeChange: { __typename: string; id: string } }>(
      PROPOSE,
      { input: { namespace: 'cfg', expectedVersion: head(), comment: 'change', changes } },
      ALICE.token,
    );
    expect(res.data.proposeChange.__typename).toBe('Proposal');
    return res.data.proposeChange.id;
  };
  const requirements = async (id: string, token = BOB.token): Promise<Requirements> =>
    (await h.gql<{ namespace: { proposal: { requirements: Requirements } } }>(REQUIREMENTS, { ns: 'cfg', id }, token)).data.namespace.proposal.requirements;
  const act = async (mutation: string, field: string, id: string, token: string): Promise<Record<string, unknown>> =>
    (await h.gql<Record<string, Record<string, unknown>>>(mutation, { input: { namespace: 'cfg', proposal: id } }, token)).data[field]!;

  beforeAll(async () => {
    h = await startHarness({ tokens: [ADMIN, ALICE, BOB, CAROL] });
    await h.gql(CREATE_NAMESPACE, { name: 'cfg' });
    expect((await put('prod/app.json', { replicas: 1 }, null)).status).toBe('COMMITTED');
    expect((await put('dev/app.json', { replicas: 1 }, null)).status).toBe('COMMITTED');
    const policy = { approvals: [{ paths: ['prod/**'], required: 2, approvers: [ALICE.email, BOB.email, CAROL.email] }] };
    expect((await put('.cairn/policy.json', policy, null)).status).toBe('COMMITTED');
  });

  afterAll(() => h?.close());

  it('counts approvals per covering rule (never the author), mergeable only once every rule is met, and the merge agrees at each step', async () => {
    const id = await propose([
      { path: 'prod/app.json', content: { replicas: 2 } },
      { path: 'dev/app.json', content: { replicas: 2 } },
    ]);
    const rule = { paths: ['prod/**'], required: 2, approvers: [ALICE.email, BOB.email, CAROL.email] };
    expect(await requirements(id)).toMatchObject({
      mergeable: false,
      approvedBy: [],
      rules: [{ ...rule, approvedBy: [], missing: 2, missingFrom: [BOB.email, CAROL.email] }],
      blockers: [{ code: 'APPROVAL_REQUIRED' }],
    });

    expect((await act(APPROVE, 'approveChange', id, BOB.token)).__typename).toBe('Proposal');
    const one = await requirements(id);
    expect(one).toMatchObject({ mergeable: false, rules: [{ approvedBy: [BOB.email], missing: 1, missingFrom: [CAROL.email] }] });
    expect(one.blockers.map((b) => b.code)).toEqual(['APPROVAL_REQUIRED']);
    expect(await act(MERGE, 'mergeChange', id, ALICE.token)).toEqual({
      __typename: 'ApprovalRequired',
      code: 'APPROVAL_REQUIRED',
      approvals: 1,
      missingFrom: [CAROL.email],
    });

    expect((await act(APPROVE, 'approveChange', id, CAROL.token)).__typename).toBe('Proposal');
    expect(await requirements(id)).toMatchObject({
      mergeable: true,
      approvedBy: [BOB.email, CAROL.email],
      rules: [{ approvedBy: [BOB.email, CAROL.email], missing: 0, missingFrom: [] }],
      blockers: [],
    });
    expect(await act(MERGE, 'mergeChange', id, ALICE.token)).toMatchObject({ __typename: 'WritePayload', status: 'COMMITTED' });
    expect(await requirements(id)).toMatchObject({ mergeable: false, blockers: [{ code: 'PROPOSAL_CLOSED' }] });
  });

  it('names a conflict with main (documents main changed since the base) before missing approvals, as the merge refuses', async () => {
    const id = await propose([{ path: 'dev/app.json', content: { replicas: 7 } }]);
    expect(await requirements(id)).toMatchObject({ mergeable: true, rules: [], blockers: [] });
    expect((await put('dev/app.json', { replicas: 8 }, head())).status).toBe('COMMITTED');
    const blocked = await requirements(id);
    expect(blocked.mergeable).toBe(false);
    expect(blocked.blockers.map((b) => b.code)).toEqual(['PROPOSAL_CONFLICT']);
    expect(blocked.blockers[0]!.message).toContain('dev/app.json');
    expect(await act(MERGE, 'mergeChange', id, ALICE.token)).toMatchObject({ __typename: 'ProposalConflict' });
  });

  it("says what the one asking needs to merge it: the editor role, and an admin for Cairn's own files, as the merge refuses", async () => {
    const id = await propose([{ path: '.cairn/schemas/index.json', content: {} }]);
    // Cairn's own files are under every rule: the approvals first, then only the role stands in the way.
    expect((await requirements(id, CAROL.token)).blockers.map((b) => b.code)).toEqual(['FORBIDDEN', 'APPROVAL_REQUIRED']);
    for (const reviewer of [BOB, CAROL]) expect((await act(APPROVE, 'approveChange', id, reviewer.token)).__typename).toBe('Proposal');
    expect(await requirements(id, CAROL.token)).toMatchObject({ mergeable: false, blockers: [{ code: 'FORBIDDEN' }] });
    const editor = await requirements(id, BOB.token);
    expect(editor).toMatchObject({ mergeable: false, blockers: [{ code: 'FORBIDDEN' }] });
    expect(editor.blockers[0]!.message).toContain('only an admin');
    expect(await act(MERGE, 'mergeChange', id, BOB.token)).toMatchObject({ __typename: 'Forbidden' });
    expect(await requirements(id, ADMIN.token)).toMatchObject({ mergeable: true, blockers: [] });
    expect(await act(MERGE, 'mergeChange', id, ADMIN.token)).toMatchObject({ __typename: 'WritePayload', status: 'COMMITTED' });
  });
});
