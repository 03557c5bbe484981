import { describe, expect, it } from 'vitest';
import { parseDocument, serializeDocument } from '../../src/domain/document-codec.js';
import type { JsonValue } from '../../src/domain/json-value.js';
import { type DocumentSide, revertDocument } from '../../src/domain/revert-merge.js';

function yaml(text: string): DocumentSide {
  return { text, value: parseDocument('doc.yaml', text) };
}

function json(value: JsonValue): DocumentSide {
  return { text: serializeDocument('json', value), value };
}

function writtenText(outcome: ReturnType<typeof revertDocument>): string {
  if (outcome.kind !== 'write') throw new Error(`expected a write, got ${JSON.stringify(outcome)}`);
  return outcome.text;
}

describe('revertDocument: whole documents', () => {
  it('is unchanged when the document already looks as it did before the commit', () => {
    expect(revertDocument('d.json', 'json', json({ a: 1 }), json({ a: 2 }), json({ a: 1 }))).toEqual({ kind: 'unchanged' });
    expect(revertDocument('d.json', 'json', null, json({ a: 1 }), null)).toEqual({ kind: 'unchanged' });
  });

  it('restores the exact earlier text when nothing happened since the commit', () => {
    const before = yaml('# tuned by hand\ntimeout: 30   # seconds\n');
    const after = yaml('timeout: 60\n');
    expect(revertDocument('d.yaml', 'yaml', before, after, after)).toEqual({ kind: 'write', text: before.text });
  });

  it('deletes a document the commit created, unless it changed since', () => {
    const created = json({ a: 1 });
    expect(revertDocument('d.json', 'json', null, created, created)).toEqual({ kind: 'delete' });
    expect(revertDocument('d.json', 'json', null, created, { text: '{"a":1}', value: { a: 1 } })).toEqual({ kind: 'delete' });
    expect(revertDocument('d.json', 'json', null, created, json({ a: 2 }))).toEqual({ kind: 'conflict', pointers: [''] });
  });

  it('brings back a document the commit deleted, unless it was created again since', () => {
    const before = yaml('a: 1 # keep me\n');
    expect(revertDocument('d.yaml', 'yaml', before, null, null)).toEqual({ kind: 'write', text: before.text });
    expect(revertDocument('d.yaml', 'yaml', before, null, yaml('a: 2\n'))).toEqual({ kind: 'conflict', pointers: [''] });
  });

  it('conflicts when the document was deleted after the commit changed it', () => {
    expect(revertDocument('d.json', 'json', json({ a: 1 }), json({ a: 2 }), null)).toEqual({ kind: 'conflict', pointers: [''] });
  });
});

describe('revertDocument: value merge', () => {
  it('undoes the commit and keeps later changes elsewhere', () => {
    const before = json({ timeout: 30, retries: 3, tags: ['a'] });
    const after = json({ timeout: 60, retries: 3, tags: ['a'] });
    const current = json({ timeout: 60, retries: 5, tags: ['a', 'b'], extra: true });
    const text = writtenText(revertDocument('d.json', 'json', before, after, current));
    expect(text).toBe(serializeDocument('json', { timeout: 30, retries: 5, tags: ['a', 'b'], extra: true }));
  });

  it('reports every value changed again since the commit as a conflict, sorted', () => {
    const before = json({ a: 1, b: { c: 1 }, d: 1, z: 1 });
    const after = json({ a: 2, b: { c: 2 }, d: 2, z: 2 });
    const current = json({ a: 3, b: { c: 3 }, d: 2, z: 9 });
    expect(revertDocument('d.json', 'json', before, after, current)).toEqual({ kind: 'conflict', pointers: ['/a', '/b/c', '/z'] });
  });

  it('skips values that were already put back by hand', () => {
    const before = json({ a: 1, b: 1 });
    const after = json({ a: 2, b: 2 });
    const current = json({ a: 1, b: 2, c: 3 });
    expect(JSON.parse(writtenText(revertDocument('d.json', 'json', before, after, current)))).toEqual({ a: 1, b: 1, c: 3 });
  });

  it('is unchanged when every value was already put back by hand', () => {
    const before = json({ a: 1 });
    const after = json({ a: 2 });
    expect(revertDocument('d.json', 'json', before, after, json({ a: 1, b: 2 }))).toEqual({ kind: 'unchanged' });
  });

  it('removes added keys and restores removed ones', () => {
    const before = json({ keep: 1, removed: { deep: [1] } });
    const after = json({ keep: 1, added: 'x' });
    const current = json({ keep: 2, added: 'x' });
    expect(JSON.parse(writtenText(revertDocument('d.json', 'json', before, after, current)))).toEqual({ keep: 2, removed: { deep: [1] } });
  });

  it('conflicts when a key the commit added was changed since', () => {
    expect(revertDocument('d.json', 'json', json({}), json({ added: 1 }), json({ added: 2 }))).toEqual({
      kind: 'conflict',
      pointers: ['/added'],
    });
  });

  it('removes an item the commit appended, even after later appends', () => {
    const before = json({ hosts: ['a'] });
    const after = json({ hosts: ['a', 'x'] });
    const current = json({ hosts: ['a', 'x', 'y'] });
    expect(JSON.parse(writtenText(revertDocument('d.json', 'json', before, after, current)))).toEqual({ hosts: ['a', 'y'] });
  });

  it('puts back items the commit removed from the end of an array', () => {
    const before = json({ hosts: ['a', 'b', 'c'] });
    const after = json({ hosts: ['a'] });
    expect(JSON.parse(writtenText(revertDocument('d.json', 'json', before, after, json({ hosts: ['a'], n: 1 }))))).toEqual({
      hosts: ['a', 'b', 'c'],
      n: 1,
    });
    // Someone removed 'a' as well: index 1 and 2 no longer exist at the end of the array.
    expect(revertDocument('d.json', 'json', before, after, json({ hosts: [] }))).toEqual({
      kind: 'conflict',
      pointers: ['/hosts/1', '/hosts/2'],
    });
    // Someone appended a different item where the commit's removal happened.
    expect(revertDocument('d.json', 'json', before, after, json({ hosts: ['a', 'z'] }))).toEqual({ kind: 'conflict', pointers: ['/hosts/1'] });
  });

  it('conflicts when the parent of a restored key has disappeared', () => {
    const before = json({ svc: { a: 1 } });
    const after = json({ svc: {} });
    expect(revertDocument('d.json', 'json', before, after, json({}))).toEqual({ kind: 'conflict', pointers: ['/svc/a'] });
  });

  it('reverts a change of the whole document type', () => {
    const before = json({ a: 1 });
    const after = json([1]);
    const current = { text: '[ 1 ]', value: [1] };
    expect(JSON.parse(writtenText(revertDocument('d.json', 'json', before, after, current)))).toEqual({ a: 1 });
  });
});

describe('revertDocument: YAML layout', () => {
  it('keeps the current file’s comments, order and styles', () => {
    const before = yaml('# Payments service\nname: payments\nlimits:\n  cpu: 1 # cores\n  memory: 1Gi\n');
    const after = yaml('# Payments service\nname: payments\nlimits:\n  cpu: 2 # cores\n  memory: 1Gi\n');
    const current = yaml(
      [
        '# Payments service',
        'name: payments',
        '',
        '# Sized for Black Friday',
        'limits:',
        '  cpu: 2 # cores',
        '  memory: "2Gi"  # raised later',
        'hosts: [a, b]',
        '',
      ].join('\n'),
    );
    expect(writtenText(revertDocument('d.yaml', 'yaml', before, after, current))).toBe(
      [
        '# Payments service',
        'name: payments',
        '',
        '# Sized for Black Friday',
        'limits:',
        '  cpu: 1 # cores',
        '  memory: "2Gi" # raised later',
        'hosts: [ a, b ]',
        '',
      ].join('\n'),
    );
  });

  it('adds and removes keys and items without losing comments', () => {
    const before = yaml('a: 1\nlist:\n  - x\n');
    const after = yaml('a: 1\nnew: true\nlist:\n  - x\n  - y\n');
    const current = yaml('# header\na: 2 # changed later\nnew: true\nlist:\n  - x # first\n  - y\n');
    const text = writtenText(revertDocument('d.yaml', 'yaml', before, after, current));
    expect(text).toBe('# header\na: 2 # changed later\nlist:\n  - x # first\n');
  });

  it('restores removed keys and items', () => {
    const before = yaml('a: 1\nobj:\n  k: v\nlist:\n  - x\n  - {y: 1}\n');
    const after = yaml('a: 1\nlist:\n  - x\n');
    const current = yaml('a: 1 # note\nlist:\n  - x\n');
    const text = writtenText(revertDocument('d.yaml', 'yaml', before, after, current));
    expect(text).toContain('a: 1 # note');
    expect(parseDocument('d.yaml', text)).toEqual(before.value);
  });

  it('keeps four-space indentation', () => {
    const before = yaml('svc:\n    port: 80\n    hosts:\n        - a\n');
    const after = yaml('svc:\n    port: 8080\n    hosts:\n        - a\n');
    const current = yaml('# edited\nsvc:\n    port: 8080\n    hosts:\n        - a\n');
    expect(writtenText(revertDocument('d.yaml', 'yaml', before, after, current))).toBe('# edited\nsvc:\n    port: 80\n    hosts:\n        - a\n');
  });

  it('keeps sequences unindented when the file writes them that way', () => {
    const before = yaml('svc:\n  port: 80\n  hosts:\n  - a\n');
    const after = yaml('svc:\n  port: 8080\n  hosts:\n  - a\n');
    const current = yaml('# edited\nsvc:\n  port: 8080\n  hosts:\n  - a\n');
    expect(writtenText(revertDocument('d.yaml', 'yaml', before, after, current))).toBe('# edited\nsvc:\n  port: 80\n  hosts:\n  - a\n');
  });

  it('changes the type of a scalar without keeping a stale style or tag', () => {
    const before = yaml('port: 80\n');
    const after = yaml('port: "eighty"\n');
    const current = yaml('port: "eighty" # quoted\nother: 1\n');
    const text = writtenText(revertDocument('d.yaml', 'yaml', before, after, current));
    expect(text).toBe('port: 80 # quoted\nother: 1\n');
  });

  it('falls back to a plain rendering when anchors make an in-place edit unsafe', () => {
    const before = yaml('base: &b {x: 1}\nuse: *b\n');
    const after = yaml('base: &b {x: 2}\nuse: *b\n');
    const current = yaml('# c\nbase: &b {x: 2}\nuse: *b\nmore: 1\n');
    const text = writtenText(revertDocument('d.yaml', 'yaml', before, after, current));
    expect(parseDocument('d.yaml', text)).toEqual({ base: { x: 1 }, use: { x: 1 }, more: 1 });
  });

  it('does not let a change leak through an alias added after the commit', () => {
    const before = yaml('base: {x: 1}\nuse: {x: 2}\n');
    const after = yaml('base: {x: 2}\nuse: {x: 2}\n');
    const current = yaml('base: &b {x: 2}\nuse: *b\n');
    const text = writtenText(revertDocument('d.yaml', 'yaml', before, after, current));
    expect(parseDocument('d.yaml', text)).toEqual({ base: { x: 1 }, use: { x: 2 } });
  });
});

describe('revertDocument: resolutions', () => {
  it('commits the chosen value of each conflicting pointer, with the clean changes, keeping YAML comments', () => {
    const before = yaml('a: 1 # one\nb: 1\nc: 1\n');
    const after = yaml('a: 2 # one\nb: 2\nc: 2\n');
    const current = yaml('a: 3 # one\nb: 2\nc: 3\n');
    expect(revertDocument('d.yaml', 'yaml', before, after, current)).toEqual({ kind: 'conflict', pointers: ['/a', '/c'] });
    const resolved = revertDocument('d.yaml', 'yaml', before, after, current, new Map<string, JsonValue | undefined>([['/a', 7]]));
    expect(resolved).toEqual({ kind: 'conflict', pointers: ['/c'] });
    const all = new Map<string, JsonValue | undefined>([
      ['/a', 7],
      ['/c', undefined],
    ]);
    expect(writtenText(revertDocument('d.yaml', 'yaml', before, after, current, all))).toBe('a: 7 # one\nb: 1\n');
  });

  it('takes the whole document for the whole-document conflict, or deletes it', () => {
    const created = json({ a: 1 });
    expect(writtenText(revertDocument('d.json', 'json', null, created, json({ a: 2 }), new Map([['', { a: 5 }]])))).toBe(serializeDocument('json', { a: 5 }));
    expect(revertDocument('d.json', 'json', null, created, json({ a: 2 }), new Map([['', undefined]]))).toEqual({ kind: 'delete' });
  });

  it('places a chosen value under a parent later versions removed, creating the parent', () => {
    const [before, after, current] = [json({ a: { b: 2 } }), json({ a: { b: 1 } }), json({ z: 1 })];
    expect(revertDocument('d.json', 'json', before, after, current)).toEqual({ kind: 'conflict', pointers: ['/a/b'] });
    expect(writtenText(revertDocument('d.json', 'json', before, after, current, new Map([['/a/b', 7]])))).toBe(
      serializeDocument('json', { z: 1, a: { b: 7 } }),
    );
  });

  it('settles with a choice a change that could not apply (its parent gone), and with the whole document any conflict', () => {
    const [before, after, current] = [json({ a: { b: 1, c: 2 } }), json({ a: { b: 1 } }), json({ x: 2 })];
    expect(revertDocument('d.json', 'json', before, after, current)).toEqual({ kind: 'conflict', pointers: ['/a/c'] });
    expect(writtenText(revertDocument('d.json', 'json', before, after, current, new Map([['/a/c', 3]])))).toBe(
      serializeDocument('json', { x: 2, a: { c: 3 } }),
    );
    expect(revertDocument('d.json', 'json', before, after, current, new Map([['/a/c', undefined]]))).toEqual({ kind: 'unchanged' });
    expect(writtenText(revertDocument('d.json', 'json', before, after, current, new Map([['', { x: 9 }]])))).toBe(serializeDocument('json', { x: 9 }));
  });
});
