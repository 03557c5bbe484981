import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BLOB_MODE, TREE_MODE } from '../../src/git/object-format.js';
import { ObjectStore } from '../../src/git/object-store.js';
import { Tree } from '../../src/git/tree.js';

/**
 * Trees as the git CLI writes them, read through Tree: every entry as `git ls-tree` shows it, names found as bytes
 * (non-ASCII ones too), and git's order (a folder sorts as if its name ended in "/") told apart from byte order.
 */
describe('Tree', () => {
  let gitdir: string;
  const git = (args: string[], input?: string): string => execFileSync('git', ['--git-dir', gitdir, ...args], { input, encoding: 'utf8' }).trim();
  let blob: string;
  let sub: string;
  let mixed: string;

  beforeAll(() => {
    gitdir = mkdtempSync(path.join(tmpdir(), 'cairn-tree-'));
    execFileSync('git', ['init', '-q', '--bare', gitdir]);
    blob = git(['hash-object', '-w', '--stdin'], '{"a":1}\n');
    sub = git(['mktree'], `100644 blob ${blob}\tinner.json\n`);
    // mktree sorts as git does: "cfg.json" before the folder "cfg", since "." < "/".
    mixed = git(
      ['mktree'],
      [
        `100644 blob ${blob}\tcfg.json`,
        `040000 tree ${sub}\tcfg`,
        `100755 blob ${blob}\trun.sh`,
        `120000 blob ${blob}\tlink`,
        `100644 blob ${blob}\tsnö ☃.yaml`,
        '',
      ].join('\n'),
    );
  });
  afterAll(() => rmSync(gitdir, { recursive: true, force: true }));

  const read = (oid: string): Promise<Tree> => new ObjectStore(gitdir, { fsync: false }).readTree(oid);

  it('decodes every entry as git ls-tree lists it, in the order it is stored', async () => {
    const tree = await read(mixed);
    const listed = git(['-c', 'core.quotePath=false', 'ls-tree', '-z', mixed])
      .split('\0')
      .filter(Boolean)
      .map((line) => {
        const [meta, name] = line.split('\t') as [string, string];
        const [mode, , oid] = meta.split(' ') as [string, string, string];
        return { mode: mode === '040000' ? TREE_MODE : mode, name, oid };
      });
    expect(tree.entries()).toEqual(listed);
    expect(tree.length).toBe(5);
    // The two modes Cairn writes are shared strings.
    expect(tree.find('cfg')?.mode).toBe(TREE_MODE);
    expect(tree.find('cfg.json')?.mode).toBe(BLOB_MODE);
  });

  it('finds a name by its bytes, a non-ASCII one too, and nothing for a name it lacks', async () => {
    const tree = await read(mixed);
    expect(tree.find('snö ☃.yaml')).toEqual({ mode: BLOB_MODE, name: 'snö ☃.yaml', oid: blob });
    expect(tree.find('run.sh')?.mode).toBe('100755');
    expect(tree.find('cf')).toBeUndefined();
    expect(tree.find('')).toBeUndefined();
  });

  it('tells git order from byte order, so a diff pairs such trees by name instead', async () => {
    expect((await read(mixed)).inNameOrder()).toBe(false);
    expect((await read(sub)).inNameOrder()).toBe(true);
    expect(Tree.EMPTY.inNameOrder()).toBe(true);
  });

  it('compares entries of two trees as bytes', async () => {
    const other = git(['mktree'], `100644 blob ${git(['hash-object', '-w', '--stdin'], 'other\n')}\tinner.json\n`);
    const c = await read(other);
    const subTree = await read(sub);
    expect(subTree.sameEntry(0, c, 0)).toBe(false);
    expect(subTree.sameEntry(0, subTree, 0)).toBe(true);
    expect(subTree.name(0).toString()).toBe('inner.json');
  });

  it('refuses a truncated tree', () => {
    const bytes = Buffer.concat([Buffer.from('100644 a.json\0'), Buffer.alloc(19)]);
    expect(() => Tree.parse(bytes)).toThrow('malformed tree object');
  });
});
