import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, startHarness } from '../support/harness.js';
import { CREATE_NAMESPACE, ERROR_FIELDS, PAYLOAD_FIELDS, type WriteResult } from '../support/operations.js';
import { ADMIN, EDITOR, VIEWER } from '../support/tokens.js';

const POLICY = '.cairn/policy.json';
/** The take-over of the issue: every path needs the approval of one viewer, so admins can no longer write directly. */
const TAKEOVER = `${JSON.stringify({ approvals: [{ paths: ['**'], required: 1, approvers: [VIEWER.email] }] })}\n`;

const RESULT = `${PAYLOAD_FIELDS} ${ERROR_FIELDS} ... on ApprovalRequired { paths }`;
const PUT = `mutation($input: PutConfigInput!) { putConfig(input: $input) { ${RESULT} } }`;
const APPLY = `mutation($input: ApplyChangesInput!) { applyChanges(input: $input) { ${RESULT} } }`;
const DELETE = `mutation($input: DeleteConfigInput!) { deleteConfig(input: $input) { ${RESULT} } }`;
const ROLLBACK = `mutation($input: RollbackInput!) { rollback(input: $input) { ${RESULT} } }`;
const REVERT = `mutation($input: RevertInput!) { revert(input: $input) { ${RESULT} } }`;
const IMPORT = `mutation($input: ImportHistoryInput!) { importHistory(input: $input) { __typename ... on ImportHistoryPayload { commits { status } } ${ERROR_FIELDS} } }`;
const PROPOSE = `mutation($input: ProposeChangeInput!) { proposeChange(input: $input) { __typename ... on Proposal { id } ${ERROR_FIELDS} } }`;
const MERGE = `mutation($input: ProposalActionInput!) { mergeChange(input: $input) { ${RESULT} } }`;

/**
 * Whoever writes `.cairn/policy.json` decides every later write: only an admin may change it, by every route a
 * commit reaches main (put, apply, delete, rollback, revert, import, merge of a change request, emergency
 * rollback), and a change request touching `.cairn/**` is merged by an admin.
 */
describe('governance stays with admins', () => {
  let h: Harness;
  const head = (ns: string): string => h.git(ns, 'rev-parse', 'HEAD').trim();
  const call = async (mutation: string, field: string, input: Record<string, unknown>, token: string): Promise<WriteResult> => {
    const res = await h.gql<Record<string, WriteResult>>(mutation, { input }, token);
    expect(res.errors, JSON.stringify(res.errors)).toBeUndefined();
    return res.data[field]!;
  };
  const propose = async (ns: string, changes: Record<string, unknown>[], token: string): Promise<string> => {
    const res = await call(PROPOSE, 'proposeChange', { namespace: ns, expectedVersion: head(ns), changes }, token);
    expect(res.__typename, JSON.stringify(res)).toBe('Proposal');
    return (res as unknown as { id: string }).id;
  };
  const policyAt = (ns: string, rev = 'HEAD'): string => h.git(ns, 'show', `${rev}:${POLICY}`);

  beforeAll(async () => {
    h = await startHarness({ tokens: [ADMIN, EDITOR, VIEWER] });
  });
  afterAll(async () => {
    await h.close();
  });

  it("refuses the issue's repro: an editor proposes a take-over policy and merges it", async () => {
    await h.gql(CREATE_NAMESPACE, { name: 'open' }, ADMIN.token);
    await call(PUT, 'putConfig', { namespace: 'open', path: 'app.json', content: { a: 1 }, expectedVersion: null }, EDITOR.token);
    const before = head('open');
    const id = await propose('open', [{ path: POLICY, text: TAKEOVER }], EDITOR.token);
    const merged = await call(MERGE, 'mergeChange', { namespace: 'open', proposal: id }, EDITOR.token);
    expect(merged).toMatchObject({ __typename: 'Forbidden', code: 'FORBIDDEN' });
    expect(head('open')).toBe(before);
    // The admin can still write directly: governance was not taken over.
    const admin = await call(PUT, 'putConfig', { namespace: 'open', path: 'app.json', content: { a: 2 }, expectedVersion: before }, ADMIN.token);
    expect(admin.status).toBe('COMMITTED');
    h.git('open', 'fsck', '--strict');
  });

  it('merges a change request touching .cairn/** only by an admin', async () => {
    const schema = await propose('open', [{ path: '.cairn/schemas/app.json', content: { type: 'object' } }], EDITOR.token);
    expect(await call(MERGE, 'mergeChange', { namespace: 'open', proposal: schema }, EDITOR.token)).toMatchObject({ __typename: 'Forbidden' });
    const merged = await call(MERGE, 'mergeChange', { namespace: 'open', proposal: schema }, ADMIN.token);
    expect(merged.status).toBe('COMMITTED');
    // An ordinary proposal is still merged by an editor.
    const plain = await propose('open', [{ path: 'app.json', content: { a: 3 } }], EDITOR.token);
    expect((await call(MERGE, 'mergeChange', { namespace: 'open', proposal: plain }, EDITOR.token)).status).toBe('COMMITTED');
  });

  describe('on a namespace whose admin set a policy', () => {
    let noPolicy = '';
    let withPolicy = '';
    const permissive = `${JSON.stringify({ protectedTags: ['release/*'] })}\n`;

    beforeAll(async () => {
      await h.gql(CREATE_NAMESPACE, { name: 'gov' }, ADMIN.token);
      noPolicy = (await call(PUT, 'putConfig', { namespace: 'gov', path: 'app.json', content: { a: 1 }, expectedVersion: null }, ADMIN.token)).version!.hash;
      withPolicy = (await call(PUT, 'putConfig', { namespace: 'gov', path: POLICY, text: permissive, expectedVersion: noPolicy }, ADMIN.token)).version!.hash;
    });

    const refusedForEditor = async (label: string, run: () => Promise<WriteResult>, policyNamed = true): Promise<void> => {
      const before = head('gov');
      const res = await run();
      expect(res, label).toMatchObject({ __typename: 'Forbidden', requiredRole: 'admin' });
      // The refusal says the policy is why, not only which role is missing (an editor may write everything else).
      if (policyNamed)
        expect((res as { message?: string }).message, label).toMatch(/changes \.cairn\/policy\.\w+, which decides what later writes .* need: only an admin/);
      expect(head('gov'), label).toBe(before);
      expect(policyAt('gov'), label).toBe(permissive);
    };

    it('refuses an editor every direct route to the policy', async () => {
      const ns = 'gov';
      await refusedForEditor('put', () => call(PUT, 'putConfig', { namespace: ns, path: POLICY, text: TAKEOVER, expectedVersion: head(ns) }, EDITOR.token));
      await refusedForEditor('apply', () =>
        call(
          APPLY,
          'applyChanges',
          {
            namespace: ns,
            expectedVersion: head(ns),
            changes: [
              { path: 'app.json', content: { a: 9 } },
              { path: POLICY, text: TAKEOVER },
            ],
          },
          EDITOR.token,
        ),
      );
      await refusedForEditor('delete', () => call(DELETE, 'deleteConfig', { namespace: ns, path: POLICY, expectedVersion: head(ns) }, EDITOR.token));
      await refusedForEditor('rollback to before the policy', () =>
        call(ROLLBACK, 'rollback', { namespace: ns, to: noPolicy, expectedVersion: head(ns) }, EDITOR.token),
      );
      await refusedForEditor('rollback preview', () =>
        call(ROLLBACK, 'rollback', { namespace: ns, to: noPolicy, expectedVersion: head(ns), dryRun: true }, EDITOR.token),
      );
      await refusedForEditor('revert of the policy commit', () =>
        call(REVERT, 'revert', { namespace: ns, version: withPolicy, expectedVersion: head(ns) }, EDITOR.token),
      );
      const imported = {
        namespace: ns,
        expectedVersion: head(ns),
        requestId: 'gov-import',
        commits: [
          {
            author: { name: 'Old', email: 'old@example.com' },
            authoredAt: '2020-01-01T00:00:00Z',
            timezoneOffset: 0,
            message: 'imported',
            changes: [{ path: POLICY, text: TAKEOVER }],
          },
        ],
      };
      await refusedForEditor('import', () => call(IMPORT, 'importHistory', imported, EDITOR.token), false);
      const id = await propose(ns, [{ path: POLICY, text: TAKEOVER }], EDITOR.token);
      await refusedForEditor('merge of a proposal', () => call(MERGE, 'mergeChange', { namespace: ns, proposal: id }, EDITOR.token));
      h.git(ns, 'fsck', '--strict');
    });

    it('never lets an emergency rollback change the policy, even for an admin', async () => {
      const ns = 'gov';
      const emergency = `${JSON.stringify({ approvals: [{ paths: ['app.json'], required: 1, approvers: [VIEWER.email] }], emergencyRollback: true })}\n`;
      const changed = await call(PUT, 'putConfig', { namespace: ns, path: 'app.json', content: { a: 5 }, expectedVersion: head(ns) }, ADMIN.token);
      expect(changed.status).toBe('COMMITTED');
      const set = await call(PUT, 'putConfig', { namespace: ns, path: POLICY, text: emergency, expectedVersion: head(ns) }, ADMIN.token);
      expect(set.status).toBe('COMMITTED');
      const before = head(ns);
      // Back to a version without a policy: app.json is covered (emergency allowed) but the policy is governance.
      const res = await call(ROLLBACK, 'rollback', { namespace: ns, to: noPolicy, expectedVersion: before }, ADMIN.token);
      expect(res.__typename).toBe('ApprovalRequired');
      expect(head(ns)).toBe(before);
      await refusedForEditorAt(ns, emergency, () => call(ROLLBACK, 'rollback', { namespace: ns, to: noPolicy, expectedVersion: head(ns) }, EDITOR.token));
      // Only the documents: an admin's emergency rollback goes through and leaves the policy alone.
      const docs = await call(ROLLBACK, 'rollback', { namespace: ns, to: noPolicy, paths: ['app.json'], expectedVersion: before }, ADMIN.token);
      expect(docs.status, JSON.stringify(docs)).toBe('COMMITTED');
      expect(policyAt(ns)).toBe(emergency);
    });

    const refusedForEditorAt = async (ns: string, policy: string, run: () => Promise<WriteResult>): Promise<void> => {
      const before = head(ns);
      const res = await run();
      expect(['Forbidden', 'ApprovalRequired']).toContain(res.__typename);
      expect(head(ns)).toBe(before);
      expect(policyAt(ns)).toBe(policy);
    };

    it('lets an admin change the policy directly and by merging', async () => {
      const ns = 'gov';
      const relaxed = `${JSON.stringify({ emergencyRollback: true })}\n`;
      const id = await propose(ns, [{ path: POLICY, text: relaxed }], EDITOR.token);
      // The policy in force covers app.json only; a governance change falls under every rule: Vi must approve.
      const approve = await h.gql(
        `mutation($input: ProposalActionInput!) { approveChange(input: $input) { __typename } }`,
        { input: { namespace: ns, proposal: id } },
        VIEWER.token,
      );
      expect(approve.data).toEqual({ approveChange: { __typename: 'Proposal' } });
      expect(await call(MERGE, 'mergeChange', { namespace: ns, proposal: id }, EDITOR.token)).toMatchObject({ __typename: 'Forbidden' });
      expect((await call(MERGE, 'mergeChange', { namespace: ns, proposal: id }, ADMIN.token)).status).toBe('COMMITTED');
      expect(policyAt(ns)).toBe(relaxed);
      const log = h.git(ns, 'log', '--format=%ae %(trailers:key=Cairn-Action,valueonly,separator=)', '--', POLICY).trim().split('\n');
      expect(log.every((line) => line.startsWith(ADMIN.email))).toBe(true);
      h.git(ns, 'fsck', '--strict');
    });
  });
});
