import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { describe, expect, it } from 'vitest';
import { formatCommitMessage, parseCommitMessage } from '../../src/domain/commit-message.js';
import { InvalidDocumentError, InvalidInputError, InvalidPathError } from '../../src/domain/errors.js';
import type { JsonPatchOperation } from '../../src/domain/json-patch.js';
import { applyOverlay, parseOverlay } from '../../src/domain/overlay-patch.js';
import { overlayLocationOf, overlayPathOf, stemOf, validateBasePath, validateClusterName } from '../../src/domain/overlay-path.js';
import { introducesOperation, leavesOf, settingOperationOf, touchedBy } from '../../src/domain/overlay-provenance.js';
import { diffValues } from '../../src/domain/value-diff.js';

describe('overlay paths', () => {
  it('places overlays next to their base, named by cluster', () => {
    expect(overlayPathOf('svc/payments.yaml', 'eu-1')).toBe('svc/payments.overlays/eu-1.patch.json');
    expect(overlayPathOf('payments.json', 'prod')).toBe('payments.overlays/prod.patch.json');
    expect(stemOf('a/b.yml')).toBe('a/b');
    expect(overlayLocationOf('svc/payments.overlays/eu-1.patch.json')).toEqual({ stem: 'svc/payments', cluster: 'eu-1' });
    expect(overlayLocationOf('svc/payments.yaml')).toBeNull();
    expect(overlayLocationOf('payments.overlays.yaml')).toBeNull();
  });

  it('refuses anything else inside an overlay folder, and bad cluster names', () => {
    for (const path of [
      'payments.overlays/notes.json',
      '.overlays/prod.patch.json',
      'a.overlays/eu/prod.patch.json',
      'a.overlays/-x.patch.json',
      'a.overlays/Prod.patch.json',
      'a.overlays/x_y.patch.json',
    ]) {
      expect(() => overlayLocationOf(path), path).toThrow(InvalidPathError);
    }
    expect(() => validateClusterName('a'.repeat(64))).toThrow(InvalidInputError);
    expect(validateClusterName('a'.repeat(63))).toHaveLength(63);
    expect(() => validateBasePath('payments.overlays/prod.patch.json')).toThrow(InvalidPathError);
  });
});

describe('overlay patches', () => {
  it('accepts a JSON array of RFC 6902 operations and names the first bad one', () => {
    expect(parseOverlay('a.overlays/p.patch.json', '[{"op":"copy","from":"/a","path":"/b"},{"op":"remove","path":"/a"}]')).toHaveLength(2);
    const bad: [string, RegExp][] = [
      ['{"op":"add"}', /JSON array/],
      ['[{"op":"add","path":"/a","value":1},{"op":"add","path":"/b"}]', /operation 1: 'add' needs a 'value'/],
      ['[{"op":"move","path":"/a"}]', /operation 0: 'from'/],
      ['[{"op":"add","path":"a","value":1}]', /operation 0: invalid JSON pointer/],
      ['[{"op":"merge","path":"/a"}]', /operation 0: 'op' must be one of/],
      ['[1]', /operation 0: an operation is an object/],
    ];
    for (const [text, message] of bad) {
      expect(() => parseOverlay('a.overlays/p.patch.json', text), text).toThrow(InvalidDocumentError);
      expect(() => parseOverlay('a.overlays/p.patch.json', text), text).toThrow(message);
    }
  });

  it('applies to a copy of the base, or reports the failing operation and why', () => {
    const base = { image: 'a:1', replicas: 2 };
    const patch: JsonPatchOperation[] = [
      { op: 'test', path: '/image', value: 'a:1' },
      { op: 'replace', path: '/replicas', value: 5 },
    ];
    expect(applyOverlay(base, patch)).toEqual({ ok: true, value: { image: 'a:1', replicas: 5 } });
    expect(base.replicas).toBe(2);
    const failed = applyOverlay({ image: 'a:2' }, patch);
    expect(failed).toMatchObject({ ok: false, failure: { opIndex: 0 } });
    const missing = applyOverlay({ image: 'a:1' }, patch);
    expect(missing).toMatchObject({ ok: false, failure: { opIndex: 1 } });
  });
});

describe('provenance helpers', () => {
  it('lists leaves, empty containers included', () => {
    expect(leavesOf({ a: { b: 1, c: [] }, d: [true, {}] })).toEqual([
      { pointer: '/a/b', value: 1 },
      { pointer: '/a/c', value: [] },
      { pointer: '/d/0', value: true },
      { pointer: '/d/1', value: {} },
    ]);
    expect(leavesOf(7)).toEqual([{ pointer: '', value: 7 }]);
  });

  it('attributes a field to the last operation that put a value at it or an ancestor', () => {
    const patch: JsonPatchOperation[] = [
      { op: 'add', path: '/a', value: { b: 1 } },
      { op: 'replace', path: '/a/b', value: 2 },
      { op: 'test', path: '/ab', value: 1 },
      { op: 'remove', path: '/c' },
    ];
    expect(settingOperationOf('/a/b', patch)).toBe(1);
    expect(settingOperationOf('/a/x', patch)).toBe(0);
    expect(settingOperationOf('/ab', patch)).toBeNull();
    expect(settingOperationOf('/c', patch)).toBeNull();
    expect(settingOperationOf('/anything', [{ op: 'replace', path: '', value: {} }])).toBe(0);
  });

  it('finds the fields a change touched: changed, inside a changed value, or holding one', () => {
    const pending = ['/a/b', '/a/c', '/x', '/list'];
    expect(touchedBy(pending, diffValues({ a: { b: 1, c: 1 }, x: 1, list: [] }, { a: { b: 2, c: 1 }, x: 1, list: [] }))).toEqual(['/a/b']);
    expect(touchedBy(pending, diffValues({ a: 1, x: 1, list: [1] }, { a: { b: 1, c: 1 }, x: 1, list: [] })).sort()).toEqual(['/a/b', '/a/c', '/list']);
    expect(touchedBy(pending, diffValues(undefined, {}))).toEqual(pending);
  });

  it('knows which version introduced an operation', () => {
    const op = { op: 'replace', path: '/a', value: 2 } as const;
    const other = { op: 'replace', path: '/a', value: 1 };
    expect(introducesOperation(op, [other], [{ ...op }])).toBe(true);
    expect(introducesOperation(op, [{ ...op }], [{ op: 'test', path: '/b', value: 1 }, { ...op }])).toBe(false);
    expect(introducesOperation(op, undefined, [{ ...op }])).toBe(true);
    expect(introducesOperation(op, [other], [other])).toBe(false);
  });
});

describe('Cairn-Forced trailer', () => {
  it('is written only for forced writes, read back, and is a trailer to git', () => {
    const trailers = { action: 'update' as const, operatorIp: '10.0.0.1', requestId: null, rollbackTo: null, reverts: null };
    const forced = formatCommitMessage('new image', { ...trailers, forced: true });
    expect(forced).toContain('\nCairn-Forced: true\n');
    expect(parseCommitMessage(forced).trailers?.forced).toBe(true);
    expect(formatCommitMessage('x', trailers)).not.toContain('Cairn-Forced');
    expect(parseCommitMessage(formatCommitMessage('x', { ...trailers, forced: false })).trailers?.forced).toBeUndefined();
    const git = execFileSync('git', ['interpret-trailers', '--parse'], { input: forced, cwd: tmpdir(), encoding: 'utf8' });
    expect(git).toContain('Cairn-Forced: true');
  });
});
