import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { appendFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningServer, startServer } from '../../src/server/app.js';
import { readSettings } from '../../src/server/settings.js';
import type { BackupManifest } from '../../src/domain/backup-manifest.js';
import { DEFINE_ENVIRONMENT, RELEASE } from '../support/environment-operations.js';
import { type Harness, startHarness } from '../support/harness.js';
import { CREATE_NAMESPACE, PUT_CONFIG, type WriteResult } from '../support/operations.js';
import { CREATE_TAG } from '../support/tag-operations.js';
import { ADMIN, EDITOR } from '../support/tokens.js';
import { CREATE_WEBHOOK } from '../support/webhook-operations.js';
import { json, runCli } from './cli-process.js';

/** Everything a client sees of a namespace that a restore must bring back: heads, versions, history, documents, tags, releases, webhooks. */
const STATE = `query($ns: String!) {
  namespace(name: $ns) { ... on Namespace { head { hash } versionCount
    audit(first: 100) { edges { node { version { hash } action operator { email } comment paths } } }
    configs { ... on ConfigsSuccess { data { path text } } } } }
  tags(namespace: $ns) { ... on TagsSuccess { data { name hash message target { hash } } } }
  environments(namespace: $ns) { ... on EnvironmentsSuccess { data { name branch release { hash comment version { hash } } } } }
  webhooks(namespace: $ns) { ... on WebhooksSuccess { data { id url } } }
}`;

const NAMESPACES = ['payments', 'web', 'busy'];
/** Webhooks are only defined here (system repository): nothing is delivered, in either server. */
const QUIET = { CAIRN_WEBHOOK_DELIVERY: 'false' };

function git(gitdir: string, ...args: string[]): string {
  return execFileSync('git', ['--git-dir', gitdir, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Every ref of a repository: name → object id, as the manifest lists them. */
function refsOf(gitdir: string): Record<string, string> {
  const refs: Record<string, string> = {};
  for (const line of git(gitdir, 'for-each-ref', '--format=%(refname) %(objectname)').trim().split('\n').filter(Boolean)) {
    const [ref, oid] = line.split(' ') as [string, string];
    refs[ref] = oid;
  }
  return refs;
}

async function gql<T>(url: string, query: string, variables: Record<string, unknown>): Promise<T> {
  const res = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN.token}` },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await res.json()) as { data: T; errors?: unknown };
  if (body.errors) throw new Error(JSON.stringify(body.errors));
  return body.data;
}

describe('cairn backup and restore (a restore drill)', () => {
  let h: Harness;
  let root: string;
  let backupDir: string;
  let manifest: BackupManifest;
  /** Versions of `busy` committed while the backup ran, in order. */
  const busyVersions: string[] = [];
  let restored: RunningServer | null = null;

  const put = async (namespace: string, file: string, content: unknown, expectedVersion: string | null): Promise<string> => {
    const res = await h.gql<{ putConfig: WriteResult }>(PUT_CONFIG, { input: { namespace, path: file, content, expectedVersion } });
    expect(res.data.putConfig.status, JSON.stringify(res)).toBe('COMMITTED');
    return res.data.putConfig.version!.hash;
  };

  beforeAll(async () => {
    h = await startHarness({ tokens: [ADMIN, EDITOR], env: QUIET });
    root = mkdtempSync(path.join(tmpdir(), 'cairn-backup-'));
    backupDir = path.join(root, 'backup');
    for (const name of NAMESPACES) await h.gql(CREATE_NAMESPACE, { name });
    let head: string | null = null;
    for (let i = 1; i <= 3; i += 1) head = await put('payments', 'services/api.json', { replicas: i }, head);
    head = await put('payments', 'services/db.yaml', { pool: 10 }, head);
    const tagged = await h.gql<{ createTag: { __typename: string } }>(CREATE_TAG, {
      input: { namespace: 'payments', name: 'v1.0', version: head, message: 'first' },
    });
    expect(tagged.data.createTag.__typename).toBe('Tag');
    const hook = await h.gql<{ createWebhook: { __typename: string } }>(CREATE_WEBHOOK, {
      input: { namespace: 'payments', url: 'https://hooks.example.com/cairn' },
    });
    expect(hook.data.createWebhook.__typename).toBe('WebhookSecretPayload');

    const web = await put('web', 'app.json', { theme: 'dark' }, null);
    const defined = await h.gql<{ defineEnvironment: WriteResult }>(DEFINE_ENVIRONMENT, { input: { namespace: 'web', name: 'prod', expectedVersion: web } });
    expect(defined.data.defineEnvironment.status).toBe('COMMITTED');
    const released = await h.gql<{ release: WriteResult }>(RELEASE, {
      input: { namespace: 'web', environment: 'prod', version: web, expectedRelease: null, comment: 'go live' },
    });
    expect(released.data.release.status, JSON.stringify(released)).toBe('COMMITTED');
    busyVersions.push(await put('busy', 'load.json', { n: 0 }, null));
  });

  afterAll(async () => {
    await restored?.close();
    await h.close();
    rmSync(root, { recursive: true, force: true });
  });

  it('backs up a running server while writes go on: verified bundles, a manifest of every ref, each repository one consistent state', async () => {
    let writing = true;
    const writer = (async () => {
      while (writing) busyVersions.push(await put('busy', 'load.json', { n: busyVersions.length }, busyVersions.at(-1)!));
    })();
    const backup = await runCli(['--json', 'backup', backupDir], { url: h.url, token: ADMIN.token });
    writing = false;
    await writer;
    expect(backup.code, backup.stderr).toBe(0);
    // The CLI alone takes longer to start than a write: the backup ran while they went on.
    expect(busyVersions.length).toBeGreaterThan(2);
    expect(json(backup)).toMatchObject({ repositories: 4 });

    manifest = JSON.parse(readFileSync(path.join(backupDir, 'manifest.json'), 'utf8')) as BackupManifest;
    expect(manifest.repositories.map((r) => r.name)).toEqual(['busy', 'payments', 'web', '.cairn']);
    const scratch = path.join(root, 'scratch.git');
    git(scratch, 'init', '-q', '--bare');
    for (const repository of manifest.repositories) {
      const file = path.join(backupDir, repository.bundle);
      expect(createHash('sha256').update(readFileSync(file)).digest('hex')).toBe(repository.sha256);
      git(scratch, 'bundle', 'verify', '-q', file);
    }
    const entry = (name: string) => manifest.repositories.find((r) => r.name === name)!;
    // Namespaces nobody wrote to meanwhile: exactly their refs, release branch and tag included.
    for (const name of ['payments', 'web', '.cairn']) expect(entry(name).refs).toEqual(refsOf(path.join(h.dataDir, `${name}.git`)));
    expect(Object.keys(entry('web').refs)).toContain('refs/heads/environments/prod');
    expect(Object.keys(entry('payments').refs)).toContain('refs/tags/v1.0');
    // The namespace written to during the backup: one version it really had, whichever the snapshot caught.
    expect(busyVersions).toContain(entry('busy').refs['refs/heads/main']);
  });

  it('restores into a new data directory: git fsck is clean, every ref is the manifest’s, and a server started on it answers the same', async () => {
    const dataDir = path.join(root, 'restored', 'repos');
    const restore = await runCli(['--json', 'restore', backupDir, dataDir], { url: h.url });
    expect(restore.code, restore.stderr).toBe(0);
    expect(json(restore)).toMatchObject({ repositories: ['busy', 'payments', 'web', '.cairn'] });
    for (const repository of manifest.repositories) {
      const gitdir = path.join(dataDir, `${repository.name}.git`);
      git(gitdir, 'fsck', '--strict', '--no-progress');
      expect(refsOf(gitdir)).toEqual(repository.refs);
      expect(git(gitdir, 'symbolic-ref', 'HEAD').trim()).toBe('refs/heads/main');
    }
    expect(readdirSync(path.dirname(dataDir))).toEqual(['repos']);

    const tokensFile = path.join(root, 'tokens.json');
    writeFileSync(tokensFile, JSON.stringify({ tokens: [ADMIN] }));
    const settings = readSettings({ CAIRN_DATA_DIR: dataDir, CAIRN_PORT: '0', CAIRN_FSYNC: 'false', CAIRN_TOKENS_FILE: tokensFile, ...QUIET });
    restored = await startServer(settings, { logger: pino({ level: 'silent' }) });
    for (const name of ['payments', 'web']) {
      expect(await gql(restored.url, STATE, { ns: name }), name).toEqual(await gql(h.url, STATE, { ns: name }));
    }
    const busy = await gql<{ namespace: { head: { hash: string }; versionCount: number } }>(restored.url, STATE, { ns: 'busy' });
    expect(busy.namespace.head.hash).toBe(manifest.repositories.find((r) => r.name === 'busy')!.refs['refs/heads/main']);
    expect(busy.namespace.versionCount).toBe(busyVersions.indexOf(busy.namespace.head.hash) + 1);
    // The commit index is a cache, not in the backup: the restored server rebuilt it from Git, line for line the original's.
    const index = (dir: string): string | null => {
      const file = path.join(dir, 'payments.git', 'cairn', 'commits.jsonl');
      return existsSync(file) ? readFileSync(file, 'utf8') : null;
    };
    await expect.poll(() => index(dataDir)).toBe(index(h.dataDir));
  });

  it('refuses a data directory that is not empty, and writes nothing', async () => {
    const dataDir = path.join(root, 'occupied');
    mkdirSync(dataDir);
    writeFileSync(path.join(dataDir, 'keep.txt'), 'mine');
    const restore = await runCli(['restore', backupDir, dataDir], { url: h.url });
    expect(restore.code).toBe(4);
    expect(restore.stderr).toMatch(/not empty/);
    expect(readdirSync(dataDir)).toEqual(['keep.txt']);
  });

  it('refuses a backup whose bundle does not match its hash, before writing anything', async () => {
    const damaged = path.join(root, 'damaged');
    cpSync(backupDir, damaged, { recursive: true });
    appendFileSync(path.join(damaged, 'namespaces', 'web.bundle'), 'x');
    const parent = path.join(root, 'second');
    mkdirSync(parent);
    const restore = await runCli(['--json', 'restore', damaged, path.join(parent, 'repos')], { url: h.url });
    expect(restore.code).toBe(2);
    expect(json<{ error: { type: string; repository: string; message: string } }>(restore).error).toMatchObject({ type: 'BackupDamaged', repository: 'web' });
    expect(readdirSync(parent)).toEqual([]);
  });

  it('takes the admin role on every namespace', async () => {
    const refused = await runCli(['backup', path.join(root, 'editor')], { url: h.url, token: EDITOR.token });
    expect(refused.code).toBe(5);
    expect(refused.stderr).toMatch(/admin/);
    expect(existsSync(path.join(root, 'editor'))).toBe(false);
  });
});
