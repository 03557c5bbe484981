import { encodePointer } from './json-pointer.js';
import { deepEqual, isJsonObject, type JsonObject, type JsonValue } from './json-value.js';

export type ValueChangeOp = 'add' | 'remove' | 'replace';

export interface ValueChange {
  pointer: string;
  op: ValueChangeOp;
  /** Absent for 'add'. */
  oldValue?: JsonValue;
  /** Absent for 'remove'. */
  newValue?: JsonValue;
}

type Tokens = readonly (string | number)[];

/**
 * Leaf-level changes from oldValue to newValue (undefined = the document does not exist).
 * Arrays are compared index by index, so the changes can be applied in the order given:
 * additions ascend and removals descend, which keeps every index valid when it is used.
 */
export function diffValues(oldValue: JsonValue | undefined, newValue: JsonValue | undefined): ValueChange[] {
  if (oldValue === undefined) return newValue === undefined ? [] : [{ pointer: '', op: 'add', newValue }];
  if (newValue === undefined) return [{ pointer: '', op: 'remove', oldValue }];
  const changes: ValueChange[] = [];
  diffInto(changes, [], oldValue, newValue);
  return changes;
}

function diffInto(changes: ValueChange[], tokens: Tokens, oldValue: JsonValue, newValue: JsonValue): void {
  if (Array.isArray(oldValue) && Array.isArray(newValue)) {
    diffArrays(changes, tokens, oldValue, newValue);
  } else if (isJsonObject(oldValue) && isJsonObject(newValue)) {
    diffObjects(changes, tokens, oldValue, newValue);
  } else if (!deepEqual(oldValue, newValue)) {
    changes.push({ pointer: encodePointer(tokens), op: 'replace', oldValue, newValue });
  }
}

function diffObjects(changes: ValueChange[], tokens: Tokens, oldValue: JsonObject, newValue: JsonObject): void {
  for (const [key, oldChild] of Object.entries(oldValue)) {
    const newChild = Object.hasOwn(newValue, key) ? newValue[key] : undefined;
    if (newChild === undefined) {
      changes.push({ pointer: encodePointer([...tokens, key]), op: 'remove', oldValue: oldChild });
    } else {
      diffInto(changes, [...tokens, key], oldChild, newChild);
    }
  }
  for (const [key, newChild] of Object.entries(newValue)) {
    if (!Object.hasOwn(oldValue, key)) changes.push({ pointer: encodePointer([...tokens, key]), op: 'add', newValue: newChild });
  }
}

function diffArrays(changes: ValueChange[], tokens: Tokens, oldValue: JsonValue[], newValue: JsonValue[]): void {
  const common = Math.min(oldValue.length, newValue.length);
  oldValue.slice(0, common).forEach((oldItem, index) => {
    diffInto(changes, [...tokens, index], oldItem, newValue[index] ?? null);
  });
  newValue.slice(common).forEach((newItem, offset) => {
    changes.push({ pointer: encodePointer([...tokens, common + offset]), op: 'add', newValue: newItem });
  });
  const removed = oldValue.slice(common).map((oldItem, offset): ValueChange => {
    return { pointer: encodePointer([...tokens, common + offset]), op: 'remove', oldValue: oldItem };
  });
  for (const change of removed.reverse()) changes.push(change);
}
