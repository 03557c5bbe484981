import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseDocument as parseYamlDocument, stringify as stringifyYaml } from 'yaml';
import { type Harness, startHarness } from '../support/harness.js';
import { APPLY_CHANGES, CREATE_NAMESPACE, DELETE_CONFIG, PUT_CONFIG, REVERT, ROLLBACK, type WriteResult } from '../support/operations.js';
import { type GitChange, GitDiffTree } from '../support/git-diff-tree.js';
import { ADMIN } from '../support/tokens.js';
import { scaled } from './git-batch.js';
import { GitResolver } from './git-resolver.js';

/**
 * Generated inputs to every write mutation against a real server. After each call: the answer is a member of the
 * field's result union (or a GraphQL error with a code other than INTERNAL), never HTTP 5xx; the head moved by one
 * commit exactly when the answer says COMMITTED; and what was committed is, byte for byte, what was written (text)
 * or parses to the value written (content), and reads back the same through Cairn; a stale expectedVersion is never
 * accepted and a fresh one never refused (checked against `git log`). Deterministic: fixed seed (CAIRN_FUZZ_SEED),
 * CAIRN_FUZZ_RUNS inputs in total (default 2,000 x CAIRN_RELIABILITY_SCALE), shared out across the mutations.
 * Violations are collected rather than thrown, so one run lists every kind of failure, with its input.
 */
const SEED = Number(process.env.CAIRN_FUZZ_SEED ?? 20_261_125);
const TOTAL_RUNS = process.env.CAIRN_FUZZ_RUNS ? Number(process.env.CAIRN_FUZZ_RUNS) : scaled(2000);
const SHARE = { putConfig: 0.35, applyChanges: 0.2, deleteConfig: 0.15, rollback: 0.15, revert: 0.15 } as const;
const runsOf = (m: keyof typeof SHARE): number => Math.max(1, Math.round(TOTAL_RUNS * SHARE[m]));

const NS = 'fuzz';
const EMPTY_TREE = '4b825dc642cb6eb9a060e54bf8d69288fbee4904';

// ---------------------------------------------------------------------------------------------------------------
// Generators
// ---------------------------------------------------------------------------------------------------------------

const VALID_PATHS = [
  'a.json',
  'b.yaml',
  'c.yml',
  'dir/d.json',
  'dir/sub/e.yaml',
  'deep/x/y/z/f.yml',
  'ünïcødé/ç.json',
  '日本/設定.yaml',
  'emoji-😀.json',
  'spaced name.json',
  'dash-1_2.json',
  'x.yaml',
  'x.yaml/y.json', // collides with x.yaml as a file
  'p/q.json',
  'p.json/q.yaml',
  'p.json', // collides with p.json/ as a directory
  'conf.json.yaml',
  '-leading-dash.json',
  '...hidden.json',
  '.env.json',
  'dir.json', // sorts between "dir-x.json" and the directory "dir" in a Git tree
  'dir-x.json',
  'dir0/z.json',
  'dir/sub.json',
  'dir/sub-x.yaml',
];

/** Every one of these must be refused: none may ever be committed. */
const HOSTILE_PATHS = [
  '',
  '/',
  '/etc/passwd.json',
  '../escape.json',
  'dir/../../escape.json',
  './a.json',
  'dir/./a.json',
  'a//b.json',
  'dir/',
  'a.json/',
  'a\\b.json',
  'C:/win.json',
  'c:evil.json',
  '%2e%2e/a.json',
  '%2F.json',
  'a%00.json',
  '.git/config.json',
  '.GIT/x.json',
  '.git./x.json',
  '.git /x.json',
  'GIT~1/x.json',
  '.ｇｉｔ/x.json',
  '．．/x.json',
  '‥/x.json',
  '. ./x.json',
  'dir/.git/hooks.json',
  'a\u0000.json',
  'a\n.json',
  'a\r.json',
  'a\t.json',
  'a\u007f.json',
  'a\u0085.json',
  '\u202eevil.json',
  'zero\u200bwidth.json',
  '\ufeffbom.json',
  'soft\u00adhyphen.json',
  'lone\ud800.json',
  'lone\udc00.json',
  'e\u0301.json', // not NFC
  'replacement\ufffd.json',
  'a.txt',
  'a',
  'a.JSON',
  'a.json.bak',
  '.json',
  'noext.',
  `${'s'.repeat(256)}.json`,
  `${'d/'.repeat(300)}a.json`,
  `${'é'.repeat(300)}.json`,
];

const HOSTILE_NAMESPACES = ['', 'FUZZ', '../fuzz', 'fuzz/../fuzz', 'fuzz.git', '.git', 'nope', 'a'.repeat(300), 'fuzz\u0000', ' fuzz', 'fuzz/', '-fuzz'];

const BILLION_LAUGHS = [
  'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]',
  'b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]',
  'c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]',
  'd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]',
  'e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]',
  'f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]',
  'g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]',
].join('\n');

const HOSTILE_TEXTS = [
  '',
  ' ',
  '\n',
  '\ufeff',
  '\ufeff{}',
  '\ufeff{"bom": true}\n',
  '{',
  '}',
  '{"a":1,}',
  '{"a":1}{"b":2}',
  '{"a":1,"a":2}',
  'NaN',
  '{"a":NaN}',
  '{"a":Infinity}',
  '{"a":1e400}',
  '{"a":-1e400}',
  '{"a":1e-400}',
  `${'['.repeat(255)}${']'.repeat(255)}`,
  `${'['.repeat(256)}${']'.repeat(256)}`,
  `${'['.repeat(257)}${']'.repeat(257)}`,
  `${'['.repeat(100_000)}`,
  '{"a":"\u0000"}',
  '{"a":"\ud800"}', // a raw lone surrogate: no UTF-8 encoding exists
  '{"a":"\\ud800"}', // an escaped one: valid JSON text
  "{'a':1}",
  '// c\n{}',
  '/* c */ {}',
  '{"__proto__":{"polluted":true}}',
  '{"constructor":{"prototype":{"polluted":true}}}',
  'null',
  '0',
  '-0',
  '"str"',
  'true',
  '01',
  '0x10',
  '1.',
  '.5',
  '+1',
  '\u00a0{}',
  '{}\u2028',
  '{"a":"\u2028\u2029"}',
  '{"a":1}\n\n\n',
  '{"a":1}\r\n',
  '\t{"tab":1}',
  'a: 1\na: 2\n',
  'a: &x 1\nb: *x\n',
  'a: *nope\n',
  BILLION_LAUGHS,
  'base: &base {a: 1}\nchild:\n  <<: *base\n  b: 2\n',
  '<<: {a: 1}\nb: 2\n',
  '<<: [1, 2]\n',
  'a: !!binary aGVsbG8=\n',
  'a: !!timestamp 2001-12-14\n',
  'a: 2001-12-14\n',
  'a: !!set {x, y}\n',
  'a: !!omap [a: 1]\n',
  'a: !custom x\n',
  'a: !!float .nan\n',
  'a: .nan\n',
  'a: .inf\n',
  'a: -.inf\n',
  '? [a, b]\n: c\n',
  '? {a: 1}\n: x\n',
  '--- a\n--- b\n',
  '---\n...\n',
  '%YAML 1.1\n---\na: yes\n',
  '%TAG ! tag:evil.com,2000:\n---\na: !x 1\n',
  '%YAML 1.2\n', // a directive and no document: not a YAML stream
  '%FOO bar\n',
  '%TAG ! x\n',
  '\t a: 1\n',
  'a:\n\t- 1\n',
  'key: "unterminated\n',
  "a: 'x\n",
  '- - - - -\n',
  'a: b: c\n',
  '[1, 2\n',
  '{a: 1, a: 1}\n',
  'a: 0o17\nb: 0x1F\nc: 1_000\nd: 0b11\n',
  'a: ~\n',
  '~\n',
  'a: |\n  text\n  more\n',
  'a: >-\n  folded\n  text\n',
  '&a [*a]\n',
  '&a\n- *a\n',
  `${'a:\n'.repeat(1)}${Array.from({ length: 300 }, (_, i) => `${'  '.repeat(i + 1)}k:`).join('\n')} 1\n`,
  `x: ${'['.repeat(300)}${']'.repeat(300)}\n`,
  'a: 1\r\nb: 2\r\n',
  'a: 1\rb: 2\r',
  '\u0000',
  'a: "\\u0000"\n',
  'a: "\\ud800"\n',
  '# only a comment\n',
  'a: 12345678901234567890123\n',
  'a: -.0\n',
  'a: 1 # comment\nb: [1, 2] # another\n',
  'a: "x"\n---\n',
  'a: @reserved\n',
  'a: `reserved\n',
  '"a": 1\n"a": 2\n',
  'a: 1\n1: 2\n',
  'null: 1\n~: 2\n',
  `a: "${'x'.repeat(1_048_600)}"\n`,
  `{"big":"${'y'.repeat(1_048_600)}"}`,
];

const jsonValue = (depth: number): fc.Arbitrary<unknown> => fc.jsonValue({ maxDepth: depth });

function nested(levels: number): unknown {
  let value: unknown = 'bottom';
  for (let i = 0; i < levels; i += 1) value = i % 2 ? [value] : { k: value };
  return value;
}

const HOSTILE_VALUES: unknown[] = [
  JSON.parse('{"__proto__":{"polluted":true}}'),
  JSON.parse('{"a":{"__proto__":[]}}'),
  { constructor: { prototype: { polluted: true } } },
  nested(255),
  nested(256),
  nested(257),
  nested(2000),
  { '<<': { a: 1 } },
  { '<<': [{ a: 1 }], b: 2 },
  { a: '\ud800' },
  { '\udc00': 'lone key' },
  { 'a\nb': 1, '#k': 2, '-': 3, '? q': 4, '[x]': 5, '{y}': 6, '*z': 7, '&w': 8, '!t': 9, '': 10, ' ': 11, '~': 12, null: 13, true: 14, '1': 15 },
  { yes: 'no', on: 'off', y: 'n', NULL: 'Null', '0o17': '0x1F', '1_000': '.inf' },
  [
    '---',
    '...',
    '# x',
    '*a',
    '&a',
    '!t',
    '? x',
    '- x',
    ': x',
    "'",
    '"',
    '\t',
    ' lead',
    'trail ',
    '',
    '\u2028',
    '\u0085',
    '\ufeff',
    'a\r\nb',
    '\r',
    '\u0000',
    '%YAML',
  ],
  [1e308, -1e308, 5e-324, -5e-324, 2 ** 53 + 1, 1e21, 1e-7, 0.1 + 0.2, -0, 123456789012345680000],
  null,
  0,
  '',
  'plain string',
  true,
  [],
  {},
  Array.from({ length: 5000 }, (_, i) => i),
  { long: 'z'.repeat(1_048_600) },
];

const fuzzString = fc.oneof(fc.string({ maxLength: 40 }), fc.string({ unit: 'binary', maxLength: 40 }), fc.string({ unit: 'grapheme', maxLength: 20 }));

const pathArb: fc.Arbitrary<string> = fc.oneof(
  { weight: 10, arbitrary: fc.constantFrom(...VALID_PATHS) },
  { weight: 3, arbitrary: fc.stringMatching(/^[a-z0-9_-]{1,8}(\/[a-z0-9_.-]{1,8}){0,2}\.(json|yaml|yml)$/) },
  { weight: 4, arbitrary: fc.constantFrom(...HOSTILE_PATHS) },
  { weight: 2, arbitrary: fc.tuple(fuzzString, fc.constantFrom('.json', '.yaml', '.yml', '')).map(([s, ext]) => `${s}${ext}`) },
);

const YAML_TOKENS = [
  'a',
  'b',
  'key',
  ':',
  ': ',
  '-',
  '- ',
  '[',
  ']',
  '{',
  '}',
  ',',
  '&x',
  '*x',
  '!',
  '!!str',
  '|',
  '>',
  "'",
  '"',
  '#',
  '%',
  '@',
  '`',
  '?',
  '<<',
  '\n',
  '\n  ',
  '\t',
  ' ',
  '1',
  '0x',
  '.5',
  'true',
  'null',
  '~',
  '---',
  '...',
  '\\',
  'é',
  '\u2028',
];
const JSON_TOKENS = ['{', '}', '[', ']', ',', ':', '"', '"a"', '1', '-', 'e', '.', 'true', 'null', '\\', '\\u', ' ', '\n', 'é', '\u0000'];

const textArb: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.json({ maxDepth: 4 }) },
  { weight: 2, arbitrary: fc.json({ maxDepth: 3, stringUnit: 'binary' }) },
  { weight: 4, arbitrary: jsonValue(4).map((v) => stringifyYaml(v)) },
  { weight: 4, arbitrary: fc.constantFrom(...HOSTILE_TEXTS) },
  { weight: 2, arbitrary: fc.array(fc.constantFrom(...YAML_TOKENS), { maxLength: 30 }).map((t) => t.join('')) },
  { weight: 2, arbitrary: fc.array(fc.constantFrom(...JSON_TOKENS), { maxLength: 30 }).map((t) => t.join('')) },
  {
    weight: 2,
    arbitrary: fc.tuple(fc.json({ maxDepth: 3 }), fc.nat(), fc.string({ maxLength: 3 })).map(([s, at, insert]) => {
      const i = at % (s.length + 1);
      return `${s.slice(0, i)}${insert}${s.slice(i + (at % 2))}`;
    }),
  },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 200 }) },
);

const valueArb: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 6, arbitrary: jsonValue(4) },
  { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 3, stringUnit: 'binary' }) },
  { weight: 3, arbitrary: fc.constantFrom(...HOSTILE_VALUES) },
);

type VersionSel =
  | { kind: 'head' }
  | { kind: 'headShort'; length: number }
  | { kind: 'null' }
  | { kind: 'known'; index: number }
  | { kind: 'relative'; expr: string }
  | { kind: 'garbage'; value: string };

const GARBAGE_VERSIONS = [
  '',
  ' ',
  'zzzz',
  '0'.repeat(40),
  'f'.repeat(40),
  'F'.repeat(40),
  'HEAD~-1',
  'HEAD~99999',
  `HEAD${'^'.repeat(50)}`,
  'HEAD@{0}',
  'HEAD@{yesterday}',
  'refs/heads/main',
  ':/fuzz',
  '--output=/tmp/x',
  'main..HEAD',
  'HEAD:a.json',
  'a'.repeat(300),
  '\u0000',
  'HEAD~1e3',
  'HEAD~0',
  'HEAD~',
  'HEAD^0',
  'HEAD^2',
  'main~1',
  'v1',
  'ORIG_HEAD',
  'FETCH_HEAD',
  '../../etc/passwd',
  'head',
  'Main',
  `HEAD~${'9'.repeat(30)}`,
  'e',
  'ab',
];

const versionArb: fc.Arbitrary<VersionSel> = fc.oneof(
  { weight: 8, arbitrary: fc.constant({ kind: 'head' as const }) },
  { weight: 1, arbitrary: fc.integer({ min: 4, max: 39 }).map((length) => ({ kind: 'headShort' as const, length })) },
  { weight: 2, arbitrary: fc.constant({ kind: 'null' as const }) },
  { weight: 3, arbitrary: fc.nat().map((index) => ({ kind: 'known' as const, index })) },
  {
    weight: 1,
    arbitrary: fc.constantFrom('HEAD', 'main', 'HEAD~1', 'HEAD~2', 'HEAD^', 'main^', 'HEAD~5').map((expr) => ({ kind: 'relative' as const, expr })),
  },
  { weight: 2, arbitrary: fc.oneof(fc.constantFrom(...GARBAGE_VERSIONS), fuzzString).map((value) => ({ kind: 'garbage' as const, value })) },
);

type RequestIdSel =
  { kind: 'none' } | { kind: 'fresh' } | { kind: 'pool'; value: string } | { kind: 'committed'; index: number } | { kind: 'given'; value: string };

const requestIdArb: fc.Arbitrary<RequestIdSel> = fc.oneof(
  { weight: 8, arbitrary: fc.constant({ kind: 'none' as const }) },
  { weight: 3, arbitrary: fc.constant({ kind: 'fresh' as const }) },
  { weight: 2, arbitrary: fc.constantFrom('pool-1', 'pool-2', 'pool-3', 'pool:4', 'pool.5_6').map((value) => ({ kind: 'pool' as const, value })) },
  { weight: 1, arbitrary: fc.nat().map((index) => ({ kind: 'committed' as const, index })) },
  {
    weight: 2,
    arbitrary: fc
      .oneof(
        fc.constantFrom(
          'has space',
          'x'.repeat(129),
          'y'.repeat(128),
          'ünï',
          'a\nb',
          '../x',
          '',
          '\u0000',
          'a/b',
          'Cairn-Action: delete',
          'id\r\nCairn-Action: delete',
        ),
        fuzzString,
      )
      .map((value) => ({ kind: 'given' as const, value })),
  },
);

const commentArb: fc.Arbitrary<string | undefined> = fc.oneof(
  { weight: 4, arbitrary: fc.constant(undefined) },
  { weight: 2, arbitrary: fuzzString },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      'Cairn-Action: delete',
      'x\n\nCairn-Action: delete\nCairn-Request-Id: forged',
      '---\nCairn-Action: revert',
      '# ------------------------ >8 ------------------------',
      '\u0000\u0001\u001b[31mred',
      'lone \ud800',
      'c'.repeat(5000),
      '\n\n\n',
    ),
  },
);

const namespaceArb: fc.Arbitrary<string> = fc.oneof(
  { weight: 30, arbitrary: fc.constant(NS) },
  { weight: 1, arbitrary: fc.constantFrom(...HOSTILE_NAMESPACES) },
);

type Body =
  | { kind: 'text'; text: string }
  | { kind: 'content'; value: unknown }
  | { kind: 'both'; text: string; value: unknown }
  | { kind: 'none' }
  | { kind: 'nullText' };

const bodyArb: fc.Arbitrary<Body> = fc.oneof(
  { weight: 10, arbitrary: textArb.map((text) => ({ kind: 'text' as const, text })) },
  { weight: 10, arbitrary: valueArb.map((value) => ({ kind: 'content' as const, value })) },
  { weight: 1, arbitrary: fc.tuple(textArb, valueArb).map(([text, value]) => ({ kind: 'both' as const, text, value })) },
  { weight: 1, arbitrary: fc.constant({ kind: 'none' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'nullText' as const }) },
);

/** A path chosen among documents that exist when the input runs, or any path. */
type PathSel = { kind: 'path'; path: string } | { kind: 'existing'; index: number };
const pathSelArb: fc.Arbitrary<PathSel> = fc.oneof(
  { weight: 3, arbitrary: pathArb.map((p) => ({ kind: 'path' as const, path: p })) },
  { weight: 2, arbitrary: fc.nat().map((index) => ({ kind: 'existing' as const, index })) },
);

const putArb = fc.record({ namespace: namespaceArb, path: pathSelArb, body: bodyArb, expected: versionArb, requestId: requestIdArb, comment: commentArb });

const changeArb = fc.record({
  path: fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom(...VALID_PATHS).map((p) => ({ kind: 'path' as const, path: p })) },
    { weight: 2, arbitrary: pathSelArb },
  ),
  body: fc.oneof({ weight: 6, arbitrary: bodyArb }, { weight: 2, arbitrary: fc.constant({ kind: 'delete' as const }) }),
  alsoDelete: fc.oneof({ weight: 9, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) }),
});
const applyArb = fc.record({
  namespace: namespaceArb,
  changes: fc.oneof({ weight: 1, arbitrary: fc.constant([]) }, { weight: 12, arbitrary: fc.array(changeArb, { minLength: 1, maxLength: 4 }) }),
  expected: versionArb,
  requestId: requestIdArb,
  comment: commentArb,
});

const deleteArb = fc.record({
  namespace: namespaceArb,
  path: fc.oneof({ weight: 3, arbitrary: fc.nat().map((index) => ({ kind: 'existing' as const, index })) }, { weight: 2, arbitrary: pathSelArb }),
  expected: versionArb,
  requestId: requestIdArb,
  comment: commentArb,
});

const rollbackArb = fc.record({
  namespace: namespaceArb,
  to: versionArb,
  paths: fc.oneof(
    { weight: 5, arbitrary: fc.constant(undefined) },
    { weight: 1, arbitrary: fc.constant([]) },
    { weight: 4, arbitrary: fc.array(pathSelArb, { minLength: 1, maxLength: 4 }) },
  ),
  dryRun: fc.boolean(),
  expected: versionArb,
  requestId: requestIdArb,
  comment: commentArb,
});

const revertArb = fc.record({
  namespace: namespaceArb,
  version: versionArb,
  dryRun: fc.boolean(),
  expected: versionArb,
  requestId: requestIdArb,
  comment: commentArb,
});

// ---------------------------------------------------------------------------------------------------------------
// Oracles
// ---------------------------------------------------------------------------------------------------------------

const WRITE_TYPES = new Set([
  'WritePayload',
  'Forbidden',
  'InvalidDocument',
  'InvalidInput',
  'InvalidNamespace',
  'InvalidPath',
  'InvalidRef',
  'NotFound',
  'StorageFailure',
  'VersionConflict',
  'IdempotencyKeyReused',
]);
const REVERT_TYPES = new Set([...WRITE_TYPES, 'RevertConflict']);
const CODES: Record<string, string> = {
  Forbidden: 'FORBIDDEN',
  InvalidDocument: 'INVALID_DOCUMENT',
  InvalidInput: 'INVALID_INPUT',
  InvalidNamespace: 'INVALID_NAMESPACE',
  InvalidPath: 'INVALID_PATH',
  InvalidRef: 'INVALID_REF',
  NotFound: 'NOT_FOUND',
  StorageFailure: 'STORAGE_FAILURE',
  VersionConflict: 'VERSION_CONFLICT',
  RevertConflict: 'REVERT_CONFLICT',
  IdempotencyKeyReused: 'IDEMPOTENCY_KEY_REUSED',
};

/** put, apply and delete are one operation (an update of documents); rollback and revert are operations of their own. */
function kindOf(mutation: string): string {
  return mutation === 'rollback' || mutation === 'revert' ? mutation : 'update';
}

const READ_AT = `query($ns: String!, $path: String!, $at: String) { namespace(name: $ns) { ... on Namespace {
  config(path: $path, at: $at) { __typename ... on ConfigDocument { text content } ... on Error { code message } } } } }`;

const ACTIONS: Record<string, string[]> = {
  putConfig: ['create', 'update'],
  applyChanges: ['create', 'update', 'delete'],
  deleteConfig: ['delete'],
  rollback: ['rollback'],
  revert: ['revert'],
};

const YAML_READ = { schema: 'core', strict: true, uniqueKeys: true, stringKeys: true, merge: true } as const;

/** What a reader of the stored text gets: JSON for .json, YAML 1.2 core (with merge keys) otherwise. */
function parseStored(file: string, text: string): { ok: true; value: unknown } | { ok: false; error: string } {
  if (file.endsWith('.json')) {
    try {
      return { ok: true, value: JSON.parse(text.startsWith('\ufeff') ? text.slice(1) : text) };
    } catch (error) {
      return { ok: false, error: String(error) };
    }
  }
  const doc = parseYamlDocument(text, YAML_READ);
  if (doc.errors.length) return { ok: false, error: doc.errors[0]!.message };
  try {
    return { ok: true, value: doc.toJS({ maxAliasCount: -1 }) ?? null };
  } catch (error) {
    return { ok: false, error: String(error) };
  }
}

const clip = (value: unknown, max = 300): string => {
  const s =
    typeof value === 'string'
      ? value
      : JSON.stringify(value, (_k, v: unknown) => (typeof v === 'string' && v.length > 80 ? `${v.slice(0, 80)}…(${v.length})` : v));
  return s === undefined ? String(s) : s.length > max ? `${s.slice(0, max)}…(${s.length} chars)` : s;
};

/** Deep equality that tells -0 from 0 only where JSON does not (never). */
const sameJson = (a: unknown, b: unknown): boolean => JSON.stringify(canonical(a)) === JSON.stringify(canonical(b));
function canonical(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(canonical);
  if (v !== null && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v).sort()) Object.defineProperty(out, k, { value: canonical((v as Record<string, unknown>)[k]), enumerable: true });
    return out;
  }
  return v;
}

// ---------------------------------------------------------------------------------------------------------------
// The run
// ---------------------------------------------------------------------------------------------------------------

interface Violation {
  kind: string;
  detail: string;
}

describe(`fuzzing the write mutations (seed ${SEED}, ${TOTAL_RUNS} inputs)`, () => {
  let h: Harness;
  const known: string[] = []; // every commit of main, oldest first
  let docs: string[] = []; // documents at head
  const committedIds = new Map<string, string>(); // requestId -> the version it committed
  const committedRequests = new Map<string, string>(); // requestId -> the mutation and input that committed it
  let freshCounter = 0;
  const violations: Violation[] = [];
  const tally = new Map<string, Map<string, number>>();

  const gitDir = (): string => path.join(h.dataDir, `${NS}.git`);
  const git = (...args: string[]): string => execFileSync('git', ['--git-dir', gitDir(), ...args], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  // Asked around each of the 2,000 calls: two long-lived git processes answer what a git process a question did
  // (the head, blobs, a commit's parents and trailers, diffs), and one git log per test the expectedVersion checks.
  let resolver: GitResolver;
  let diffTree: GitDiffTree;
  const gitHead = (): Promise<string | null> => resolver.resolve('refs/heads/main');
  const treeOf = async (version: string | null): Promise<string> => {
    if (version === null) return EMPTY_TREE;
    const tree = await resolver.resolve(`${version}^{tree}`);
    if (!tree) throw new Error(`git finds no tree for ${version}`);
    return tree;
  };
  /** What `git diff --no-renames --name-status from to` says. */
  const gitDiff = async (from: string | null, to: string): Promise<GitChange[]> => diffTree.trees(await treeOf(from), await treeOf(to));
  const refreshDocs = async (): Promise<void> => {
    const head = await gitHead();
    docs = head ? git('ls-tree', '-r', '--name-only', '-z', head).split('\0').filter(Boolean) : [];
  };
  /** The documents after a commit: those before it, with what git says it added and deleted, in ls-tree's order (bytewise). */
  const applyToDocs = (changes: readonly GitChange[]): void => {
    const next = new Set(docs);
    for (const change of changes) {
      if (change.status === 'D') next.delete(change.path);
      else next.add(change.path);
    }
    docs = [...next].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
  };

  const violate = (kind: string, detail: string): void => {
    violations.push({ kind, detail });
  };
  const count = (mutation: string, outcome: string): void => {
    const m = tally.get(mutation) ?? new Map<string, number>();
    m.set(outcome, (m.get(outcome) ?? 0) + 1);
    tally.set(mutation, m);
  };

  const resolveVersion = (sel: VersionSel): string | null => {
    const head = known.at(-1) ?? null;
    switch (sel.kind) {
      case 'head':
        return head ?? 'HEAD';
      case 'headShort':
        return head ? head.slice(0, sel.length) : 'HEAD';
      case 'null':
        return null;
      case 'known':
        return known.length ? known[sel.index % known.length]! : 'HEAD';
      case 'relative':
        return sel.expr;
      case 'garbage':
        return sel.value;
    }
  };
  const resolveRequestId = (sel: RequestIdSel): string | undefined => {
    switch (sel.kind) {
      case 'none':
        return undefined;
      case 'fresh':
        freshCounter += 1;
        return `fz-${SEED}-${freshCounter}`;
      case 'pool':
        return sel.value;
      case 'committed': {
        const ids = [...committedIds.keys()];
        return ids.length ? ids[sel.index % ids.length] : 'pool-1';
      }
      case 'given':
        return sel.value;
    }
  };
  const resolvePath = (sel: PathSel): string =>
    sel.kind === 'path' ? sel.path : docs.length ? docs[sel.index % docs.length]! : VALID_PATHS[sel.index % VALID_PATHS.length]!;

  /** What git makes of a version expression against the current head (our oracle for rollback targets). */
  const gitResolve = async (expr: string): Promise<string | null> => {
    if (!/^(HEAD|main)(~\d{1,3}|\^)?$|^[0-9a-f]{4,40}$/.test(expr)) return null;
    // The long-lived cat-file may miss a loose object written since for an abbreviated id: rev-parse answers those.
    if (/^[0-9a-f]{4,39}$/.test(expr)) {
      try {
        return git('rev-parse', '--verify', '-q', '--end-of-options', `${expr}^{commit}`).trim() || null;
      } catch {
        return null;
      }
    }
    return resolver.resolve(`${expr}^{commit}`);
  };

  /**
   * A write that sent an expectedVersion (null, or a full hash on main) and was answered `status` at `head`: the paths
   * git says changed after that version (null: which exist at the head) must be none when it was accepted, and the
   * conflict's paths when it was not.
   */
  interface GuardQuestion {
    label: string;
    status: string;
    expected: string | null;
    head: string | null;
    paths: string[];
    conflictPaths?: string[];
  }
  let guardChecks = 0;
  const judgeGuard = (question: GuardQuestion, changedSince: string[]): void => {
    const { label, status } = question;
    if (status !== 'VersionConflict') {
      if (changedSince.length)
        violate(
          'stale expectedVersion accepted (lost update)',
          `${label}: ${status}, but ${changedSince.join(', ')} changed after ${question.expected ?? 'creation'}`,
        );
    } else if (!changedSince.length)
      violate('VersionConflict although nothing written changed since expectedVersion', `${label}: paths ${JSON.stringify(question.conflictPaths)}`);
    else if (JSON.stringify([...(question.conflictPaths ?? [])].sort()) !== JSON.stringify([...changedSince].sort()))
      violate('VersionConflict paths wrong', `${label}: answered ${JSON.stringify(question.conflictPaths)}, git ${JSON.stringify(changedSince)}`);
  };
  /** Questions about a full hash wait for settleGuards: a `git log expected..head` each was a git process a write. */
  const deferredGuards: GuardQuestion[] = [];
  const checkGuard = async (question: GuardQuestion): Promise<void> => {
    guardChecks += 1;
    const { head, expected } = question;
    const paths = [...new Set(question.paths)];
    if (!head) judgeGuard(question, []);
    else if (expected !== null) deferredGuards.push({ ...question, paths });
    else {
      const blobs = await resolver.blobs(paths.map((p) => `${head}:${p}`));
      judgeGuard(
        question,
        paths.filter((_, i) => blobs[i] !== null),
      );
    }
  };
  /**
   * One `git log` of main answers every deferred question: main is linear (checked at the end), so `expected..head`
   * is the commits after `expected` up to `head` in its list, newest first, as `git log expected..head -- paths` lists them.
   */
  const settleGuards = (): void => {
    if (!deferredGuards.length) return;
    const commits = git('log', '--format=%x01%H', '--name-only', '-z', '--no-renames', 'refs/heads/main')
      .split('\x01')
      .filter(Boolean)
      .map((entry) => {
        const [hash = '', ...paths] = entry.split('\0');
        // A newline parts the header from the first path.
        return { hash, paths: paths.map((p, i) => (i === 0 ? p.replace(/^\n/, '') : p)).filter(Boolean) };
      });
    const position = new Map(commits.map((commit, i) => [commit.hash, i]));
    for (const question of deferredGuards.splice(0)) {
      const newest = position.get(question.head!);
      const oldest = position.get(question.expected!);
      if (newest === undefined || oldest === undefined || oldest < newest) {
        violate('expectedVersion or head not on main', `${question.label}: ${question.expected}..${question.head}`);
        continue;
      }
      const changed = commits
        .slice(newest, oldest)
        .flatMap((commit) => commit.paths)
        .filter((p, i, all) => question.paths.includes(p) && all.indexOf(p) === i);
      judgeGuard(question, changed);
    }
  };
  const guardOf = (expected: string | null, paths: string[]): Call['guard'] =>
    expected === null || (/^[0-9a-f]{40}$/.test(expected) && known.includes(expected)) ? { expected, paths } : undefined;

  interface Call {
    mutation: 'putConfig' | 'applyChanges' | 'deleteConfig' | 'rollback' | 'revert';
    query: string;
    input: Record<string, unknown>;
    /** Documents the caller asked to end up with, checked at the head after COMMITTED or UNCHANGED. */
    expectDocs: { path: string; text?: string; value?: unknown; deleted?: boolean }[];
    requestId: string | undefined;
    mustBeRefused?: string;
    dryRun?: boolean;
    /** For rollback: where git says `to` points (null when git would not say). */
    rollbackTarget?: string | null;
    rollbackPaths?: string[] | null;
    /** For writes of named documents: the expectedVersion sent (null, or a full hash on main) and the paths written. */
    guard?: { expected: string | null; paths: string[] };
  }

  /**
   * The head git named after the previous call; undefined when it must be asked. Only run() writes, one call at a
   * time, so the head before a call is the head after the one before it.
   */
  let lastHead: string | null | undefined;

  /** Sends one call and checks every invariant; returns nothing, records violations. */
  const run = async (call: Call): Promise<void> => {
    const before = lastHead === undefined ? await gitHead() : lastHead;
    lastHead = undefined;
    const label = `${call.mutation} ${clip(call.input, 600)}`;
    let res: Awaited<ReturnType<Harness['gql']>>;
    try {
      res = await h.gql<Record<string, WriteResult | null>>(call.query, { input: call.input });
    } catch (error) {
      violate('no answer', `${label}: ${String(error)}`);
      count(call.mutation, 'NO ANSWER');
      return;
    }
    const after = await gitHead();
    lastHead = after;
    if (res.status >= 500) violate('HTTP 5xx', `${label}: HTTP ${res.status} ${clip(res.errors)}`);
    const out = (res.data as Record<string, WriteResult | null> | null | undefined)?.[call.mutation] ?? null;
    if (res.errors?.length) {
      for (const e of res.errors) {
        const code = e.extensions?.code;
        if (!code || code === 'INTERNAL' || e.message === 'Unexpected error.') violate(`GraphQL error ${code ?? 'without code'}`, `${label}: ${clip(e)}`);
      }
      count(call.mutation, `GraphQL error ${res.errors[0]?.extensions?.code ?? '?'}`);
      if (before !== after) violate('head moved on a GraphQL error', `${label}: ${before} -> ${after}`);
      return;
    }
    if (!out) {
      violate('no result', `${label}: ${clip(res)}`);
      return;
    }
    const allowed = call.mutation === 'revert' ? REVERT_TYPES : WRITE_TYPES;
    if (!allowed.has(out.__typename)) violate('unknown result type', `${label}: ${out.__typename}`);
    count(call.mutation, out.__typename === 'WritePayload' ? `WritePayload:${out.status}` : out.__typename);

    const sentId = call.requestId && /^[A-Za-z0-9._:-]{1,128}$/.test(call.requestId) ? call.requestId : undefined;
    const sameRequest = sentId !== undefined && committedRequests.get(sentId) === JSON.stringify([call.mutation, call.input]);
    // A key is bound to its first request: the very same request replays, any other is refused naming its version.
    if (sameRequest && out.__typename !== 'WritePayload') violate('the same request with a known requestId not replayed', `${label}: ${out.__typename}`);
    if (out.__typename === 'IdempotencyKeyReused') {
      const first = sentId ? committedIds.get(sentId) : undefined;
      if (!first) violate('IdempotencyKeyReused for a requestId that committed nothing', `${label}: ${clip(out)}`);
      else if (out.firstVersion !== first || out.requestId !== sentId)
        violate('IdempotencyKeyReused names the wrong version', `${label}: ${clip(out)}, first ${first}`);
    }
    if (out.__typename !== 'WritePayload') {
      if (out.code !== CODES[out.__typename]) violate('error code mismatch', `${label}: ${out.__typename} with code ${out.code}`);
      if (typeof out.message !== 'string' || out.message === '') violate('error without message', `${label}: ${clip(out)}`);
      if (out.__typename === 'StorageFailure') violate('StorageFailure on a healthy disk', `${label}: ${clip(out)}`);
      if (before !== after) violate('head moved on an error result', `${label}: ${out.__typename}, ${before} -> ${after}`);
      if (out.__typename === 'VersionConflict' && out.currentVersion !== (before ?? null))
        violate('VersionConflict names a version other than the head', `${label}: currentVersion ${out.currentVersion}, head ${before}`);
      if (out.__typename === 'VersionConflict' && call.guard)
        await checkGuard({ label, status: out.__typename, ...call.guard, head: before, ...(out.paths ? { conflictPaths: out.paths } : {}) });
      return;
    }

    const status = out.status;
    const id = call.requestId && /^[A-Za-z0-9._:-]{1,128}$/.test(call.requestId) ? call.requestId : undefined;
    if (status !== 'COMMITTED' && before !== after) violate('head moved without COMMITTED', `${label}: ${status}, ${before} -> ${after}`);
    if (call.mustBeRefused && status === 'COMMITTED') violate('hostile input committed', `${label}: ${call.mustBeRefused}`);
    if (call.guard && (status === 'COMMITTED' || status === 'UNCHANGED')) await checkGuard({ label, status: status, ...call.guard, head: before });
    if (call.dryRun) {
      if (status !== 'PREVIEW') violate('dry run not a preview', `${label}: ${status}`);
      if ((out.base?.hash ?? null) !== before) violate('preview base is not the head', `${label}: base ${out.base?.hash}, head ${before}`);
      return;
    }
    if (status === 'PREVIEW') violate('preview without dryRun', label);

    if (id && committedIds.has(id) && status !== 'REPLAYED') violate('known requestId not replayed', `${label}: ${status}`);
    if (status === 'REPLAYED' && id) {
      // A replay answers the key's own request: never another kind of operation (a rollback sent with a put's key).
      const [firstMutation] = JSON.parse(committedRequests.get(id) ?? '[""]') as [string];
      if (kindOf(firstMutation) !== kindOf(call.mutation)) violate('another kind of request replayed', `${label}: first was ${firstMutation}`);
    }
    if (status === 'REPLAYED') {
      const first = id ? committedIds.get(id) : undefined;
      if (!first || out.version?.hash !== first) violate('REPLAYED names the wrong version', `${label}: ${out.version?.hash}, first ${first}`);
      return;
    }
    if (status === 'UNCHANGED') {
      if ((out.version?.hash ?? null) !== before) violate('UNCHANGED does not name the head', `${label}: ${out.version?.hash} vs ${before}`);
      await checkDocs(call, label, before);
      return;
    }
    if (status !== 'COMMITTED') {
      violate('unknown status', `${label}: ${status}`);
      return;
    }
    // COMMITTED: exactly one new commit on top of the old head, named by the answer.
    const hash = out.version?.hash;
    if (!hash || after !== hash) violate('COMMITTED but the head is not the version', `${label}: version ${hash}, head ${after}`);
    // Its parents and the trailers `git interpret-trailers` reads, as `git log -1` shows them.
    const commit = after ? await diffTree.commit(after) : { parents: [], trailers: [], changes: [] };
    const [actions = [], ids = [], rollbackTo = [], reverts = []] = commit.trailers;
    const parents = commit.parents;
    if (JSON.stringify(parents) !== JSON.stringify(before ? [before] : []))
      violate('new commit not on top of the old head', `${label}: parents ${parents}, old head ${before}`);
    if (after) known.push(after);
    if (id) {
      if (committedIds.has(id)) violate('requestId committed twice', `${label}: ${id}`);
      committedIds.set(id, after ?? '');
      committedRequests.set(id, JSON.stringify([call.mutation, call.input]));
    }
    if (!after) {
      docs = [];
      return;
    }
    // What `git interpret-trailers` reads: exactly our trailers, whatever the comment tried to forge.
    if (actions.length !== 1 || !ACTIONS[call.mutation]!.includes(actions[0]!)) violate('wrong Cairn-Action trailer', `${label}: ${JSON.stringify(actions)}`);
    if (JSON.stringify(ids) !== JSON.stringify(id ? [id] : []))
      violate('wrong Cairn-Request-Id trailer', `${label}: ${JSON.stringify(ids)}, sent ${JSON.stringify(call.requestId)}`);
    // The answer's file list is what Git says the commit changed.
    const changes = await gitDiff(before, after);
    const actual = changes.map(({ status, path: p }) => `${({ A: 'ADDED', M: 'MODIFIED', D: 'DELETED' } as Record<string, string>)[status] ?? status} ${p}`);
    const answered = (out.files ?? []).map((f) => `${f.status} ${f.path}`);
    if (JSON.stringify([...actual].sort()) !== JSON.stringify([...answered].sort()))
      violate('answer files differ from the commit', `${label}: answered ${JSON.stringify(answered)}, git ${JSON.stringify(actual)}`);
    await checkDocs(call, label, after);
    const touched = changes.map((change) => change.path);
    if (call.mutation === 'rollback') await checkRollback(call, label, { before, after, target: rollbackTo.join('\n').trim(), touched });
    if (call.mutation === 'revert') await checkRevert(label, { before, after, reverted: reverts.join('\n').trim(), touched });
    applyToDocs(changes);
  };

  /** The documents the caller wrote are, at `at`, exactly what was written. */
  const checkDocs = async (call: Call, label: string, at: string | null): Promise<void> => {
    if (!call.expectDocs.length) return;
    if (!at) {
      violate('documents expected but no head', label);
      return;
    }
    const blobs = await resolver.blobs(call.expectDocs.map((d) => `${at}:${d.path}`));
    for (const [i, d] of call.expectDocs.entries()) {
      const blob = blobs[i] ?? null;
      if (d.deleted) {
        if (blob !== null) violate('deleted document still there', `${label}: ${d.path}`);
        continue;
      }
      if (blob === null) {
        violate('written document missing', `${label}: ${d.path}`);
        continue;
      }
      const stored = blob.toString('utf8');
      if (d.text !== undefined && stored !== d.text) {
        violate(
          'stored text differs from the text written',
          `${label}: path ${JSON.stringify(d.path)}, wrote ${clip(JSON.stringify(d.text), 120)}, stored ${clip(JSON.stringify(stored), 120)}`,
        );
      }
      const parsed = parseStored(d.path, stored);
      if (!parsed.ok) {
        violate('committed document does not parse', `${label}: ${d.path}: ${parsed.error}; stored ${clip(JSON.stringify(stored), 160)}`);
        continue;
      }
      if (d.value !== undefined && !sameJson(parsed.value, d.value)) {
        violate(
          'stored content does not parse to the value written',
          `${label}: path ${d.path}: wrote ${clip(d.value, 160)}, reads back ${clip(parsed.value, 160)}; stored ${clip(JSON.stringify(stored), 160)}`,
        );
      }
      // Cairn reads back what Git holds, and means by it what a standard parser does.
      const read = await h.gql<{ namespace: { config: { __typename: string; text?: string; content?: unknown } } }>(READ_AT, { ns: NS, path: d.path, at });
      const doc = read.data?.namespace?.config;
      if (read.errors || doc?.__typename !== 'ConfigDocument')
        violate('written document unreadable through Cairn', `${label}: ${d.path} at ${at}: ${clip(read.errors ?? doc)}`);
      else {
        if (doc.text !== stored) violate('Cairn text differs from git', `${label}: ${d.path}`);
        if (!sameJson(doc.content, parsed.value))
          violate('Cairn content differs from a standard parse', `${label}: ${d.path}: Cairn ${clip(doc.content, 120)}, parser ${clip(parsed.value, 120)}`);
      }
    }
  };

  /** A commit `before` -> `after` as git describes it: a trailer's value, and the paths the diff between them names. */
  interface Committed {
    before: string | null;
    after: string;
    touched: string[];
  }

  const checkRollback = async (call: Call, label: string, { before, after, target, touched }: Committed & { target: string }): Promise<void> => {
    if (!/^[0-9a-f]{40}$/.test(target)) {
      violate('rollback without a Cairn-Rollback-To trailer', `${label}: '${target}'`);
      return;
    }
    if (call.rollbackTarget && call.rollbackTarget !== target)
      violate('rollback went somewhere other than `to`', `${label}: git says ${call.rollbackTarget}, commit says ${target}`);
    // A literal pathspec names a path and everything beneath it.
    const scope = call.rollbackPaths?.map((p) => p.replace(/\/+$/, ''));
    const inScope = (p: string): boolean => !scope || scope.some((s) => p === s || p.startsWith(`${s}/`));
    const differing = (await gitDiff(target, after)).map((change) => change.path).filter(inScope);
    if (differing.length) violate('rolled-back documents differ from the target', `${label}: ${differing.slice(0, 5).join(', ')}`);
    if (call.rollbackPaths && before) {
      const outside = touched.filter((p) => !call.rollbackPaths!.includes(p));
      if (outside.length) violate('rollback touched documents outside `paths`', `${label}: ${outside.join(', ')}`);
    }
  };

  const checkRevert = async (label: string, { before, after, reverted, touched }: Committed & { reverted: string }): Promise<void> => {
    if (!/^[0-9a-f]{40}$/.test(reverted) || !before) {
      violate('revert without a Cairn-Reverts trailer', `${label}: '${reverted}'`);
      return;
    }
    const revertedCommit = await diffTree.commit(reverted);
    const touchedByReverted = new Set(revertedCommit.changes.map((change) => change.path));
    const outside = touched.filter((p) => !touchedByReverted.has(p));
    if (outside.length) violate('revert touched documents the reverted version did not', `${label}: ${outside.join(', ')}`);
    // Where nothing changed since the reverted version, the revert restores its parent's value exactly.
    const parent = revertedCommit.parents[0] ?? null;
    const paths = [...touchedByReverted];
    const specs = paths.flatMap((p) => [`${before}:${p}`, `${reverted}:${p}`, `${after}:${p}`, parent ? `${parent}:${p}` : `${'0'.repeat(40)}:${p}`]);
    const blobs = await resolver.blobs(specs);
    paths.forEach((p, i) => {
      const [headBlob, revertedBlob, newBlob, parentBlob] = blobs.slice(i * 4, i * 4 + 4);
      const same = headBlob === null ? revertedBlob === null : revertedBlob !== null && headBlob!.equals(revertedBlob!);
      if (!same) return;
      if (parentBlob === null || parentBlob === undefined) {
        if (newBlob !== null) violate('revert of an addition kept the document', `${label}: ${p}`);
        return;
      }
      if (newBlob === null || newBlob === undefined) {
        violate('revert deleted a document that existed before the reverted version', `${label}: ${p}`);
        return;
      }
      const want = parseStored(p, parentBlob.toString('utf8'));
      // A parent a standard parser refuses was already reported when it was committed.
      if (!want.ok) return;
      const got = parseStored(p, newBlob.toString('utf8'));
      if (!got.ok || !sameJson(want.value, got.value)) {
        violate(
          'revert did not restore the value before the reverted version',
          `${label}: ${p}: want ${clip(want.value, 100)}, got ${clip(got.ok ? got.value : got.error, 100)}`,
        );
      }
    });
  };

  const bodyFields = (
    file: string,
    body: Body | { kind: 'delete' },
  ): { fields: Record<string, unknown>; doc: Call['expectDocs'][number] | null; refusal?: string } => {
    switch (body.kind) {
      case 'text':
        return { fields: { text: body.text }, doc: { path: file, text: body.text } };
      case 'content':
        return { fields: { content: body.value }, doc: { path: file, value: JSON.parse(JSON.stringify(body.value)) as unknown } };
      case 'both':
        return { fields: { text: body.text, content: body.value }, doc: null, refusal: 'both text and content' };
      case 'none':
        return { fields: {}, doc: null, refusal: 'neither text nor content' };
      case 'nullText':
        return { fields: { text: null }, doc: null, refusal: 'text null and no content' };
      case 'delete':
        return { fields: { delete: true }, doc: { path: file, deleted: true } };
    }
  };

  const hostileReason = (namespace: string, paths: string[]): string | undefined => {
    if (namespace !== NS) return `namespace ${JSON.stringify(namespace)}`;
    const bad = paths.find((p) => HOSTILE_PATHS.includes(p));
    return bad === undefined ? undefined : `hostile path ${JSON.stringify(bad)}`;
  };

  beforeAll(async () => {
    h = await startHarness({ tokens: [ADMIN] });
    const res = await h.gql<{ createNamespace: { __typename: string } }>(CREATE_NAMESPACE, { name: NS });
    expect(res.data.createNamespace.__typename).toBe('Namespace');
    resolver = new GitResolver(gitDir());
    diffTree = new GitDiffTree(gitDir(), ['Cairn-Action', 'Cairn-Request-Id', 'Cairn-Rollback-To', 'Cairn-Reverts']);
    // A little history to start from, in both formats.
    const seeds: [string, Record<string, unknown>][] = [
      ['a.json', { content: { name: 'a', replicas: 1, tags: ['x'] } }],
      ['b.yaml', { text: '# comment kept\nname: b\nreplicas: 2\nnested:\n  k: v\n' }],
      ['dir/d.json', { content: { d: true } }],
      ['b.yaml', { text: '# comment kept\nname: b\nreplicas: 3\nnested:\n  k: v\n' }],
      ['c.yml', { content: { list: [1, 2, 3] } }],
    ];
    for (const [file, fields] of seeds) {
      const head = await gitHead();
      const out = await h.gql<{ putConfig: WriteResult }>(PUT_CONFIG, { input: { namespace: NS, path: file, ...fields, expectedVersion: head } });
      expect(out.data.putConfig.status).toBe('COMMITTED');
      known.push(out.data.putConfig.version!.hash);
    }
    await refreshDocs();
  });

  afterAll(async () => {
    const lines = [...tally].map(
      ([m, outcomes]) =>
        `  ${m}: ${[...outcomes]
          .sort((a, b) => b[1] - a[1])
          .map(([o, n]) => `${o}=${n}`)
          .join(', ')}`,
    );
    process.stdout.write(
      `[fuzz] seed ${SEED}, ${TOTAL_RUNS} inputs, ${known.length} commits, ${guardChecks} expectedVersion checks against git log, ${violations.length} violations\n${lines.join('\n')}\n`,
    );
    await resolver?.close();
    await diffTree?.close();
    await h?.close();
  });

  const report = (mutation: string, since: number): void => {
    const found = violations.slice(since);
    const byKind = new Map<string, string[]>();
    for (const v of found) byKind.set(v.kind, [...(byKind.get(v.kind) ?? []), v.detail]);
    const summary = [...byKind].map(([kind, details]) => `${kind} (x${details.length}):\n    ${details.slice(0, 3).join('\n    ')}`).join('\n');
    expect(found.length, `${mutation}: ${found.length} invariant violations\n${summary}`).toBe(0);
  };

  /** Known edge cases, run first on every seed (fast-check `examples`), then the generated inputs. */
  type PutOp = typeof putArb extends fc.Arbitrary<infer T> ? T : never;
  const putExample = (file: string, body: Body): [PutOp] => [
    { namespace: NS, path: { kind: 'path', path: file }, body, expected: { kind: 'head' }, requestId: { kind: 'none' }, comment: undefined },
  ];
  const PUT_EXAMPLES: [PutOp][] = [
    putExample('directive-only.yaml', { kind: 'text', text: '%YAML 1.2\n' }),
    putExample('unknown-directive.yml', { kind: 'text', text: '%FOO bar\n' }),
    putExample('lone-surrogate.json', { kind: 'text', text: '{"a":"\ud800"}' }),
    putExample('lone-surrogate.yaml', { kind: 'text', text: 'a: x\udc00y\n' }),
    putExample('lone-surrogate-value.yaml', { kind: 'content', value: { a: '\ud800', '\udc00': 1 } }),
    putExample('lone-surrogate-value.json', { kind: 'content', value: { a: '\ud800', '\udc00': 1 } }),
    putExample('merge-key.yaml', { kind: 'content', value: { '<<': { a: 1 }, b: 2 } }),
    putExample('deep-256.json', { kind: 'content', value: nested(256) }),
    putExample('deep-256.yaml', { kind: 'content', value: nested(256) }),
    putExample('deep-257.yaml', { kind: 'content', value: nested(257) }),
    putExample('laughs.yaml', { kind: 'text', text: BILLION_LAUGHS }),
    putExample('dir.json', { kind: 'content', value: { order: 'dir.json sorts before the tree dir' } }),
    putExample('dir-x.json', { kind: 'content', value: { order: 'dir-x.json sorts first' } }),
    putExample('bom.json', { kind: 'text', text: '\ufeff{"bom": true}\n' }),
    putExample('crlf.yaml', { kind: 'text', text: 'a: 1\r\nb: 2\r\n' }),
    putExample('dir/d.json/child.json', { kind: 'content', value: { collides: true } }),
  ];

  it(`putConfig: ${runsOf('putConfig')} generated inputs (seed ${SEED})`, async () => {
    const since = violations.length;
    await fc.assert(
      fc.asyncProperty(putArb, async (op) => {
        const file = resolvePath(op.path);
        const { fields, doc, refusal } = bodyFields(file, op.body);
        const requestId = resolveRequestId(op.requestId);
        const input = {
          namespace: op.namespace,
          path: file,
          ...fields,
          expectedVersion: resolveVersion(op.expected),
          ...(requestId !== undefined ? { requestId } : {}),
          ...(op.comment !== undefined ? { comment: op.comment } : {}),
        };
        const replay = requestId !== undefined && committedIds.has(requestId);
        await run({
          mutation: 'putConfig',
          query: PUT_CONFIG,
          input,
          expectDocs: doc ? [doc] : [],
          requestId,
          mustBeRefused: replay ? undefined : (hostileReason(op.namespace, [file]) ?? refusal),
          guard: replay ? undefined : guardOf(input.expectedVersion, [file]),
        });
      }),
      { seed: SEED, numRuns: runsOf('putConfig'), endOnFailure: true, examples: PUT_EXAMPLES },
    );
    settleGuards();
    report('putConfig', since);
  }, 120_000);

  type ApplyOp = typeof applyArb extends fc.Arbitrary<infer T> ? T : never;
  const applyExample = (expected: VersionSel, changes: [string, Body | { kind: 'delete' }][]): [ApplyOp] => [
    {
      namespace: NS,
      changes: changes.map(([file, body]) => ({ path: { kind: 'path', path: file }, body, alsoDelete: false })),
      expected,
      requestId: { kind: 'none' },
      comment: undefined,
    },
  ];
  const APPLY_EXAMPLES: [ApplyOp][] = [
    applyExample({ kind: 'null' }, [
      ['swap.json', { kind: 'content', value: { a: 1 } }],
      ['swap-dir.json/inner.yaml', { kind: 'text', text: 'b: 2\n' }],
    ]),
    // A file becomes a directory in one write (delete it, write beneath it), and the other way round.
    applyExample({ kind: 'head' }, [
      ['swap.json', { kind: 'delete' }],
      ['swap.json/inner.yaml', { kind: 'text', text: 'a: 1\n' }],
    ]),
    applyExample({ kind: 'head' }, [
      ['swap-dir.json/inner.yaml', { kind: 'delete' }],
      ['swap-dir.json', { kind: 'text', text: '{"b": 2}\n' }],
    ]),
    applyExample({ kind: 'head' }, [
      ['many/a.json', { kind: 'content', value: 1 }],
      ['many/b.yaml', { kind: 'content', value: 'two' }],
      ['many.json', { kind: 'content', value: [3] }],
      ['many-x.yml', { kind: 'content', value: { four: 4 } }],
    ]),
  ];

  it(`applyChanges: ${runsOf('applyChanges')} generated inputs (seed ${SEED + 1})`, async () => {
    const since = violations.length;
    await fc.assert(
      fc.asyncProperty(applyArb, async (op) => {
        const changes: Record<string, unknown>[] = [];
        const expectDocs: Call['expectDocs'] = [];
        let refusal: string | undefined;
        const paths: string[] = [];
        for (const change of op.changes) {
          const file = resolvePath(change.path);
          paths.push(file);
          const { fields, doc, refusal: r } = bodyFields(file, change.body);
          // Sometimes also ask to delete a document that is given a body: contradictory, must be refused.
          const contradictory = change.alsoDelete && change.body.kind !== 'delete' && change.body.kind !== 'none' && change.body.kind !== 'nullText';
          changes.push({ path: file, ...fields, ...(contradictory ? { delete: true } : {}) });
          if (doc) expectDocs.push(doc);
          refusal ??= r ?? (contradictory ? 'both a body and delete' : undefined);
        }
        if (op.changes.length === 0) refusal = 'no changes';
        if (new Set(paths).size !== paths.length) refusal ??= 'a path twice';
        const requestId = resolveRequestId(op.requestId);
        const input = {
          namespace: op.namespace,
          changes,
          expectedVersion: resolveVersion(op.expected),
          ...(requestId !== undefined ? { requestId } : {}),
          ...(op.comment !== undefined ? { comment: op.comment } : {}),
        };
        const replay = requestId !== undefined && committedIds.has(requestId);
        await run({
          mutation: 'applyChanges',
          query: APPLY_CHANGES,
          input,
          expectDocs,
          requestId,
          mustBeRefused: replay ? undefined : (hostileReason(op.namespace, paths) ?? refusal),
          guard: replay ? undefined : guardOf(input.expectedVersion, paths),
        });
      }),
      { seed: SEED + 1, numRuns: runsOf('applyChanges'), endOnFailure: true, examples: APPLY_EXAMPLES },
    );
    settleGuards();
    report('applyChanges', since);
  }, 120_000);

  it(`deleteConfig: ${runsOf('deleteConfig')} generated inputs (seed ${SEED + 2})`, async () => {
    const since = violations.length;
    await fc.assert(
      fc.asyncProperty(deleteArb, async (op) => {
        const file = resolvePath(op.path);
        const requestId = resolveRequestId(op.requestId);
        const input = {
          namespace: op.namespace,
          path: file,
          expectedVersion: resolveVersion(op.expected),
          ...(requestId !== undefined ? { requestId } : {}),
          ...(op.comment !== undefined ? { comment: op.comment } : {}),
        };
        const replay = requestId !== undefined && committedIds.has(requestId);
        await run({
          mutation: 'deleteConfig',
          query: DELETE_CONFIG,
          input,
          expectDocs: [{ path: file, deleted: true }],
          requestId,
          mustBeRefused: replay ? undefined : hostileReason(op.namespace, [file]),
          guard: replay || input.expectedVersion === null ? undefined : guardOf(input.expectedVersion, [file]),
        });
      }),
      { seed: SEED + 2, numRuns: runsOf('deleteConfig'), endOnFailure: true },
    );
    settleGuards();
    report('deleteConfig', since);
  }, 120_000);

  it(`rollback: ${runsOf('rollback')} generated inputs (seed ${SEED + 3})`, async () => {
    const since = violations.length;
    await fc.assert(
      fc.asyncProperty(rollbackArb, async (op) => {
        const to = resolveVersion(op.to);
        const paths = op.paths?.map(resolvePath);
        const requestId = resolveRequestId(op.requestId);
        const input = {
          namespace: op.namespace,
          to,
          ...(paths !== undefined ? { paths } : {}),
          dryRun: op.dryRun,
          expectedVersion: resolveVersion(op.expected),
          ...(requestId !== undefined ? { requestId } : {}),
          ...(op.comment !== undefined ? { comment: op.comment } : {}),
        };
        const replay = requestId !== undefined && committedIds.has(requestId);
        const refusal = hostileReason(op.namespace, paths ?? []) ?? (paths?.length === 0 ? 'empty paths' : undefined);
        await run({
          mutation: 'rollback',
          query: ROLLBACK,
          input,
          expectDocs: [],
          requestId,
          dryRun: op.dryRun,
          mustBeRefused: replay ? undefined : refusal,
          rollbackTarget: to === null ? null : await gitResolve(to),
          rollbackPaths: paths ?? null,
        });
      }),
      { seed: SEED + 3, numRuns: runsOf('rollback'), endOnFailure: true },
    );
    settleGuards();
    report('rollback', since);
  }, 120_000);

  it(`revert: ${runsOf('revert')} generated inputs (seed ${SEED + 4})`, async () => {
    const since = violations.length;
    await fc.assert(
      fc.asyncProperty(revertArb, async (op) => {
        const requestId = resolveRequestId(op.requestId);
        const input = {
          namespace: op.namespace,
          version: resolveVersion(op.version),
          dryRun: op.dryRun,
          expectedVersion: resolveVersion(op.expected),
          ...(requestId !== undefined ? { requestId } : {}),
          ...(op.comment !== undefined ? { comment: op.comment } : {}),
        };
        const replay = requestId !== undefined && committedIds.has(requestId);
        await run({
          mutation: 'revert',
          query: REVERT,
          input,
          expectDocs: [],
          requestId,
          dryRun: op.dryRun,
          mustBeRefused: replay ? undefined : hostileReason(op.namespace, []),
        });
      }),
      { seed: SEED + 4, numRuns: runsOf('revert'), endOnFailure: true },
    );
    settleGuards();
    report('revert', since);
  }, 120_000);

  it('afterwards: git fsck --strict is clean, history is linear, no stray namespace, the server still answers', async () => {
    git('fsck', '--strict', '--no-progress');
    expect(git('rev-list', '--min-parents=2', 'HEAD').trim()).toBe('');
    expect(git('rev-list', '--reverse', 'HEAD').trim().split('\n')).toEqual(known);
    expect(
      readdirSync(h.dataDir)
        .filter((f) => !f.startsWith('.'))
        .sort(),
    ).toEqual([`${NS}.git`]);
    const res = await h.gql<{ namespace: { head: { hash: string } } }>(`{ namespace(name: "${NS}") { ... on Namespace { head { hash } } } }`);
    expect(res.status).toBe(200);
    expect(res.data.namespace.head.hash).toBe(known.at(-1));
    const health = await fetch(`${h.url}/healthz`);
    expect(await health.json()).toEqual({ status: 'ok' });
  });
});
