import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { isDeepStrictEqual } from 'node:util';
import fc from 'fast-check';
import { stringify } from 'yaml';
import { describe, expect, it } from 'vitest';
import { readPlainYaml } from '../../src/domain/yaml-plain-reader.js';
import { parseYamlFully, parseYamlText } from '../../src/domain/yaml-text.js';

/**
 * The fast reader may only ever answer what the full reader answers: wherever it builds a value, the full reader
 * accepts the same text with the same value. Held to that on every YAML file of node_modules and on generated text
 * full of the corners where YAML readers differ (number forms, quoting, block scalars, comments, document markers).
 */
const MAX_VALUES = 512 * 1024;

function fullReading(text: string): { ok: true; value: unknown } | { ok: false; message: string } {
  try {
    return { ok: true, value: parseYamlFully('a.yaml', text, MAX_VALUES) };
  } catch (error) {
    return { ok: false, message: error instanceof Error ? error.message : String(error) };
  }
}

/** True when the fast reader took the text (and then agreed). */
function expectSameWhenTaken(label: string, text: string): boolean {
  const fast = readPlainYaml(text);
  if (fast === undefined) return false;
  const full = fullReading(text);
  expect(full.ok ? 'accepted' : full.message, `${label}: ${JSON.stringify(text.slice(0, 400))}`).toBe('accepted');
  if (full.ok) expect(isDeepStrictEqual(fast, full.value), `${label}: ${JSON.stringify(text.slice(0, 400))}`).toBe(true);
  return true;
}

const corpus = execFileSync('find', ['node_modules', '(', '-name', '*.yml', '-o', '-name', '*.yaml', ')', '-type', 'f'], { encoding: 'utf8' })
  .split('\n')
  .filter((file) => file !== '')
  .slice(0, 2000)
  .map((file) => ({ file, text: readFileSync(file, 'utf8') }));

const scalars = fc.constantFrom(
  ...['~', 'null', 'Null', 'NULL', 'nULL', 'true', 'True', 'TRUE', 'tRue', 'yes', 'no', 'on', 'off', 'y', 'n'],
  ...['0', '-0', '+0', '012', '0o17', '0o8', '0x1F', '0X1f', '0xg', '0b11', '1_000', '+1', '-1', '1.', '.5', '-.5', '1.50', '1e3', '1E+3', '-1.5e-3'],
  ...['.inf', '-.Inf', '+.INF', '.nan', '.NaN', '1:2', '12:30:00', '2001-12-14', '2001-12-14t21:59:43.10-05:00', '0.1.2', '1,000', '$1'],
  ...[
    '"x"',
    "'x'",
    '"a\\tb"',
    '"\\u263A\\x41"',
    '"\\/"',
    "'it''s'",
    '""',
    "''",
    '"#"',
    'a #b',
    'a#b',
    'a: b',
    '- x',
    '? x',
    ': x',
    '[x]',
    '{x}',
    '!x',
    '&x',
    '*x',
  ],
  ...['"\\N\\_\\L\\P"', '"\\e\\a\\b\\v\\0"', '"\\U0001F600"', 'a\tb', '@x', '`x', '%x', '|x', '>x', 'x:', 'x :', 'x ,y', 'é', '日本', '"', "'", 'a"b'],
);

const keys = fc.constantFrom(
  'a',
  'b',
  '1',
  '0x10',
  '~',
  'null',
  'true',
  '"q"',
  "'s'",
  '"a b"',
  '? k',
  '<<',
  '"<<"',
  '__proto__',
  'a.b',
  '-x',
  '"1"',
  'c d',
  'e\tf',
);

const blockScalar = fc
  .record({
    indicator: fc.constantFrom('|', '>', '|-', '>-', '|+', '>+', '|2', '>1-', '|+1', '|2-'),
    lines: fc.array(fc.constantFrom('line', '  indented', '', '   ', '# not a comment', 'a: b', '\ttab', ' lead'), { minLength: 0, maxLength: 5 }),
    trailing: fc.constantFrom('', '\n', '\n\n', '\n  \n'),
  })
  .map(({ indicator, lines, trailing }) => ({ indicator, body: lines.map((line) => `    ${line}`.trimEnd()).join('\n') + trailing }));

/** Hand-shaped documents: maps and sequences of tricky scalars, block scalars, flow collections and comments. */
const tricky = fc
  .array(
    fc.oneof(
      fc.tuple(keys, scalars).map(([key, value]) => `${key}: ${value}`),
      fc.tuple(keys, fc.array(scalars, { maxLength: 4 })).map(([key, items]) => `${key}:\n${items.map((item) => `  - ${item}`).join('\n')}`),
      fc.tuple(keys, fc.array(scalars, { maxLength: 4 })).map(([key, items]) => `${key}: [${items.join(', ')}]`),
      fc.tuple(keys, fc.array(fc.tuple(keys, scalars), { maxLength: 3 })).map(([key, pairs]) => `${key}: {${pairs.map(([k, v]) => `${k}: ${v}`).join(', ')}}`),
      fc.tuple(keys, blockScalar).map(([key, { indicator, body }]) => `${key}: ${indicator}\n${body}`),
      fc.tuple(keys, fc.array(fc.tuple(keys, scalars), { maxLength: 3 })).map(([key, pairs]) => `${key}:\n${pairs.map(([k, v]) => `  ${k}: ${v}`).join('\n')}`),
      fc.tuple(keys, fc.array(fc.tuple(keys, scalars), { maxLength: 3 })).map(([key, pairs]) => `${key}:\n${pairs.map(([k, v]) => `- ${k}: ${v}`).join('\n')}`),
      fc
        .tuple(keys, keys, scalars, fc.constantFrom('', '  ', '    '))
        .map(([outer, inner, value, pad]) => `${outer}:\n${pad}- ${inner}:\n${pad}    - ${value}\n${pad}  ${inner}x: ${value}`),
      fc.tuple(keys, scalars, scalars).map(([key, a, b]) => `${key}: [${a}, {k: [${b}]}, [], {}]`),
      fc.tuple(keys, scalars).map(([key, value]) => `? ${key}\n: ${value}`),
      fc.tuple(keys, scalars).map(([key, value]) => `${key}:   ${value}   `),
      fc.tuple(keys, scalars).map(([key, value]) => `${key}:\n  # between\n  ${value}`),
      fc.constantFrom(
        '# comment',
        '',
        '---',
        '...',
        '%YAML 1.2',
        '  # indented comment',
        'x: 1 # trailing',
        '\t',
        'k:\n\n  - a\n\n  - b',
        'k:\n- a\n- b',
        '-',
        '- - a',
        '[a, b]',
        '{a: b}',
        'plain',
      ),
    ),
    { minLength: 1, maxLength: 6 },
  )
  .chain((lines) => fc.constantFrom('\n', '\r\n').map((end) => `${lines.join(end)}${end}`))
  .chain((text) => fc.constantFrom(text, `\uFEFF${text}`));

const jsonLike = fc.jsonValue({ maxDepth: 4 });

/** YAML as tools write it, in every collection style and line width (narrow widths fold long strings). */
const written = fc
  .tuple(jsonLike, fc.constantFrom('any', 'flow', 'block'), fc.boolean(), fc.integer({ min: 10, max: 80 }))
  .map(([value, style, compat, lineWidth]) =>
    stringify(value, { collectionStyle: style, lineWidth, minContentWidth: 5, aliasDuplicateObjects: false, ...(compat ? { compat: 'yaml-1.1' } : {}) }),
  );

describe('readPlainYaml takes only what the full reader reads the same way', () => {
  it('on every YAML file of node_modules, and takes most of them', () => {
    const taken = corpus.filter(({ file, text }) => expectSameWhenTaken(file, text)).length;
    expect(taken).toBeGreaterThan(corpus.length / 2);
  });

  it('on hand-shaped documents full of corners', () => {
    let taken = 0;
    fc.assert(
      fc.property(tricky, (text) => {
        if (expectSameWhenTaken('tricky', text)) taken += 1;
      }),
      { numRuns: 3000, seed: 1_707_017 },
    );
    expect(taken).toBeGreaterThan(150);
  });

  it('on YAML as the yaml library writes values', () => {
    fc.assert(
      fc.property(written, (text) => void expectSameWhenTaken('written', text)),
      { numRuns: 1500, seed: 2_412_171 },
    );
  });

  it('leaves anchors, aliases, tags, merge keys, duplicates, several documents and directives to the full reader', () => {
    const rarer = [
      'a: &x 1\nb: *x\n',
      'a: !!str 1\n',
      'base: {a: 1}\nc:\n  <<: {b: 2}\n',
      'a: 1\na: 2\n',
      'a: 1\n---\nb: 2\n',
      '%YAML 1.2\n---\na: 1\n',
      '? [a]\n: b\n',
      'a: .inf\n',
      'a: "x\\\n\n  y"\n',
      '__proto__: 1\n',
      '',
    ];
    for (const text of rarer) expect(readPlainYaml(text), JSON.stringify(text)).toBeUndefined();
    // …which still reads them as before.
    expect(parseYamlText('a.yaml', rarer[0] as string, MAX_VALUES)).toEqual({ a: 1, b: 1 });
    expect(() => parseYamlText('a.yaml', rarer[3] as string, MAX_VALUES)).toThrow(/Map keys must be unique/);
  });

  it('reads a large plain document (the shape of the bench) itself', () => {
    const text = Array.from({ length: 2000 }, (_, i) => `key-${i}:\n  name: service number ${i}\n  replicas: ${i % 7}\n  tags: [a, b, c]\n`).join('');
    expect(readPlainYaml(text)).toEqual(parseYamlFully('a.yaml', text, MAX_VALUES));
  });
});
