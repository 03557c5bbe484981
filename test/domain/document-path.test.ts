import { describe, expect, it } from 'vitest';
import { documentFormatOf, isDocumentPath, MAX_PATH_LENGTH, validateDocumentPath, validatePathPrefix } from '../../src/domain/document-path.js';
import { InvalidPathError } from '../../src/domain/errors.js';

function rejectionOf(run: () => unknown): InvalidPathError {
  try {
    run();
  } catch (error) {
    if (error instanceof InvalidPathError) return error;
    throw error;
  }
  throw new Error('expected InvalidPathError');
}

const VALID = [
  'services/payments/prod.yaml',
  'flags.json',
  'a-b_c.d/e.yml',
  'deeply/nested/dir/structure/config.json',
  'ünïcödé/naïve.yaml',
  '日本語/設定.json',
  'with space/file name.json',
  '.hidden/config.json',
  '.github/workflow.yml',
  '.gitignore.json',
  '.gitignore/a.yaml',
  '.mailmap/x.json',
  'git/config.yaml',
  'x.git/y.json',
  '..a/b.json',
  'a../b.json',
  '100%/done.json',
  `${'d'.repeat(255)}/x.json`,
];

const HOSTILE: readonly [string, string][] = [
  ['', 'empty'],
  ['../x.json', '".." segments'],
  ['a/../../x.json', '".." segments'],
  ['a/..', '".." segments'],
  ['./x.json', '".." segments'],
  ['a/./x.json', '".." segments'],
  ['a/.', '".." segments'],
  ['x.json/.', '".." segments'],
  ['\uFF0E\uFF0E/x.json', '".." segments'],
  ['a/\uFF0E/x.json', '".." segments'],
  ['\u2024\u2024/x.json', '".." segments'],
  ['\u2025/x.json', '".." segments'],
  ['.../x.json', '".." segments'],
  ['. ./x.json', '".." segments'],
  [' /x.json', '".." segments'],
  ['/etc/passwd', 'relative'],
  ['/x.json', 'relative'],
  ['//server/share/x.json', 'relative'],
  ['.git/config', '.git'],
  ['.git/config.json', '.git'],
  ['.GIT/x.json', '.git'],
  ['.Git/hooks/x.yaml', '.git'],
  ['a/.git/b.json', '.git'],
  ['a/.git', '.git'],
  ['.git./x.json', '.git'],
  ['.git /x.json', '.git'],
  ['.git.../x.json', '.git'],
  ['GIT~1/config.json', '.git'],
  ['\uFF0E\uFF47\uFF49\uFF54/config.json', '.git'],
  ['\uFF0Egit/config.json', '.git'],
  // Issue 12, finding 5: what git's NTFS and HFS+ rules read as .git, .gitmodules or .gitattributes.
  ['.git:x/a.yaml', '.git'],
  ['.GIT::$INDEX_ALLOCATION/a.yaml', '.git'],
  ['git~1:foo/a.yaml', '.git'],
  ['x/.git:/a.yaml', '.git'],
  ['.gitmodules/a.yaml', '.gitmodules'],
  ['gi7eba~1:x.yaml', '.gitmodules'],
  ['.gitattributes/x.json', '.gitattributes'],
  ['a\\b.json', 'backslash'],
  ['..\\..\\x.json', 'backslash'],
  ['C:/Windows/x.json', 'drive letter'],
  ['c:x.json', 'drive letter'],
  ['a\u0000b.json', 'control character'],
  ['a\nb.json', 'control character'],
  ['a\rb.json', 'control character'],
  ['a\tb.json', 'control character'],
  ['a\u001Fb.json', 'control character'],
  ['a\u007Fb.json', 'control character'],
  ['a\u0085b.json', 'control character'],
  ['a\uFFFDb.json', 'control character'],
  ['%2e%2e/x.json', 'percent-encoded'],
  ['%2E%2E/x.json', 'percent-encoded'],
  ['a%2fb.json', 'percent-encoded'],
  ['a%2F..%2Fb.json', 'percent-encoded'],
  ['a%5cb.json', 'percent-encoded'],
  ['a%00.json', 'percent-encoded'],
  ['%252e%252e/x.json', 'percent-encoded'],
  ['a'.repeat(10_000), 'over the limit'],
  [`${'a/'.repeat(300)}x.json`, 'over the limit'],
  [`${'é'.repeat(260)}.json`, 'over the limit'],
  [`${'d'.repeat(256)}/x.json`, 'longer than 255 bytes'],
  ['a//b.json', 'empty segment'],
  ['a/b.json/', 'empty segment'],
  ['a/', 'empty segment'],
  ['evil\u202Egpj.json', 'invisible'],
  ['a\u200Bb.json', 'invisible'],
  ['a\u200Db.json', 'invisible'],
  ['a\u2066b\u2069.json', 'invisible'],
  ['\uFEFFa.json', 'invisible'],
  ['a\u00ADb.json', 'invisible'],
  ['.g\u200Cit/x.json', 'invisible'],
  ['a\uD800b.json', 'unpaired surrogate'],
  ['cafe\u0301.json', 'normalization'],
  ['x.txt', 'only .json, .yaml and .yml'],
  ['x', 'only .json, .yaml and .yml'],
  ['x.JSON', 'only .json, .yaml and .yml'],
  ['x.Yaml', 'only .json, .yaml and .yml'],
  ['x.json.bak', 'only .json, .yaml and .yml'],
  ['x.json ', 'only .json, .yaml and .yml'],
  ['dir.json/', 'empty segment'],
  ['.json', 'only .json, .yaml and .yml'],
  ['a/.yaml', 'only .json, .yaml and .yml'],
];

describe('validateDocumentPath', () => {
  it.each(VALID)('accepts %j', (path) => {
    expect(validateDocumentPath(path)).toBe(path);
    expect(isDocumentPath(path)).toBe(true);
  });

  it('has plenty of hostile cases', () => {
    expect(HOSTILE.length).toBeGreaterThanOrEqual(40);
  });

  it.each(HOSTILE)('rejects %j (%s)', (path, reason) => {
    const error = rejectionOf(() => validateDocumentPath(path));
    expect(error.code).toBe('INVALID_PATH');
    expect(error.path).toBe(path);
    expect(error.reason).toContain(reason);
    expect(isDocumentPath(path)).toBe(false);
  });

  it('measures the length limit in UTF-8 bytes', () => {
    const directories = `${'a'.repeat(250)}/${'b'.repeat(250)}/`;
    const fits = `${directories}${'c'.repeat(MAX_PATH_LENGTH - directories.length - 5)}.json`;
    expect(fits.length).toBe(MAX_PATH_LENGTH);
    expect(validateDocumentPath(fits)).toBe(fits);
    expect(isDocumentPath(`c${fits}`)).toBe(false);
    // 3 bytes each: far under 512 characters, over 512 bytes.
    expect(isDocumentPath(`${'€/'.repeat(130)}x.json`)).toBe(false);
  });

  it('accepts NFC and rejects the decomposed spelling of the same name', () => {
    expect(isDocumentPath('caf\u00E9.json')).toBe(true);
    expect(isDocumentPath('cafe\u0301.json')).toBe(false);
  });
});

describe('documentFormatOf', () => {
  it.each([
    ['a.json', 'json'],
    ['dir/a.yaml', 'yaml'],
    ['dir/a.yml', 'yaml'],
    ['a.json.yaml', 'yaml'],
    ['a.yaml.json', 'json'],
    ['a.JSON', null],
    ['a.txt', null],
    ['json', null],
    ['a.json/b', null],
    ['', null],
  ] as const)('%j -> %s', (path, format) => {
    expect(documentFormatOf(path)).toBe(format);
  });
});

describe('validatePathPrefix', () => {
  it.each(['', 'services', 'services/', 'services/payments/', 'services/pay', 'flags.json'])('accepts %j', (prefix) => {
    expect(validatePathPrefix(prefix)).toBe(prefix);
  });

  it.each(['/', '/etc', '../', 'a/../', 'a//', '.git/', 'a/.GIT', 'a\\b', '.git:x/', 'x/GIT~1::$DATA', '%2e%2e/', 'a\u0000', 'a'.repeat(600), 'a/./'])(
    'rejects %j',
    (prefix) => {
      expect(rejectionOf(() => validatePathPrefix(prefix)).path).toBe(prefix);
    },
  );
});
