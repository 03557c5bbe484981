import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './cli-process.js';

/** The server is never asked: completion is generated from the program's own definition. */
const NO_SERVER = 'http://127.0.0.1:9';

describe('cairn completion', () => {
  let dir: string;
  const script = async (shell: string): Promise<string> => {
    const result = await runCli(['completion', shell], { url: NO_SERVER });
    expect(result.code, result.stderr).toBe(0);
    const file = path.join(dir, `cairn.${shell}`);
    writeFileSync(file, result.stdout);
    return file;
  };

  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'cairn-completion-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('completes commands, subcommands and options in bash, skipping option values', async () => {
    const file = await script('bash');
    const complete = (words: string[]): string[] =>
      execFileSync('bash', ['-c', `source "$0"; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _cairn; printf '%s\\n' "\${COMPREPLY[@]}"`, file, ...words], {
        encoding: 'utf8',
      })
        .split('\n')
        .filter(Boolean);
    expect(complete(['cairn', 'pro'])).toEqual(['propose', 'promote']);
    expect(complete(['cairn', '--url', 'http://x', 'webhook', ''])).toEqual(expect.arrayContaining(['create', 'list', 'rotate', 'deliveries', 'redeliver']));
    expect(complete(['cairn', 'tag', 'create', 'ns', '--m'])).toEqual(['--message']);
    expect(complete(['cairn', 'get', 'ns', 'a.json', '--c'])).toEqual(['--cluster']);
    expect(complete(['cairn', 'diff', '--from-ns', 'a', '--to'])).toEqual(['--to-cluster', '--to-ns', '--token']);
  });

  it('completes commands with their descriptions, and options, in zsh', async () => {
    const file = await script('zsh');
    execFileSync('zsh', ['-n', file]);
    // The completion system's functions stand in as printers: what _cairn would offer, without an interactive shell.
    const stubs = `compdef() { :; }; _describe() { print -l -- "\${(@P)4}"; }; compadd() { shift; print -l -- "$@"; }; _files() { :; }`;
    const complete = (words: string[], prefix: string): string[] =>
      execFileSync('zsh', ['-f', '-c', `${stubs}; source "$1"; shift; words=("$@"); CURRENT=$#; PREFIX="${prefix}"; _cairn`, 'zsh', file, ...words], {
        encoding: 'utf8',
      })
        .split('\n')
        .filter(Boolean);
    expect(complete(['cairn', 'policy', ''], '')).toEqual([expect.stringMatching(/^get:print the policy/), expect.stringMatching(/^set:replace the policy/)]);
    expect(complete(['cairn', 'merge', 'ns', '-'], '-')).toEqual(expect.arrayContaining(['--message', '-m', '--json']));
  });

  it('refuses an unknown shell as a usage error', async () => {
    const result = await runCli(['completion', 'fish'], { url: NO_SERVER });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("'fish' is not one of bash, zsh");
  });
});
