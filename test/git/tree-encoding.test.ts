import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BLOB_MODE, TREE_MODE, type TreeEntry, encodeObject, encodeTree } from '../../src/git/object-format.js';

/** A tree encoded by Cairn is the tree `git mktree` makes of the same entries: same order, same bytes, same id. */
describe('tree encoding', () => {
  const gitdir = mkdtempSync(path.join(tmpdir(), 'cairn-tree-encoding-'));
  execFileSync('git', ['init', '-q', '--bare', gitdir]);
  afterAll(() => rmSync(gitdir, { recursive: true, force: true }));
  const git = (args: string[], input?: string): string => execFileSync('git', ['--git-dir', gitdir, ...args], { input, encoding: 'utf8' }).trim();

  it('orders entries by their UTF-8 bytes, a subtree as if its name ended with a slash, as git does', () => {
    const blob = git(['hash-object', '-w', '--stdin'], '{}');
    const tree = git(['mktree'], '');
    const names: [string, boolean][] = [
      ['b.json', false],
      ['a', true],
      ['a.json', false],
      ['a-b', false],
      ['a0', true],
      ['Z', false],
      ['é.yaml', false],
      ['\uffff.json', false],
      ['😀.json', false],
      ['日本', true],
    ];
    const entries: TreeEntry[] = names.map(([name, isTree]) => ({ name, mode: isTree ? TREE_MODE : BLOB_MODE, oid: isTree ? tree : blob }));
    const listing = entries.map((e) => `${e.mode === TREE_MODE ? '040000 tree' : '100644 blob'} ${e.oid}\t${e.name}`).join('\n');
    const expected = git(['mktree'], `${listing}\n`);
    expect(encodeObject('tree', encodeTree(entries)).oid).toBe(expected);
    expect(encodeObject('tree', encodeTree([...entries].reverse())).oid).toBe(expected);
  });

  it('refuses an entry whose id is not 40 hex digits', () => {
    expect(() => encodeTree([{ name: 'a.json', mode: BLOB_MODE, oid: 'abc' }])).toThrow(/malformed/);
  });
});
