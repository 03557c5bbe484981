import type { Output } from './output.js';
import { firstLine } from './output.js';

export interface ValueChange {
  readonly pointer: string;
  readonly op: string;
  readonly oldValue: unknown;
  readonly newValue: unknown;
}

export interface FileDiff {
  readonly path: string;
  readonly status: 'ADDED' | 'MODIFIED' | 'DELETED';
  readonly changes: readonly ValueChange[] | null;
  readonly unified: string | null;
}

export interface VersionInfo {
  readonly hash: string;
  readonly shortHash: string;
  readonly timestamp: string;
  /** The original time of an imported commit; the commit time otherwise. */
  readonly authoredAt: string;
  readonly action: string | null;
  readonly comment: string | null;
  readonly operator: { readonly name: string; readonly email: string } | null;
}

export interface WritePayload {
  readonly status: 'COMMITTED' | 'REPLAYED' | 'UNCHANGED' | 'PREVIEW';
  readonly version: VersionInfo | null;
  readonly base: { readonly hash: string; readonly shortHash: string } | null;
  readonly files: readonly FileDiff[];
  readonly validation: readonly { readonly path: string; readonly pointer: string; readonly message: string }[] | null;
}

/** Azure-style marks for a preview: what each document would become. */
const MARKS: Record<FileDiff['status'], string> = { ADDED: '+', DELETED: '-', MODIFIED: '•' };

export function printFiles(out: Output, files: readonly FileDiff[]): void {
  for (const file of files) {
    const mark = MARKS[file.status];
    const paint = file.status === 'ADDED' ? out.green : file.status === 'DELETED' ? out.red : out.yellow;
    out.line(paint(`${mark} ${file.path}`));
    if (file.unified) out.diff(file.unified);
  }
}

/** The result of a write for people; the payload as it came for --json. */
export function printWrite(out: Output, payload: WritePayload): void {
  if (out.json) {
    out.data(payload);
    return;
  }
  const v = payload.version;
  switch (payload.status) {
    case 'PREVIEW':
      out.line(
        out.bold(`preview against ${payload.base?.shortHash ?? 'an empty namespace'}: ${payload.files.length} document(s) would change; nothing was committed`),
      );
      printFiles(out, payload.files);
      for (const finding of payload.validation ?? []) out.line(out.red(`invalid: ${finding.path}${finding.pointer} ${finding.message}`));
      return;
    case 'UNCHANGED':
      out.line(`unchanged: the documents already have this content (head ${v?.shortHash ?? 'none'})`);
      return;
    default:
      out.line(
        out.bold(`${payload.status === 'REPLAYED' ? 'replayed (already committed)' : 'committed'} ${v?.shortHash ?? ''}`) +
          ` ${v?.action?.toLowerCase() ?? ''} by ${v?.operator?.email ?? '?'}: ${firstLine(v?.comment)}`,
      );
      printFiles(out, payload.files);
  }
}
