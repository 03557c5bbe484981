import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, collect, startHarness } from '../support/harness.js';
import { CREATE_NAMESPACE, ERROR_FIELDS, PAYLOAD_FIELDS, type WriteResult } from '../support/operations.js';
import { ADMIN } from '../support/tokens.js';

const ALICE = { token: 'alice-editor-token', name: 'Alice', email: 'alice@example.com', roles: { '*': 'editor' as const } };
const BOB = { token: 'bob-editor-token', name: 'Bob', email: 'bob@example.com', roles: { '*': 'editor' as const } };
const CAROL = { token: 'carol-viewer-token', name: 'Carol', email: 'carol@example.com', roles: { '*': 'viewer' as const } };
const DAVE = { token: 'dave-editor-token', name: 'Dave', email: 'dave@example.com', roles: { '*': 'editor' as const } };

/** prod/** needs 2 of alice, bob, carol; alice is an approver too, but never of her own proposals. */
const policy = (emergencyRollback: boolean) => ({
  approvals: [{ paths: ['prod/**'], required: 2, approvers: [ALICE.email, BOB.email, CAROL.email] }],
  emergencyRollback,
});

const PROPOSAL_FIELDS = `id namespace branch state comment author { email }
  base { hash } change { hash action proposal }
  approvals { verdict reviewer { email } time comment version { hash action proposal } }
  reviews { verdict reviewer { email } }
  diff { path status changes { pointer op oldValue newValue } }
  mergedVersion { hash }`;

const WRITE_ERRORS = `${ERROR_FIELDS}
  ... on ApprovalRequired { paths required approvals missingFrom }`;
const MERGE_ERRORS = `${WRITE_ERRORS}
  ... on ProposalConflict { proposal paths }
  ... on ProposalRejected { proposal }
  ... on ProposalClosed { proposal state }`;
const REVIEW_ERRORS = `... on Error { __typename message code }
  ... on Forbidden { namespace requiredRole }
  ... on ProposalClosed { proposal state }
  ... on ReviewNotAllowed { proposal reason }`;

const PUT_CONFIG = `mutation($input: PutConfigInput!) { putConfig(input: $input) { ${PAYLOAD_FIELDS} ${WRITE_ERRORS} } }`;
const APPLY_CHANGES = `mutation($input: ApplyChangesInput!) { applyChanges(input: $input) { ${PAYLOAD_FIELDS} ${WRITE_ERRORS} } }`;
const ROLLBACK = `mutation($input: RollbackInput!) { rollback(input: $input) { ${PAYLOAD_FIELDS} ${WRITE_ERRORS} } }`;
const PROPOSE = `mutation($input: ProposeChangeInput!) { proposeChange(input: $input) { __typename ... on Proposal { ${PROPOSAL_FIELDS} } ${ERROR_FIELDS} } }`;
const PROPOSE_ROLLBACK = `mutation($input: ProposeRollbackInput!) { proposeRollback(input: $input) { __typename ... on Proposal { ${PROPOSAL_FIELDS} } ${ERROR_FIELDS} } }`;
const ROLLBACK_MUTATION = `mutation($input: RollbackInput!) { rollback(input: $input) { __typename } }`;
const APPROVE = `mutation($input: ProposalActionInput!) { approveChange(input: $input) { __typename ... on Proposal { ${PROPOSAL_FIELDS} } ${REVIEW_ERRORS} } }`;
const REJECT = `mutation($input: ProposalActionInput!) { rejectChange(input: $input) { __typename ... on Proposal { ${PROPOSAL_FIELDS} } ${REVIEW_ERRORS} } }`;
const MERGE = `mutation($input: ProposalActionInput!) { mergeChange(input: $input) {
  __typename ... on WritePayload { status version { hash action proposal approvedBy parents operator { email } } files { path status } } ${MERGE_ERRORS} } }`;
const PROPOSALS = `query($ns: String!, $state: ProposalState, $id: String!) { namespace(name: $ns) { ... on Namespace {
  proposals(state: $state) { id state }
  proposal(id: $id) { __typename ... on Proposal { ${PROPOSAL_FIELDS} } ... on Error { code } } } } }`;
const AUDIT = `query($ns: String!, $action: CommitAction) { namespace(name: $ns) { ... on Namespace {
  audit(filter: { action: $action }) { edges { node { action operator { email } proposal approvedBy emergency paths version { hash } } } } } } }`;

interface Proposal {
  __typename: string;
  id: string;
  branch: string;
  state: string;
  author: { email: string };
  base: { hash: string } | null;
  change: { hash: string; action: string; proposal: string };
  approvals: { verdict: string; reviewer: { email: string }; comment: string; version: { hash: string; action: string; proposal: string } }[];
  reviews: { verdict: string; reviewer: { email: string } }[];
  diff: { path: string; status: string; changes: { pointer: string; op: string; oldValue: unknown; newValue: unknown }[] }[];
  mergedVersion: { hash: string } | null;
  code?: string;
  reason?: string;
  paths?: string[];
  required?: number;
  approvals_?: number;
  missingFrom?: string[];
  state_?: string;
}

type Outcome = Record<string, unknown> & { __typename: string };

describe('change requests', () => {
  let h: Harness;
  const head = (ns = 'cfg'): string => h.git(ns, 'rev-parse', 'main').trim();
  const put = async (ns: string, path: string, content: unknown, token = ADMIN.token, expectedVersion: string | null = 'HEAD'): Promise<WriteResult> =>
    (await h.gql<{ putConfig: WriteResult }>(PUT_CONFIG, { input: { namespace: ns, path, content, expectedVersion } }, token)).data.putConfig;
  const propose = async (content: unknown, token = ALICE.token, path = 'prod/app.json'): Promise<Proposal> => {
    const res = await h.gql<{ proposeChange: Proposal }>(
      PROPOSE,
      { input: { namespace: 'cfg', expectedVersion: head(), comment: 'scale prod', changes: [{ path, content }] } },
      token,
    );
    return res.data.proposeChange;
  };
  const act = async (mutation: string, field: string, id: string, token: string, comment = ''): Promise<Outcome> => {
    const res = await h.gql<Record<string, Outcome>>(mutation, { input: { namespace: 'cfg', proposal: id, comment } }, token);
    expect(res.errors).toBeUndefined();
    return res.data[field]!;
  };
  const approve = (id: string, token: string, comment = 'lgtm') => act(APPROVE, 'approveChange', id, token, comment);
  const merge = (id: string, token = ALICE.token) => act(MERGE, 'mergeChange', id, token);

  beforeAll(async () => {
    h = await startHarness({ tokens: [ADMIN, ALICE, BOB, CAROL, DAVE] });
    for (const [ns, emergency] of [
      ['cfg', true],
      ['strict', false],
    ] as const) {
      await h.gql(CREATE_NAMESPACE, { name: ns });
      expect((await put(ns, 'prod/app.json', { replicas: 1 }, ADMIN.token, null)).status).toBe('COMMITTED');
      expect((await put(ns, 'dev/app.json', { replicas: 1 }, ADMIN.token, null)).status).toBe('COMMITTED');
      expect((await put(ns, 'prod/app.json', { replicas: 2 })).status).toBe('COMMITTED');
      expect((await put(ns, '.cairn/policy.json', policy(emergency), ADMIN.token, null)).status).toBe('COMMITTED');
    }
  });

  afterAll(() => h.close());

  it('refuses direct writes to covered paths with ApprovalRequired, and lets other paths through', async () => {
    const before = head();
    const refused = await put('cfg', 'prod/app.json', { replicas: 9 }, ALICE.token);
    expect(refused).toMatchObject({
      __typename: 'ApprovalRequired',
      code: 'APPROVAL_REQUIRED',
      paths: ['prod/app.json'],
      required: 2,
      missingFrom: [ALICE.email, BOB.email, CAROL.email],
    });
    const mixed = await h.gql<{ applyChanges: WriteResult }>(
      APPLY_CHANGES,
      {
        input: {
          namespace: 'cfg',
          expectedVersion: before,
          changes: [
            { path: 'dev/app.json', content: { replicas: 2 } },
            { path: 'prod/new.json', content: {} },
          ],
        },
      },
      ADMIN.token,
    );
    expect(mixed.data.applyChanges).toMatchObject({ __typename: 'ApprovalRequired', paths: ['prod/new.json'] });
    const deleted = await h.gql<{ deleteConfig: WriteResult }>(`mutation($input: DeleteConfigInput!) { deleteConfig(input: $input) { __typename } }`, {
      input: { namespace: 'cfg', path: 'prod/app.json', expectedVersion: before },
    });
    expect(deleted.data.deleteConfig.__typename).toBe('ApprovalRequired');
    // The policy itself falls under every rule: one direct write must not be able to drop a rule.
    expect(await put('cfg', '.cairn/policy.json', { approvals: [] })).toMatchObject({ __typename: 'ApprovalRequired', paths: ['.cairn/policy.json'] });
    expect(head()).toBe(before);
    expect((await put('cfg', 'dev/app.json', { replicas: 2 }, ALICE.token)).status).toBe('COMMITTED');
  });

  it('refuses a policy that does not parse, so it cannot lock the namespace', async () => {
    await h.gql(CREATE_NAMESPACE, { name: 'loose' });
    const bad = await put('loose', '.cairn/policy.json', { approvals: [{ paths: ['x/**'], required: 3, approvers: ['a@example.com'] }] }, ADMIN.token, null);
    expect(bad).toMatchObject({ __typename: 'InvalidDocument', path: '.cairn/policy.json' });
    expect((await put('loose', 'x/a.json', { ok: true }, ALICE.token, null)).status).toBe('COMMITTED');
  });

  it('proposes on a branch of its own: main does not move, git shows the branch and the proposed commit', async () => {
    const before = head();
    const p = await propose({ replicas: 3 });
    expect(p.__typename).toBe('Proposal');
    expect(p).toMatchObject({
      state: 'OPEN',
      branch: `refs/heads/proposals/${p.id}`,
      author: { email: ALICE.email },
      base: { hash: before },
      approvals: [],
      mergedVersion: null,
    });
    expect(p.change).toMatchObject({ action: 'PROPOSE', proposal: p.id });
    expect(p.diff).toEqual([{ path: 'prod/app.json', status: 'MODIFIED', changes: [{ pointer: '/replicas', op: 'REPLACE', oldValue: 2, newValue: 3 }] }]);
    expect(head()).toBe(before);
    expect(
      h
        .git('cfg', 'branch', '-a')
        .split('\n')
        .map((b) => b.replace('*', '').trim()),
    ).toContain(`proposals/${p.id}`);
    expect(h.git('cfg', 'rev-parse', `proposals/${p.id}^`).trim()).toBe(before);
    expect(
      h
        .git('cfg', 'log', '-1', '--format=%ae%n%(trailers:key=Cairn-Action,valueonly)%(trailers:key=Cairn-Proposal,valueonly)', `proposals/${p.id}`)
        .trim()
        .split('\n'),
    ).toEqual([ALICE.email, 'propose', p.id]);
    expect(h.git('cfg', 'show', `proposals/${p.id}:prod/app.json`)).toContain('"replicas": 3');
  });

  it('needs N of M approvers: the author and non-approvers are refused, merge waits until the rule is met', async () => {
    const p = await propose({ replicas: 4 });
    expect(await approve(p.id, ALICE.token)).toMatchObject({ __typename: 'ReviewNotAllowed', reason: 'AUTHOR' });
    expect(await approve(p.id, DAVE.token)).toMatchObject({ __typename: 'ReviewNotAllowed', reason: 'NOT_APPROVER' });
    expect(await merge(p.id)).toMatchObject({ __typename: 'ApprovalRequired', required: 2, approvals: 0, missingFrom: [BOB.email, CAROL.email] });

    const one = await approve(p.id, BOB.token, 'looks right');
    expect(one).toMatchObject({
      __typename: 'Proposal',
      state: 'OPEN',
      approvals: [{ verdict: 'APPROVE', reviewer: { email: BOB.email }, comment: 'looks right' }],
    });
    expect(await merge(p.id)).toMatchObject({ __typename: 'ApprovalRequired', approvals: 1, missingFrom: [CAROL.email] });
    // An approval is a commit on the proposal branch, by the reviewer, with trailers.
    const log = h.git('cfg', 'log', '--format=%ae %(trailers:key=Cairn-Action,valueonly,separator=)', `proposals/${p.id}`, `^main`).trim().split('\n');
    expect(log).toEqual([`${BOB.email} approve`, `${ALICE.email} propose`]);

    // Main moves on elsewhere in the meantime: the merge lands on top of it.
    expect((await put('cfg', 'dev/app.json', { replicas: 5 }, BOB.token)).status).toBe('COMMITTED');
    const mainBefore = head();
    expect(await approve(p.id, CAROL.token)).toMatchObject({
      __typename: 'Proposal',
      approvals: [{ reviewer: { email: BOB.email } }, { reviewer: { email: CAROL.email } }],
    });
    const merged = await merge(p.id, DAVE.token);
    expect(merged).toMatchObject({ __typename: 'WritePayload', status: 'COMMITTED', files: [{ path: 'prod/app.json', status: 'MODIFIED' }] });
    const version = merged.version as { hash: string; action: string; proposal: string; approvedBy: string[]; parents: string[] };
    expect(version).toMatchObject({ action: 'MERGE', proposal: p.id, approvedBy: [BOB.email, CAROL.email], parents: [mainBefore] });
    expect(head()).toBe(version.hash);
    expect(
      h
        .git(
          'cfg',
          'log',
          '-1',
          '--format=%(trailers:key=Cairn-Action,valueonly)%(trailers:key=Cairn-Proposal,valueonly)%(trailers:key=Cairn-Approved-By,valueonly)',
          'main',
        )
        .trim()
        .split('\n'),
    ).toEqual(['merge', p.id, `${BOB.email}, ${CAROL.email}`]);
    expect(JSON.parse(h.git('cfg', 'show', 'main:prod/app.json'))).toEqual({ replicas: 4 });
    expect(JSON.parse(h.git('cfg', 'show', 'main:dev/app.json'))).toEqual({ replicas: 5 });

    const read = await h.gql<{ namespace: { proposals: { id: string; state: string }[]; proposal: Proposal } }>(
      PROPOSALS,
      { ns: 'cfg', state: 'MERGED', id: p.id },
      CAROL.token,
    );
    expect(read.data.namespace.proposals).toEqual([{ id: p.id, state: 'MERGED' }]);
    expect(read.data.namespace.proposal).toMatchObject({ state: 'MERGED', mergedVersion: { hash: version.hash } });
    expect(await merge(p.id)).toMatchObject({ __typename: 'ProposalClosed', state: 'MERGED' });
    expect(await approve(p.id, BOB.token)).toMatchObject({ __typename: 'ProposalClosed' });
  });

  it('proposes a rollback of governed paths (refused as a direct rollback): reviewed and merged, main is as it was', async () => {
    await h.gql(CREATE_NAMESPACE, { name: 'rb' });
    expect((await put('rb', 'prod/app.json', { replicas: 1 }, ADMIN.token, null)).status).toBe('COMMITTED');
    expect((await put('rb', '.cairn/policy.json', policy(false), ADMIN.token, null)).status).toBe('COMMITTED');
    const past = head('rb');
    const p0 = await h.gql<{ proposeChange: Proposal }>(
      PROPOSE,
      { input: { namespace: 'rb', expectedVersion: past, changes: [{ path: 'prod/app.json', content: { replicas: 2 } }] } },
      ALICE.token,
    );
    for (const token of [BOB.token, CAROL.token]) await h.gql(APPROVE, { input: { namespace: 'rb', proposal: p0.data.proposeChange.id, comment: '' } }, token);
    await h.gql(MERGE, { input: { namespace: 'rb', proposal: p0.data.proposeChange.id, comment: '' } }, ALICE.token);
    // A direct rollback of the governed path is refused, whoever asks (this policy allows no emergency).
    const direct = await h.gql<{ rollback: Outcome }>(ROLLBACK_MUTATION, { input: { namespace: 'rb', to: past, expectedVersion: head('rb') } }, ADMIN.token);
    expect(direct.data.rollback.__typename).toBe('ApprovalRequired');
    const before = h.git('rb', 'show', `${past}:prod/app.json`);
    expect(JSON.parse(before)).toEqual({ replicas: 1 });
    const res = await h.gql<{ proposeRollback: Proposal }>(
      PROPOSE_ROLLBACK,
      { input: { namespace: 'rb', to: past, paths: ['prod/app.json'], expectedVersion: head('rb'), comment: 'replicas 2 broke prod' } },
      ALICE.token,
    );
    const p = res.data.proposeRollback;
    expect(p).toMatchObject({ __typename: 'Proposal', state: 'OPEN', comment: 'replicas 2 broke prod', diff: [{ path: 'prod/app.json', status: 'MODIFIED' }] });
    expect(head('rb')).not.toBe(h.git('rb', 'rev-parse', `proposals/${p.id}`).trim());
    for (const token of [BOB.token, CAROL.token]) {
      const res2 = await h.gql<Record<string, Outcome>>(APPROVE, { input: { namespace: 'rb', proposal: p.id, comment: 'ok' } }, token);
      expect(res2.data.approveChange!.__typename).toBe('Proposal');
    }
    const merged = await h.gql<Record<string, Outcome>>(MERGE, { input: { namespace: 'rb', proposal: p.id, comment: '' } }, ALICE.token);
    expect(merged.data.mergeChange).toMatchObject({ __typename: 'WritePayload', status: 'COMMITTED' });
    expect(h.git('rb', 'show', 'main:prod/app.json')).toBe(before);
    // Nothing left to roll back: refused, nothing proposed.
    const again = await h.gql<{ proposeRollback: Proposal }>(
      PROPOSE_ROLLBACK,
      { input: { namespace: 'rb', to: past, paths: ['prod/app.json'], expectedVersion: head('rb') } },
      ALICE.token,
    );
    expect(again.data.proposeRollback).toMatchObject({ __typename: 'InvalidInput' });
  });

  it('serializes concurrent reviews and merges: both approvals land, exactly one merge commits', async () => {
    const p = await propose({ replicas: 5 });
    const reviews = await Promise.all([approve(p.id, BOB.token), approve(p.id, CAROL.token)]);
    expect(reviews.map((r) => r.__typename)).toEqual(['Proposal', 'Proposal']);
    expect(h.git('cfg', 'rev-list', '--count', `main..proposals/${p.id}`).trim()).toBe('3');
    const before = head();
    const merges = await Promise.all([merge(p.id), merge(p.id, BOB.token), merge(p.id, DAVE.token)]);
    expect(merges.map((m) => m.__typename).sort()).toEqual(['ProposalClosed', 'ProposalClosed', 'WritePayload']);
    expect(h.git('cfg', 'rev-list', '--count', `${before}..main`).trim()).toBe('1');
  });

  it('reports a conflict when main changed the same document since the base, and merges nothing', async () => {
    const first = await propose({ replicas: 6 });
    const second = await propose({ replicas: 7 });
    for (const p of [first, second]) for (const token of [BOB.token, CAROL.token]) expect((await approve(p.id, token)).__typename).toBe('Proposal');
    expect((await merge(first.id)).__typename).toBe('WritePayload');
    const before = head();
    expect(await merge(second.id)).toMatchObject({ __typename: 'ProposalConflict', code: 'PROPOSAL_CONFLICT', proposal: second.id, paths: ['prod/app.json'] });
    expect(head()).toBe(before);
    expect(JSON.parse(h.git('cfg', 'show', 'main:prod/app.json'))).toEqual({ replicas: 6 });
  });

  it('a rejection closes the proposal: no merge, no further approval', async () => {
    const p = await propose({ replicas: 8 });
    expect(await act(REJECT, 'rejectChange', p.id, DAVE.token)).toMatchObject({ __typename: 'ReviewNotAllowed', reason: 'NOT_APPROVER' });
    expect(await act(REJECT, 'rejectChange', p.id, CAROL.token, 'not now')).toMatchObject({
      state: 'REJECTED',
      reviews: [{ verdict: 'REJECT', reviewer: { email: CAROL.email } }],
    });
    expect(await approve(p.id, BOB.token)).toMatchObject({ __typename: 'ProposalClosed', state: 'REJECTED' });
    expect(await merge(p.id)).toMatchObject({ __typename: 'ProposalRejected', proposal: p.id });
    const open = await h.gql<{ namespace: { proposals: { id: string }[] } }>(PROPOSALS, { ns: 'cfg', state: 'OPEN', id: p.id });
    expect(open.data.namespace.proposals.map((x) => x.id)).not.toContain(p.id);
  });

  it('lists proposals, approvals and rejections in the audit log, read from the proposal branches', async () => {
    type Entry = { action: string; operator: { email: string }; proposal: string | null; version: { hash: string } };
    const audit = async (action: string) =>
      (await h.gql<{ namespace: { audit: { edges: { node: Entry }[] } } }>(AUDIT, { ns: 'cfg', action })).data.namespace.audit.edges.map((e) => e.node);
    // Branches under proposals/ that are no proposals (made with the git CLI) are skipped, never fatal.
    h.git('cfg', 'branch', 'proposals/stray-branch', 'main');
    h.git('cfg', 'branch', 'proposals/Not_An_Id', 'main');
    const all = await h.gql<{ namespace: { proposals: { id: string; state: string }[]; proposal: { __typename: string; code: string } } }>(PROPOSALS, {
      ns: 'cfg',
      id: 'stray-branch',
    });
    expect(all.data.namespace.proposal).toEqual({ __typename: 'NotFound', code: 'NOT_FOUND' });
    expect(all.data.namespace.proposals.map((p) => p.state).sort()).toEqual(['MERGED', 'MERGED', 'MERGED', 'OPEN', 'OPEN', 'REJECTED']);
    const proposed = await audit('PROPOSE');
    expect(proposed).toHaveLength(6);
    expect(new Set(proposed.map((e) => e.proposal))).toEqual(new Set(all.data.namespace.proposals.map((p) => p.id)));
    expect(proposed.every((e) => e.operator.email === ALICE.email && e.action === 'PROPOSE')).toBe(true);
    const approvals = await audit('APPROVE');
    expect(approvals.map((e) => e.operator.email).sort()).toEqual([...Array(4).fill(BOB.email), ...Array(4).fill(CAROL.email)]);
    const rejections = await audit('REJECT');
    expect(rejections.map((e) => [e.operator.email, e.action])).toEqual([[CAROL.email, 'REJECT']]);
    // Each entry is a commit of its proposal branch, never of main.
    for (const e of [...approvals, ...rejections]) expect(h.git('cfg', 'branch', '-a', '--contains', e.version.hash).trim()).toBe(`proposals/${e.proposal}`);
  });

  it('lets an admin roll back covered paths in an emergency when the policy allows it, recorded as such', async () => {
    const target = h.git('cfg', 'rev-list', '--max-parents=0', 'main').trim();
    const refused = await h.gql<{ rollback: WriteResult }>(
      ROLLBACK,
      { input: { namespace: 'cfg', to: target, paths: ['prod/app.json'], expectedVersion: head() } },
      ALICE.token,
    );
    expect(refused.data.rollback.__typename).toBe('ApprovalRequired');
    const done = await h.gql<{ rollback: WriteResult }>(
      ROLLBACK,
      { input: { namespace: 'cfg', to: target, paths: ['prod/app.json'], expectedVersion: head(), comment: 'outage' } },
      ADMIN.token,
    );
    expect(done.data.rollback).toMatchObject({ status: 'COMMITTED', version: { action: 'ROLLBACK' } });
    expect(h.git('cfg', 'log', '-1', '--format=%(trailers:key=Cairn-Emergency,valueonly)', 'main').trim()).toBe('true');
    const audit = await h.gql<{
      namespace: { audit: { edges: { node: { emergency: boolean; operator: { email: string }; paths: string[]; version: { hash: string } } }[] } };
    }>(AUDIT, { ns: 'cfg', action: 'ROLLBACK' });
    expect(audit.data.namespace.audit.edges.map((e) => e.node)).toEqual([
      {
        action: 'ROLLBACK',
        operator: { email: ADMIN.email },
        proposal: null,
        approvedBy: [],
        emergency: true,
        paths: ['prod/app.json'],
        version: { hash: head() },
      },
    ]);
    const merges = await h.gql<{ namespace: { audit: { edges: { node: { proposal: string; approvedBy: string[] } }[] } } }>(AUDIT, {
      ns: 'cfg',
      action: 'MERGE',
    });
    expect(merges.data.namespace.audit.edges.map((e) => e.node.approvedBy)).toEqual(Array(3).fill([BOB.email, CAROL.email]));
  });

  it('refuses an emergency rollback, even an admin’s, when the policy does not allow it', async () => {
    const target = h.git('strict', 'rev-list', '--max-parents=0', 'main').trim();
    await h.gql(PUT_CONFIG, { input: { namespace: 'strict', path: 'dev/app.json', content: { replicas: 2 }, expectedVersion: 'HEAD' } });
    const before = head('strict');
    const res = await h.gql<{ rollback: WriteResult }>(
      ROLLBACK,
      { input: { namespace: 'strict', to: target, paths: ['prod/app.json', 'dev/app.json'], expectedVersion: before } },
      ADMIN.token,
    );
    expect(res.data.rollback).toMatchObject({ __typename: 'ApprovalRequired', paths: ['prod/app.json'] });
    expect(head('strict')).toBe(before);
  });

  it('announces proposals, reviews and merges live; the change feed gets the merge as a main commit', async () => {
    type Event = {
      proposalEvents: {
        namespace: string;
        proposalId: string;
        action: string;
        version: { hash: string; operator: { email: string } };
        proposal: { state: string };
      };
    };
    const events = collect<Event>(
      h.ws(CAROL.token),
      `subscription($ns: String!) { proposalEvents(namespace: $ns) { namespace proposalId action version { hash operator { email } } proposal { state } } }`,
      { ns: 'cfg' },
      4,
    );
    const feed = collect<{ changes: { action: string; version: string; comment: string } }>(
      h.ws(CAROL.token),
      `subscription($ns: String!) { changes(namespace: $ns, actions: [MERGE]) { action version comment } }`,
      { ns: 'cfg' },
      1,
    );
    await new Promise((r) => setTimeout(r, 200));
    const p = await propose({ replicas: 10 });
    await approve(p.id, BOB.token);
    await approve(p.id, CAROL.token);
    const merged = (await merge(p.id)).version as { hash: string };
    const received = (await events.done).map((e) => e.proposalEvents);
    expect(received.map((e) => [e.proposalId, e.action, e.version.operator.email])).toEqual([
      [p.id, 'PROPOSE', ALICE.email],
      [p.id, 'APPROVE', BOB.email],
      [p.id, 'APPROVE', CAROL.email],
      [p.id, 'MERGE', ALICE.email],
    ]);
    expect(received[3]!.version.hash).toBe(merged.hash);
    expect(received[0]!.version.hash).toBe(h.git('cfg', 'rev-parse', `proposals/${p.id}~2`).trim());
    expect(await feed.done).toEqual([{ changes: { action: 'MERGE', version: merged.hash, comment: 'scale prod' } }]);
  });
});
