import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ObjectStore } from '../../src/git/object-store.js';
import { diffTrees } from '../../src/git/tree-diff.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function file(name: string, text: string): string {
  return `M 100644 inline ${name}\ndata ${Buffer.byteLength(text)}\n${text}`;
}

/** Two commits by fast-import: a wide first tree, then adds, deletes, changes, a file becoming a folder and back. */
function twoVersions(): { gitdir: string; trees: [string, string] } {
  const gitdir = mkdtempSync(path.join(tmpdir(), 'cairn-tree-diff-'));
  dirs.push(gitdir);
  execFileSync('git', ['init', '-q', '--bare', gitdir]);
  const first = Array.from({ length: 600 }, (_, k) => file(`g${k % 30}/s${k}.json`, `{"k":${k}}`));
  const second = [
    ...Array.from({ length: 40 }, (_, k) => file(`g${(k * 7) % 30}/s${k * 7}.json`, `{"k":"changed ${k}"}`)),
    ...Array.from({ length: 10 }, (_, k) => `D g${k}/s${k + 30}.json\n`),
    file('g31/new.json', '{}'),
    'D g5\n',
    file('g5', 'now a file'),
    file('top.json', '{"top":true}'),
  ];
  const stream = [
    'commit refs/heads/main\nmark :1\ncommitter T <t@example.com> 1700000000 +0000\ndata 2\na\n',
    ...first,
    file('top', 'a file, then a folder'),
    // git orders a folder as if its name ended in "/": "cfg-old.json" comes before the folder "cfg" here.
    file('cfg-old.json', '{"old":1}'),
    file('cfg/a.json', '{"a":1}'),
    '\ncommit refs/heads/main\nmark :2\ncommitter T <t@example.com> 1700000060 +0000\ndata 2\nb\nfrom :1\n',
    ...second,
    'D top\n',
    file('cfg-old.json', '{"old":2}'),
    file('cfg/a.json', '{"a":2}'),
    file('top/inner.json', '{}'),
    '\n',
  ].join('');
  const result = spawnSync('git', ['--git-dir', gitdir, 'fast-import', '--quiet'], { input: stream });
  if (result.status !== 0) throw new Error(result.stderr.toString());
  const tree = (rev: string) => execFileSync('git', ['--git-dir', gitdir, 'rev-parse', `${rev}^{tree}`], { encoding: 'utf8' }).trim();
  return { gitdir, trees: [tree('main~1'), tree('main')] };
}

describe('diffTrees', () => {
  it('names what git diff-tree -r names, both ways and again from the cache', async () => {
    const { gitdir, trees } = twoVersions();
    const objects = new ObjectStore(gitdir, { fsync: false });
    const letter = { added: 'A', deleted: 'D', modified: 'M' } as const;
    for (const [from, to] of [trees, [trees[1], trees[0]]] as const) {
      const git = execFileSync('git', ['--git-dir', gitdir, 'diff-tree', '-r', '--no-renames', '--name-status', from, to], { encoding: 'utf8' })
        .trim()
        .split('\n')
        .map((line) => line.split('\t'))
        .map(([status, p]) => `${status} ${p}`)
        .sort();
      for (let round = 0; round < 2; round += 1) {
        const ours = (await diffTrees(objects, from, to)).map((c) => `${letter[c.status]} ${c.path}`).sort();
        expect(ours).toEqual(git);
      }
    }
    expect((await diffTrees(objects, null, trees[0])).length).toBe(603);
    await objects.close();
  });
});
