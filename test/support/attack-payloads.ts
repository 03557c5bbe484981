/**
 * Documents built to cost a server as much as possible per byte sent (issue 12): nesting bombs, alias and merge-key
 * bombs, and large but legitimate YAML. Each says how big it is and how far it expands, so a test can state what it
 * tried.
 */

export const MIB = 1024 * 1024;

/** `[[[…]]]`: `bytes` of flow brackets, half of them opening, nested bytes/2 deep (valid YAML and JSON, if parsed). */
export function flowNesting(bytes: number): string {
  return `${'['.repeat(bytes / 2)}${']'.repeat(bytes / 2)}`;
}

/** `- - - … x`: block sequences `levels` deep on one line. */
export function blockSequenceNesting(levels: number): string {
  return `${'- '.repeat(levels)}x\n`;
}

/** Block maps `levels` deep, each level indented one more space than the last. */
export function blockMapNesting(levels: number): string {
  return `${Array.from({ length: levels }, (_, i) => `${' '.repeat(i)}k${i}:`).join('\n')} x\n`;
}

/** The billion laughs: 12 anchors, each a list of nine aliases of the previous one: 9^12 (282 billion) values from 700 bytes. */
export function billionLaughs(): string {
  const lines = [`l0: &l0 [${Array(9).fill('"lol"').join(', ')}]`];
  for (let level = 1; level < 12; level += 1)
    lines.push(
      `l${level}: &l${level} [${Array(9)
        .fill(`*l${level - 1}`)
        .join(', ')}]`,
    );
  return `${lines.join('\n')}\n`;
}

/** Nine anchors of 1,000 scalars, each aliased 99 times: 41 KB that expand to about 900,000 values (the issue's hang). */
export function wideAliases(): string {
  const lines: string[] = [];
  for (let i = 0; i < 9; i += 1) lines.push(`a${i}: &a${i} [${Array(1000).fill('lol').join(',')}]`);
  lines.push(`all: [${Array.from({ length: 9 }, (_, i) => Array(99).fill(`*a${i}`).join(',')).join(',')}]`);
  return `${lines.join('\n')}\n`;
}

/** One map of 500 keys merged (`<<: *big`) into 2,000 others: 40 KB that expand to about 1,000,000 values. */
export function mergeKeyBomb(): string {
  const big = `big: &big {${Array.from({ length: 500 }, (_, k) => `k${k}: ${k}`).join(', ')}}`;
  return `${big}\n${Array.from({ length: 2000 }, (_, i) => `m${i}: {<<: *big, own: ${i}}`).join('\n')}\n`;
}

/** JSON text of `count` zeros in one array (spelled by hand: the test never holds it as a value). */
export function wideJsonArray(count: number): string {
  return `[${Array(count).fill('0').join(',')}]`;
}

/**
 * A legitimate YAML document of about `bytes` (under CAIRN_MAX_DOCUMENT_BYTES for 1 MiB): sections of 100
 * `keyN: "…"` entries, every value carrying `seed`, so that two seeds give two different documents of one shape.
 */
export function largeYaml(bytes: number, seed: string): string {
  const lines: string[] = [];
  let size = 0;
  for (let i = 0; size < bytes - 200; i += 1) {
    const line = i % 100 === 0 ? `section${i / 100}:` : `  key${i}: "value ${i} of ${seed}"`;
    lines.push(line);
    size += line.length + 1;
  }
  return `${lines.join('\n')}\n`;
}

/**
 * A legitimate YAML document of about `bytes` that is as many values as it can be: one flow sequence of numbers
 * (about 150,000 in 1 MiB), first `seed`. A value costs a parser far more than a byte does.
 */
export function denseYaml(bytes: number, seed: string): string {
  const items = [JSON.stringify(seed)];
  let size = items[0]!.length + 3;
  for (let i = 1; size < bytes - 20; i += 1) {
    const item = String(i % 100_000);
    items.push(item);
    size += item.length + 1;
  }
  return `[${items.join(',')}]\n`;
}
