import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Role } from '../../src/domain/access.js';
import { IdempotencyKeyReusedError, InvalidDocumentError, InvalidInputError, NotFoundError, VersionConflictError } from '../../src/domain/errors.js';
import { ReviewNotAllowedError } from '../../src/domain/proposal-errors.js';
import type { WebhookDefinition } from '../../src/domain/webhook.js';
import type { IndexedCommit } from '../../src/git/commit-index.js';
import { RepositoryStore } from '../../src/git/repository-store.js';
import type { CommitRequest, GitRepository } from '../../src/git/repository.js';
import type { Actor } from '../../src/services/actor.js';
import { type Cairn, createCairn } from '../../src/services/cairn.js';
import { NamespaceAccess } from '../../src/services/namespace-access.js';
import { SchemaCheck } from '../../src/services/schema-check.js';
import { type WriteOutcome, WritePipeline } from '../../src/services/write-pipeline.js';
import { WriteTargets } from '../../src/services/write-targets.js';
import type { TargetRules, WriteTarget } from '../../src/services/write-target.js';
import { WebhookRegistry } from '../../src/services/webhooks/webhook-registry.js';
import { gitCli } from '../support/git-cli.js';

const CLOCK = new Date('2026-03-01T12:00:00Z');
const COMMITTER = { name: 'Cairn', email: 'cairn@example.com' };

function actor(email: string, role: Role = 'admin', ip = '10.0.0.7'): Actor {
  return { operator: { name: email.split('@')[0]!, email, grants: new Map([['*', role]]) }, ip };
}
const ANN = actor('ann@example.com');
const BOB = actor('bob@example.com');

/** A webhook definition as the webhook service would store it. */
const definition = (id: string, url: string): WebhookDefinition => ({
  id,
  namespace: 'payments',
  url,
  pathPrefix: null,
  actions: null,
  environments: null,
  enabled: true,
  disabledReason: null,
  secret: 's3cret',
  previousSecret: null,
  previousSecretExpiresAt: null,
  startAfter: null,
  createdAt: CLOCK.toISOString(),
  createdBy: { name: 'ann', email: 'ann@example.com' },
  updatedAt: CLOCK.toISOString(),
});

/** The write pipeline and its targets over a real RepositoryStore, checked with the git CLI. */
describe('the write pipeline', () => {
  let root: string;
  let store: RepositoryStore;
  let cairn: Cairn;
  let pipeline: WritePipeline;
  /** Simulates a full disk while set: every object file the Git layer creates fails with ENOSPC. */
  let failWrite: ((step: string, file: string) => void) | null = null;

  beforeEach(async () => {
    root = mkdtempSync(path.join(tmpdir(), 'cairn-pipeline-'));
    store = new RepositoryStore(path.join(root, 'repos'), { fsync: false, faults: (step, file) => failWrite?.(step, file) });
    await store.init();
    cairn = createCairn({
      store,
      events: new EventTarget(),
      logger: pino({ level: 'silent' }),
      write: { committer: COMMITTER, maxDocumentBytes: 1024 * 1024, clock: () => CLOCK },
    });
    // A pipeline of its own for the registry and the new target; writes to one repository queue on its lock either way.
    pipeline = new WritePipeline(new WriteTargets(new NamespaceAccess(store), store), {
      committer: COMMITTER,
      maxDocumentBytes: 1024 * 1024,
      clock: () => CLOCK,
    });
    pipeline.addCheck(new SchemaCheck());
    await cairn.namespaces.create(ANN, 'payments');
  });
  afterEach(async () => {
    failWrite = null;
    await cairn.webhookDispatcher.stop();
    await store.close();
    rmSync(root, { recursive: true, force: true });
  });

  const gitdir = (name = 'payments'): string => path.join(root, 'repos', `${name}.git`);
  const git = (...args: string[]): Promise<string> => gitCli(gitdir(), ...args);
  const put = (text: string, options: { expectedVersion?: string | null; requestId?: string; path?: string } = {}): Promise<WriteOutcome> =>
    cairn.updates.apply(
      ANN,
      { namespace: 'payments', expectedVersion: options.expectedVersion ?? null, comment: 'set it', requestId: options.requestId ?? null },
      [{ path: options.path ?? 'api.json', text }],
    );
  const versionOf = (outcome: WriteOutcome): string => {
    if (outcome.kind !== 'committed') throw new Error(`expected a commit, got ${outcome.kind}`);
    return outcome.version.commit.oid;
  };

  describe('to main', () => {
    it('commits who, from where, why and what, readable with git log, and leaves a repository git fsck accepts', async () => {
      const version = versionOf(await put('{"replicas":1}\n', { requestId: 'req-1' }));
      expect((await git('rev-parse', 'main')).trim()).toBe(version);
      const log = await git('log', '-1', '--format=%an <%ae>|%cn <%ce>|%at%n%B', 'main');
      expect(log).toContain('ann <ann@example.com>|Cairn <cairn@example.com>|1772366400');
      expect(log).toContain('Cairn-Action: create');
      expect(log).toContain('Cairn-Operator-IP: 10.0.0.7');
      expect(log).toContain('Cairn-Request-Id: req-1');
      expect(await git('show', 'main:api.json')).toBe('{"replicas":1}\n');
      await git('fsck', '--strict');
    });

    it('replays a request id, and refuses it for another request, with nothing new committed', async () => {
      const first = versionOf(await put('{"replicas":1}\n', { requestId: 'req-1' }));
      const again = await put('{"replicas":1}\n', { requestId: 'req-1' });
      expect(again).toMatchObject({ kind: 'committed', replayed: true });
      expect(versionOf(again)).toBe(first);
      await expect(put('{"replicas":2}\n', { requestId: 'req-1', expectedVersion: first })).rejects.toBeInstanceOf(IdempotencyKeyReusedError);
      expect((await git('rev-list', '--count', 'main')).trim()).toBe('1');
    });

    it('refuses a stale expected version, and a document that exists when none was expected', async () => {
      const first = versionOf(await put('{"replicas":1}\n'));
      versionOf(await put('{"replicas":2}\n', { expectedVersion: first }));
      await expect(put('{"replicas":3}\n', { expectedVersion: first })).rejects.toBeInstanceOf(VersionConflictError);
      await expect(put('{"replicas":3}\n', { expectedVersion: null })).rejects.toMatchObject({ code: 'VERSION_CONFLICT', paths: ['api.json'] });
      expect((await git('rev-list', '--count', 'main')).trim()).toBe('2');
    });

    it('answers UNCHANGED for a write that changes nothing, and commits nothing', async () => {
      const first = versionOf(await put('{"replicas":1}\n'));
      const outcome = await put('{"replicas":1}\n', { expectedVersion: first });
      expect(outcome.kind).toBe('unchanged');
      expect((await git('rev-list', '--count', 'main')).trim()).toBe('1');
    });

    it('never leaves a partial commit: one invalid document refuses the whole write', async () => {
      const write = cairn.updates.apply(ANN, { namespace: 'payments', expectedVersion: null }, [
        { path: 'good.json', text: '{"a":1}\n' },
        { path: 'bad.yaml', text: 'a: [1,\n' },
      ]);
      await expect(write).rejects.toBeInstanceOf(InvalidDocumentError);
      await expect(git('rev-parse', '--verify', '--quiet', 'main')).rejects.toThrow();
    });

    it('looks each document up once at the base and hashes each new document once', async () => {
      const repo = (await store.find('payments'))!;
      const first = versionOf(await put('{"replicas":1}\n'));
      const lookups = vi.spyOn(repo, 'blobAt');
      const hashes = vi.spyOn(repo, 'encodeBlob');
      versionOf(await put('{"replicas":2}\n', { expectedVersion: first }));
      versionOf(await put('{"new":true}\n', { path: 'other.json' }));
      // The checks read their own files (the policy, the schema index); each document the write changes is looked up once.
      expect(lookups.mock.calls.map(([, file]) => file).filter((file) => !file.startsWith('.cairn/'))).toEqual(['api.json', 'other.json']);
      expect(hashes).toHaveBeenCalledTimes(2);
    });

    it('previews without committing, with what the write would change', async () => {
      const first = versionOf(await put('{"replicas":1}\n'));
      const outcome = await cairn.updates.apply(ANN, { namespace: 'payments', expectedVersion: first, dryRun: true }, [
        { path: 'api.json', text: '{"replicas":5}\n' },
      ]);
      expect(outcome).toMatchObject({ kind: 'preview', findings: [] });
      expect(outcome.kind === 'preview' && outcome.files.map((f) => [f.path, f.status])).toEqual([['api.json', 'modified']]);
      expect((await git('rev-list', '--count', 'main')).trim()).toBe('1');
    });
  });

  describe('to a change request branch', () => {
    it('proposes on refs/heads/proposals/<id> from main, reviews with empty commits there, and merges onto main', async () => {
      const base = versionOf(await put('{"replicas":1}\n'));
      const proposal = await cairn.proposals.propose(ANN, { namespace: 'payments', expectedVersion: base, comment: 'more' }, [
        { path: 'api.json', text: '{"replicas":3}\n' },
      ]);
      const branch = `proposals/${proposal.id}`;
      expect((await git('rev-parse', 'main')).trim()).toBe(base);
      expect((await git('rev-parse', `${branch}^`)).trim()).toBe(base);
      expect(await git('show', `${branch}:api.json`)).toBe('{"replicas":3}\n');
      expect(await git('log', '-1', '--format=%B', branch)).toContain(`Cairn-Proposal: ${proposal.id}`);

      const reviewed = await cairn.proposals.approve(BOB, 'payments', proposal.id, 'fine');
      expect(reviewed.reviews.map((r) => r.verdict)).toEqual(['approve']);
      expect((await git('log', '-1', '--format=%an|%T', branch)).trim()).toBe(`bob|${(await git('rev-parse', `${branch}^^{tree}`)).trim()}`);
      expect(await git('log', '-1', '--format=%B', branch)).toContain('Cairn-Action: approve');

      const merged = await cairn.proposals.merge(ANN, 'payments', proposal.id);
      expect(await git('show', 'main:api.json')).toBe('{"replicas":3}\n');
      expect(await git('log', '-1', '--format=%B', 'main')).toContain('Cairn-Action: merge');
      expect(versionOf(merged)).toBe((await git('rev-parse', 'main')).trim());
      await git('fsck', '--strict');
    });

    it('validates the proposed documents and refuses a change that changes nothing, leaving no branch behind', async () => {
      const base = versionOf(await put('{"replicas":1}\n'));
      const propose = (text: string): Promise<unknown> =>
        cairn.proposals.propose(ANN, { namespace: 'payments', expectedVersion: base }, [{ path: 'api.json', text }]);
      await expect(propose('{"replicas":\n')).rejects.toBeInstanceOf(InvalidDocumentError);
      await expect(propose('{"replicas":1}\n')).rejects.toBeInstanceOf(InvalidInputError);
      await expect(
        cairn.proposals.propose(ANN, { namespace: 'payments', expectedVersion: base }, [{ path: 'missing.json', delete: true }]),
      ).rejects.toBeInstanceOf(NotFoundError);
      expect(await git('for-each-ref', 'refs/heads/proposals/')).toBe('');
    });

    it('checks the expected version of a proposal against main', async () => {
      const base = versionOf(await put('{"replicas":1}\n'));
      versionOf(await put('{"replicas":2}\n', { expectedVersion: base }));
      const stale = cairn.proposals.propose(ANN, { namespace: 'payments', expectedVersion: base }, [{ path: 'api.json', text: '{"replicas":9}\n' }]);
      await expect(stale).rejects.toBeInstanceOf(VersionConflictError);
      expect(await git('for-each-ref', 'refs/heads/proposals/')).toBe('');
    });

    it('refuses a review by the author and leaves the branch where it was', async () => {
      const policy = { approvals: [{ paths: ['prod/**'], required: 1, approvers: [ANN.operator.email, BOB.operator.email] }] };
      const base = versionOf(await put(`${JSON.stringify(policy)}\n`, { path: '.cairn/policy.json' }));
      const proposal = await cairn.proposals.propose(ANN, { namespace: 'payments', expectedVersion: base }, [{ path: 'prod/a.json', text: '{}\n' }]);
      const tip = (await git('rev-parse', `proposals/${proposal.id}`)).trim();
      await expect(cairn.proposals.approve(ANN, 'payments', proposal.id)).rejects.toBeInstanceOf(ReviewNotAllowedError);
      expect((await git('rev-parse', `proposals/${proposal.id}`)).trim()).toBe(tip);
    });
  });

  describe('to the system repository', () => {
    it('commits webhook definitions with the operator as author, and nothing when the definition stays the same', async () => {
      const registry = new WebhookRegistry(store, pipeline, COMMITTER);
      const id = 'wh_0123456789abcdef01234567';
      const how = { action: 'create' as const, author: { name: 'ann', email: 'ann@example.com' }, operatorIp: '10.0.0.7', comment: 'hook it up' };
      const stored = await registry.update(id, () => definition(id, 'https://example.com/hook'), how);
      expect(stored?.url).toBe('https://example.com/hook');
      const system = path.join(root, 'repos', '.cairn.git');
      const log = await gitCli(system, 'log', '-1', '--format=%an|%cn%n%B', 'main');
      expect(log).toContain('ann|Cairn');
      expect(log).toContain('hook it up');
      expect(log).toContain('Cairn-Operator-IP: 10.0.0.7');
      expect(JSON.parse(await gitCli(system, 'show', `main:webhooks/${id}.json`))).toMatchObject({ id, url: 'https://example.com/hook' });

      await registry.update(id, (current) => current, { ...how, action: 'update' });
      expect((await gitCli(system, 'rev-list', '--count', 'main')).trim()).toBe('1');
      // Cairn itself (an endpoint answering 410 Gone) is the author when no operator asked, with no address.
      await registry.update(id, () => null, { action: 'delete', author: null, operatorIp: null, comment: 'gone' });
      const gone = await gitCli(system, 'log', '-1', '--format=%an%n%B', 'main');
      expect(gone).toMatch(/^Cairn\n/);
      expect(gone).not.toContain('Cairn-Operator-IP');
      await gitCli(system, 'fsck', '--strict');
    });
  });

  describe('Git failures', () => {
    const fullDisk = (): void => {
      failWrite = (step, file) => {
        if (step === 'create' && file.includes(`${path.sep}objects${path.sep}`)) throw Object.assign(new Error('no space left on device'), { code: 'ENOSPC' });
      };
    };

    it('are the same StorageError whatever the target, with nothing committed anywhere', async () => {
      const base = versionOf(await put('{"replicas":1}\n'));
      fullDisk();
      await expect(put('{"replicas":2}\n', { expectedVersion: base })).rejects.toMatchObject({ code: 'STORAGE_FAILURE' });
      const proposing = cairn.proposals.propose(ANN, { namespace: 'payments', expectedVersion: base }, [{ path: 'api.json', text: '{"replicas":3}\n' }]);
      await expect(proposing).rejects.toMatchObject({ code: 'STORAGE_FAILURE' });
      const registry = new WebhookRegistry(store, pipeline, COMMITTER);
      const how = { action: 'create' as const, author: null, operatorIp: null, comment: '' };
      await expect(
        registry.update('wh_0123456789abcdef01234567', () => definition('wh_0123456789abcdef01234567', 'https://example.com/hook'), how),
      ).rejects.toMatchObject({
        code: 'STORAGE_FAILURE',
      });
      failWrite = null;
      expect((await git('rev-parse', 'main')).trim()).toBe(base);
      expect(await git('for-each-ref', 'refs/heads/proposals/')).toBe('');
      await git('fsck', '--strict');
    });

    it('a path Git cannot store (a document where a folder is) is InvalidPath', async () => {
      const base = versionOf(await put('{}\n', { path: 'a.json/b.json' }));
      await expect(put('{}\n', { path: 'a.json' })).rejects.toMatchObject({ code: 'INVALID_PATH', path: 'a.json' });
      expect((await git('rev-parse', 'main')).trim()).toBe(base);
    });
  });

  describe('a new target', () => {
    /** What a release branch could be: one small class, and every stage of the pipeline applies to it. */
    class ReleaseTarget implements WriteTarget {
      readonly label = 'releases/prod';
      readonly rules: TargetRules = { expectedVersion: 'none', validateDocuments: true, checks: true, unchanged: 'unchanged' };
      open(who: Actor): Promise<GitRepository> {
        return pipeline.targets.main('payments').open(who);
      }
      async base(repo: GitRepository): Promise<IndexedCommit | null> {
        const tip = await repo.readRef('refs/heads/releases/prod');
        return tip ? repo.describe(tip) : repo.head();
      }
      async land(repo: GitRepository, commit: CommitRequest): Promise<IndexedCommit> {
        // The branch moves only from the commit the write was planned on (null: it is created).
        const tip = (await repo.readRef('refs/heads/releases/prod')) === null ? null : commit.parent;
        return repo.describe(await repo.commitToBranch('refs/heads/releases/prod', tip, commit));
      }
      contention(): Error {
        return new Error('contention');
      }
    }

    it('gets validation, checks, authorization and commit conventions from the pipeline', async () => {
      const schema = { type: 'object', properties: { replicas: { type: 'integer', maximum: 10 } } };
      const base = versionOf(
        await cairn.updates.apply(ANN, { namespace: 'payments', expectedVersion: null }, [
          { path: 'api.json', text: '{"replicas":1}\n' },
          { path: '.cairn/schemas/api.schema.json', content: schema },
          { path: '.cairn/schemas/index.json', content: { 'api.json': 'api.schema.json' } },
        ]),
      );
      const write = (text: string, who = ANN): Promise<WriteOutcome> =>
        pipeline.write({
          actor: who,
          target: new ReleaseTarget(),
          options: { expectedVersion: null, comment: 'release' },
          request: { operation: 'release', payload: [] },
          plan: () => Promise.resolve({ action: 'update', files: new Map([['api.json', text]]) }),
        });
      await expect(write('{"replicas":\n')).rejects.toBeInstanceOf(InvalidDocumentError);
      await expect(write('{"replicas":2}\n', actor('eve@example.com', 'viewer'))).rejects.toMatchObject({ code: 'FORBIDDEN' });
      await expect(write('{"replicas":20}\n')).rejects.toMatchObject({ code: 'SCHEMA_VIOLATION' });
      const released = versionOf(await write('{"replicas":2}\n'));
      expect((await git('rev-parse', 'releases/prod^')).trim()).toBe(base);
      expect((await git('rev-parse', 'releases/prod')).trim()).toBe(released);
      expect(await git('log', '-1', '--format=%an%n%B', 'releases/prod')).toMatch(/^ann\nrelease\n\nCairn-Action: update\nCairn-Operator-IP: 10\.0\.0\.7/);
      expect((await git('rev-parse', 'main')).trim()).toBe(base);
      expect((await write('{"replicas":2}\n')).kind).toBe('unchanged');
    });
  });
});
