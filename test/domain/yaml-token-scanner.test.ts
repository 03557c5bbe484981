import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { CST, Lexer, stringify } from 'yaml';
import { describe, expect, it } from 'vitest';
import { scanYamlTokens } from '../../src/domain/yaml-token-scanner.js';

/** The scanner is a port of the `yaml` Lexer: it must cut every text into the very tokens the Lexer does. */
const corpus: readonly { file: string; text: string }[] = execFileSync(
  'find',
  ['node_modules', '(', '-name', '*.yml', '-o', '-name', '*.yaml', ')', '-type', 'f'],
  { encoding: 'utf8' },
)
  .split('\n')
  .filter((file) => file !== '')
  .slice(0, 2000)
  .map((file) => ({ file, text: readFileSync(file, 'utf8') }));

/** The library's own tokens, as kind and source (the scanner reports the rest of a block scalar header line as a comment). */
function lexerTokens(text: string): string[] {
  const tokens: string[] = [];
  let scalarNext = false;
  let afterHeader = false;
  for (const source of new Lexer().lex(text)) {
    let kind: string | null = CST.tokenType(source);
    if (scalarNext) {
      tokens.push(`scalar ${JSON.stringify(source)}`);
      scalarNext = false;
      continue;
    }
    if (kind === 'scalar') {
      scalarNext = true;
      afterHeader = false;
      continue;
    }
    if (afterHeader && kind !== 'space' && kind !== 'newline') kind = 'comment';
    if (kind === 'block-scalar-header') afterHeader = true;
    else if (kind !== 'space') afterHeader = false;
    tokens.push(`${kind} ${JSON.stringify(kind === 'doc-mode' || kind === 'flow-error-end' ? '' : source)}`);
  }
  return tokens;
}

function scannerTokens(text: string): string[] {
  const tokens: string[] = [];
  scanYamlTokens(text, (kind, start, end) => tokens.push(`${kind} ${JSON.stringify(text.slice(start, end))}`));
  return tokens;
}

const jsonValues = fc.jsonValue({ maxDepth: 4 });

/** YAML as tools write it, in every collection style, with anchors for shared subtrees. */
const generatedYaml = fc
  .tuple(jsonValues, fc.constantFrom('any', 'flow', 'block'), fc.integer({ min: 10, max: 80 }))
  .map(([value, style, lineWidth]) => stringify({ one: value, two: value }, { collectionStyle: style, lineWidth, minContentWidth: 5 }));

describe('the token scanner', () => {
  it('finds the yaml Lexer’s tokens in every YAML file of node_modules', () => {
    expect(corpus.length).toBeGreaterThan(20);
    for (const { file, text } of corpus) expect(scannerTokens(text), file).toEqual(lexerTokens(text));
  });

  it('finds the yaml Lexer’s tokens in generated documents and in random strings of YAML punctuation', () => {
    fc.assert(
      fc.property(generatedYaml, (text) => {
        expect(scannerTokens(text)).toEqual(lexerTokens(text));
      }),
      { numRuns: 500, seed: 1_201_201 },
    );
    const pieces = [
      ' ',
      ' ',
      '\n',
      '\t',
      '\r',
      '\r\n',
      '-',
      '?',
      ':',
      ',',
      '[',
      ']',
      '{',
      '}',
      '#',
      '&',
      '*',
      '!',
      '|',
      '>',
      "'",
      '"',
      '%',
      '\\',
      '.',
      'a',
      '0',
      '2',
      '+',
      '<',
      '---',
      '...',
      '\uFEFF',
      'x: ',
      '- ',
      '  ',
    ];
    const punctuation = fc.array(fc.constantFrom(...pieces), { maxLength: 40 }).map((parts) => parts.join(''));
    fc.assert(
      fc.property(punctuation, (text) => {
        expect(scannerTokens(text)).toEqual(lexerTokens(text));
      }),
      { numRuns: 20_000, seed: 1_201_202 },
    );
  });
});
