import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fsckSpecialFile, fsckTree, readTreeEntries } from '../../src/git/tree-fsck.js';
import { writeLoose } from '../support/loose-object.js';

/**
 * The port of fsck_tree against `git fsck --strict`: generated trees (names from a small alphabet, so that
 * prefixes, `.`/`..`, slashes and file/folder pairs such as "a", "a.b", "a/" come often; every mode; any order;
 * duplicates) are written as loose objects and judged by one fsck run. Deterministic: fixed seed (CAIRN_FUZZ_SEED).
 */
const SEED = Number(process.env.CAIRN_FUZZ_SEED ?? 20_261_125);
const TREES = 2000;

let root: string;

beforeAll(() => {
  root = mkdtempSync(path.join(tmpdir(), 'cairn-tree-fsck-'));
});

afterAll(() => rmSync(root, { recursive: true, force: true }));

const treeBytes = (entries: readonly (readonly [string, string, string])[]): Buffer =>
  Buffer.concat(entries.flatMap(([mode, name, oid]) => [Buffer.from(`${mode} ${name}\0`), Buffer.from(oid, 'hex')]));

describe(`fsckTree agrees with git fsck --strict on ${TREES} generated trees (seed ${SEED})`, () => {
  it('reports the same errors for every tree', () => {
    const gitdir = path.join(root, 'generated.git');
    execFileSync('git', ['init', '--quiet', '--bare', gitdir]);
    const blob = writeLoose(gitdir, 'blob', Buffer.from('x'));
    const emptyTree = writeLoose(gitdir, 'tree', Buffer.alloc(0));
    const MODES = ['100644', '100755', '40000', '040000', '120000', '160000', '100664', '0100644'];
    const entryArb = fc.record({
      name: fc.string({ unit: fc.constantFrom('a', 'b', '.', '-', '/', '0'), minLength: 1, maxLength: 4 }),
      mode: fc.constantFrom(...MODES),
      nullOid: fc.nat(32).map((n) => n === 0),
    });
    // Sorted trees over a tiny alphabet: duplicates that are not neighbours ("a", "a.", "a/") are only found there.
    const sortKey = (e: { name: string; mode: string }): Buffer => Buffer.from(e.mode.endsWith('40000') ? `${e.name}/` : e.name);
    const sortedArb = fc
      .array(
        fc.record({
          name: fc.string({ unit: fc.constantFrom('a', 'a', '.', '-', '/'), minLength: 1, maxLength: 3 }),
          mode: fc.constantFrom('100644', '40000'),
          nullOid: fc.constant(false),
        }),
        {
          minLength: 2,
          maxLength: 7,
        },
      )
      .map((entries) => [...entries].sort((x, y) => Buffer.compare(sortKey(x), sortKey(y))));
    const f = (name: string) => ({ name, mode: '100644', nullOid: false });
    const d = (name: string) => ({ name, mode: '40000', nullOid: false });
    const EXAMPLES = [
      // fsck.c's own example of duplicates that are not neighbours, and git's t1450 cases.
      [f('foo'), f('foo.bar'), f('foo.bar.baz'), d('foo.bar'), d('foo')],
      [f('A'), f('A.B'), d('A')],
      [f('A'), d('A.B'), d('A')],
      // A candidate that must wait for a later folder: "a" against "a." (no), then against "a" (yes).
      [f('a'), f('a.-'), d('a.'), d('a')],
      [f('a'), d('a-'), d('a')],
    ];
    const trees = [...EXAMPLES, ...fc.sample(fc.oneof(fc.array(entryArb, { minLength: 1, maxLength: 7 }), sortedArb), { seed: SEED, numRuns: TREES })];
    const expected = new Map<string, string[]>();
    for (const entries of trees) {
      const content = treeBytes(
        entries.map(({ name, mode, nullOid }) => [mode, name, nullOid ? '0'.repeat(40) : mode.endsWith('40000') ? emptyTree : blob] as const),
      );
      expected.set(
        writeLoose(gitdir, 'tree', content),
        fsckTree(content)
          .findings.map((f) => f.id)
          .sort(),
      );
    }

    const run = spawnSync('git', ['--git-dir', gitdir, 'fsck', '--strict', '--no-dangling'], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
    const reported = new Map<string, Set<string>>();
    for (const m of run.stderr.matchAll(/^error in tree ([0-9a-f]{40}): (\w+):/gm)) reported.set(m[1]!, (reported.get(m[1]!) ?? new Set()).add(m[2]!));
    const disagreements: string[] = [];
    for (const [tree, ours] of expected) {
      const theirs = [...(reported.get(tree) ?? [])].sort();
      if (theirs.join() !== ours.join()) disagreements.push(`${tree}: fsck [${theirs}], ours [${ours}]`);
    }
    expect(disagreements).toEqual([]);
    for (const id of ['duplicateEntries', 'treeNotSorted', 'hasDot', 'hasDotdot', 'fullPathname', 'zeroPaddedFilemode', 'nullSha1']) {
      expect([...expected.values()].filter((ids) => ids.includes(id)).length, id).toBeGreaterThan(10);
    }
  });
});

describe('fsckTree without git', () => {
  const oid = 'ab'.repeat(20);

  it('refuses what git cannot parse as a tree', () => {
    expect(() => readTreeEntries(treeBytes([['100644', '', oid]]))).toThrow('empty filename');
    expect(() => readTreeEntries(treeBytes([['10064x', 'a', oid]]))).toThrow('malformed mode');
    expect(() => readTreeEntries(treeBytes([['100644', 'a', oid]]).subarray(0, 20))).toThrow('too-short');
  });

  // git 2.43 and later (fsck.largePathname); the git of this machine may be older, so no fsck to compare with.
  it('reports a name over 4,096 bytes as largePathname', () => {
    expect(fsckTree(treeBytes([['100644', 'a'.repeat(4097), oid]])).findings.map((f) => f.id)).toEqual(['largePathname']);
    expect(fsckTree(treeBytes([['100644', 'a'.repeat(4096), oid]])).findings).toEqual([]);
  });

  it('checks what sits at .gitattributes as git does: a blob, under 100 MiB, no line of 2,048 bytes or more before a NUL', () => {
    const blob = (text: string) => ({ type: 'blob', content: Buffer.from(text) });
    expect(fsckSpecialFile('.gitattributes', blob(`${'a'.repeat(2047)}\n*.json text\n`))).toBeNull();
    expect(fsckSpecialFile('.gitattributes', blob(`x\n${'a'.repeat(2048)}`))?.id).toBe('gitattributesLineLength');
    expect(fsckSpecialFile('.gitattributes', blob(`x\0${'a'.repeat(3000)}`))).toBeNull();
    expect(fsckSpecialFile('.gitattributes', { type: 'tree', content: Buffer.alloc(0) })?.id).toBe('gitattributesBlob');
    expect(fsckSpecialFile('.gitmodules', null)?.id).toBe('gitmodulesMissing');
    expect(fsckSpecialFile('.gitmodules', blob('[submodule "x"]\n'))).toBeNull();
  });
});
