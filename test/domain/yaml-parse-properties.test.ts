import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { isDeepStrictEqual } from 'node:util';
import fc from 'fast-check';
import { parseDocument, stringify, visit } from 'yaml';
import { describe, expect, it } from 'vitest';
import { DEFAULT_MAX_DOCUMENT_BYTES } from '../../src/domain/document-codec.js';
import { MAX_NESTING_DEPTH } from '../../src/domain/document-limits.js';
import { findJsonValueProblem } from '../../src/domain/json-value-check.js';
import { expansionLimit } from '../../src/domain/yaml-expansion-limit.js';
import { prescanYaml } from '../../src/domain/yaml-prescan.js';
import { YAML_PARSE_OPTIONS, parseYamlText } from '../../src/domain/yaml-text.js';

/**
 * The pre-scan and the value builder replace parts of the `yaml` library's reading; these properties hold them to
 * it on real configuration (every YAML file in node_modules) and on generated documents: the same values, the
 * same refusals, and the pre-scan's counts exact.
 */
const MAX_VALUES = DEFAULT_MAX_DOCUMENT_BYTES / 2;
const LIMITS = { maxDepth: 256, maxValues: MAX_VALUES };

const corpus: readonly { file: string; text: string }[] = execFileSync(
  'find',
  ['node_modules', '(', '-name', '*.yml', '-o', '-name', '*.yaml', ')', '-type', 'f'],
  { encoding: 'utf8' },
)
  .split('\n')
  .filter((file) => file !== '')
  .slice(0, 2000)
  .map((file) => ({ file, text: readFileSync(file, 'utf8') }));

type Reading = { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly message: string };

/** How the library reads a document by itself: its own duplicate-key check and alias resolution. */
function libraryReading(text: string): Reading {
  const document = parseDocument(text, { ...YAML_PARSE_OPTIONS, uniqueKeys: true });
  const problem = document.errors[0] ?? document.warnings[0];
  if (problem) return { ok: false, message: problem.message };
  try {
    return { ok: true, value: document.toJS({ maxAliasCount: -1 }) as unknown };
  } catch (error) {
    return { ok: false, message: String(error) };
  }
}

/** The JSON check every document passes after the library's reading (no "__proto__" key, no infinities). */
function fitForJson(value: unknown): boolean {
  return findJsonValueProblem(value, { maxDepth: MAX_NESTING_DEPTH, maxValues: Number.POSITIVE_INFINITY }) === null;
}

function ourReading(text: string): Reading {
  try {
    return { ok: true, value: parseYamlText('a.yaml', text, MAX_VALUES) };
  } catch (error) {
    return { ok: false, message: error instanceof Error ? error.message : String(error) };
  }
}

/** Values as the JSON walk counts them: a shared subtree counts again wherever it appears (and is counted once). */
function countValues(value: unknown, counted = new WeakMap<object, number>()): number {
  if (typeof value !== 'object' || value === null) return 1;
  const known = counted.get(value);
  if (known !== undefined) return known;
  const count = 1 + Object.values(value).reduce((sum: number, item) => sum + countValues(item, counted), 0);
  counted.set(value, count);
  return count;
}

function depthOf(value: unknown): number {
  if (Array.isArray(value)) return 1 + value.reduce((most: number, item) => Math.max(most, depthOf(item)), 0);
  if (typeof value === 'object' && value !== null) return 1 + Object.values(value).reduce((most: number, item) => Math.max(most, depthOf(item)), 0);
  return 0;
}

function hasAliases(text: string): boolean {
  let found = false;
  visit(parseDocument(text, YAML_PARSE_OPTIONS), { Alias: () => void (found = true) });
  return found;
}

/** Same value as the library, or refused where it refuses; and then the pre-scan's counts are exact. */
function expectAgreement(label: string, text: string): void {
  const theirs = libraryReading(text);
  const ours = ourReading(text);
  const within = theirs.ok && countValues(theirs.value) <= expansionLimit(prescanYaml(text, LIMITS).written, MAX_VALUES).values;
  if (within && !fitForJson(theirs.value)) {
    expect(ours.ok, `${label} holds what JSON cannot: ${JSON.stringify(text.slice(0, 300))}`).toBe(false);
  } else if (within) {
    expect(ours.ok ? 'accepted' : ours.message, `${label}: ${JSON.stringify(text.slice(0, 300))}`).toBe('accepted');
    if (ours.ok) expect(isDeepStrictEqual(JSON.parse(JSON.stringify(ours.value)), JSON.parse(JSON.stringify(theirs.value))), label).toBe(true);
  } else if (!theirs.ok) {
    expect(ours.ok, `${label} was refused by the library (${theirs.message}): ${JSON.stringify(text.slice(0, 300))}`).toBe(false);
  }
  if (!ours.ok || text.includes('<<')) return;
  const scan = prescanYaml(text, LIMITS);
  // Merge keys make values shallower and smaller than their text; without them the scan counts exactly.
  expect(scan.expanded, `${label}: expanded values`).toBe(countValues(ours.value));
  if (!hasAliases(text)) expect(scan.depth, `${label}: depth`).toBe(depthOf(ours.value));
}

const jsonLike = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc.constantFrom(
      null,
      true,
      false,
      0,
      -1.5,
      'yes',
      'no',
      '',
      '- a',
      '#x',
      ': x',
      'a: b',
      '[x]',
      '&a',
      '*a',
      '<<',
      "it's",
      '"q"',
      'multi\nline\n',
      ' lead',
      '|',
      '---',
      '...',
      'a # b',
    ),
    fc.string(),
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.integer(),
    tie('array'),
    tie('object'),
  ),
  array: fc.array(tie('value'), { maxLength: 5 }),
  object: fc.dictionary(fc.oneof(fc.string(), fc.constantFrom('<<', 'a', '1', 'true', 'null', '', '? x', '- y')), tie('value'), { maxKeys: 5 }),
})).value;

/** YAML as tools write it: shared subtrees become anchors and aliases, in block and flow style. */
const generatedYaml = fc
  .tuple(jsonLike, fc.boolean(), fc.constantFrom('any', 'flow', 'block'), fc.boolean(), fc.integer({ min: 10, max: 80 }))
  .map(([value, share, style, compat, lineWidth]) => {
    const shared = share && typeof value === 'object' && value !== null ? { one: value, two: value, three: [value, value] } : value;
    return stringify(shared, {
      aliasDuplicateObjects: share,
      collectionStyle: style,
      lineWidth,
      minContentWidth: 5,
      ...(compat ? { compat: 'yaml-1.1' } : {}),
    });
  });

/** Hand-written shapes: merge keys in every form, anchors redefined, explicit keys, indentless sequences, comments. */
const handWritten = fc
  .record({
    keys: fc.uniqueArray(fc.constantFrom('a', 'b', 'c', 'd'), { minLength: 1, maxLength: 4 }),
    // One merge key per map: a second "<<" is a duplicate key. An explicit key after it overrides what it merged.
    merges: fc.subarray(['<<: *base', '<<: [*base, *other]', '<<: {a: 9}', '<<:\n    - *other\n    - *base'], { maxLength: 1 }),
    override: fc.constantFrom('', '  b: over\n'),
    redefine: fc.boolean(),
    uses: fc.integer({ min: 0, max: 30 }),
    comment: fc.constantFrom('', '  # [[ *base &x', '\n# *other'),
  })
  .map(({ keys, merges, override, redefine, uses, comment }) => {
    const lines = ['base: &base', ...keys.map((key, i) => `  ${key}: ${i}`), 'other: &other {b: x, e: [1, 2]}'];
    lines.push('child:', ...merges.map((merge) => `  ${merge}`), `${override}  own: 1${comment}`);
    if (redefine) lines.push('again: &base {z: 1}');
    lines.push('uses:', ...Array.from({ length: uses }, (_, i) => (i % 2 ? '- *base' : '- ? k\n  : *other')));
    lines.push('text: |', '  *base [[ {', 'end: ~');
    return `${lines.join('\n')}\n`;
  });

/** Chains of anchors of random width and length: from harmless sharing to bombs. */
const aliasChains = fc
  .record({ width: fc.integer({ min: 1, max: 12 }), levels: fc.integer({ min: 1, max: 8 }), scalars: fc.integer({ min: 1, max: 200 }), block: fc.boolean() })
  .map(({ width, levels, scalars, block }) => {
    const lines = [`l0: &l0 [${Array(scalars).fill('x').join(', ')}]`];
    for (let level = 1; level < levels; level += 1) {
      const items = Array(width).fill(`*l${level - 1}`);
      lines.push(block ? `l${level}: &l${level}\n${items.map((item) => `  - ${item}`).join('\n')}` : `l${level}: &l${level} [${items.join(', ')}]`);
    }
    return `${lines.join('\n')}\n`;
  });

describe('no false refusals: parseYamlText agrees with the yaml library', () => {
  it('on every YAML file of node_modules', () => {
    for (const { file, text } of corpus) expectAgreement(file, text);
  });

  it('on generated documents, with anchors and aliases', () => {
    fc.assert(
      fc.property(generatedYaml, (text) => expectAgreement('generated', text)),
      { numRuns: 1000, seed: 1_201_203 },
    );
  });

  it('on merge keys, redefined anchors, explicit keys and text that looks like structure', () => {
    fc.assert(
      fc.property(handWritten, (text) => expectAgreement('hand-written', text)),
      { numRuns: 500, seed: 1_201_204 },
    );
  });

  it('on chains of aliases: the scan refuses exactly the documents that expand past the limit', () => {
    fc.assert(
      fc.property(aliasChains, (text) => {
        const scan = prescanYaml(text, LIMITS);
        const theirs = libraryReading(text);
        if (!theirs.ok) throw new Error(theirs.message);
        const limit = expansionLimit(scan.written, MAX_VALUES).values;
        expect(scan.problem !== null, text).toBe(countValues(theirs.value) > limit);
        expect(ourReading(text).ok).toBe(scan.problem === null);
      }),
      { numRuns: 300, seed: 1_201_205 },
    );
  });
});
