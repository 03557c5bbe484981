import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_CACHE_BYTES, cacheBudget } from '../../src/git/cache-budget.js';
import { DEFAULT_MAX_OPEN_PACKS, packHandles } from '../../src/git/pack-handles.js';
import { RepositoryStore } from '../../src/git/repository-store.js';

const DOCUMENTS = 5;

/** A bare repository of a few commits whose objects are all in one pack, as fast-import leaves them. */
function packedRepository(gitdir: string): void {
  execFileSync('git', ['init', '-q', '--bare', '-b', 'main', gitdir]);
  const stream: string[] = [];
  for (let v = 0; v < 3; v += 1) {
    const message = `change ${v}\n`;
    stream.push(`commit refs/heads/main\nmark :${v + 1}\ncommitter T <t@example.com> ${1_700_000_000 + v} +0000\ndata ${message.length}\n${message}`);
    if (v > 0) stream.push(`from :${v}\n`);
    for (let k = 0; k < DOCUMENTS; k += 1) {
      const text = JSON.stringify({ document: k, version: v, padding: 'x'.repeat(200) });
      stream.push(`M 100644 inline doc-${k}.json\ndata ${Buffer.byteLength(text)}\n${text}\n`);
    }
    stream.push('\n');
  }
  execFileSync('git', ['-c', 'fastimport.unpackLimit=0', '--git-dir', gitdir, 'fast-import', '--quiet'], { input: stream.join('') });
}

/**
 * `count` namespaces, copies of one packed repository (copying is much quicker than running git for each), with the
 * commit index file Cairn wrote for it: opening one reads that file rather than walking its history.
 */
async function dataDirWith(count: number): Promise<string> {
  const dir = mkdtempSync(path.join(tmpdir(), 'cairn-many-'));
  const data = path.join(dir, 'data');
  packedRepository(path.join(data, 'ns-0.git'));
  const first = new RepositoryStore(data, { fsync: false });
  await first.get('ns-0');
  await first.close();
  // What git init adds that Cairn never reads (sample hooks): fewer files to copy.
  for (const extra of ['hooks', 'description', 'info']) rmSync(path.join(data, 'ns-0.git', extra), { recursive: true, force: true });
  for (let i = 1; i < count; i += 1) cpSync(path.join(data, 'ns-0.git'), path.join(data, `ns-${i}.git`), { recursive: true });
  return dir;
}

function openDescriptors(): number {
  return readdirSync('/proc/self/fd').length;
}

async function readOneDocumentOfEach(store: RepositoryStore, count: number): Promise<void> {
  for (let i = 0; i < count; i += 1) {
    const repo = (await store.get(`ns-${i}`))!;
    const [file] = await repo.filesIn(repo.head()!.tree, `doc-${i % DOCUMENTS}`);
    expect(JSON.parse(await repo.readText(file!.oid))).toMatchObject({ document: i % DOCUMENTS, version: 2 });
  }
}

describe('a thousand namespaces in one process', () => {
  const count = 1_050;
  let dir = '';
  beforeAll(async () => {
    dir = await dataDirWith(count);
  }, 120_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }), 120_000);
  afterEach(() => {
    packHandles.setLimit(DEFAULT_MAX_OPEN_PACKS);
    cacheBudget.setMaxBytes(DEFAULT_CACHE_BYTES);
  });

  it('keeps at most CAIRN_MAX_OPEN_PACKS pack files open, whatever the number of namespaces read', async () => {
    const limit = 16;
    packHandles.setLimit(limit);
    const store = new RepositoryStore(path.join(dir, 'data'), { fsync: false });
    const before = openDescriptors();
    try {
      await readOneDocumentOfEach(store, count);
      expect(packHandles.openCount).toBeLessThanOrEqual(limit);
      // A few descriptors of the process's own (a worker's pipe, a file being read) besides the packs.
      expect(openDescriptors() - before).toBeLessThanOrEqual(limit + 8);
      // The first namespaces' packs were closed to make room: read again, they are reopened.
      await readOneDocumentOfEach(store, 3);
    } finally {
      await store.close();
    }
  }, 120_000);

  it('keeps every cache within one budget for the process, not one per namespace, and reads right past it', async () => {
    const budget = 256 * 1024;
    cacheBudget.setMaxBytes(budget);
    const store = new RepositoryStore(path.join(dir, 'data'), { fsync: false });
    try {
      await readOneDocumentOfEach(store, 300);
      expect(cacheBudget.bytes).toBeGreaterThan(0);
      expect(cacheBudget.bytes).toBeLessThanOrEqual(budget);
      // Per-namespace caches held trees, commits and delta bases for each of the 300: far more entries than this.
      expect(cacheBudget.size).toBeLessThan(300 * 10);
      // What was pushed out is read again from Git.
      await readOneDocumentOfEach(store, 3);
    } finally {
      await store.close();
    }
  }, 120_000);
});
