import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { isDocumentPath } from '../domain/document-path.js';
import { CliError, usageError } from './errors.js';
import { ExitCode } from './exit-codes.js';

const run = promisify(execFile);
const MAX_BUFFER = 1 << 30;

/** A first-parent commit of the source repository, with what it did to documents. */
export interface SourceCommit {
  readonly oid: string;
  readonly author: { readonly name: string; readonly email: string };
  readonly authoredAt: Date;
  /** Minutes east of UTC. */
  readonly timezoneOffset: number;
  readonly message: string;
  readonly changes: readonly SourceChange[];
}

/** A document added or modified (with its blob), or deleted. */
export interface SourceChange {
  readonly path: string;
  readonly blob: string | null;
}

interface CommitHeader {
  readonly oid: string;
  readonly author: { readonly name: string; readonly email: string };
  readonly authoredAt: Date;
  readonly timezoneOffset: number;
  readonly message: string;
}

const REGULAR_FILE = /^100(644|755)$/;
/** `:<old mode> <new mode> <old blob> <new blob> <status>` of `git diff-tree --raw -z`. */
const RAW_ENTRY = /^:(\d+) (\d+) ([0-9a-f]+) ([0-9a-f]+) [A-Z]/;

/**
 * Reads a local Git repository with the git CLI rather than isomorphic-git: whoever imports a Git repository has
 * git, and git reads every repository it can write (packs, alternates, worktrees, SHA-256 objects, partial clones
 * with their promisor remotes) with exact first-parent semantics, where isomorphic-git would need its object cache
 * tuned and still walks trees in JavaScript. Raw bytes come from `git cat-file --batch`, so content is exact.
 */
export class GitSource {
  /** Paths in the source's history that are not documents (other extensions, symlinks, submodules), skipped. */
  readonly skippedPaths = new Set<string>();

  constructor(private readonly dir: string) {}

  private async git(args: readonly string[], input?: string): Promise<Buffer> {
    const child = run('git', ['-C', this.dir, '-c', 'i18n.logOutputEncoding=UTF-8', '-c', 'core.quotePath=false', ...args], {
      encoding: 'buffer',
      maxBuffer: MAX_BUFFER,
    });
    if (input !== undefined) {
      child.child.stdin?.end(input);
    }
    try {
      return (await child).stdout;
    } catch (error) {
      const stderr = String((error as { stderr?: Buffer }).stderr ?? '').trim();
      if ((error as NodeJS.ErrnoException).code === 'ENOENT')
        throw new CliError('the git CLI is needed to import a Git repository', ExitCode.unexpected, 'Unexpected');
      throw usageError(`git ${args[0] ?? ''} in '${this.dir}' failed: ${stderr || (error as Error).message}`);
    }
  }

  /** The commit `ref` names, and how many commits its first-parent chain has. */
  async tip(ref: string): Promise<{ oid: string; length: number }> {
    const oid = (await this.git(['rev-parse', '--verify', '--end-of-options', `${ref}^{commit}`])).toString().trim();
    const length = Number((await this.git(['rev-list', '--first-parent', '--count', oid, '--'])).toString().trim());
    return { oid, length };
  }

  /**
   * The first-parent chain of commit `oid`, oldest first, each commit with what it did to documents against its first
   * parent: one `git log --raw` for the whole history (a `git diff-tree` per commit spent most of an import starting
   * processes). `--diff-merges=first-parent` diffs a merge against its first parent, as `diff-tree <parent> <oid>`
   * did; the root commit is diffed against the empty tree.
   */
  async history(oid: string): Promise<{ commits: SourceCommit[]; sourceCommits: number }> {
    const raw = (
      await this.git([
        'log',
        '--first-parent',
        '--reverse',
        '-z',
        '--raw',
        '-r',
        '--no-renames',
        '--no-abbrev',
        '--diff-merges=first-parent',
        '--date=raw',
        '--format=%H%x00%P%x00%an%x00%ae%x00%ad%x00%B',
        oid,
        '--',
      ])
    ).toString('utf8');
    const tokens = raw.split('\0');
    const commits: SourceCommit[] = [];
    let sourceCommits = 0;
    for (let i = 0; i + 6 <= tokens.length;) {
      const header = headerOf(tokens.slice(i, i + 6) as [string, string, string, string, string, string]);
      i += 6;
      sourceCommits += 1;
      const entries: [string, string][] = [];
      // Raw entries (`:<modes> <blobs> <status>`, then the path) follow their commit; the next commit starts with its hash.
      while (i + 1 < tokens.length && /^\n?:/.test(tokens[i]!)) {
        entries.push([tokens[i]!.replace(/^\n/, ''), tokens[i + 1]!]);
        i += 2;
      }
      const changes = this.documentChanges(entries);
      if (changes.length > 0) commits.push({ ...header, changes });
    }
    return { commits, sourceCommits };
  }

  /** What raw diff entries did to documents; other paths are remembered as skipped. */
  private documentChanges(entries: readonly (readonly [string, string])[]): SourceChange[] {
    const changes: SourceChange[] = [];
    for (const [entry, path] of entries) {
      const meta = RAW_ENTRY.exec(entry);
      if (!meta) continue;
      const [, oldMode = '', mode = '', oldBlob = '', blob = ''] = meta;
      const wasDocument = REGULAR_FILE.test(oldMode);
      const isDocument = REGULAR_FILE.test(mode);
      if (!isDocumentPath(path)) {
        this.skippedPaths.add(path);
        continue;
      }
      // A mode change alone (chmod +x) leaves the document as it is. Sent anyway, it would be an UNCHANGED commit,
      // which leaves no request id behind: running the import again would then find the head past that commit's
      // base and stop with a VersionConflict.
      if (isDocument && wasDocument && blob === oldBlob) continue;
      if (isDocument) changes.push({ path, blob });
      else if (wasDocument) changes.push({ path, blob: null });
      else this.skippedPaths.add(path);
    }
    return changes;
  }

  /** Raw contents by blob id, from one `git cat-file --batch`. */
  async blobs(oids: readonly string[]): Promise<Map<string, Buffer>> {
    const unique = [...new Set(oids)];
    const contents = new Map<string, Buffer>();
    if (unique.length === 0) return contents;
    const out = await this.git(['cat-file', '--batch'], `${unique.join('\n')}\n`);
    let offset = 0;
    for (const oid of unique) {
      const newline = out.indexOf(0x0a, offset);
      const header = out.subarray(offset, newline).toString();
      const [, type, size] = header.split(' ');
      if (type !== 'blob') throw new CliError(`git cat-file: ${header}`, ExitCode.unexpected, 'Unexpected');
      const start = newline + 1;
      contents.set(oid, out.subarray(start, start + Number(size)));
      offset = start + Number(size) + 1;
    }
    return contents;
  }
}

/** A commit's fields as `git log --format=%H%x00%P%x00%an%x00%ae%x00%ad%x00%B` prints them. */
function headerOf([hash, , name, email, date, message]: readonly [string, string, string, string, string, string]): CommitHeader {
  const [seconds, offset] = date.split(' ') as [string, string];
  return {
    oid: hash.replace(/^\n/, ''),
    author: { name, email },
    authoredAt: new Date(Number(seconds) * 1000),
    timezoneOffset: parseOffset(offset),
    message,
  };
}

/** "+0530" → 330, "-0800" → -480. */
export function parseOffset(text: string): number {
  const match = /^([+-])(\d\d)(\d\d)$/.exec(text);
  if (!match) return 0;
  const minutes = Number(match[2]) * 60 + Number(match[3]);
  return match[1] === '-' ? -minutes : minutes;
}
