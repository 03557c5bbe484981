import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { JsonPatchOperation } from '../../src/domain/json-patch.js';
import { encodePointer } from '../../src/domain/json-pointer.js';
import { deepEqual, type JsonValue } from '../../src/domain/json-value.js';
import { introducesOperation, settingOperationsOf } from '../../src/domain/overlay-provenance.js';

/** The definitions, written as plainly as possible: every operation checked against every pointer. */
function settingReference(pointer: string, patch: readonly JsonPatchOperation[]): number | null {
  for (let index = patch.length - 1; index >= 0; index -= 1) {
    const op = patch[index]!;
    if (['add', 'replace', 'copy', 'move'].includes(op.op) && (pointer === op.path || pointer.startsWith(`${op.path}/`))) return index;
  }
  return null;
}
function introducesReference(operation: JsonPatchOperation, before: JsonValue | undefined, after: JsonValue | undefined): boolean {
  const holds = (patch: JsonValue | undefined): boolean => Array.isArray(patch) && patch.some((o) => deepEqual(o, operation as unknown as JsonValue));
  return holds(after) && !holds(before);
}

const token = fc.constantFrom('a', 'b', 'a/b', 'a~b', '0', '1', '', '~1');
const pointer = fc.array(token, { maxLength: 4 }).map((tokens) => encodePointer(tokens));
const operation: fc.Arbitrary<JsonPatchOperation> = fc.oneof(
  fc.record({
    op: fc.constantFrom('add' as const, 'replace' as const),
    path: pointer,
    value: fc.oneof(fc.integer({ min: 0, max: 3 }), fc.dictionary(fc.constantFrom('x', 'y'), fc.integer({ min: 0, max: 2 }))),
  }),
  fc.record({ op: fc.constant('remove' as const), path: pointer }),
  fc.record({ op: fc.constantFrom('copy' as const, 'move' as const), from: pointer, path: pointer }),
  fc.record({ op: fc.constant('test' as const), path: pointer, value: fc.integer({ min: 0, max: 3 }) }),
);

/** Provenance of an effective document is linear in the overlay and the pointers; it must answer what the definitions say. */
describe('overlay provenance at scale', () => {
  it('settingOperationsOf agrees with checking every operation against every pointer', () => {
    fc.assert(
      fc.property(fc.array(pointer, { maxLength: 30 }), fc.array(operation, { maxLength: 12 }), (pointers, patch) => {
        expect(settingOperationsOf(pointers, patch)).toEqual(pointers.map((p) => settingReference(p, patch)));
      }),
      { seed: 20261206, numRuns: 2000 },
    );
  });

  it('introducesOperation agrees with deep equality, whatever the order of an operation’s members', () => {
    fc.assert(
      fc.property(operation, fc.array(operation, { maxLength: 6 }), fc.array(operation, { maxLength: 6 }), fc.boolean(), (op, before, after, reorder) => {
        const sent = reorder ? (Object.fromEntries(Object.entries(op).reverse()) as JsonPatchOperation) : op;
        const patchAfter = [...after, sent] as unknown as JsonValue;
        expect(introducesOperation(op, before as unknown as JsonValue, patchAfter)).toBe(introducesReference(op, before as unknown as JsonValue, patchAfter));
      }),
      { seed: 20261207, numRuns: 2000 },
    );
  });

  it('finds the setting operation of 200,000 pointers under a 2,000 operation overlay in one pass', () => {
    const pointers = Array.from({ length: 200_000 }, (_, i) => `/services/s${i % 5000}/port${i}`);
    const patch: JsonPatchOperation[] = Array.from({ length: 2000 }, (_, i) => ({ op: 'replace', path: `/services/s${i}`, value: {} }));
    const found = settingOperationsOf(pointers, patch);
    expect(found[0]).toBe(0);
    expect(found[1999]).toBe(1999);
    expect(found[4999]).toBeNull();
  });
});
