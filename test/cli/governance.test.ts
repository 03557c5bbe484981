import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, startHarness } from '../support/harness.js';
import { CREATE_NAMESPACE, PUT_CONFIG, type WriteResult } from '../support/operations.js';
import { ADMIN, EDITOR, VIEWER } from '../support/tokens.js';
import { type CliResult, json, runCli } from './cli-process.js';

const ALICE = { token: 'alice-editor-token', name: 'Alice', email: 'alice@example.com', roles: { '*': 'editor' as const } };
const BOB = { token: 'bob-editor-token', name: 'Bob', email: 'bob@example.com', roles: { '*': 'editor' as const } };

/** prod/** needs one approval of alice or bob; release/* tags are protected. */
const POLICY = JSON.stringify({ protectedTags: ['release/*'], approvals: [{ paths: ['prod/**'], required: 1, approvers: [ALICE.email, BOB.email] }] });

interface ErrorJson {
  error: { type: string; exitCode: number } & Record<string, unknown>;
}

interface ProposalJson {
  id: string;
  branch: string;
  state: string;
  diff: { path: string; status: string }[];
  reviews: { verdict: string; reviewer: { email: string } }[];
}

describe('cairn policy, tag and change requests against a real server', () => {
  let h: Harness;
  let base: string;
  const cli = (args: string[], token: string | null = EDITOR.token, input?: string): Promise<CliResult> =>
    runCli(args, { url: h.url, token, ...(input === undefined ? {} : { input }) });
  const head = (): string => h.git('gov', 'rev-parse', 'main').trim();

  beforeAll(async () => {
    h = await startHarness({ tokens: [ADMIN, EDITOR, VIEWER, ALICE, BOB] });
    await h.gql(CREATE_NAMESPACE, { name: 'gov' }, ADMIN.token);
    const put = await h.gql<{ putConfig: WriteResult }>(
      PUT_CONFIG,
      { input: { namespace: 'gov', path: 'prod/app.json', text: '{"replicas": 1}\n', expectedVersion: null } },
      ADMIN.token,
    );
    base = put.data.putConfig.version!.hash;
  });

  afterAll(() => h.close());

  it('sets and gets the policy: admins, validated, not found before there is one', async () => {
    expect((await cli(['policy', 'get', 'gov'])).code).toBe(3);
    expect((await cli(['policy', 'set', 'gov', '-'], VIEWER.token, POLICY)).code).toBe(5);
    const invalid = await cli(['--json', 'policy', 'set', 'gov', '-'], ADMIN.token, '{"approvals": [{"paths": ["x/**"], "required": 2, "approvers": []}]}');
    expect(invalid.code).toBe(2);
    expect(json<ErrorJson>(invalid).error).toMatchObject({ type: 'InvalidDocument', path: '.cairn/policy.json' });
    expect((await cli(['policy', 'set', 'gov', 'no-such-file.json'], ADMIN.token)).code).toBe(2);

    const set = await cli(['policy', 'set', 'gov', '-', '-m', 'govern prod'], ADMIN.token, POLICY);
    expect(set.code, set.stderr).toBe(0);
    expect(h.git('gov', 'log', '-1', '--format=%s', '--', '.cairn/policy.json').trim()).toBe('govern prod');
    expect(await cli(['policy', 'get', 'gov'], VIEWER.token)).toMatchObject({ code: 0, stdout: POLICY });
    expect(json(await cli(['--json', 'policy', 'get', 'gov'], VIEWER.token))).toMatchObject({
      path: '.cairn/policy.json',
      version: head(),
      policy: { protectedTags: ['release/*'] },
    });
    // The policy falls under its own rules: changing it now takes an approved change request.
    expect((await cli(['policy', 'set', 'gov', '-'], ADMIN.token, '{}')).code).toBe(5);
  });

  it('creates, lists and deletes tags with their exit codes', async () => {
    const created = await cli(['--json', 'tag', 'create', 'gov', 'v1', base.slice(0, 12), '-m', 'first']);
    expect(created.code, created.stderr).toBe(0);
    expect(json(created)).toMatchObject({ name: 'v1', annotated: true, message: 'first\n', target: { hash: base } });
    expect(h.git('gov', 'cat-file', '-t', 'refs/tags/v1').trim()).toBe('tag');
    expect(h.git('gov', 'rev-parse', 'v1^{commit}').trim()).toBe(base);
    expect((await cli(['tag', 'create', 'gov', 'v1'])).code).toBe(4);
    expect((await cli(['tag', 'create', 'gov', 'bad..name'])).code).toBe(2);
    expect((await cli(['tag', 'create', 'gov'])).code).toBe(2);
    // Subcommands' help lists the exit codes too.
    expect((await cli(['tag', 'create', '--help'])).stdout).toContain('a target that already exists');
    expect((await cli(['tag', 'create', 'gov', 'v2'], VIEWER.token)).code).toBe(5);
    expect((await cli(['tag', 'create', 'gov', 'v2', 'f'.repeat(40)])).code).toBe(3);
    expect((await cli(['tag', 'create', 'gov', 'release/1'])).code).toBe(0);

    const listed = json<{ name: string; protectedBy: string | null }[]>(await cli(['--json', 'tag', 'list', 'gov'], VIEWER.token));
    expect(listed.map((t) => [t.name, t.protectedBy])).toEqual([
      ['release/1', 'release/*'],
      ['v1', null],
    ]);
    expect((await cli(['tag', 'list', 'gov'], VIEWER.token)).stdout).toMatch(/^v1\s+\S{12}\s/m);

    expect((await cli(['tag', 'delete', 'gov', 'v1'])).code).toBe(5);
    expect((await cli(['tag', 'delete', 'gov', 'release/1'], ADMIN.token)).code).toBe(4);
    expect((await cli(['tag', 'delete', 'gov', 'nothing'], ADMIN.token)).code).toBe(3);
    expect((await cli(['tag', 'delete', 'gov', 'v1'], ADMIN.token)).code).toBe(0);
    expect(h.git('gov', 'tag', '--list').trim()).toBe('release/1');
  });

  it('proposes, reviews, approves by another identity and merges; rejects; with the exit codes of each', async () => {
    expect((await cli(['propose', 'gov', 'prod/app.json', '--expect', 'HEAD'], ALICE.token)).code).toBe(2);
    expect((await cli(['propose', 'gov', 'prod/app.json', '-', '--expect', 'HEAD'], VIEWER.token, '{"replicas": 3}\n')).code).toBe(5);
    expect((await cli(['propose', 'gov', 'prod/app.json', '-'], ALICE.token, '{"replicas": 3}\n')).code).toBe(4);
    const before = head();
    const proposed = await cli(['--json', 'propose', 'gov', 'prod/app.json', '-', '--expect', before, '-m', 'scale prod'], ALICE.token, '{"replicas": 3}\n');
    expect(proposed.code, proposed.stderr).toBe(0);
    const proposal = json<ProposalJson>(proposed);
    expect(proposal).toMatchObject({ state: 'OPEN', diff: [{ path: 'prod/app.json', status: 'MODIFIED' }] });
    expect(h.git('gov', 'log', '-1', '--format=%s', proposal.branch).trim()).toBe('scale prod');
    expect(head()).toBe(before);

    const listed = await cli(['review', 'gov'], VIEWER.token);
    expect(listed.stdout).toContain(`${proposal.id} open: 1 document(s) by ${ALICE.email}: scale prod`);
    const shown = await cli(['review', 'gov', proposal.id], VIEWER.token);
    expect(shown.stdout).toContain('+{"replicas": 3}');
    expect((await cli(['review', 'gov', 'no-such-proposal'], VIEWER.token)).code).toBe(3);
    expect((await cli(['review', 'gov', '--state', 'closed'], VIEWER.token)).code).toBe(2);

    expect((await cli(['merge', 'gov', proposal.id], ALICE.token)).code).toBe(5);
    // A comment takes text, approves nothing, and is the author's to make too.
    expect((await cli(['comment', 'gov', proposal.id], ALICE.token)).code).toBe(2);
    const commented = await cli(['--json', 'comment', 'gov', proposal.id, '-m', 'for the sale'], ALICE.token);
    expect(commented.code, commented.stderr).toBe(0);
    expect(json<ProposalJson>(commented).reviews).toMatchObject([{ verdict: 'COMMENT', reviewer: { email: ALICE.email } }]);
    expect((await cli(['approve', 'gov', proposal.id], ALICE.token)).code).toBe(5);
    expect((await cli(['approve', 'gov', proposal.id], EDITOR.token)).code).toBe(5);
    const approved = await cli(['--json', 'approve', 'gov', proposal.id, '-m', 'lgtm'], BOB.token);
    expect(approved.code, approved.stderr).toBe(0);
    expect(json<ProposalJson>(approved).reviews).toMatchObject([{ verdict: 'COMMENT' }, { verdict: 'APPROVE', reviewer: { email: BOB.email } }]);

    const merged = await cli(['--json', 'merge', 'gov', proposal.id], ALICE.token);
    expect(merged.code, merged.stderr).toBe(0);
    expect(json(merged)).toMatchObject({ status: 'COMMITTED', version: { action: 'MERGE', hash: head() } });
    expect(h.git('gov', 'cat-file', 'blob', 'main:prod/app.json')).toBe('{"replicas": 3}\n');
    expect(h.git('gov', 'log', '-1', '--format=%(trailers:key=Cairn-Action,valueonly)', 'main').trim()).toBe('merge');
    expect((await cli(['merge', 'gov', proposal.id], ALICE.token)).code).toBe(4);
    expect((await cli(['reject', 'gov', proposal.id], BOB.token)).code).toBe(4);

    const second = json<ProposalJson>(await cli(['--json', 'propose', 'gov', 'prod/app.json', '--delete', '--expect', 'HEAD'], ALICE.token));
    const rejected = await cli(['--json', 'reject', 'gov', second.id, '-m', 'no'], BOB.token);
    expect(rejected.code, rejected.stderr).toBe(0);
    expect(json<ProposalJson>(rejected).state).toBe('REJECTED');
    expect((await cli(['merge', 'gov', second.id], ALICE.token)).code).toBe(4);
    expect((await cli(['review', 'gov', '--state', 'rejected'], VIEWER.token)).stdout).toContain(`${second.id} rejected`);
    h.git('gov', 'fsck', '--strict');
  });

  it('proposes several documents in one change request (--also, --also-delete), merged as one commit', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'cairn-propose-'));
    writeFileSync(path.join(dir, 'db.json'), '{"pool": 9}\n');
    const before = head();
    expect((await cli(['propose', 'gov', 'prod/app.json', '-', '--also', 'prod/db.json', '--expect', before], ALICE.token, '{"replicas": 8}\n')).code).toBe(2);
    expect((await cli(['propose', 'gov', 'prod/app.json', '-', '--also', 'prod/app.json=-', '--expect', before], ALICE.token, '{}\n')).code).toBe(2);
    const proposed = await cli(
      ['--json', 'propose', 'gov', 'prod/app.json', '-', '--also', `prod/db.json=${path.join(dir, 'db.json')}`, '--expect', before, '-m', 'app and db'],
      ALICE.token,
      '{"replicas": 8}\n',
    );
    expect(proposed.code, proposed.stderr).toBe(0);
    const proposal = json<ProposalJson>(proposed);
    expect(proposal.diff.map((d) => d.path).sort()).toEqual(['prod/app.json', 'prod/db.json']);
    expect(h.git('gov', 'diff', '--name-only', 'main', proposal.branch).trim().split('\n')).toEqual(['prod/app.json', 'prod/db.json']);
    expect((await cli(['approve', 'gov', proposal.id], BOB.token)).code).toBe(0);
    expect((await cli(['merge', 'gov', proposal.id], ALICE.token)).code).toBe(0);
    expect(h.git('gov', 'show', '--name-only', '--format=', 'main').trim().split('\n')).toEqual(['prod/app.json', 'prod/db.json']);
    expect(h.git('gov', 'rev-parse', 'main~1').trim()).toBe(before);

    const removed = await cli(
      ['--json', 'propose', 'gov', 'prod/app.json', '-', '--also-delete', 'prod/db.json', '--expect', 'HEAD'],
      ALICE.token,
      '{"replicas": 9}\n',
    );
    expect(removed.code, removed.stderr).toBe(0);
    expect(
      json<ProposalJson>(removed)
        .diff.map((d) => `${d.path} ${d.status}`)
        .sort(),
    ).toEqual(['prod/app.json MODIFIED', 'prod/db.json DELETED']);
  });
});
