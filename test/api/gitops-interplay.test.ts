import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, startHarness } from '../support/harness.js';
import { CREATE_NAMESPACE, ERROR_FIELDS, PAYLOAD_FIELDS } from '../support/operations.js';
import { ADMIN } from '../support/tokens.js';

/**
 * The GitOps checks together (approval policy, schemas, overlays, tags, proposals): none of them may be a way
 * around another. Each case here was a hole found in review.
 */

const ALICE = { token: 'alice-editor-token', name: 'Alice', email: 'alice@example.com', roles: { '*': 'editor' as const } };

const WRITE_ERRORS = `${ERROR_FIELDS}
  ... on ApprovalRequired { paths required approvals missingFrom }
  ... on SchemaViolation { violations { path pointer message } }
  ... on OverlayConflict { overlays { cluster reason } }`;
const PUT = `mutation($input: PutConfigInput!) { putConfig(input: $input) { ${PAYLOAD_FIELDS} ${WRITE_ERRORS} } }`;
const APPLY = `mutation($input: ApplyChangesInput!) { applyChanges(input: $input) { ${PAYLOAD_FIELDS} ${WRITE_ERRORS} } }`;
const DELETE = `mutation($input: DeleteConfigInput!) { deleteConfig(input: $input) { ${PAYLOAD_FIELDS} ${WRITE_ERRORS} } }`;
const ROLLBACK = `mutation($input: RollbackInput!) { rollback(input: $input) { ${PAYLOAD_FIELDS} ${WRITE_ERRORS} } }`;
const PROPOSE = `mutation($input: ProposeChangeInput!) { proposeChange(input: $input) { __typename ... on Proposal { id change { hash } } ${ERROR_FIELDS} } }`;
const CREATE_TAG = `mutation($input: CreateTagInput!) { createTag(input: $input) { __typename ... on Error { message code } } }`;

interface Outcome {
  __typename: string;
  status?: string;
  version?: { hash: string };
  message?: string;
  paths?: string[];
}

describe('GitOps checks together', () => {
  let h: Harness;
  let ns = 0;

  beforeAll(async () => {
    h = await startHarness({ tokens: [ADMIN, ALICE] });
  });

  afterAll(async () => {
    await h.close();
  });

  async function namespace(): Promise<string> {
    const name = `gitops-${(ns += 1)}`;
    await h.gql(CREATE_NAMESPACE, { name }, ADMIN.token);
    return name;
  }

  async function apply(
    namespace: string,
    changes: { path: string; content?: unknown; text?: string; delete?: boolean }[],
    token = ADMIN.token,
  ): Promise<Outcome> {
    const res = await h.gql<{ applyChanges: Outcome }>(APPLY, { input: { namespace, expectedVersion: base(namespace), changes } }, token);
    expect(res.errors).toBeUndefined();
    return res.data.applyChanges;
  }

  async function put(namespace: string, file: string, content: unknown, token = ADMIN.token): Promise<Outcome> {
    const res = await h.gql<{ putConfig: Outcome }>(PUT, { input: { namespace, path: file, content, expectedVersion: base(namespace) } }, token);
    expect(res.errors).toBeUndefined();
    return res.data.putConfig;
  }

  const head = (namespace: string): string => h.git(namespace, 'rev-parse', 'main').trim();
  /** The head to base a write on; null (documents must not exist yet) in a namespace with no commit. */
  const base = (namespace: string): string | null => {
    try {
      return head(namespace);
    } catch {
      return null;
    }
  };

  it('schemas apply to configuration documents, never to overlays or to .cairn files', async () => {
    const name = await namespace();
    const strict = { type: 'object', required: ['replicas'], properties: { replicas: { type: 'integer', maximum: 5 } } };
    expect(
      await apply(name, [
        { path: '.cairn/schemas/svc.json', content: strict },
        { path: '.cairn/schemas/index.json', content: { 'services/**': 'svc.json', '**/*.json': 'svc.json' } },
        { path: 'services/pay.yaml', content: { replicas: 2 } },
      ]),
    ).toMatchObject({ __typename: 'WritePayload' });
    // An overlay is a patch (an array), and the policy is Cairn's own file: neither is checked against svc.json.
    expect(await put(name, 'services/pay.overlays/prod.patch.json', [{ op: 'replace', path: '/replicas', value: 3 }])).toMatchObject({
      __typename: 'WritePayload',
    });
    expect(await put(name, '.cairn/policy.json', { protectedTags: ['release/*'] })).toMatchObject({ __typename: 'WritePayload' });
    expect(await put(name, 'services/other.json', { replicas: 9 })).toMatchObject({ __typename: 'SchemaViolation' });
  });

  it("an overlay is covered by its base document's approval rule", async () => {
    const name = await namespace();
    await apply(name, [
      { path: 'services/pay.yaml', content: { replicas: 2 } },
      { path: '.cairn/policy.json', content: { approvals: [{ paths: ['services/*.yaml'], required: 1, approvers: [ADMIN.email] }] } },
    ]);
    const before = head(name);
    const overlay = await put(name, 'services/pay.overlays/prod.patch.json', [{ op: 'replace', path: '/replicas', value: 999 }], ALICE.token);
    expect(overlay).toMatchObject({ __typename: 'ApprovalRequired', paths: ['services/pay.overlays/prod.patch.json'] });
    expect(head(name)).toBe(before);
  });

  it('an unapproved write hears ApprovalRequired first, even when it also violates a schema', async () => {
    const name = await namespace();
    await apply(name, [
      { path: '.cairn/schemas/svc.json', content: { type: 'object', properties: { replicas: { maximum: 5 } } } },
      { path: '.cairn/schemas/index.json', content: { 'prod/**': 'svc.json' } },
      { path: '.cairn/policy.json', content: { approvals: [{ paths: ['prod/**'], required: 1, approvers: [ADMIN.email] }] } },
    ]);
    expect(await put(name, 'prod/app.json', { replicas: 50 }, ALICE.token)).toMatchObject({ __typename: 'ApprovalRequired' });
  });

  it('governance files: only admins write the policy, schemas fall under every rule, and no emergency rollback touches them', async () => {
    const name = await namespace();
    await put(name, '.cairn/policy.json', { protectedTags: ['release/*'] });
    // With no approval rule at all, an editor still cannot drop the policy that protects the release tags.
    const byEditor = await h.gql<{ deleteConfig: Outcome }>(
      DELETE,
      { input: { namespace: name, path: '.cairn/policy.json', expectedVersion: 'HEAD' } },
      ALICE.token,
    );
    expect(byEditor.data.deleteConfig).toMatchObject({ __typename: 'Forbidden' });

    const before = await apply(name, [
      { path: 'prod/app.json', content: { replicas: 1 } },
      { path: '.cairn/schemas/svc.json', content: { type: 'object' } },
      { path: '.cairn/schemas/index.json', content: { 'prod/**': 'svc.json' } },
    ]);
    await put(name, '.cairn/policy.json', { approvals: [{ paths: ['prod/**'], required: 1, approvers: [ADMIN.email] }], emergencyRollback: true });
    const dropSchema = await h.gql<{ deleteConfig: Outcome }>(
      DELETE,
      { input: { namespace: name, path: '.cairn/schemas/index.json', expectedVersion: 'HEAD' } },
      ALICE.token,
    );
    expect(dropSchema.data.deleteConfig).toMatchObject({ __typename: 'ApprovalRequired' });

    // An admin's emergency rollback may restore prod/, but not the policy it is governed by.
    const rollback = async (paths: string[]): Promise<Outcome> =>
      (await h.gql<{ rollback: Outcome }>(ROLLBACK, { input: { namespace: name, to: before.version!.hash, paths, expectedVersion: 'HEAD' } }, ADMIN.token)).data
        .rollback;
    expect(await rollback(['.cairn/policy.json', 'prod/app.json'])).toMatchObject({ __typename: 'ApprovalRequired' });
    await put(name, 'prod/app.json', { replicas: 1 }, ADMIN.token).catch(() => undefined);
  });

  it("tags and rollbacks take only versions of main, never a proposal's commit", async () => {
    const name = await namespace();
    await apply(name, [
      { path: 'prod/app.json', content: { replicas: 1 } },
      { path: '.cairn/policy.json', content: { approvals: [{ paths: ['prod/**'], required: 1, approvers: [ADMIN.email] }], emergencyRollback: true } },
    ]);
    const proposal = await h.gql<{ proposeChange: { __typename: string; change: { hash: string } } }>(
      PROPOSE,
      { input: { namespace: name, expectedVersion: head(name), changes: [{ path: 'prod/app.json', content: { replicas: 99 } }] } },
      ALICE.token,
    );
    const unapproved = proposal.data.proposeChange.change.hash;
    const tag = await h.gql<{ createTag: Outcome }>(
      CREATE_TAG,
      { input: { namespace: name, name: 'release/1', version: unapproved, message: 'sneaky' } },
      ADMIN.token,
    );
    expect(tag.data.createTag).toMatchObject({ __typename: 'InvalidInput' });
    expect(h.git(name, 'tag', '-l').trim()).toBe('');
    const rollback = await h.gql<{ rollback: Outcome }>(ROLLBACK, { input: { namespace: name, to: unapproved, expectedVersion: 'HEAD' } }, ADMIN.token);
    expect(rollback.data.rollback).toMatchObject({ __typename: 'InvalidInput' });
    expect(JSON.parse(h.git(name, 'show', 'main:prod/app.json'))).toEqual({ replicas: 1 });
  });

  it('a proposal colliding a file with a folder is InvalidPath, not an internal error', async () => {
    const name = await namespace();
    await put(name, 'a.json/b.json', { x: 1 });
    const res = await h.gql<{ proposeChange: Outcome }>(
      PROPOSE,
      { input: { namespace: name, expectedVersion: head(name), changes: [{ path: 'a.json', content: { y: 2 } }] } },
      ALICE.token,
    );
    expect(res.data.proposeChange).toMatchObject({ __typename: 'InvalidPath' });
  });

  it('a merge of a proposal made without a comment says what it merges', async () => {
    const name = await namespace();
    await apply(name, [
      { path: 'prod/app.json', content: { replicas: 1 } },
      { path: '.cairn/policy.json', content: { approvals: [{ paths: ['prod/**'], required: 1, approvers: [ADMIN.email] }] } },
    ]);
    const proposed = await h.gql<{ proposeChange: { id: string } }>(
      PROPOSE,
      { input: { namespace: name, expectedVersion: head(name), changes: [{ path: 'prod/app.json', content: { replicas: 2 } }] } },
      ALICE.token,
    );
    const id = proposed.data.proposeChange.id;
    const approve = `mutation($input: ProposalActionInput!) { approveChange(input: $input) { __typename } }`;
    const merge = `mutation($input: ProposalActionInput!) { mergeChange(input: $input) { __typename } }`;
    expect((await h.gql<{ approveChange: Outcome }>(approve, { input: { namespace: name, proposal: id } }, ADMIN.token)).data.approveChange.__typename).toBe(
      'Proposal',
    );
    expect((await h.gql<{ mergeChange: Outcome }>(merge, { input: { namespace: name, proposal: id } }, ALICE.token)).data.mergeChange.__typename).toBe(
      'WritePayload',
    );
    expect(h.git(name, 'log', '-1', '--format=%s', 'main').trim()).toBe(`merge proposal ${id}`);
  });

  it('a policy that does not parse (pushed with git) can be replaced by an admin', async () => {
    const name = await namespace();
    await put(name, 'a.json', { x: 1 });
    const work = mkdtempSync(path.join(tmpdir(), 'cairn-policy-'));
    try {
      const git = (...args: string[]): string =>
        execFileSync('git', args, {
          cwd: work,
          encoding: 'utf8',
          env: {
            ...process.env,
            GIT_AUTHOR_NAME: 'CLI',
            GIT_AUTHOR_EMAIL: 'cli@example.com',
            GIT_COMMITTER_NAME: 'CLI',
            GIT_COMMITTER_EMAIL: 'cli@example.com',
          },
        });
      git('clone', '-q', path.join(h.dataDir, `${name}.git`), '.');
      execFileSync('mkdir', ['-p', path.join(work, '.cairn')]);
      writeFileSync(path.join(work, '.cairn', 'policy.json'), '{"unknownField": true}\n');
      git('add', '.');
      git('commit', '-qm', 'broken policy');
      git('push', '-q', 'origin', 'HEAD:main');
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
    expect(await put(name, 'a.json', { x: 2 }, ALICE.token)).toMatchObject({ __typename: 'InvalidDocument' });
    expect(await put(name, '.cairn/policy.json', { protectedTags: [] }, ADMIN.token)).toMatchObject({ __typename: 'WritePayload' });
    expect(await put(name, 'a.json', { x: 2 }, ALICE.token)).toMatchObject({ __typename: 'WritePayload' });
  });
});
