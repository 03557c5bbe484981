import { expansionLimit, expansionProblem } from './yaml-expansion-limit.js';
import { scanYamlTokens, type YamlTokenKind } from './yaml-token-scanner.js';

/**
 * A linear look at YAML text before the `yaml` parser builds anything: the parser's syntax tree costs hundreds of
 * bytes per token (a 1 MiB nesting bomb took seconds and half a gigabyte before the tree could be checked), and a
 * few hundred bytes of anchors and aliases can stand for millions of values.
 *
 * It reads the same tokens the parser's lexer reads (`yaml-token-scanner.ts`), so quotes, comments, block scalars
 * and document markers are text or structure exactly as the parser will see them, and it follows block structure
 * by indentation the way the parser does: a `-`, `?` or `key:` at a column deeper than the enclosing collection
 * opens a collection, a line at a shallower column closes those deeper than it.
 *
 * It counts the values written in the text and what aliases make of them: an alias adds the values of the node
 * its anchor names (aliases inside that node included, so a chain of anchors multiplies), a merge key `<<: *a`
 * adds the values of the merged map's entries. The estimate errs only upwards, never downwards, in these ways:
 * a merge adds every entry of the merged map even when the merging map already has the key; an inline map or a
 * block sequence given to `<<` counts itself as a value too. It errs downwards only in ways that cannot be
 * multiplied: the null value of an explicit key without `:`.
 */
export interface YamlPrescanLimits {
  readonly maxDepth: number;
  /** Absolute cap on expanded values (see `yaml-expansion-limit.ts`). */
  readonly maxValues: number;
}

export interface YamlPrescanProblem {
  readonly offset: number;
  readonly message: string;
}

export interface YamlPrescan {
  readonly problem: YamlPrescanProblem | null;
  /** Values written in the text, and what aliases and merge keys make of them, as far as the scan got. */
  readonly written: number;
  readonly expanded: number;
  /** Deepest nesting of collections seen. */
  readonly depth: number;
}

export function prescanYaml(text: string, limits: YamlPrescanLimits): YamlPrescan {
  const scanner = new YamlPrescanner(text, limits);
  let problem: YamlPrescanProblem | null;
  try {
    scanYamlTokens(text, (kind, start, end) => scanner.token(kind, start, end));
    problem = scanner.finish();
  } catch (error) {
    if (!(error instanceof PrescanFailure)) throw error;
    problem = { offset: error.offset, message: error.message };
  }
  return { problem, ...scanner.counts() };
}

class PrescanFailure extends Error {
  constructor(
    readonly offset: number,
    message: string,
  ) {
    super(message);
  }
}

const MAP = 0;
const SEQ = 1;
type CollectionKind = typeof MAP | typeof SEQ;

interface AnchorRecord {
  /** Values the anchored node expands to; undefined while the node is still being read. */
  size: number | undefined;
}

interface PendingAnchor {
  readonly record: AnchorRecord;
  /** Expanded values counted before the anchored node began. */
  readonly startValues: number;
  /** Whether a line ended between the anchor and its node: then it belongs to a block collection starting there. */
  newline: boolean;
}

/** An anchored collection being read: its size is known when the block entry or flow level closes. */
interface OpenFrame {
  readonly pending: PendingAnchor;
  readonly flow: boolean;
  /** Block stack index or flow level of the collection. */
  readonly at: number;
}

/** A block map or sequence value the line (or the next ones) must provide; none makes it null. */
interface ExpectedValue {
  readonly indent: number;
  readonly map: boolean;
}

interface LastScalar {
  readonly counted: boolean;
  readonly merge: boolean;
  /** An anchor that crossed a line end before this scalar: it names the map if the scalar turns out to be its first key. */
  readonly lineAnchor: PendingAnchor | null;
}

class YamlPrescanner {
  private lineStart = 0;
  private firstOnLine = true;
  /** Offset and column where the current node began on this line (its properties included): an implicit key's map starts there. */
  private nodeStart = -1;
  private nodeColumn = -1;
  private readonly indents: number[] = [];
  private readonly kinds: CollectionKind[] = [];
  private flowLevel = 0;
  /** Per open flow level: whether it is a sequence, and whether a one-pair map (`[a: 1]`) is open in it. */
  private readonly flowSequences: boolean[] = [];
  private readonly flowPairs: boolean[] = [];
  private openPairs = 0;
  private deepest = 0;
  private written = 0;
  private expanded = 0;
  private readonly anchors = new Map<string, AnchorRecord>();
  private readonly frames: OpenFrame[] = [];
  private pendingAnchor: PendingAnchor | null = null;
  private lastScalar: LastScalar | null = null;
  private expected: ExpectedValue | null = null;
  private flowValueExpected = false;
  private nextIsKey = false;
  private blockBodyNext = false;
  private mergeNext = false;
  private mergeListLevel = -1;
  /** Offsets of aliases and the values aliases had added by then, to name the alias that tipped the document over. */
  private readonly aliasOffsets: number[] = [];
  private readonly aliasAdded: number[] = [];

  constructor(
    private readonly text: string,
    private readonly limits: YamlPrescanLimits,
  ) {}

  token(kind: YamlTokenKind, start: number, end: number): void {
    if (kind === 'space' || kind === 'comment' || kind === 'byte-order-mark' || kind === 'directive-line') return;
    if (kind !== 'map-value-ind') this.settleLastScalar();
    switch (kind) {
      case 'newline':
        this.lineStart = end;
        if (this.flowLevel === 0) this.lineEnded();
        return;
      case 'doc-mode':
      case 'doc-start':
      case 'doc-end':
        this.endDocument();
        this.firstOnLine = kind === 'doc-mode';
        return;
      case 'flow-error-end':
        this.closeFlowLevels(0);
        this.firstOnLine = true;
        return;
      default:
        this.content(kind, start, end);
    }
  }

  counts(): { written: number; expanded: number; depth: number } {
    return { written: this.written, expanded: this.expanded, depth: this.deepest };
  }

  finish(): YamlPrescanProblem | null {
    this.settleLastScalar();
    this.endDocument();
    const limit = expansionLimit(this.written, this.limits.maxValues);
    const allowedAdded = limit.values - this.written;
    for (let index = 0; index < this.aliasAdded.length; index += 1) {
      if ((this.aliasAdded[index] ?? 0) > allowedAdded) return { offset: this.aliasOffsets[index] ?? 0, message: expansionProblem(limit) };
    }
    return null;
  }

  private content(kind: YamlTokenKind, start: number, end: number): void {
    if (this.blockBodyNext && kind === 'scalar') {
      this.blockBodyNext = false;
      this.afterMultiLineToken(start, end);
      return;
    }
    const column = start - this.lineStart;
    if (this.flowLevel === 0 && this.firstOnLine) {
      this.firstOnLine = false;
      this.lineBegins(kind, column);
    }
    switch (kind) {
      case 'seq-item-ind':
        if (this.flowLevel === 0) this.blockIndicator(SEQ, column, start);
        return;
      case 'explicit-key-ind':
        if (this.flowLevel === 0) this.blockIndicator(MAP, column, start);
        else this.openFlowPair(start);
        this.nextIsKey = true;
        return;
      case 'map-value-ind':
        if (this.flowLevel === 0) this.blockValueIndicator(column, start);
        else this.flowValueIndicator(start);
        return;
      case 'comma':
        this.flowEntryEnds();
        return;
      case 'flow-seq-start':
      case 'flow-map-start':
        this.openFlow(kind === 'flow-seq-start', start, column);
        return;
      case 'flow-seq-end':
      case 'flow-map-end':
        if (this.flowLevel > 0) this.closeFlow();
        return;
      case 'anchor':
        this.anchor(start, end, column);
        return;
      case 'tag':
        this.markNodeStart(start, column);
        return;
      case 'alias':
        this.alias(start, end, column);
        return;
      case 'block-scalar-header':
        this.markNodeStart(start, column);
        this.beginNode();
        this.countValue(true);
        this.closePendingAsScalar();
        this.blockBodyNext = true;
        return;
      default:
        this.scalar(kind, start, end, column);
    }
  }

  /** The first token of a block line decides which collections its indentation closes, and whether a value left open is null. */
  private lineBegins(kind: YamlTokenKind, column: number): void {
    const expected = this.expected;
    if (expected !== null) {
      const deeper = column > expected.indent || (kind === 'seq-item-ind' && expected.map && column === expected.indent);
      if (!deeper) this.nullValue();
    }
    this.popDeeperThan(column);
    // A sequence at a map's own column (`key:` then `- x`) ends where that map's next key begins.
    const top = this.kinds.length - 1;
    if (kind !== 'seq-item-ind' && top >= 0 && this.kinds[top] === SEQ && this.indents[top] === column) this.popTo(top);
  }

  private lineEnded(): void {
    this.firstOnLine = true;
    this.nodeStart = -1;
    this.nodeColumn = -1;
    if (this.pendingAnchor !== null) this.pendingAnchor.newline = true;
  }

  private blockIndicator(kind: CollectionKind, column: number, offset: number): void {
    this.beginNode();
    const pushed = this.enterCollection(kind, column, offset);
    this.attachPendingToCollection(pushed);
    this.expected = kind === SEQ ? { indent: column, map: false } : null;
    this.nodeStart = -1;
    this.nodeColumn = -1;
  }

  private blockValueIndicator(column: number, offset: number): void {
    const key = this.lastScalar;
    this.lastScalar = null;
    let lineAnchor: PendingAnchor | null = null;
    let mapColumn = column;
    let mapOffset = offset;
    if (this.nodeStart !== -1) {
      // An implicit key: the map starts where the key (with its properties) starts.
      mapColumn = this.nodeColumn;
      mapOffset = this.nodeStart;
      if (key?.counted) this.uncountKey();
      this.mergeNext = key?.merge ?? false;
      lineAnchor = key?.lineAnchor ?? null;
      // Properties on this line with no scalar after them (`&x : v`) belong to the empty key.
      if (this.pendingAnchor?.newline === false) this.closePendingAsScalar();
    } else {
      this.beginNode();
    }
    const pushed = this.enterCollection(MAP, mapColumn, mapOffset);
    if (lineAnchor !== null) this.attachToCollection(lineAnchor, pushed);
    else this.attachPendingToCollection(pushed);
    this.expected = { indent: mapColumn, map: true };
    this.nodeStart = -1;
    this.nodeColumn = -1;
  }

  private flowValueIndicator(offset: number): void {
    const key = this.lastScalar;
    this.lastScalar = null;
    if (key?.counted) this.uncountKey();
    // An anchor still waiting for its node here (`{&x : v}`) named the empty key.
    this.closePendingAsScalar();
    this.openFlowPair(offset);
    this.mergeNext = key?.merge ?? false;
    this.flowValueExpected = true;
  }

  /** A key in a flow sequence makes a one-entry map there, one level deeper than the sequence. */
  private openFlowPair(offset: number): void {
    const level = this.flowLevel;
    if (this.flowSequences[level] !== true || this.flowPairs[level] === true) return;
    this.flowPairs[level] = true;
    this.openPairs += 1;
    this.countValue(true);
    this.checkDepth(offset);
  }

  private closeFlowPair(): void {
    if (this.flowPairs[this.flowLevel] !== true) return;
    this.flowPairs[this.flowLevel] = false;
    this.openPairs -= 1;
  }

  private flowEntryEnds(): void {
    if (this.flowValueExpected) this.nullValue();
    this.closePendingAsScalar();
    this.closeFlowPair();
    this.mergeNext = false;
  }

  private openFlow(sequence: boolean, start: number, column: number): void {
    this.markNodeStart(start, column);
    const mergeList = this.mergeNext && sequence;
    const pending = this.takePending();
    this.beginNode();
    const counted = !this.takeKeyFlag();
    if (counted) {
      this.written += 1;
      if (!mergeList) this.expanded += 1;
    }
    this.flowLevel += 1;
    this.flowSequences[this.flowLevel] = sequence;
    this.flowPairs[this.flowLevel] = false;
    this.checkDepth(start);
    if (mergeList) this.mergeListLevel = this.flowLevel;
    if (pending !== null) this.frames.push({ pending, flow: true, at: this.flowLevel });
  }

  private closeFlow(): void {
    if (this.flowValueExpected) this.nullValue();
    this.closePendingAsScalar();
    this.closeFlowLevels(this.flowLevel - 1);
  }

  private closeFlowLevels(level: number): void {
    this.flowValueExpected = false;
    this.mergeNext = false;
    for (let open = this.flowLevel; open > level; open -= 1) {
      if (this.flowPairs[open] === true) this.openPairs -= 1;
      this.flowPairs[open] = false;
    }
    for (let top = this.frames.at(-1); top?.flow && top.at > level; top = this.frames.at(-1)) {
      this.frames.pop();
      this.closeAnchor(top.pending);
    }
    if (this.mergeListLevel > level) this.mergeListLevel = -1;
    this.flowLevel = level;
  }

  private anchor(start: number, end: number, column: number): void {
    this.markNodeStart(start, column);
    this.closePendingAsScalar();
    const record: AnchorRecord = { size: undefined };
    // A later anchor of the same name wins for every alias after it, as in the parser.
    this.anchors.set(this.text.slice(start + 1, end), record);
    this.pendingAnchor = { record, startValues: this.expanded, newline: false };
  }

  private alias(start: number, end: number, column: number): void {
    this.markNodeStart(start, column);
    const merge = this.mergeNext || (this.mergeListLevel !== -1 && this.mergeListLevel === this.flowLevel);
    this.beginNode();
    this.closePendingAsScalar();
    const name = this.text.slice(start + 1, end);
    const record = this.anchors.get(name);
    if (record !== undefined && record.size === undefined) {
      throw new PrescanFailure(start, `the alias *${name} is inside the node its anchor names, so it would never end`);
    }
    // An unknown anchor is the parser's to report; here it stands for one value.
    const size = record?.size ?? 1;
    this.expanded += merge ? Math.max(size - 1, 0) : size;
    // The limit depends on every value written, before and after: the alias that passes it is found at the end.
    const added = this.expanded - this.written;
    if (added > 0) {
      this.aliasOffsets.push(start);
      this.aliasAdded.push(added);
    }
  }

  private scalar(kind: YamlTokenKind, start: number, end: number, column: number): void {
    this.markNodeStart(start, column);
    const pending = this.takePending();
    this.beginNode();
    const counted = !this.takeKeyFlag();
    this.countValue(counted);
    let lineAnchor: PendingAnchor | null = null;
    if (pending !== null) {
      if (pending.newline && this.flowLevel === 0) lineAnchor = pending;
      else this.closeAnchor(pending);
    }
    const merge = kind === 'scalar' && end - start === 2 && this.text.startsWith('<<', start);
    this.lastScalar = { counted, merge, lineAnchor };
    this.afterMultiLineToken(start, end);
  }

  /** A scalar not followed by `:` is a value; an anchor waiting on it names the scalar. */
  private settleLastScalar(): void {
    const last = this.lastScalar;
    if (last === null) return;
    this.lastScalar = null;
    if (last.lineAnchor !== null) this.closeAnchor(last.lineAnchor);
  }

  private uncountKey(): void {
    this.written -= 1;
    this.expanded -= 1;
  }

  private countValue(counted: boolean): void {
    if (!counted) return;
    this.written += 1;
    this.expanded += 1;
  }

  private nullValue(): void {
    this.expected = null;
    this.flowValueExpected = false;
    this.countValue(true);
    this.closePendingAsScalar();
  }

  /** A node begins: whatever value was awaited is not null, and a merge key applies to this node only. */
  private beginNode(): void {
    this.expected = null;
    this.flowValueExpected = false;
    this.mergeNext = false;
  }

  private takeKeyFlag(): boolean {
    const key = this.nextIsKey;
    this.nextIsKey = false;
    return key;
  }

  private takePending(): PendingAnchor | null {
    const pending = this.pendingAnchor;
    this.pendingAnchor = null;
    return pending;
  }

  private closePendingAsScalar(): void {
    const pending = this.takePending();
    if (pending !== null) this.closeAnchor(pending);
  }

  private closeAnchor(pending: PendingAnchor): void {
    pending.record.size = Math.max(1, this.expanded - pending.startValues);
  }

  private attachPendingToCollection(pushed: boolean): void {
    const pending = this.takePending();
    if (pending !== null) this.attachToCollection(pending, pushed);
  }

  private attachToCollection(pending: PendingAnchor, pushed: boolean): void {
    if (pushed) this.frames.push({ pending, flow: false, at: this.indents.length - 1 });
    else this.closeAnchor(pending);
  }

  private markNodeStart(offset: number, column: number): void {
    if (this.nodeStart !== -1) return;
    this.nodeStart = offset;
    this.nodeColumn = column;
  }

  /** Opens a block collection unless the one at this column is already of that kind; says whether it opened one. */
  private enterCollection(kind: CollectionKind, column: number, offset: number): boolean {
    let top = this.kinds.length - 1;
    if (kind === MAP && top >= 0 && this.kinds[top] === SEQ && this.indents[top] === column) {
      this.popTo(top);
      top -= 1;
    }
    if (top >= 0 && this.indents[top] === column && this.kinds[top] === kind) return false;
    this.indents.push(column);
    this.kinds.push(kind);
    this.countValue(true);
    this.checkDepth(offset);
    return true;
  }

  private popDeeperThan(column: number): void {
    let top = this.indents.length - 1;
    while (top >= 0 && (this.indents[top] ?? 0) > column) top -= 1;
    this.popTo(top + 1);
  }

  /** Closes block collections from the top down to (not including) index `size`. */
  private popTo(size: number): void {
    for (let top = this.frames.at(-1); top !== undefined && !top.flow && top.at >= size; top = this.frames.at(-1)) {
      this.frames.pop();
      this.closeAnchor(top.pending);
    }
    this.indents.length = Math.min(this.indents.length, size);
    this.kinds.length = this.indents.length;
  }

  private checkDepth(offset: number): void {
    this.deepest = Math.max(this.deepest, this.indents.length + this.flowLevel + this.openPairs);
    if (this.deepest > this.limits.maxDepth) {
      throw new PrescanFailure(offset, `nesting is deeper than ${this.limits.maxDepth} levels`);
    }
  }

  private endDocument(): void {
    if (this.expected !== null || this.flowValueExpected) this.nullValue();
    this.closePendingAsScalar();
    this.closeFlowLevels(0);
    this.popTo(0);
    this.nodeStart = -1;
    this.nodeColumn = -1;
    this.nextIsKey = false;
    this.blockBodyNext = false;
  }

  /** Scalars can span lines: columns after them count from their last line. */
  private afterMultiLineToken(start: number, end: number): void {
    for (let index = end - 1; index >= start; index -= 1) {
      if (this.text.charCodeAt(index) !== 10) continue;
      this.lineStart = index + 1;
      if (index === end - 1 && this.flowLevel === 0) this.lineEnded();
      return;
    }
  }
}
