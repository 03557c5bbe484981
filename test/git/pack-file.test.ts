import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { cacheBudget } from '../../src/git/cache-budget.js';
import { PackFile } from '../../src/git/pack-file.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** One commit of `count` similar documents by fast-import, which chains each blob to the one before, 50 deep. */
function importedPack(count: number): { pack: string; gitdir: string; blobs: Map<string, string> } {
  const gitdir = mkdtempSync(path.join(tmpdir(), 'cairn-pack-'));
  dirs.push(gitdir);
  execFileSync('git', ['init', '-q', '--bare', gitdir]);
  const files = Array.from({ length: count }, (_, k) => `${JSON.stringify({ service: `s${k}`, replicas: 3, image: 'registry.example.com/app:1' }, null, 2)}\n`);
  const stream = [
    'commit refs/heads/main\ncommitter T <t@example.com> 1700000000 +0000\ndata 2\nc\n',
    ...files.map((text, k) => `M 100644 inline doc-${k}.json\ndata ${Buffer.byteLength(text)}\n${text}`),
    '\n',
  ].join('');
  const result = spawnSync('git', ['--git-dir', gitdir, 'fast-import', '--quiet'], { input: stream });
  if (result.status !== 0) throw new Error(result.stderr.toString());
  const blobs = new Map(files.map((text) => [blobId(text), text]));
  const packDir = path.join(gitdir, 'objects', 'pack');
  return {
    pack: path.join(
      packDir,
      readdirSync(packDir).find((n) => n.endsWith('.pack'))!,
    ),
    gitdir,
    blobs,
  };
}

function blobId(text: string): string {
  return createHash('sha1')
    .update(`blob ${Buffer.byteLength(text)}\0${text}`)
    .digest('hex');
}

/** The same objects repacked with ref deltas (pack-objects without --delta-base-offset names each base by id). */
function refDeltaPack(gitdir: string): string {
  const objects = execFileSync('git', ['--git-dir', gitdir, 'rev-list', '--objects', '--all'], { encoding: 'utf8' });
  const base = path.join(gitdir, 'objects', 'pack', 'refs');
  const name = execFileSync('git', ['--git-dir', gitdir, 'pack-objects', '-q', base], { input: objects, encoding: 'utf8' }).trim();
  return `${base}-${name}.pack`;
}

describe('PackFile', () => {
  it('reads concurrent objects of shared delta chains once each, and every one right', async () => {
    const { pack, gitdir, blobs } = importedPack(200);
    const depths = execFileSync('git', ['--git-dir', gitdir, 'verify-pack', '-v', pack.replace(/\.pack$/, '.idx')], { encoding: 'utf8' });
    expect(depths).toMatch(/chain length = 40:/);
    const file = await PackFile.open(pack, async () => null);
    try {
      const read = await Promise.all([...blobs.keys()].map((oid) => file.read(oid)));
      expect(read.map((o) => o?.content.toString())).toEqual([...blobs.values()]);
      // Each of the 200 blobs is one entry of the pack: walking the chains once reads each entry once.
      expect(file.entriesRead).toBe(blobs.size);
    } finally {
      await file.close();
    }
  });

  it('keeps the small objects of a diff-sized read: reading them again reads nothing from the pack', async () => {
    const { pack, blobs } = importedPack(3000);
    const file = await PackFile.open(pack, async () => null);
    try {
      await Promise.all([...blobs.keys()].map((oid) => file.read(oid)));
      expect(file.entriesRead).toBe(blobs.size);
      const again = await Promise.all([...blobs.keys()].map((oid) => file.read(oid)));
      expect(again.map((o) => o?.content.toString())).toEqual([...blobs.values()]);
      expect(file.entriesRead).toBe(blobs.size);
    } finally {
      await file.close();
    }
  });

  it('keeps a one-off read of a deep object cheap in the cache: the object and every eighth base, not the whole chain', async () => {
    const { pack, gitdir, blobs } = importedPack(200);
    const verify = execFileSync('git', ['--git-dir', gitdir, 'verify-pack', '-v', pack.replace(/\.pack$/, '.idx')], { encoding: 'utf8' });
    const depthOf = new Map<string, number>();
    for (const line of verify.split('\n')) {
      const [oid, type, , , , depth] = line.split(/\s+/);
      if (oid && type === 'blob' && blobs.has(oid)) depthOf.set(oid, Number(depth ?? 0));
    }
    const [deepest, depth] = [...depthOf].reduce((a, b) => (b[1] > a[1] ? b : a));
    expect(depth).toBeGreaterThanOrEqual(40);
    const file = await PackFile.open(pack, async () => null);
    try {
      const before = cacheBudget.size;
      expect((await file.read(deepest))?.content.toString()).toBe(blobs.get(deepest));
      expect(file.entriesRead).toBe(depth + 1);
      // The whole object at the bottom, every eighth step, and the object read at the top (50 deep: 1 + 6 + 1).
      expect(cacheBudget.size - before).toBe(1 + Math.floor(depth / 8) + (depth % 8 === 0 ? 0 : 1));
      // Any other object of the walked chain is at most 7 uncached steps above a kept one.
      for (const [oid, d] of depthOf) {
        if (d > depth) continue;
        const read = file.entriesRead;
        expect((await file.read(oid))?.content.toString()).toBe(blobs.get(oid));
        expect(file.entriesRead - read).toBeLessThan(8);
      }
    } finally {
      await file.close();
    }
  });

  it('resolves ref deltas through their bases by id', async () => {
    const { gitdir, blobs } = importedPack(120);
    const pack = refDeltaPack(gitdir);
    expect(execFileSync('git', ['--git-dir', gitdir, 'verify-pack', '-v', pack.replace(/\.pack$/, '.idx')], { encoding: 'utf8' })).toMatch(/chain length = 1:/);
    const file = await PackFile.open(pack, async () => null);
    try {
      const read = await Promise.all([...blobs.keys()].map((oid) => file.read(oid)));
      expect(read.map((o) => o?.content.toString())).toEqual([...blobs.values()]);
    } finally {
      await file.close();
    }
  });
});
