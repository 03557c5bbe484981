import type { PendingLeaves, PendingNode } from './blame-pending-leaves.js';
import { isJsonObject, type JsonValue } from './json-value.js';
import type { WorkBudget } from './work-budget.js';

type Side = JsonValue | undefined;

/**
 * A node whose value is a container of one kind in both versions: its pending children are looked at from `next`
 * on; once they all are (and the containers among them walked), it is settled. `next` -1: not looked at yet.
 */
interface Descent {
  readonly node: PendingNode;
  readonly before: Side;
  readonly after: Side;
  next: number;
}

/** What looking at one node found: work done there, or that the walk must go down into its members. */
const DESCEND = -1;

/**
 * Attributes one version's change of a document (`before` → `after`, undefined where the document does not exist)
 * to the pending leaves it set. A leaf is set by the version when the version's value diff (`diffValues`) has a
 * change at the leaf's pointer, above it or below it: the document created or deleted sets everything; a value
 * replaced by one of another kind (a scalar by an object, an object by an array) sets every leaf under it; a member
 * added or removed sets the leaves under it; a leaf whose value differs in any way is set. So a value moved to
 * another key, or shifted by an insertion in an array, belongs to the version that moved it.
 *
 * Only the pending part of the trie is walked, each pointer looked up in both versions once: the cost is the pending
 * leaves' pointers, never the size of the versions or of their diff. It runs in steps, so the caller can let other
 * work in between, and charges the budget one unit per pointer looked at.
 */
export class ChangeAttribution<V> {
  private readonly descents: Descent[];

  constructor(
    private readonly leaves: PendingLeaves<V>,
    before: Side,
    after: Side,
    private readonly version: V,
    private readonly budget: WorkBudget,
  ) {
    this.descents = [{ node: leaves.root, before, after, next: -1 }];
  }

  /** Does about `units` units of work; true once the version is fully attributed. */
  step(units: number): boolean {
    let spent = 0;
    for (let descent = this.descents.pop(); descent !== undefined; descent = spent < units ? this.descents.pop() : undefined) {
      spent += this.continue(descent, units - spent);
    }
    this.budget.spend(spent);
    return this.descents.length === 0;
  }

  private continue(descent: Descent, allowance: number): number {
    const { node, before, after } = descent;
    if (descent.next < 0) {
      const spent = this.look(node, before, after);
      if (spent !== DESCEND) return spent;
      descent.next = 0;
    }
    const children = node.children;
    if (descent.next === children.length) {
      this.leaves.settle(node);
      return 1;
    }
    // Back under the children it pushes: continued (or settled) once they are done.
    this.descents.push(descent);
    const end = Math.min(children.length, descent.next + allowance);
    let spent = 1;
    for (; descent.next < end; descent.next += 1) {
      const child = children[descent.next]!;
      if (child.pending === 0) continue;
      const childBefore = memberOf(before, child);
      const childAfter = memberOf(after, child);
      const done = this.look(child, childBefore, childAfter);
      if (done === DESCEND) this.descents.push({ node: child, before: childBefore, after: childAfter, next: 0 });
      spent += done === DESCEND ? 1 : done;
    }
    return spent;
  }

  /** Decides a node where it can be decided (claiming its leaves or leaving them pending), or says to descend. */
  private look(node: PendingNode, before: Side, after: Side): number {
    // Unchanged here: the same scalar, or nothing in either version.
    if (node.pending === 0 || before === after) return 1;
    // Added or removed here (or the whole document created or deleted).
    if (before === undefined || after === undefined) return 1 + this.leaves.claim(node, this.version);
    // Two different scalars, or a replacement by another kind of value.
    if (!sameKindOfContainer(before, after)) return 1 + this.leaves.claim(node, this.version);
    if (node.leaf < 0) return DESCEND;
    // No newer version touched this leaf, so `after` holds it as it is now: an empty object or array. Two
    // containers of one kind are then equal exactly when both are empty; a non-empty `before` claims the leaf, so
    // it is looked at once.
    return isEmpty(before) && isEmpty(after) ? 1 : 1 + this.leaves.claim(node, this.version);
  }
}

function sameKindOfContainer(a: JsonValue, b: JsonValue): boolean {
  return Array.isArray(a) ? Array.isArray(b) : isJsonObject(a) && isJsonObject(b);
}

function memberOf(container: Side, child: PendingNode): Side {
  if (Array.isArray(container)) return child.index >= 0 ? container[child.index] : undefined;
  return isJsonObject(container) && Object.hasOwn(container, child.token) ? container[child.token] : undefined;
}

function isEmpty(container: JsonValue): boolean {
  return Array.isArray(container) ? container.length === 0 : isJsonObject(container) && Object.keys(container).length === 0;
}
