import { CliError, usageError } from './errors.js';
import type { GitSource, SourceCommit } from './git-source.js';
import type { HttpClient } from './http-client.js';
import { namespaceForImport } from './namespace-state.js';
import { IMPORT_HISTORY, unwrap } from './operations.js';
import type { Progress } from './progress.js';

export type ProgressFactory = (label: string, total: number) => Promise<Progress>;

export interface HistoryImportOptions {
  readonly ref: string;
  readonly batchSize: number;
  /** A batch is cut before it grows past this many bytes of document text (the server caps request bodies). */
  readonly batchBytes: number;
}

export interface HistoryImport {
  readonly head: string | null;
  readonly sourceCommits: number;
  readonly committed: number;
  readonly replayed: number;
  readonly unchanged: number;
  /** First-parent commits that touched no document. */
  readonly skippedCommits: number;
  readonly skippedPaths: readonly string[];
}

interface ImportedCommitInput {
  readonly author: { readonly name: string; readonly email: string };
  readonly authoredAt: string;
  readonly timezoneOffset: number;
  readonly message: string;
  readonly requestId: string;
  readonly changes: readonly { readonly path: string; readonly text?: string; readonly delete?: boolean }[];
}

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** Documents travel as GraphQL strings: bytes that are not UTF-8 could not arrive unchanged, so they stop the import. */
function textOf(content: Buffer | undefined, path: string, commit: string): string {
  try {
    return utf8.decode(content);
  } catch {
    throw usageError(`'${path}' in commit ${commit} is not valid UTF-8; documents are imported byte for byte, so fix it in the source first`);
  }
}

/**
 * What stays and what to do after a failed batch (sent on `batchHead`). A conflict on a later commit than the
 * batch's first means the history before it is in place but someone committed after it: running again cannot help.
 */
function howToGoOn(error: CliError, batchHead: string | null): string {
  if (error.type !== 'VersionConflict') return 'the commits before it stay imported; fix the cause and run the same import again to continue';
  if ((error.details.expectedVersion ?? null) === batchHead) return 'the namespace changed as the batch was sent; run the same import again';
  return (
    `someone committed to the namespace after the imported history (head ${String(error.details.currentVersion ?? '?').slice(0, 12)}): ` +
    'imported history is never interleaved with other writes, so it cannot continue there; import into a new namespace instead'
  );
}

function isTooLarge(error: unknown): error is CliError {
  return error instanceof CliError && error.type === 'PayloadTooLarge';
}

/**
 * A Git repository's first-parent history into a namespace, in batches of importHistory. Each commit's request id
 * is its source hash (`git-<hash>`), so running the import again, after a failure or once the source has new
 * commits, replays what already landed (REPLAYED) and continues after it.
 */
export class HistoryImporter {
  constructor(
    private readonly client: HttpClient,
    private readonly namespace: string,
    private readonly source: GitSource,
  ) {}

  /** The source's first-parent commits that touch documents, with their changes, from one `git log`. */
  async plan(ref: string, progress: ProgressFactory): Promise<{ commits: SourceCommit[]; sourceCommits: number }> {
    const tip = await this.source.tip(ref);
    const bar = await progress('reading', tip.length);
    try {
      const history = await this.source.history(tip.oid);
      bar.advance(history.sourceCommits);
      return history;
    } finally {
      bar.stop();
    }
  }

  async run(options: HistoryImportOptions, progress: ProgressFactory): Promise<HistoryImport> {
    const { commits, sourceCommits } = await this.plan(options.ref, progress);
    const state = await namespaceForImport(this.client, this.namespace);
    const bar = await progress('importing', commits.length);
    const counts = { committed: 0, replayed: 0, unchanged: 0 };
    let head = state.head;
    // Shrinks when the server refuses a batch as too large (its CAIRN_MAX_BODY_BYTES is not known here).
    let batchSize = options.batchSize;
    // The next batch's blobs are read from the source while the server commits this one.
    const prefetch = (start: number): Promise<{ inputs: ImportedCommitInput[] }> => {
      const reading = start < commits.length ? this.batchFrom(commits, start, { ...options, batchSize }) : Promise.resolve({ inputs: [] });
      reading.catch(() => undefined);
      return reading;
    };
    let next = prefetch(0);
    try {
      for (let start = 0; start < commits.length;) {
        const batch = await next;
        next = prefetch(start + batch.inputs.length);
        let statuses;
        try {
          statuses = await this.send(batch.inputs, head, `git-batch-${commits[start]!.oid}`);
        } catch (error) {
          if (!isTooLarge(error)) throw error;
          // A 413 is answered before anything is read: nothing of the batch landed, so half of it is sent instead.
          if (batch.inputs.length > 1) {
            batchSize = Math.ceil(batch.inputs.length / 2);
            next = prefetch(start);
            continue;
          }
          throw new CliError(`commit ${commits[start]!.oid} alone is larger than the server accepts (CAIRN_MAX_BODY_BYTES)`, error.exitCode, error.type);
        }
        for (const s of statuses) {
          if (s.status === 'COMMITTED') counts.committed += 1;
          else if (s.status === 'REPLAYED') counts.replayed += 1;
          else counts.unchanged += 1;
          head = s.version?.hash ?? head;
        }
        bar.advance(batch.inputs.length);
        start += batch.inputs.length;
      }
    } catch (error) {
      if (!(error instanceof CliError)) throw error;
      // What landed stays: say so, and how to go on.
      throw new CliError(`${error.message} (${howToGoOn(error, head)})`, error.exitCode, error.type, {
        ...error.details,
        completedBatches: { ...counts, head },
      });
    } finally {
      bar.stop();
    }
    return { head, sourceCommits, ...counts, skippedCommits: sourceCommits - commits.length, skippedPaths: [...this.source.skippedPaths].sort() };
  }

  private async batchFrom(commits: readonly SourceCommit[], start: number, options: HistoryImportOptions): Promise<{ inputs: ImportedCommitInput[] }> {
    const slice = commits.slice(start, start + options.batchSize);
    const blobs = await this.source.blobs(slice.flatMap((c) => c.changes.flatMap((ch) => (ch.blob ? [ch.blob] : []))));
    const inputs: ImportedCommitInput[] = [];
    let bytes = 0;
    for (const commit of slice) {
      const size = commit.changes.reduce((sum, ch) => sum + (ch.blob ? (blobs.get(ch.blob)?.length ?? 0) : 0), 0);
      if (inputs.length > 0 && bytes + size > options.batchBytes) break;
      bytes += size;
      inputs.push({
        author: commit.author,
        authoredAt: commit.authoredAt.toISOString(),
        timezoneOffset: commit.timezoneOffset,
        message: commit.message,
        requestId: `git-${commit.oid}`,
        changes: commit.changes.map((ch) =>
          ch.blob ? { path: ch.path, text: textOf(blobs.get(ch.blob), ch.path, commit.oid) } : { path: ch.path, delete: true },
        ),
      });
    }
    return { inputs };
  }

  private async send(
    commits: readonly ImportedCommitInput[],
    expectedVersion: string | null,
    requestId: string,
  ): Promise<{ status: string; version: { hash: string } | null }[]> {
    const input = { namespace: this.namespace, expectedVersion, requestId, commits };
    const data = await this.client.request<{ importHistory: { __typename: string } }>(IMPORT_HISTORY, { input });
    return unwrap<{ commits: { status: string; version: { hash: string } | null }[] }>(data.importHistory, 'ImportHistoryPayload').commits;
  }
}
