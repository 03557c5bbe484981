import { describe, expect, it } from 'vitest';
import { positionAt } from '../../src/domain/text-position.js';
import { prescanYaml, type YamlPrescan } from '../../src/domain/yaml-prescan.js';

const LIMITS = { maxDepth: 256, maxValues: 524_288 };
const MIB = 1024 * 1024;

function scan(text: string, limits = LIMITS): YamlPrescan {
  return prescanYaml(text, limits);
}

/** The refusal with its 1-based line and column. */
function refusal(text: string, limits = LIMITS): { message: string; line: number; column: number } {
  const { problem } = scan(text, limits);
  if (problem === null) throw new Error(`expected ${JSON.stringify(text.slice(0, 80))} to be refused`);
  const { line, column } = positionAt(text, problem.offset);
  return { message: problem.message, line, column };
}

function accepted(text: string, limits = LIMITS): YamlPrescan {
  const result = scan(text, limits);
  expect(result.problem, JSON.stringify(text.slice(0, 120))).toBeNull();
  return result;
}

function timed<T>(run: () => T): { result: T; ms: number } {
  const started = performance.now();
  const result = run();
  return { result, ms: performance.now() - started };
}

const blockMaps = (levels: number): string => Array.from({ length: levels }, (_, i) => `${' '.repeat(i)}k:`).join('\n');
const blockSequences = (levels: number): string => Array.from({ length: levels }, (_, i) => `${' '.repeat(2 * i)}-`).join('\n');

/** `levels` lines, each a sequence of nine items that are all aliases of the line before: 9^levels values. */
function billionLaughs(levels: number): string {
  const lines = [`l0: &l0 [${Array(9).fill('lol').join(', ')}]`];
  for (let level = 1; level < levels; level += 1)
    lines.push(
      `l${level}: &l${level} [${Array(9)
        .fill(`*l${level - 1}`)
        .join(', ')}]`,
    );
  return `${lines.join('\n')}\n`;
}

describe('prescanYaml: nesting', () => {
  it('accepts 256 levels and refuses the 257th, at its opening bracket', () => {
    expect(accepted(`${'['.repeat(256)}${']'.repeat(256)}`).depth).toBe(256);
    expect(refusal(`${'['.repeat(257)}${']'.repeat(257)}`)).toEqual({ message: 'nesting is deeper than 256 levels', line: 1, column: 257 });
    // Inside the document's map: its 256th bracket is the 257th level.
    expect(refusal(`x: 1\ny: 2\nz: ${'['.repeat(300)}`)).toMatchObject({ line: 3, column: 3 + 256 });
    expect(refusal(`${'{a: '.repeat(257)}1${'}'.repeat(257)}`)).toMatchObject({ line: 1, column: 256 * 4 + 1 });
    expect(accepted(`${'{a: '.repeat(256)}1${'}'.repeat(256)}`).depth).toBe(256);
  });

  it('follows block collections by indentation: maps, sequences, and compact sequences on one line', () => {
    expect(accepted(`${blockMaps(256)} x\n`).depth).toBe(256);
    expect(refusal(`${blockMaps(257)} x\n`)).toMatchObject({ line: 257, column: 257 });
    expect(accepted(`${blockSequences(256)} x\n`).depth).toBe(256);
    expect(refusal(`${blockSequences(257)} x\n`)).toMatchObject({ line: 257, column: 513 });
    expect(accepted(`${'- '.repeat(256)}x\n`).depth).toBe(256);
    expect(refusal(`${'- '.repeat(257)}x\n`)).toMatchObject({ line: 1, column: 513 });
    expect(refusal(`${'? '.repeat(257)}x\n`)).toMatchObject({ line: 1, column: 513 });
    expect(refusal(`${'- a: '.repeat(200)}\n`).message).toBe('nesting is deeper than 256 levels');
  });

  it('adds flow levels to the block levels around them, and counts the one-pair maps of flow sequences', () => {
    const block = blockMaps(200);
    expect(accepted(`${block} ${'['.repeat(56)}${']'.repeat(56)}\n`).depth).toBe(256);
    expect(refusal(`${block} ${'['.repeat(57)}${']'.repeat(57)}\n`)).toMatchObject({ line: 200, column: 199 + 3 + 57 });
    expect(accepted(`${'[a: '.repeat(128)}1${']'.repeat(128)}`).depth).toBe(256);
    expect(refusal(`${'[a: '.repeat(129)}1${']'.repeat(129)}`).message).toContain('deeper than 256');
    expect(accepted('- [\n  {a: [b, {c: d}]}\n  ]\n').depth).toBe(5);
  });

  it('counts an indentless sequence (`key:` then `- x` at the same column) as one level, and closes it at the next key', () => {
    expect(accepted('a:\n- b\n- c:\n  - d\ne: f\n').depth).toBe(4);
    expect(accepted('a:\n- b\nc:\n- d\ne:\n- f\n').depth).toBe(2);
  });

  it('refuses 1 MiB nesting bombs of every shape in milliseconds', () => {
    const bombs = {
      flow: `${'['.repeat(MIB / 2)}${']'.repeat(MIB / 2)}`,
      flowMaps: `${'{a: '.repeat(MIB / 8)}1${'}'.repeat(MIB / 8)}`,
      compactSequences: `${'- '.repeat(MIB / 2 - 1)}x`,
      mixed: `${'- [{a: '.repeat(MIB / 16)}`,
      afterMostOfTheText: `k: ${'x'.repeat(MIB - 1000)}\nb: ${'['.repeat(400)}`,
    };
    for (const [shape, text] of Object.entries(bombs)) {
      const { result, ms } = timed(() => scan(text));
      expect(result.problem?.message, shape).toBe('nesting is deeper than 256 levels');
      // Measured at well under 1 ms for the bombs that start at once and about 10 ms when 1 MiB of text comes first;
      // generous for a loaded machine.
      expect(ms, shape).toBeLessThan(500);
    }
  });
});

describe('prescanYaml: text that only looks like structure', () => {
  it('does not count brackets, anchors or aliases inside quoted scalars, comments or block scalars', () => {
    const deep = '['.repeat(300);
    const aliases = Array(200).fill('*a').join(' ');
    const texts = [
      `a: &a x\nq: '${deep} ${aliases}'\n`,
      `a: &a x\nq: "${deep} \\" ${aliases} \\\\"\n`,
      `a: &a x\n# ${deep} &b ${aliases}\nq: 1 # ${deep} ${aliases}\n`,
      `a: &a x\nlit: |\n  ${deep}\n  ${aliases}\n  - - - ${deep}\nfold: >-\n  ${deep} ${aliases}\n\n  ${aliases}\nend: 1\n`,
      `a: &a x\nplain: this [ is { not ${aliases}\n  structure ${deep}\n`,
      `a: &a x\nmulti: "first line\n  ${deep} ${aliases}\n  last"\n`,
      `a: &a x\nq: 'it''s ${deep} ${aliases}'\n`,
    ];
    for (const text of texts) {
      const result = accepted(text);
      expect(result.expanded, text).toBe(result.written);
      expect(result.depth, text).toBe(1);
    }
  });

  it('reads a block scalar to its real end, so structure after it still counts', () => {
    const text = `a: |\n  text\n${'['.repeat(257)}\n`;
    expect(refusal(text)).toMatchObject({ line: 3, column: 256 });
    const indented = `top:\n  lit: |2\n     [[[\n  after: ${'['.repeat(300)}\n`;
    // Two block maps around it: the 255th bracket is the 257th level.
    expect(refusal(indented)).toMatchObject({ line: 4, column: 10 + 254 });
  });

  it('reads document markers and directives as such', () => {
    expect(accepted('%YAML 1.2\n---\na: [1, 2]\n...\n').depth).toBe(2);
    expect(refusal(`--- ${'['.repeat(257)}`)).toMatchObject({ line: 1, column: 5 + 256 });
  });
});

describe('prescanYaml: aliases and merge keys', () => {
  it('adds the whole anchored node for each alias, aliases inside it included', () => {
    const text = 'a: &a [1, 2, 3]\nb: &b [*a, *a]\nc: [*b, *b, *b]\n';
    const result = accepted(text);
    // Written: the map, three sequences and three scalars. Each *a adds 4 values, each *b 9.
    expect(result.written).toBe(7);
    expect(result.expanded).toBe(7 + 2 * 4 + 3 * 9);
  });

  it('sizes anchored block collections by their indentation', () => {
    const text = 'base: &base\n  k1: v\n  k2: [1, 2]\nuse:\n  - *base\n  - *base\nlist: &list\n- a\n- b\nagain: *list\n';
    const result = accepted(text);
    expect(result.expanded - result.written).toBe(2 * 5 + 3);
  });

  it('refuses a billion laughs from the scan alone, at the alias that passes the limit', () => {
    // 19 values written, so the limit is the floor of 1,000: l1 adds 90, l2 819 more, and the first *l2 on line 4 passes it.
    expect(refusal(billionLaughs(9))).toEqual({
      message: 'aliases expand the document to more than 1000 values (10× the 19 values written in it, and at least 1000)',
      line: 4,
      column: 'l3: &l3 ['.length + 1,
    });
    const { result, ms } = timed(() => scan(billionLaughs(40)));
    expect(result.problem?.message).toContain('aliases expand the document');
    expect(ms).toBeLessThan(100);
  });

  it('refuses a billion laughs written with block maps and sequences', () => {
    const lines = ['a: &a\n  - lol\n  - lol\n  - lol\n  - lol\n  - lol\n  - lol\n  - lol\n  - lol\n  - lol'];
    for (let level = 1; level < 9; level += 1) {
      const name = String.fromCharCode(97 + level);
      const previous = String.fromCharCode(96 + level);
      lines.push(`${name}: &${name}\n${Array.from({ length: 9 }, (_, k) => `  k${k}: *${previous}`).join('\n')}`);
    }
    expect(refusal(`${lines.join('\n')}\n`).message).toContain('aliases expand the document to more than 1000 values');
  });

  it('holds a large document to 10× the values written in it, and any document to maxValues', () => {
    // Nine anchors of 1,000 scalars, each used 99 times: 41 KB that the yaml library let expand to about 900,000 values.
    const lines: string[] = [];
    for (let i = 0; i < 9; i += 1) lines.push(`a${i}: &a${i} [${Array(1000).fill('lol').join(',')}]`);
    lines.push(`all: [${Array.from({ length: 9 }, (_, i) => Array(99).fill(`*a${i}`).join(',')).join(',')}]`);
    const text = `${lines.join('\n')}\n`;
    expect(text.length).toBeGreaterThan(39_000);
    const refused = refusal(text);
    expect(refused.message).toBe('aliases expand the document to more than 90110 values (10× the 9011 values written in it, and at least 1000)');
    // 9,011 written values and 1,001 per alias: the 82nd alias passes 90,110.
    expect(refused.line).toBe(10);
    expect(refused.column).toBe('all: ['.length + 81 * 4 + 1);
    const capped = refusal('a: &a [1, 2, 3, 4, 5, 6, 7, 8, 9]\nb: [*a, *a, *a]\n', { maxDepth: 256, maxValues: 20 });
    // 12 values written may grow by 8: the first *a adds 10.
    expect(capped).toEqual({ message: 'aliases expand the document to more than 20 values (the most any document may hold)', line: 2, column: 5 });
  });

  it('counts merge keys as expansion: many merges of a big map, and merges of merges', () => {
    const big = `big: &big {${Array.from({ length: 500 }, (_, k) => `k${k}: ${k}`).join(', ')}}`;
    const many = `${big}\n${Array.from({ length: 2000 }, (_, i) => `m${i}: {<<: *big, own: ${i}}`).join('\n')}\n`;
    expect(refusal(many).message).toContain('aliases expand the document');
    const chain = ['m0: &m0 {a0: 0, b0: 0}'];
    for (let level = 1; level < 600; level += 1) chain.push(`m${level}: &m${level} {<<: *m${level - 1}, a${level}: ${level}}`);
    expect(refusal(`${chain.join('\n')}\n`).message).toContain('aliases expand the document');
    const lists = `${big}\nsmall: &small {x: 1}\n${Array.from({ length: 2000 }, (_, i) => `m${i}:\n  <<: [*small, *big]`).join('\n')}\n`;
    expect(refusal(lists).message).toContain('aliases expand the document');
    // A merge adds the merged map's entries, not the map itself.
    const one = accepted('base: &base {x: 1, y: 2}\nprod:\n  <<: *base\n  z: 3\n');
    expect(one.expanded - one.written).toBe(2);
  });

  it('lets a later anchor of the same name win, as YAML does', () => {
    const bigFirst = `x: &a [${Array(50).fill('1').join(', ')}]\ny: &a 1\nz: [${Array(300).fill('*a').join(', ')}]\n`;
    const result = accepted(bigFirst);
    expect(result.expanded - result.written).toBe(300);
    const bigLast = `y: &a 1\nx: &a [${Array(50).fill('1').join(', ')}]\nz: [${Array(300).fill('*a').join(', ')}]\n`;
    expect(refusal(bigLast).message).toContain('aliases expand the document');
    const inner = accepted('x: &a [ &a 1, *a ]\ny: *a\n');
    expect(inner.expanded - inner.written).toBe(2);
  });

  it('refuses an alias inside the node its own anchor names', () => {
    expect(refusal('a: &x [1, *x]\n')).toMatchObject({ line: 1, column: 11 });
    expect(refusal('&x\na: 1\nb: *x\n')).toMatchObject({ line: 3, column: 4 });
    expect(refusal('a: &x\n  b: *x\n').message).toContain('inside the node its anchor names');
    expect(accepted('a: &x\nb: *x\n').expanded).toBe(3);
  });
});
