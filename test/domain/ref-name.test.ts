import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { InvalidTagNameError } from '../../src/domain/errors.js';
import { isValidRefName, validateTagName } from '../../src/domain/ref-name.js';

/** The reference: what the git CLI says about each name, `git check-ref-format <name>` exiting 0 or not. */
function checkRefFormat(names: readonly string[]): boolean[] {
  // One shell runs git for all of them: Node forking itself for each name cost this file seconds a hundred names.
  const script = 'for name do git check-ref-format "$name" >/dev/null 2>&1; echo $?; done';
  const result = spawnSync('sh', ['-c', script, 'sh', ...names], { encoding: 'utf8' });
  if (result.error) throw result.error;
  const codes = result.stdout.split('\n').slice(0, -1);
  if (result.status !== 0 || codes.length !== names.length) throw new Error(`git check-ref-format answered ${codes.length} of ${names.length} names`);
  return codes.map((code) => code === '0');
}

/**
 * The same answers from one git process: `git show-ref --exclude-existing` makes the check `git check-ref-format`
 * makes (refs.c's check_refname_format, no flags) on every line it reads, and prints the lines that pass and name
 * no ref (an empty repository has none). It reads a line's last word, drops a trailing `^{}`, and reads at most
 * 1,023 bytes a line; and `git check-ref-format` takes a name starting with `-` for an option. Such names are not
 * given to it (`readsWhole`), and a test checks the two agree on the hand-picked names.
 */
function showRefExcludeExisting(names: readonly string[]): boolean[] {
  const repository = mkdtempSync(path.join(tmpdir(), 'cairn-ref-names-'));
  try {
    const init = spawnSync('git', ['init', '-q', '--bare', repository]);
    if (init.status !== 0) throw new Error(`git init: ${init.stderr}`);
    // "<index> <name>": the name is the last word, and the index says which line passed.
    const input = names.map((name, i) => `${i} ${name}\n`).join('');
    const result = spawnSync('git', ['--git-dir', repository, 'show-ref', '--exclude-existing'], { input, encoding: 'utf8' });
    if (result.error || result.status !== 0) throw result.error ?? new Error(`git show-ref --exclude-existing: ${result.stderr}`);
    const passed = new Set(
      result.stdout
        .split('\n')
        .filter(Boolean)
        .map((line) => Number(line.slice(0, line.indexOf(' ')))),
    );
    return names.map((_, i) => passed.has(i));
  } finally {
    rmSync(repository, { recursive: true, force: true });
  }
}

/** A name show-ref reads whole and judges as check-ref-format does (git's white space is space, tab, CR and LF). */
const readsWhole = (name: string): boolean => !/[ \t\n\r\v\f]/.test(name) && !name.endsWith('^{}') && !name.startsWith('-') && Buffer.byteLength(name) < 1000;

/** What git says about each name: most from one show-ref, the rest from check-ref-format itself. */
function gitAcceptsAll(names: readonly string[]): Map<string, boolean> {
  const unique = [...new Set(names)];
  const whole = unique.filter(readsWhole);
  const rest = unique.filter((name) => !readsWhole(name));
  const answers = [...showRefExcludeExisting(whole), ...checkRefFormat(rest)];
  return new Map([...whole, ...rest].map((name, i) => [name, answers[i]!]));
}

// No NUL: it cannot be passed as a command-line argument.
const alphabet = fc.constantFrom(...'ab/.@{}~^:?*[]\\ \t\x01\x7f-_lockü😀'.split(''), '.lock', '..', '@{', '/.', 'refs/');
const randomName = fc.array(alphabet, { minLength: 0, maxLength: 10 }).map((parts) => parts.join(''));
const RANDOM = { numRuns: 400, seed: 20261125 };

const HAND_PICKED = [
  'refs/tags/v1',
  'refs/tags/v1.0.0',
  'refs/tags/release/2026-11',
  'refs/heads/main',
  'v1',
  '',
  '@',
  'refs/@',
  'refs/tags/@',
  'refs/tags/a@{b',
  'refs/tags/a@b',
  'refs/tags/a{b}',
  'refs/tags/a.',
  'refs/tags/a./b',
  'refs/tags/.a',
  'refs/tags/a/.b',
  'refs/tags/a..b',
  'refs/tags/a.b',
  'refs/tags/a.lock',
  'refs/tags/a.lock/b',
  'refs/tags/a.locked',
  'refs/tags/.lock',
  'refs/tags/a b',
  'refs/tags/a\tb',
  'refs/tags/a\x7fb',
  'refs/tags/a~1',
  'refs/tags/a^',
  'refs/tags/a:b',
  'refs/tags/a?',
  'refs/tags/a*',
  'refs/tags/a[1]',
  'refs/tags/a\\b',
  'refs/tags/a]',
  'refs/tags//a',
  '/refs/tags/a',
  'refs/tags/a/',
  'refs/tags/a//b',
  'refs/tags/ünïcødé',
  'refs/tags/日本',
  'refs/tags/a+b',
  'refs/tags/a,b;c=d!e#f$g%h&i(j)k',
  'refs/tags/-a',
  'refs/tags/a-',
  'refs/tags/a_b',
  'refs/tags/@a',
  'refs/tags/a@',
  'refs/tags/{',
  'refs/tags/}',
  'refs/tags/"quoted"',
  "refs/tags/it's",
  'refs/tags/<a>',
  'refs/tags/a|b',
  'refs/tags/`a`',
  'refs/./a',
  'refs/../a',
  'refs/tags/...',
  'refs/tags/a...b',
  'refs/tags/..',
  'refs/tags/a/..',
  'refs/tags/emoji😀',
  'refs/tags/a\u00a0b',
  'refs.lock/a',
  'a/b',
  'HEAD',
  'refs/tags/HEAD',
  'refs/tags/' + 'x'.repeat(300),
];

describe('isValidRefName agrees with git check-ref-format', () => {
  // Git is asked about every name below at once, the random ones drawn beforehand with the property's own seed.
  let answers: Map<string, boolean>;
  const gitAccepts = (name: string): boolean => answers.get(name) ?? gitAcceptsAll([name]).get(name)!;
  beforeAll(() => {
    const drawn = fc.sample(randomName, RANDOM);
    answers = gitAcceptsAll([...HAND_PICKED, ...drawn.flatMap((n) => [n, `refs/tags/${n}`])]);
  });

  it.each(HAND_PICKED.map((n) => [n]))('%j', (name) => {
    expect(isValidRefName(name)).toBe(gitAccepts(name));
  });

  it('git show-ref --exclude-existing and git check-ref-format agree on the hand-picked names show-ref reads whole', () => {
    const names = HAND_PICKED.filter(readsWhole);
    expect(names.length).toBeGreaterThan(50);
    expect(showRefExcludeExisting(names)).toEqual(checkRefFormat(names));
  });

  it('on random names built from the characters the rules are about', () => {
    let compared = 0;
    let asked = 0;
    fc.assert(
      fc.property(randomName, (n) => {
        compared += 1;
        if (answers.has(n) && answers.has(`refs/tags/${n}`)) asked += 1;
        return isValidRefName(n) === gitAccepts(n) && isValidRefName(`refs/tags/${n}`) === gitAccepts(`refs/tags/${n}`);
      }),
      RANDOM,
    );
    expect(compared).toBe(400);
    // The names drawn beforehand are the ones the property ran on.
    expect(asked).toBe(400);
  });
});

describe('validateTagName', () => {
  it.each(['v1', 'v1.0.0', 'release/2026-11', 'prod/eu-west/3', 'ünïcødé', 'a+b', 'abc', 'deadbeefx', 'Head'])('accepts %j', (name) => {
    expect(validateTagName(name)).toBe(name);
  });

  it.each([
    ['', 'empty'],
    ['x'.repeat(201), 'longer'],
    ['a..b', "'..'"],
    ['a b', '" "'],
    ['a~1', '"~"'],
    ['a^', '"^"'],
    ['a@{1}', "'@{'"],
    ['.hidden', "starting with '.'"],
    ['v1.lock', "'.lock'"],
    ['a/', 'empty component'],
    ['a.', "ends with '.'"],
    ['deadbeef', 'hash'],
    ['HEAD', 'hash, HEAD, main'],
    ['main', 'hash, HEAD, main'],
    ['refs/tags/v1', 'full ref name'],
  ])('refuses %j (%s)', (name, reason) => {
    let caught: unknown;
    try {
      validateTagName(name);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(InvalidTagNameError);
    expect((caught as InvalidTagNameError).reason).toContain(reason);
  });
});
