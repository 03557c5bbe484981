import type { Writable } from 'node:stream';
import { runGit, spawnGit } from './git-command.js';

/** A repository's refs at one instant: full ref name → object id (a commit, or an annotated tag's object). */
export type RefSnapshot = ReadonlyMap<string, string>;

const BUNDLE_SIGNATURE = '# v2 git bundle\n';
/** A restore is one pack per repository; a data directory of thousands of commits takes seconds, not minutes. */
const GIT_TIMEOUT_MS = 600_000;
/** Restored objects and refs reach the disk before the restore says it is done (git ≥ 2.36; older git ignores it). */
const FSYNC_ALL = ['-c', 'core.fsync=all'];

/**
 * Writes a Git bundle (v2, `git bundle verify` and `git clone` read it) of exactly `refs` to `out`: the header names
 * each ref with the value it had in the snapshot, and the pack holds every object reachable from them. `git bundle
 * create` would read the refs again while packing, so a ref moved meanwhile would make the bundle disagree with the
 * snapshot; here the snapshot is the only input. Objects never change once written, so the pack can be made after
 * the writer's lock was released. `out` is ended; a failure of git destroys it, so a reader never takes a truncated
 * bundle for a whole one.
 */
export async function writeBundle(gitdir: string, refs: RefSnapshot, out: Writable): Promise<void> {
  const header = [...refs].map(([ref, oid]) => `${oid} ${ref}\n`).join('');
  out.write(`${BUNDLE_SIGNATURE}${header}\n`);
  const git = spawnGit(['--git-dir', gitdir, 'pack-objects', '--stdout', '--revs', '--delta-base-offset', '-q']);
  let stderr = '';
  git.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve, reject) => {
    git.once('error', reject);
    git.once('close', resolve);
  });
  git.stdin.end([...new Set(refs.values())].map((oid) => `${oid}\n`).join(''));
  git.stdout.pipe(out, { end: false });
  out.once('close', () => git.kill());
  const code = await exited;
  if (code !== 0) {
    const error = new Error(`git pack-objects failed (${code}): ${stderr.trim()}`);
    out.destroy(error);
    throw error;
  }
  await new Promise<void>((resolve) => out.end(resolve));
}

/** The refs a bundle file names in its header, as `git bundle list-heads` reads them. */
export async function bundleRefs(bundleFile: string): Promise<Map<string, string>> {
  const listed = await runGit(['bundle', 'list-heads', bundleFile], { timeoutMs: GIT_TIMEOUT_MS });
  const refs = new Map<string, string>();
  for (const line of listed.split('\n')) {
    const match = /^([0-9a-f]{40}) (\S+)$/.exec(line);
    if (match) refs.set(match[2]!, match[1]!);
  }
  return refs;
}

/**
 * Fills the empty bare repository `gitdir` from a bundle: its pack is checked and indexed (`git bundle unbundle`,
 * which refuses a bundle that is damaged or lacks objects), then each of `refs` is created at its value, all in one
 * transaction (`update-ref --stdin`, which checks every object exists).
 */
export async function restoreBundle(gitdir: string, bundleFile: string, refs: RefSnapshot): Promise<void> {
  await runGit([...FSYNC_ALL, '--git-dir', gitdir, 'bundle', 'verify', '-q', bundleFile], { timeoutMs: GIT_TIMEOUT_MS });
  await runGit([...FSYNC_ALL, '--git-dir', gitdir, 'bundle', 'unbundle', bundleFile], { timeoutMs: GIT_TIMEOUT_MS });
  if (refs.size === 0) return;
  const commands = [...refs].map(([ref, oid]) => `create ${ref} ${oid}\n`).join('');
  await runGitWithInput([...FSYNC_ALL, '--git-dir', gitdir, 'update-ref', '--stdin'], commands);
}

async function runGitWithInput(args: readonly string[], input: string): Promise<void> {
  const git = spawnGit(args);
  let stderr = '';
  git.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  git.stdout.resume();
  const exited = new Promise<number | null>((resolve, reject) => {
    git.once('error', reject);
    git.once('close', resolve);
  });
  git.stdin.end(input);
  const code = await exited;
  if (code !== 0) throw new Error(`git ${args.filter((a) => !a.startsWith('-') && !a.includes('=')).join(' ')} failed (${code}): ${stderr.trim()}`);
}
