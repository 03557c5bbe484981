import type { BrokenOverlay } from '../domain/errors.js';
import { OverlayConflictError } from '../domain/errors.js';
import type { JsonValue } from '../domain/json-value.js';
import { type OverlayFailure, applyOverlay, parseOverlay } from '../domain/overlay-patch.js';
import { BASE_EXTENSIONS, baseCandidatesOf, overlayFolderOf, overlayLocationOf, stemOf } from '../domain/overlay-path.js';
import type { CheckVerdict, PendingWrite, WriteCheck } from './write-check.js';
import { parseStoredText } from './document-parser.js';

type Side = 'before' | 'after';

/**
 * Overlays must keep applying to their base. A write is refused (unless forced) when it writes an overlay that
 * does not apply to the base as the write leaves it, or changes or deletes a base so that an overlay which
 * applied before no longer does. Overlays already broken before the write (a forced publish) do not block it.
 * Overlay files are validated whatever `force` says: a malformed patch or cluster name is never stored.
 */
export class OverlayCheck implements WriteCheck {
  async check(write: PendingWrite): Promise<CheckVerdict> {
    const stems = new Set<string>();
    for (const [path, text] of write.files) {
      const location = overlayLocationOf(path);
      if (location !== null) {
        if (text !== null) parseOverlay(path, text);
        stems.add(location.stem);
      } else if (BASE_EXTENSIONS.some((ext) => path.endsWith(ext))) {
        stems.add(stemOf(path));
      }
    }
    const view = new WriteView(write);
    const broken: BrokenOverlay[] = [];
    for (const stem of stems) broken.push(...(await view.brokenOverlays(stem)));
    if (broken.length === 0) return 'passed';
    if (!write.force) throw new OverlayConflictError(broken);
    return 'forced';
  }
}

/** The documents of one stem before and after a pending write. */
class WriteView {
  /** Stored texts by path, read once: every overlay of a stem is checked against the same bases. */
  private readonly stored = new Map<string, Promise<string | null>>();

  constructor(private readonly write: PendingWrite) {}

  async brokenOverlays(stem: string): Promise<BrokenOverlay[]> {
    const broken: BrokenOverlay[] = [];
    const bases = baseCandidatesOf(stem);
    for (const overlayPath of await this.overlaysOf(stem)) {
      const cluster = overlayLocationOf(overlayPath)?.cluster ?? '';
      const touched = this.write.files.has(overlayPath) || bases.some((b) => this.write.files.has(b));
      if (!touched || (await this.text(overlayPath, 'after')) === null) continue;
      const failures = await this.failures(bases, overlayPath, 'after');
      if (failures.length === 0) continue;
      // An unchanged overlay that was already broken (a forced publish) is not this write's doing.
      const written = this.write.files.has(overlayPath);
      if (!written && (await this.failures(bases, overlayPath, 'before')).length > 0) continue;
      for (const { basePath, failure } of failures) broken.push({ basePath, cluster, overlayPath, ...failure });
    }
    return broken;
  }

  /** Why the overlay does not apply to each base of its stem (none existing is a failure of its own). */
  private async failures(bases: readonly string[], overlayPath: string, side: Side): Promise<{ basePath: string; failure: OverlayFailure }[]> {
    const overlayText = await this.text(overlayPath, side);
    if (overlayText === null) return [];
    let patch;
    try {
      patch = parseOverlay(overlayPath, overlayText);
    } catch (error) {
      return [{ basePath: bases[0] ?? '', failure: { opIndex: null, reason: error instanceof Error ? error.message : String(error) } }];
    }
    const found: { basePath: string; failure: OverlayFailure }[] = [];
    let anyBase = false;
    for (const basePath of bases) {
      const base = await this.value(basePath, side);
      if (base === undefined) continue;
      anyBase = true;
      const result = applyOverlay(base, patch);
      if (!result.ok) found.push({ basePath, failure: result.failure });
    }
    if (!anyBase) found.push({ basePath: bases[0] ?? '', failure: { opIndex: null, reason: `no base document (${bases.join(', ')})` } });
    return found;
  }

  private async overlaysOf(stem: string): Promise<string[]> {
    const folder = overlayFolderOf(stem);
    const head = this.write.head;
    const stored = head ? await this.write.repo.filesIn(head.tree, folder) : [];
    const paths = new Set([...stored.map((b) => b.path), ...[...this.write.files.keys()].filter((p) => p.startsWith(folder))]);
    return [...paths].filter((p) => isOverlay(p, stem)).sort();
  }

  private async value(path: string, side: Side): Promise<JsonValue | undefined> {
    const text = await this.text(path, side);
    if (text === null) return undefined;
    try {
      return await parseStoredText(path, text, this.write.repo.blobId(text));
    } catch {
      return undefined;
    }
  }

  private async text(path: string, side: Side): Promise<string | null> {
    if (side === 'after' && this.write.files.has(path)) return this.write.files.get(path) ?? null;
    let text = this.stored.get(path);
    if (text === undefined) {
      text = this.readStored(path);
      this.stored.set(path, text);
    }
    return text;
  }

  private async readStored(path: string): Promise<string | null> {
    const head = this.write.head;
    const blob = head ? await this.write.repo.blobAt(head.oid, path) : null;
    return blob === null ? null : await this.write.repo.readText(blob);
  }
}

/** A stored file in an overlay folder that is not a well-named overlay (committed from outside) is ignored. */
function isOverlay(path: string, stem: string): boolean {
  try {
    return overlayLocationOf(path)?.stem === stem;
  } catch {
    return false;
  }
}
