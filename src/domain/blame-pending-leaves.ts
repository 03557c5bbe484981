import { encodePointer } from './json-pointer.js';
import { isJsonObject, type JsonObject, type JsonValue } from './json-value.js';
import type { WorkBudget } from './work-budget.js';

/** One leaf value of a blamed document: a scalar, or an object or array without members. */
export interface BlameLeaf {
  readonly pointer: string;
  readonly value: JsonValue;
}

/** A pointer of the blamed document that is, or leads to, leaves not yet attributed to a version. */
export interface PendingNode {
  /** The reference token under the parent ('' for the document root). */
  readonly token: string;
  /** The token as an array index, or -1 when it cannot be one ('01', '-', 'name'): it then names nothing in an array. */
  readonly index: number;
  /** The leaf at this pointer (index into `leaves`), or -1 when the value here has members. */
  readonly leaf: number;
  /** Children still holding pending leaves; may keep settled ones until the walk that emptied them settles this node. */
  children: PendingNode[];
  /** Pending leaves at or below this pointer. */
  pending: number;
}

const ARRAY_INDEX = /^(?:0|[1-9][0-9]*)$/;

/** How many values are charged at once to the budget, so a huge document is refused early even in one step. */
const CHARGE_EVERY = 4096;

/**
 * The leaves of a blamed document at one version, in document order, in a trie of their pointers that keeps count
 * of the leaves no older version has claimed yet. Attribution walks only the pending part of the trie, so its cost
 * per version is the size of what is still unattributed, never leaves × changes.
 */
export class PendingLeaves<V> {
  private readonly setBy: (V | undefined)[];

  private constructor(
    readonly root: PendingNode,
    readonly leaves: readonly BlameLeaf[],
  ) {
    this.setBy = new Array<V | undefined>(leaves.length).fill(undefined);
  }

  /**
   * The leaves of `value`, the value at `tokens` in the document, under a chain of nodes from the document root.
   * Charges `budget` one unit per value and one per level of each leaf's pointer (the pointers are the answer), and
   * `answer` one unit per leaf: each is an entry of the answer, which is serialized in one piece. Built in steps of
   * about `units` values each, so the caller can let other work in between: `step` answers null until it is done.
   */
  static build<V>(value: JsonValue, tokens: readonly string[], budget: WorkBudget, answer: WorkBudget): { step(units: number): PendingLeaves<V> | null } {
    const builder = new TrieBuilder(value, tokens, budget, answer);
    return { step: (units) => (builder.step(units) ? new PendingLeaves<V>(builder.root(), builder.leaves) : null) };
  }

  /** The same, in one go. */
  static of<V>(value: JsonValue, tokens: readonly string[], budget: WorkBudget, answer: WorkBudget): PendingLeaves<V> {
    return PendingLeaves.build<V>(value, tokens, budget, answer).step(Number.POSITIVE_INFINITY)!;
  }

  get pending(): number {
    return this.root.pending;
  }

  /** The version a leaf was attributed to, undefined while it is pending. */
  versionOf(leaf: number): V | undefined {
    return this.setBy[leaf];
  }

  /**
   * Attributes every pending leaf at or below `node` to `version`. Ancestors' counts are brought up to date when
   * the walk settles them. Returns the nodes visited.
   */
  claim(node: PendingNode, version: V): number {
    const stack = [node];
    let visited = 0;
    for (let next = stack.pop(); next !== undefined; next = stack.pop()) {
      visited += 1;
      if (next.pending === 0) continue;
      if (next.leaf >= 0) this.setBy[next.leaf] = version;
      next.pending = 0;
      for (const child of next.children) if (child.pending > 0) stack.push(child);
      next.children = NO_CHILDREN;
    }
    return visited;
  }

  /** Recounts a node with members once a walk is done with them, and forgets those left with nothing pending. */
  settle(node: PendingNode): void {
    const children = node.children;
    let kept = 0;
    let pending = 0;
    for (const child of children) {
      if (child.pending === 0) continue;
      children[kept] = child;
      kept += 1;
      pending += child.pending;
    }
    if (kept < children.length) children.length = kept;
    node.pending = pending;
  }
}

/** A container of the blamed value whose members are being added, in order. */
interface Cursor {
  readonly node: PendingNode;
  readonly value: JsonValue;
  /** The object's keys; null for an array. */
  readonly keys: readonly string[] | null;
  readonly size: number;
  next: number;
}

/** Leaves have no children, and claimed nodes keep none: one array for all of them, never added to. */
const NO_CHILDREN: PendingNode[] = [];

/**
 * Builds the trie depth first with one cursor per open container, never recursing (a document may be nested as
 * deep as the parser allows), so leaves are numbered in document order and a container's count is summed when its
 * last member is done. Only leaves get a pointer string, joined from the open containers' tokens: a long chain of
 * containers costs no string per level.
 */
class TrieBuilder {
  readonly leaves: BlameLeaf[] = [];
  private readonly stack: Cursor[] = [];
  /** Escaped tokens of the open containers under the blamed value. */
  private readonly path: string[] = [];
  private readonly base: string;
  private readonly top: PendingNode;
  private unbilled = 0;

  constructor(
    value: JsonValue,
    private readonly tokens: readonly string[],
    private readonly budget: WorkBudget,
    private readonly answer: WorkBudget,
  ) {
    this.base = encodePointer(tokens);
    const last = tokens.at(-1) ?? '';
    this.top = this.add(value, last, indexOf(last), null);
  }

  /** Adds about `units` members; true once every one is. */
  step(units: number): boolean {
    const stack = this.stack;
    for (let done = 0, cursor = stack.at(-1); cursor !== undefined && done < units; done += 1, cursor = stack.at(-1)) {
      if (cursor.next === cursor.size) {
        stack.pop();
        if (stack.length > 0) this.path.pop();
        cursor.node.pending = cursor.node.children.reduce((sum, child) => sum + child.pending, 0);
        continue;
      }
      const i = cursor.next;
      cursor.next += 1;
      const key = cursor.keys?.[i];
      const child =
        key === undefined
          ? this.add((cursor.value as JsonValue[])[i]!, String(i), i, String(i))
          : this.add((cursor.value as JsonObject)[key]!, key, indexOf(key), escapeToken(key));
      cursor.node.children.push(child);
    }
    this.budget.spend(this.unbilled);
    this.unbilled = 0;
    return stack.length === 0;
  }

  /** The document root, above the blamed value: one node per token of its pointer. */
  root(): PendingNode {
    let root = this.top;
    for (let i = this.tokens.length - 2; i >= -1; i -= 1) {
      const token = this.tokens[i] ?? '';
      root = { token, index: indexOf(token), leaf: -1, children: [root], pending: root.pending };
    }
    return root;
  }

  /**
   * A node for `value` (`escaped`: its token in a pointer, null for the blamed value itself): a leaf, or a container
   * whose cursor is pushed for its members to be added.
   */
  private add(value: JsonValue, token: string, index: number, escaped: string | null): PendingNode {
    const keys = isJsonObject(value) ? Object.keys(value) : null;
    const size = Array.isArray(value) ? value.length : (keys?.length ?? 0);
    if (size > 0) {
      const node: PendingNode = { token, index, leaf: -1, children: [], pending: 0 };
      this.stack.push({ node, value, keys, size, next: 0 });
      if (escaped !== null) this.path.push(escaped);
      this.charge(1);
      return node;
    }
    this.answer.spend(1);
    const pointer = escaped === null ? this.base : `${this.base}/${this.path.length > 0 ? `${this.path.join('/')}/` : ''}${escaped}`;
    const leaf = this.leaves.push({ pointer, value }) - 1;
    this.charge(1 + this.tokens.length + this.path.length + (escaped === null ? 0 : 1));
    return { token, index, leaf, children: NO_CHILDREN, pending: 1 };
  }

  private charge(units: number): void {
    this.unbilled += units;
    if (this.unbilled < CHARGE_EVERY) return;
    this.budget.spend(this.unbilled);
    this.unbilled = 0;
  }
}

/** RFC 6901, as encodePointer writes a token; most keys need no escape and are used as they are. */
function escapeToken(token: string): string {
  return token.includes('~') || token.includes('/') ? encodePointer([token]).slice(1) : token;
}

function indexOf(token: string): number {
  return ARRAY_INDEX.test(token) ? Number(token) : -1;
}
