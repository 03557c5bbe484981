import { describe, expect, it } from 'vitest';
import { DEFAULT_MAX_DOCUMENT_BYTES, parseDocument, parseStoredDocument, serializeDocument } from '../../src/domain/document-codec.js';
import { InvalidDocumentError, InvalidInputError, InvalidPathError } from '../../src/domain/errors.js';
import type { JsonValue } from '../../src/domain/json-value.js';

function failureOf(path: string, text: string, maxBytes?: number): InvalidDocumentError {
  try {
    parseDocument(path, text, maxBytes);
  } catch (error) {
    if (error instanceof InvalidDocumentError) return error;
    throw error;
  }
  throw new Error(`expected ${JSON.stringify(text.slice(0, 80))} to be rejected`);
}

function nested(depth: number): string {
  return `${'['.repeat(depth)}${']'.repeat(depth)}`;
}

describe('parseDocument: JSON', () => {
  it('parses JSON documents', () => {
    expect(parseDocument('a.json', '{"a": [1, 2.5, -0.5e2, true, null, "x\\n\\u00e9"], "b": {}}')).toEqual({
      a: [1, 2.5, -50, true, null, 'x\né'],
      b: {},
    });
    expect(parseDocument('a.json', '  "just a string"\n')).toBe('just a string');
    expect(parseDocument('a.json', '\uFEFF{"bom": 1}')).toEqual({ bom: 1 });
  });

  it.each([
    ['{"a": 1, "b": [true, false, null]}'],
    ['[]'],
    ['{}'],
    ['0'],
    ['-0.0'],
    ['1E+2'],
    ['"\\ud83d\\ude00 \\" \\\\ \\/ \\b\\f\\n\\r\\t"'],
    ['{"": {"": [[], {}]}}'],
    ['  [ 1 , 2 ]  \n'],
    ['"日本語"'],
  ])('agrees with JSON.parse on %s', (text) => {
    expect(parseDocument('a.json', text)).toEqual(JSON.parse(text));
  });

  it.each([
    '01',
    '1.',
    '.5',
    '+1',
    '-',
    '1e',
    '[1,]',
    '{,}',
    '{"a":1,}',
    "'a'",
    'NaN',
    'Infinity',
    'tru',
    'nul',
    'True',
    '[1 2]',
    '{"a" 1}',
    '{"a":1 "b":2}',
    '{1:2}',
    '"a" "b"',
    '\u00A01',
    '\u000B1',
    '"\\x41"',
    '"\\u12"',
    '"a\u0001"',
    '[',
    ']',
    '{"a":',
    '"abc',
    '/* c */ 1',
    '[1]]',
  ])('rejects %j like JSON.parse does', (text) => {
    expect(() => JSON.parse(text)).toThrow();
    expect(failureOf('a.json', text).code).toBe('INVALID_DOCUMENT');
  });

  it.each([
    ['{\n  "a": 1,\n  "b": tru\n}', 3, 8, 'unexpected "t"'],
    ['{\n  "a": 1,\n}', 3, 1, 'expected a property name'],
    ['[1, 2', 1, 6, 'unexpected end of input'],
    ['{"a": "unterminated}', 1, 7, 'unterminated string'],
    ['{\n  "a": 1,\n  "a": 2\n}', 3, 3, 'duplicate key "a"'],
    ['{"a": 1} x', 1, 10, 'unexpected content after'],
    ['{"a": 1e400}', 1, 7, 'too large'],
    ['["tab\there"]', 1, 6, 'control character'],
    ['["\\q"]', 1, 3, 'invalid escape'],
    ['{"a" 1}', 1, 6, "expected ':'"],
    ['[1 2]', 1, 4, "expected ',' or ']'"],
    ['{"__proto__": {"x": 1}}', 1, 2, '__proto__'],
    ['\uFEFF[\n  1,\n  x\n]', 3, 3, 'unexpected "x"'],
    ['é [', 1, 1, 'unexpected "é"'],
  ])('reports %j at line %i, column %i', (text, line, column, detail) => {
    const error = failureOf('a.json', text);
    expect(error.line).toBe(line);
    expect(error.column).toBe(column);
    expect(error.detail).toContain(detail);
    expect(error.path).toBe('a.json');
    expect(error.message).toContain(`line ${line}, column ${column}`);
  });

  it('rejects an empty JSON document without a position', () => {
    for (const text of ['', '   \n\t']) {
      const error = failureOf('a.json', text);
      expect(error.detail).toContain('empty');
      expect(error.line).toBeNull();
      expect(error.column).toBeNull();
    }
  });

  it('accepts nesting up to 256 levels and rejects 257', () => {
    expect(parseDocument('a.json', nested(256))).toBeInstanceOf(Array);
    const error = failureOf('a.json', nested(257));
    expect(error.detail).toContain('nesting is deeper than 256 levels');
    expect(error.column).toBe(257);
  });

  it('rejects 10,000-deep (and 500,000-deep) JSON quickly and without a stack overflow', () => {
    const started = performance.now();
    expect(failureOf('a.json', nested(10_000)).detail).toContain('nesting');
    expect(failureOf('a.json', `${'{"a":'.repeat(10_000)}1${'}'.repeat(10_000)}`).detail).toContain('nesting');
    expect(failureOf('a.json', '['.repeat(500_000)).detail).toContain('nesting');
    expect(performance.now() - started).toBeLessThan(500);
  });

  it('enforces the size limit in UTF-8 bytes', () => {
    expect(DEFAULT_MAX_DOCUMENT_BYTES).toBe(1024 * 1024);
    const text = JSON.stringify({ s: 'é'.repeat(20) });
    expect(parseDocument('a.json', text, 100)).toEqual({ s: 'é'.repeat(20) });
    const error = failureOf('a.json', JSON.stringify({ s: 'é'.repeat(50) }), 100);
    expect(error.detail).toBe('document is 108 bytes, over the limit of 100');
    const big = JSON.stringify({ s: 'x'.repeat(DEFAULT_MAX_DOCUMENT_BYTES) });
    expect(failureOf('a.json', big).detail).toContain(`over the limit of ${DEFAULT_MAX_DOCUMENT_BYTES}`);
  });

  it('refuses paths that are not documents', () => {
    expect(() => parseDocument('a.txt', '{}')).toThrow(InvalidPathError);
  });
});

describe('parseDocument: YAML', () => {
  it('parses YAML with the core schema', () => {
    const text = [
      '# service settings',
      'name: payments   # inline comment',
      'replicas: 3',
      'ratio: 0.5',
      'hex: 0x1F',
      'enabled: true',
      'legacy: yes',
      'country: no',
      'released: 2001-12-14',
      'nothing: ~',
      'list:',
      '  - a',
      '  - {b: 1}',
      '1: numeric key',
      'true: boolean key',
      'text: |',
      '  line one',
      '  line two',
      '',
    ].join('\n');
    expect(parseDocument('a.yaml', text)).toEqual({
      name: 'payments',
      replicas: 3,
      ratio: 0.5,
      hex: 31,
      enabled: true,
      legacy: 'yes',
      country: 'no',
      released: '2001-12-14',
      nothing: null,
      list: ['a', { b: 1 }],
      '1': 'numeric key',
      true: 'boolean key',
      text: 'line one\nline two\n',
    });
  });

  it('treats an empty stream as null and reads .yml like .yaml', () => {
    expect(parseDocument('a.yaml', '')).toBeNull();
    expect(parseDocument('a.yaml', '# only a comment\n')).toBeNull();
    expect(parseDocument('a.yml', '---\n')).toBeNull();
    expect(parseDocument('a.yml', '--- [1]\n...\n')).toEqual([1]);
  });

  it('resolves aliases and merge keys', () => {
    const text = 'base: &base {x: 1, y: 2}\nprod:\n  <<: *base\n  y: 3\ncopy: *base\n';
    expect(parseDocument('a.yaml', text)).toEqual({ base: { x: 1, y: 2 }, prod: { x: 1, y: 3 }, copy: { x: 1, y: 2 } });
  });

  it.each([
    ['a: 1\na: 2\n', 2, 1, 'unique'],
    ['a: 1\n"a": 2\n', 2, 1, 'unique'],
    ['1: x\n"1": y\n', 2, 1, 'unique'],
    ['a:\n  b: 1\n c: 2\n', 3, 1, 'same column'],
    ['a:\n\tb: 1\n', 2, 1, 'Tabs'],
    ['a: [1, 2\nb: 3\n', 2, 1, 'Flow sequence'],
    ['a: "unterminated\n', 2, 1, 'Missing closing'],
    ['a: 1\n---\nb: 2\n', 2, 1, 'only one YAML document'],
    ['x: 1\n? [1, 2]\n: x\n', 2, 3, 'keys must be strings'],
    ['a: !!binary aGVsbG8=\n', 1, 4, 'Unresolved tag'],
    ['a: !!set {x, y}\n', 1, 4, 'Unresolved tag'],
    ['a: !!timestamp 2001-12-14\n', 1, 4, 'Unresolved tag'],
    ['a: !custom value\n', 1, 4, 'Unresolved tag'],
    ['list:\n  - 1\n  - .inf\n', 3, 5, 'Infinity is not a JSON number'],
    ['a: .nan\n', 1, 4, 'NaN is not a JSON number'],
    ['a: -.inf\n', 1, 4, 'not a JSON number'],
    ['__proto__: {polluted: true}\n', 1, 1, '__proto__'],
  ])('reports %j at line %i, column %i', (text, line, column, detail) => {
    const error = failureOf('conf/a.yaml', text);
    expect(error.code).toBe('INVALID_DOCUMENT');
    expect(error.path).toBe('conf/a.yaml');
    expect(error.line).toBe(line);
    expect(error.column).toBe(column);
    expect(error.detail).toContain(detail);
  });

  it('rejects aliases that are undefined or cyclic', () => {
    expect(failureOf('a.yaml', 'a: *nope\n').detail).toContain('nope');
    expect(failureOf('a.yaml', 'a: &x [*x]\n').code).toBe('INVALID_DOCUMENT');
    expect(failureOf('a.yaml', '&x {a: *x}\n').code).toBe('INVALID_DOCUMENT');
  });

  it('rejects a billion-laughs document in well under 100 ms', () => {
    const lines = ['a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]'];
    for (let level = 1; level < 9; level += 1) {
      const name = String.fromCharCode(97 + level);
      const previous = String.fromCharCode(96 + level);
      lines.push(`${name}: &${name} [${Array(9).fill(`*${previous}`).join(', ')}]`);
    }
    const started = performance.now();
    const error = failureOf('lol.yaml', `${lines.join('\n')}\n`);
    expect(performance.now() - started).toBeLessThan(100);
    expect(error.detail).toContain('alias');
  });

  it('bounds how far aliases may multiply a document', () => {
    const text = 'a: &a [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]\nb: [*a, *a, *a, *a, *a]\n';
    expect(parseDocument('a.yaml', text)).toMatchObject({ b: [[1, 2, 3, 4, 5, 6, 7, 8, 9, 10], [], [], [], []].map(() => expect.any(Array)) });
    expect(failureOf('a.yaml', text, 64).detail).toContain('aliases expand the document to more than 32 values');
  });

  it('accepts 256 levels of nesting and rejects 257', () => {
    expect(parseDocument('a.yaml', nested(256))).toBeInstanceOf(Array);
    expect(failureOf('a.yaml', nested(257)).detail).toContain('nesting is deeper than 256 levels');
    const block = Array.from({ length: 257 }, (_, level) => `${' '.repeat(level)}k:`).join('\n');
    expect(failureOf('a.yaml', `${block} x\n`).detail).toContain('nesting');
  });

  it('rejects deep nesting before the parser recurses, and keeps working afterwards', () => {
    // A stack overflow inside the YAML composer used to break V8's regexp engine for the whole
    // process, so several deep documents in a row must all be turned away cleanly.
    for (let round = 0; round < 3; round += 1) {
      expect(failureOf('a.yaml', nested(10_000)).detail).toContain('nesting');
      expect(failureOf('a.yaml', `${'- '.repeat(10_000)}x\n`).detail).toContain('nesting');
      expect(failureOf('a.yaml', `${'{a: '.repeat(5_000)}1${'}'.repeat(5_000)}`).detail).toContain('nesting');
    }
    expect(parseDocument('a.yaml', 'still: works\n')).toEqual({ still: 'works' });
  });

  it('enforces the size limit', () => {
    expect(failureOf('a.yaml', `a: ${'x'.repeat(200)}\n`, 100).detail).toBe('document is 204 bytes, over the limit of 100');
  });
});

describe('serializeDocument', () => {
  const samples: JsonValue[] = [
    null,
    0,
    -1.5,
    'plain',
    '',
    true,
    [],
    {},
    { a: 1, b: [1, 'two', { three: 3 }], c: null, d: { e: { f: [] } } },
    ['yes', 'no', 'on', 'off', 'null', '~', 'true', '1e3', '0x10', '010', '2001-12-14', '.inf', '-', '- a', '#x', ': x'],
    { 'key with: colon': 'v', '': 'empty key', '1': 'numeric-looking key', yes: 'yes key' },
    ['multi\nline\n', ' leading space', 'trailing space ', '"quoted"', "'single'", 'tab\there', 'é 日本 😀', 'x'.repeat(300)],
    [[[[[[1]]]]]],
  ];

  it.each(samples.map((value) => [JSON.stringify(value), value] as const))('round-trips %s through JSON and YAML', (_, value) => {
    for (const [format, path] of [
      ['json', 'x.json'],
      ['yaml', 'x.yaml'],
    ] as const) {
      const text = serializeDocument(format, value);
      expect(text.endsWith('\n')).toBe(true);
      expect(parseDocument(path, text)).toEqual(value);
    }
  });

  it('writes JSON with two-space indentation and a final newline', () => {
    expect(serializeDocument('json', { a: [1] })).toBe('{\n  "a": [\n    1\n  ]\n}\n');
  });

  it('writes YAML that YAML 1.1 readers cannot misread', () => {
    // In YAML 1.1 no/on/y/n are booleans, so they are quoted although YAML 1.2 would not need it.
    expect(serializeDocument('yaml', { country: 'no', flag: true, n: 1 })).toBe('country: "no"\nflag: true\n"n": 1\n');
  });

  it('does not turn shared subtrees into anchors', () => {
    const shared = { x: 1 };
    expect(serializeDocument('yaml', { a: shared, b: shared })).toBe('a:\n  x: 1\nb:\n  x: 1\n');
  });

  it('refuses values that no document may hold instead of overflowing the stack', () => {
    let deep: JsonValue = 1;
    for (let level = 0; level < 10_000; level += 1) deep = { a: deep };
    for (const format of ['json', 'yaml'] as const) {
      expect(() => serializeDocument(format, deep)).toThrow(InvalidInputError);
      expect(() => serializeDocument(format, deep)).toThrow('nesting is deeper than 256 levels');
      expect(() => serializeDocument(format, { n: Number.NaN })).toThrow('(at "/n")');
    }
    let fits: JsonValue = [];
    for (let level = 1; level < 256; level += 1) fits = [fits];
    expect(parseDocument('x.yaml', serializeDocument('yaml', fits))).toEqual(fits);
  });
});

describe('parseDocument: YAML that would stall the server (issue 12)', () => {
  const MIB = 1024 * 1024;

  function timedFailure(path: string, text: string, maxBytes?: number): { error: InvalidDocumentError; ms: number } {
    const started = performance.now();
    const error = failureOf(path, text, maxBytes);
    return { error, ms: performance.now() - started };
  }

  /** Nine anchors of 1,000 scalars, each used 99 times: 41 KB that yaml's own alias check let expand to ~900,000 values. */
  function wideAliases(): string {
    const lines: string[] = [];
    for (let i = 0; i < 9; i += 1) lines.push(`a${i}: &a${i} [${Array(1000).fill('lol').join(',')}]`);
    lines.push(`all: [${Array.from({ length: 9 }, (_, i) => Array(99).fill(`*a${i}`).join(',')).join(',')}]`);
    return `${lines.join('\n')}\n`;
  }

  it('refuses 1 MiB nesting bombs before the parser runs, with the line and column of the first collection too deep', () => {
    // Before the pre-scan the parser built its whole syntax tree first: 5 to 16 s and half a gigabyte each.
    const bombs: [string, string, number, number][] = [
      ['flow.yaml', `${'['.repeat(MIB / 2)}${']'.repeat(MIB / 2)}`, 1, 257],
      ['block.yaml', `${'- '.repeat(MIB / 2 - 1)}x`, 1, 513],
      ['maps.yaml', `${'{a: '.repeat(MIB / 8)}1${'}'.repeat(MIB / 8)}`, 1, 256 * 4 + 1],
      ['indented.yaml', `${Array.from({ length: 1400 }, (_, i) => `${' '.repeat(i)}k:`).join('\n')} x\n`, 257, 257],
    ];
    for (const [path, text, line, column] of bombs) {
      expect(Buffer.byteLength(text)).toBeLessThanOrEqual(MIB);
      const { error, ms } = timedFailure(path, text);
      expect(error.detail, path).toBe('nesting is deeper than 256 levels');
      expect({ line: error.line, column: error.column }, path).toEqual({ line, column });
      // Measured at 5 to 15 ms (most of it the byte count and the surrogate check of 1 MiB); generous for a loaded machine.
      expect(ms, path).toBeLessThan(1000);
    }
  });

  it('refuses a 41 KB file whose aliases expand to 900,000 values, naming the limit and the alias that passes it', () => {
    const { error, ms } = timedFailure('wide.yaml', wideAliases());
    expect(error.detail).toBe('aliases expand the document to more than 90110 values (10× the 9011 values written in it, and at least 1000)');
    expect({ line: error.line, column: error.column }).toEqual({ line: 10, column: 'all: ['.length + 81 * 4 + 1 });
    expect(ms).toBeLessThan(1000);
  });

  it('counts merge keys as expansion: many merges of one big map, merges of merges, and merge lists', () => {
    const big = `big: &big {${Array.from({ length: 500 }, (_, k) => `k${k}: ${k}`).join(', ')}}`;
    const many = `${big}\n${Array.from({ length: 2000 }, (_, i) => `m${i}: {<<: *big, own: ${i}}`).join('\n')}\n`;
    const chain = ['m0: &m0 {a0: 0, b0: 0}'];
    for (let level = 1; level < 1400; level += 1) chain.push(`m${level}: &m${level} {<<: *m${level - 1}, a${level}: ${level}}`);
    const lists = `${big}\nsmall: &small {x: 1}\n${Array.from({ length: 2000 }, (_, i) => `m${i}:\n  <<: [*small, *big]`).join('\n')}\n`;
    for (const [path, text] of [
      ['many.yaml', many],
      ['chain.yaml', `${chain.join('\n')}\n`],
      ['lists.yaml', lists],
    ] as const) {
      const { error, ms } = timedFailure(path, text);
      expect(error.detail, path).toMatch(/^aliases expand the document to more than \d+ values \(10× the \d+ values written in it, and at least 1000\)$/);
      expect(error.line, path).toBeGreaterThan(1);
      expect(error.column, path).toBeGreaterThan(1);
      expect(ms, path).toBeLessThan(1000);
    }
    // The same merges, a few times over, are ordinary configuration.
    expect(parseDocument('few.yaml', `${big}\n${Array.from({ length: 5 }, (_, i) => `m${i}: {<<: *big, own: ${i}}`).join('\n')}\n`)).toMatchObject({
      m4: { k499: 499, own: 4 },
    });
  });

  it('holds stored documents to 10× their written values too, so a bomb committed from outside cannot stall a read', () => {
    const error = (() => {
      try {
        parseStoredDocument('wide.yaml', wideAliases());
      } catch (caught) {
        return caught;
      }
      return null;
    })();
    expect(error).toBeInstanceOf(InvalidDocumentError);
    expect((error as InvalidDocumentError).detail).toContain('aliases expand the document to more than 90110 values');
  });

  it('reads aliases and keys in time linear in the text', () => {
    // yaml's own conversion walked every anchor and alias before each alias, and re-walked the document for some:
    // 8,000 uses of this anchor took 16 s. Its duplicate-key check compared each key with every earlier one.
    const aliases = `e: &e []\nf: &f [*e]\ng: [${Array.from({ length: 8000 }, () => 'y, *f').join(', ')}]\n`;
    let started = performance.now();
    const value = parseDocument('aliases.yaml', aliases) as { g: unknown[] };
    expect(value.g).toHaveLength(16_000);
    expect(performance.now() - started).toBeLessThan(5000);
    const keys = `${Array.from({ length: 45_000 }, (_, i) => `key${i}: value ${i}`).join('\n')}\n`;
    started = performance.now();
    expect(Object.keys(parseDocument('keys.yaml', keys) as object)).toHaveLength(45_000);
    expect(performance.now() - started).toBeLessThan(5000);
    expect(failureOf('dup.yaml', `${keys}key44999: again\n`)).toMatchObject({ detail: 'Map keys must be unique', line: 45_001, column: 1 });
  });

  it('keeps YAML’s meaning: the later of two anchors wins, and aliases in quotes, comments and block scalars are text', () => {
    expect(parseDocument('a.yaml', 'x: &a [1, 2]\ny: &a 3\nz: [*a, *a]\n')).toEqual({ x: [1, 2], y: 3, z: [3, 3] });
    expect(parseDocument('a.yaml', 'x: &a [ &a 1, *a ]\ny: *a\n')).toEqual({ x: [1, 1], y: 1 });
    const text = 'a: &a x\nq: \'*a [ &b\'\nd: "*a \\" ["\n# *a [[[\nl: |\n  *a [[[\n  &b {\nz: *a\n';
    expect(parseDocument('a.yaml', text)).toEqual({ a: 'x', q: '*a [ &b', d: '*a " [', l: '*a [[[\n&b {\n', z: 'x' });
  });

  it('refuses an alias inside the node its own anchor names, where it stands', () => {
    expect(failureOf('a.yaml', 'a: &x [1, *x]\n')).toMatchObject({
      line: 1,
      column: 11,
      detail: 'the alias *x is inside the node its anchor names, so it would never end',
    });
    expect(failureOf('a.yaml', '&x\na: 1\nb: *x\n')).toMatchObject({ line: 3, column: 4 });
    expect(failureOf('a.yaml', 'a: *nowhere\n')).toMatchObject({ line: 1, column: 4, detail: 'the alias *nowhere names no anchor before it' });
  });
});
