import { encodePointer } from './json-pointer.js';
import { deepEqual, isJsonObject, type JsonValue } from './json-value.js';

export type ValueChangeOp = 'add' | 'remove' | 'replace';

export interface ValueChange {
  pointer: string;
  op: ValueChangeOp;
  /** Absent for 'add'. */
  oldValue?: JsonValue;
  /** Absent for 'remove'. */
  newValue?: JsonValue;
}

/** Where a value sits: its key in its parent, up to the root (null). Pointers are built only for changes. */
interface Place {
  readonly parent: Place | null;
  readonly key: string | number;
}

type Task =
  | { readonly compare: true; readonly place: Place | null; readonly oldValue: JsonValue; readonly newValue: JsonValue }
  | { readonly compare: false; readonly change: ValueChange };

/**
 * Leaf-level changes from oldValue to newValue (undefined = the document does not exist).
 * Arrays are compared index by index, so the changes can be applied in the order given:
 * additions ascend and removals descend, which keeps every index valid when it is used.
 */
export function diffValues(oldValue: JsonValue | undefined, newValue: JsonValue | undefined): ValueChange[] {
  const walk = new ValueDiffWalk(oldValue, newValue);
  while (!walk.step(Number.POSITIVE_INFINITY));
  return walk.changes;
}

/**
 * diffValues in steps, without recursion: `step(n)` compares up to n values and says whether the walk is done, so a
 * caller can give other work a turn between steps (two 1 MiB documents hold a hundred thousand values).
 */
export class ValueDiffWalk {
  readonly changes: ValueChange[] = [];
  /** Pending work, last first: popping it visits values in document order. */
  private readonly tasks: Task[] = [];

  constructor(oldValue: JsonValue | undefined, newValue: JsonValue | undefined) {
    if (oldValue === undefined) {
      if (newValue !== undefined) this.changes.push({ pointer: '', op: 'add', newValue });
    } else if (newValue === undefined) {
      this.changes.push({ pointer: '', op: 'remove', oldValue });
    } else {
      this.tasks.push({ compare: true, place: null, oldValue, newValue });
    }
  }

  /** Compares about `units` values (a container's children count as they are looked at); true once every change is in `changes`. */
  step(units: number): boolean {
    for (let done = 0; done < units;) {
      const task = this.tasks.pop();
      if (task === undefined) return true;
      if (task.compare) {
        done += this.compare(task.place, task.oldValue, task.newValue);
      } else {
        this.changes.push(task.change);
        done += 1;
      }
    }
    return this.tasks.length === 0;
  }

  /** How many values it looked at. */
  private compare(place: Place | null, oldValue: JsonValue, newValue: JsonValue): number {
    if (Array.isArray(oldValue) && Array.isArray(newValue)) return this.expandArrays(place, oldValue, newValue);
    if (isJsonObject(oldValue) && isJsonObject(newValue)) return this.expandObjects(place, oldValue, newValue);
    if (!deepEqual(oldValue, newValue)) this.changes.push({ pointer: pointerOf(place), op: 'replace', oldValue, newValue });
    return 1;
  }

  /** Old keys in order (removed, or compared), then added keys: pushed in reverse, so they pop in that order. */
  private expandObjects(place: Place | null, oldValue: Readonly<Record<string, JsonValue>>, newValue: Readonly<Record<string, JsonValue>>): number {
    const ordered: Task[] = [];
    const oldKeys = Object.keys(oldValue);
    for (const key of oldKeys) {
      const oldChild = oldValue[key]!;
      const newChild = Object.hasOwn(newValue, key) ? newValue[key] : undefined;
      // Most values of two versions are the same scalars: they need no task (nor place) to find nothing changed.
      if (oldChild === newChild) continue;
      const child = { parent: place, key };
      ordered.push(
        newChild === undefined
          ? { compare: false, change: { pointer: pointerOf(child), op: 'remove', oldValue: oldChild } }
          : { compare: true, place: child, oldValue: oldChild, newValue: newChild },
      );
    }
    const newKeys = Object.keys(newValue);
    for (const key of newKeys) {
      if (!Object.hasOwn(oldValue, key))
        ordered.push({ compare: false, change: { pointer: pointerOf({ parent: place, key }), op: 'add', newValue: newValue[key]! } });
    }
    for (let i = ordered.length - 1; i >= 0; i -= 1) this.tasks.push(ordered[i]!);
    return 1 + oldKeys.length + newKeys.length;
  }

  /** Common indexes compared in order, then additions ascending, then removals descending. */
  private expandArrays(place: Place | null, oldValue: readonly JsonValue[], newValue: readonly JsonValue[]): number {
    const common = Math.min(oldValue.length, newValue.length);
    for (let index = common; index < oldValue.length; index += 1) {
      this.tasks.push({ compare: false, change: { pointer: pointerOf({ parent: place, key: index }), op: 'remove', oldValue: oldValue[index]! } });
    }
    for (let index = newValue.length - 1; index >= common; index -= 1) {
      this.tasks.push({ compare: false, change: { pointer: pointerOf({ parent: place, key: index }), op: 'add', newValue: newValue[index]! } });
    }
    for (let index = common - 1; index >= 0; index -= 1) {
      const oldItem = oldValue[index]!;
      const newItem = newValue[index] ?? null;
      if (oldItem !== newItem) this.tasks.push({ compare: true, place: { parent: place, key: index }, oldValue: oldItem, newValue: newItem });
    }
    return 1 + Math.max(oldValue.length, newValue.length);
  }
}

function pointerOf(place: Place | null): string {
  const tokens: (string | number)[] = [];
  for (let at = place; at !== null; at = at.parent) tokens.push(at.key);
  return encodePointer(tokens.reverse());
}
