import { readdirSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GitShell } from '../support/git-shell.js';
import { type Harness, startHarness } from '../support/harness.js';
import {
  APPLY_CHANGES,
  CHANGES_SUBSCRIPTION,
  CREATE_NAMESPACE,
  PUT_CONFIG,
  READ_ERROR_FIELDS,
  REVERT,
  ROLLBACK,
  type WriteResult,
} from '../support/operations.js';
import { ADMIN } from '../support/tokens.js';

/**
 * Every bad input gets a typed error (a member of the result union) or an HTTP 4xx, and nothing is committed:
 * each attempt is followed by a look at the real repository with the git CLI.
 */
const NS = 'bad';
const REV_NS = 'rev';
/** Path attempts go to their own namespace, so that a path wrongly accepted cannot disturb the other checks. */
const PATH_NS = 'paths';

const NAMESPACE_QUERY = `query($ns: String!) { namespace(name: $ns) { __typename ... on Namespace { name } ${READ_ERROR_FIELDS} } }`;
const CONFIG_QUERY = `query($ns: String!, $path: String!, $at: String) { namespace(name: $ns) { __typename ... on Namespace {
  config(path: $path, at: $at) { __typename ... on ConfigDocument { path text } ${READ_ERROR_FIELDS} } } ${READ_ERROR_FIELDS} } }`;
const VERSION_QUERY = `query($ns: String!, $ref: String!) { namespace(name: $ns) { __typename ... on Namespace {
  version(ref: $ref) { __typename ... on Version { hash } ${READ_ERROR_FIELDS} } } } }`;
const DELETE = `mutation($input: DeleteConfigInput!) { deleteConfig(input: $input) { __typename ${READ_ERROR_FIELDS} } }`;
const DIFF_QUERY = `query($ns: String!, $from: String!, $to: String) { namespace(name: $ns) { __typename ... on Namespace {
  diff(from: $from, to: $to) { __typename ... on Diff { files { path } } ${READ_ERROR_FIELDS} } } } }`;

interface Typed {
  __typename: string;
  message?: string;
  code?: string;
  path?: string;
  reason?: string;
  ref?: string;
  namespace?: string;
  kind?: string;
  key?: string;
}

/** Odd and hostile document paths: each must be refused with InvalidPath. */
const BAD_PATHS: readonly [label: string, path: string][] = [
  ['parent segment', '../x.json'],
  ['parent after a folder', 'a/../../x.json'],
  ['deep parent', '../../../../etc/passwd.json'],
  ['parent in the middle', 'a/../b.json'],
  ['absolute /etc/passwd', '/etc/passwd'],
  ['absolute json', '/abs.json'],
  ['git config', '.git/config'],
  ['into .git', '.git/x.json'],
  ['.GIT upper case', '.GIT/x.json'],
  ['.Git mixed case', '.Git/hooks/x.json'],
  ['nested .git', 'a/.git/b.json'],
  ['.git with trailing dot', '.git./x.json'],
  ['.git with trailing space', '.git /x.json'],
  ['NTFS short name GIT~1', 'GIT~1/x.json'],
  ['fullwidth dot .git', '\uFF0Egit/x.json'],
  ['fullwidth letters .git', '.\uFF47\uFF49\uFF54/x.json'],
  ['fullwidth dots as parent', '\uFF0E\uFF0E/x.json'],
  ['one-dot-leader look-alike parent', '\u2024\u2024/x.json'],
  ['backslash', 'a\\b.json'],
  ['backslash traversal', '..\\x.json'],
  ['windows drive', 'C:/x.json'],
  ['windows drive relative', 'c:x.json'],
  ['NUL', 'a\u0000b.json'],
  ['NUL before extension', 'x.json\u0000.txt'],
  ['SOH control', 'a\u0001.json'],
  ['newline', 'a\n.json'],
  ['carriage return', 'a\r.json'],
  ['tab', 'a\tb.json'],
  ['escape sequence', 'a\u001b[31m.json'],
  ['DEL', 'a\u007f.json'],
  ['C1 control NEL', 'a\u0085.json'],
  ['percent-encoded parent', '%2e%2e/x.json'],
  ['percent-encoded upper case', '%2E%2E%2Fx.json'],
  ['percent-encoded slash', 'a%2fb.json'],
  ['double percent-encoding', '%252e%252e/x.json'],
  ['percent-encoded NUL', 'a%00.json'],
  ['empty segment', 'a//b.json'],
  ['dot segment', './a.json'],
  ['dot segment in the middle', 'a/./b.json'],
  ['trailing slash', 'a/'],
  ['trailing slash after a document name', 'x.json/'],
  ['only a slash', '/'],
  ['10,000-character path', `${'a'.repeat(9995)}.json`],
  ['10,000-character path of folders', `${'ab/'.repeat(3331)}x.json`],
  ['segment over 255 bytes', `${'s'.repeat(300)}.json`],
  ['RTL override', 'a\u202Egnp.json'],
  ['RTL override hiding the extension', 'evil\u202Enosj.txt'],
  ['zero-width space', '\u200Bx.json'],
  ['byte order mark', '\uFEFFx.json'],
  ['unpaired surrogate', 'a\uD800.json'],
  ['decomposed accent (not NFC)', 'caf\u0065\u0301.json'],
  ['replacement character', 'a\uFFFD.json'],
  ['wrong extension txt', 'x.txt'],
  ['no extension', 'x'],
  ['extension only', '.json'],
  ['trailing dot after extension', 'x.json.'],
  ['trailing space after extension', 'x.json '],
  ['executable extension', 'x.json.sh'],
  ['empty path', ''],
];

describe('bad input: typed errors, nothing committed', () => {
  let h: Harness;
  const versions: string[] = [];
  const revVersions: string[] = [];

  // Git is asked before and after each of some 250 attempts: through one shell, not a fork of this process each.
  let shell: GitShell;
  const git = (ns: string, ...args: string[]): Promise<string> => shell.git('--git-dir', path.join(h.dataDir, `${ns}.git`), ...args);
  const head = async (ns = NS): Promise<string> => (await git(ns, 'rev-parse', 'HEAD')).trim();
  /** HEAD and every ref, each with the commit it names (one git call: this runs before and after every attempt). */
  const refs = (ns = NS): Promise<string> => git(ns, 'show-ref', '--head');
  const existsAtHead = (ns: string, p: string): Promise<boolean> =>
    shell.succeeds('--git-dir', path.join(h.dataDir, `${ns}.git`), 'cat-file', '-e', `HEAD:${p}`);

  /**
   * The refs git listed after the last attempt in each namespace. Nothing but attempts writes to NS, PATH_NS and
   * REV_NS after they are set up (writes that must succeed go to namespaces of their own), so these are the refs
   * before the next attempt: one git call an attempt instead of two. A write in between would fail the next check.
   */
  const refsAfterLast = new Map<string, string>();

  /** Runs `attempt` with the head it starts from, and checks with git that neither HEAD nor any other ref moved. */
  async function unchanged<T>(ns: string, attempt: (current: string) => Promise<T>): Promise<T> {
    const before = refsAfterLast.get(ns) ?? (await refs(ns));
    const current = /^([0-9a-f]{40}) HEAD$/m.exec(before)?.[1];
    expect(current, before).toBeDefined();
    const result = await attempt(current!);
    const after = await refs(ns);
    refsAfterLast.set(ns, after);
    expect(after).toBe(before);
    return result;
  }

  const post = (body: string, headers: Record<string, string> = {}) =>
    fetch(`${h.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN.token}`, ...headers }, body });

  async function put(input: Record<string, unknown>, ns = NS): Promise<WriteResult & Typed> {
    const res = await h.gql<{ putConfig: WriteResult & Typed }>(PUT_CONFIG, { input: { namespace: ns, ...input } });
    expect(res.errors, JSON.stringify(res.errors)).toBeUndefined();
    expect(res.status).toBe(200);
    return res.data.putConfig;
  }

  async function apply(input: Record<string, unknown>, ns = NS): Promise<WriteResult & Typed> {
    const res = await h.gql<{ applyChanges: WriteResult & Typed }>(APPLY_CHANGES, { input: { namespace: ns, ...input } });
    expect(res.errors, JSON.stringify(res.errors)).toBeUndefined();
    return res.data.applyChanges;
  }

  async function commit(ns: string, p: string, content: unknown, expectedVersion: string | null): Promise<string> {
    const res = await put({ path: p, content, expectedVersion }, ns);
    expect(res.status, JSON.stringify(res)).toBe('COMMITTED');
    return res.version!.hash;
  }

  beforeAll(async () => {
    h = await startHarness({ tokens: [ADMIN] });
    shell = new GitShell();
    for (const ns of [NS, REV_NS, PATH_NS]) {
      expect((await h.gql<{ createNamespace: { __typename: string } }>(CREATE_NAMESPACE, { name: ns })).data.createNamespace.__typename).toBe('Namespace');
    }
    versions.push(await commit(NS, 'base.json', { a: 1 }, null));
    versions.push(await commit(NS, 'base.json', { a: 2 }, versions[0]!));
    versions.push(await commit(NS, 'conf/app.yaml', { replicas: 1 }, versions[1]!));
    await commit(PATH_NS, 'base.json', { a: 1 }, null);
    await commit(PATH_NS, 'conf/app.yaml', { replicas: 1 }, null);
    // The revert-conflict history: v1 {a:1}, v2 sets a=2, v3 sets a=3.
    revVersions.push(await commit(REV_NS, 'r.json', { a: 1 }, null));
    revVersions.push(await commit(REV_NS, 'r.json', { a: 2 }, revVersions[0]!));
    revVersions.push(await commit(REV_NS, 'r.json', { a: 3 }, revVersions[1]!));
  });

  afterAll(async () => {
    await shell?.close();
    await h?.close();
  });

  describe('document paths', () => {
    it(`has at least 40 odd paths to try (${BAD_PATHS.length})`, () => {
      expect(BAD_PATHS.length).toBeGreaterThanOrEqual(40);
      expect(new Set(BAD_PATHS.map(([, p]) => p)).size).toBe(BAD_PATHS.length);
    });

    it.each(BAD_PATHS)('putConfig refuses %s with InvalidPath and commits nothing', async (_label, badPath) => {
      const result = await unchanged(PATH_NS, (current) => put({ path: badPath, content: { x: 1 }, expectedVersion: current }, PATH_NS));
      expect(result.__typename, JSON.stringify(result)).toBe('InvalidPath');
      expect(result.code).toBe('INVALID_PATH');
      expect(result.path).toBe(badPath);
      expect(result.reason).toEqual(expect.any(String));
    });

    it.each(BAD_PATHS)('config(path:) refuses %s with InvalidPath', async (_label, badPath) => {
      const res = await h.gql<{ namespace: { config: Typed } }>(CONFIG_QUERY, { ns: PATH_NS, path: badPath });
      expect(res.errors).toBeUndefined();
      expect(res.data.namespace.config.__typename).toBe('InvalidPath');
    });

    it('applyChanges refuses every odd path, also next to a valid document, and commits nothing', async () => {
      for (const [, badPath] of BAD_PATHS) {
        const result = await unchanged(PATH_NS, (current) =>
          apply(
            {
              expectedVersion: current,
              changes: [
                { path: 'fine.json', content: { ok: true } },
                { path: badPath, content: { x: 1 } },
              ],
            },
            PATH_NS,
          ),
        );
        expect(result.__typename, JSON.stringify(badPath)).toBe('InvalidPath');
      }
      expect(await existsAtHead(PATH_NS, 'fine.json')).toBe(false);
    });

    it('refuses a document path below an existing document (file/folder collision)', async () => {
      const result = await unchanged(PATH_NS, (current) => put({ path: 'base.json/inner.json', content: { x: 1 }, expectedVersion: current }, PATH_NS));
      expect(result.__typename).toBe('InvalidPath');
      const folder = await unchanged(PATH_NS, (current) => put({ path: 'conf', text: '{}', expectedVersion: current }, PATH_NS));
      expect(folder.__typename).toBe('InvalidPath');
    });

    it('rollback refuses odd paths in `paths`', async () => {
      for (const badPath of ['../x.json', '.git/config', 'a//b.json', 'x.txt']) {
        const res = await unchanged(PATH_NS, (current) =>
          h.gql<{ rollback: Typed }>(ROLLBACK, { input: { namespace: PATH_NS, to: 'HEAD~1', expectedVersion: current, paths: [badPath] } }),
        );
        expect(res.errors).toBeUndefined();
        expect(res.data.rollback.__typename).toBe('InvalidPath');
      }
    });

    it('left nothing behind outside the data directory', () => {
      const root = path.dirname(h.dataDir);
      expect(readdirSync(root).sort()).toEqual(['repos', 'tokens.json']);
      expect(h.git(PATH_NS, 'ls-tree', '-r', '--name-only', 'HEAD').trim().split('\n')).toEqual(['base.json', 'conf/app.yaml']);
      expect(h.git(PATH_NS, 'rev-list', '--count', 'HEAD').trim()).toBe('2');
    });
  });

  describe('namespace names', () => {
    const BAD_NAMES: readonly string[] = [
      '../x',
      '../../etc',
      'A',
      'Team',
      '.hidden',
      'a/b',
      'a\\b',
      'x.git',
      'x.lock',
      'x.',
      'x'.repeat(200),
      '',
      'con..x',
      '-x',
      '_x',
      ' x',
      'x y',
      'x\u0000y',
      'x\n',
      '\uFF41',
      'caf\u00e9',
      '%2e%2e',
    ];

    it.each(BAD_NAMES.map((n) => [JSON.stringify(n).slice(0, 40), n]))(
      'createNamespace refuses %s with InvalidNamespace and creates no repository',
      async (_label, name) => {
        const before = readdirSync(h.dataDir).sort();
        const beforeRoot = readdirSync(path.dirname(h.dataDir)).sort();
        const res = await h.gql<{ createNamespace: Typed }>(CREATE_NAMESPACE, { name });
        expect(res.errors).toBeUndefined();
        expect(res.data.createNamespace.__typename).toBe('InvalidNamespace');
        expect(res.data.createNamespace.namespace).toBe(name);
        expect(readdirSync(h.dataDir).sort()).toEqual(before);
        expect(readdirSync(path.dirname(h.dataDir)).sort()).toEqual(beforeRoot);
      },
    );

    it.each(BAD_NAMES.map((n) => [JSON.stringify(n).slice(0, 40), n]))('namespace(name: %s) answers InvalidNamespace', async (_label, name) => {
      const res = await h.gql<{ namespace: Typed }>(NAMESPACE_QUERY, { ns: name });
      expect(res.errors).toBeUndefined();
      expect(res.data.namespace.__typename).toBe('InvalidNamespace');
    });

    it('writes to an invalid namespace name are InvalidNamespace', async () => {
      const res = await put({ path: 'x.json', content: {}, expectedVersion: null }, '../bad');
      expect(res.__typename).toBe('InvalidNamespace');
    });

    it('an unknown namespace is NotFound for reads and writes, and an existing one cannot be created twice', async () => {
      const q = await h.gql<{ namespace: Typed }>(NAMESPACE_QUERY, { ns: 'nosuch' });
      expect(q.data.namespace).toMatchObject({ __typename: 'NotFound', kind: 'namespace', key: 'nosuch' });
      const w = await put({ path: 'x.json', content: {}, expectedVersion: null }, 'nosuch');
      expect(w.__typename).toBe('NotFound');
      expect(readdirSync(h.dataDir)).not.toContain('nosuch.git');
      const again = await unchanged(NS, () => h.gql<{ createNamespace: Typed }>(CREATE_NAMESPACE, { name: NS }));
      expect(again.data.createNamespace.__typename).toBe('NamespaceExists');
    });
  });

  describe('invalid documents', () => {
    interface Case {
      readonly label: string;
      readonly path: string;
      readonly text: string;
      readonly line: number;
      readonly column: number;
    }
    const JSON_CASES: readonly Case[] = [
      { label: 'trailing comma', path: 'bad.json', text: '{"a": 1,}', line: 1, column: 9 },
      { label: 'stray character on line 3', path: 'bad.json', text: '{\n  "a": 1,\n  "b": @\n}\n', line: 3, column: 8 },
      { label: 'missing comma', path: 'bad.json', text: '{\n  "a": 1\n  "b": 2\n}\n', line: 3, column: 3 },
      { label: 'CRLF line endings', path: 'bad.json', text: '{\r\n  "a": 1,\r\n  "b": #\r\n}\r\n', line: 3, column: 8 },
      { label: 'second value after the document', path: 'bad.json', text: '{"a": 1}\n{"b": 2}\n', line: 2, column: 1 },
      { label: 'single quotes', path: 'bad.json', text: "{\n\t'a': 1\n}", line: 2, column: 2 },
      { label: 'unquoted key deep inside', path: 'bad.json', text: '{\n  "a": {\n    "b": [1, 2, {c: 3}]\n  }\n}\n', line: 3, column: 18 },
      { label: 'comment', path: 'bad.json', text: '{\n  // no comments in JSON\n  "a": 1\n}\n', line: 2, column: 3 },
      {
        label: 'after non-ASCII text (columns count characters, not bytes)',
        path: 'bad.json',
        text: '{\n  "\u043a\u043b\u044e\u0447": @\n}\n',
        line: 2,
        column: 11,
      },
    ];
    const YAML_CASES: readonly Case[] = [
      { label: 'duplicate key', path: 'bad.yaml', text: 'a: 1\nb: 2\na: 3\n', line: 3, column: 1 },
      { label: 'tab indentation', path: 'bad.yaml', text: 'a:\n\tb: 1\n', line: 2, column: 1 },
      { label: 'nested compact mapping', path: 'bad.yaml', text: 'x: 1\na: b: c\n', line: 2, column: 4 },
      { label: 'second document', path: 'bad.yml', text: 'a: 1\n---\nb: 2\n', line: 2, column: 1 },
      { label: 'unknown tag', path: 'bad.yml', text: 'a: 1\nb: !evil x\n', line: 2, column: 4 },
      {
        label: 'after non-ASCII text (columns count characters, not bytes)',
        path: 'bad.yml',
        text: 'a: 1\n\u043a\u043b\u044e\u0447: !evil x\n',
        line: 2,
        column: 7,
      },
    ];

    it.each(JSON_CASES)('JSON $label: InvalidDocument at line $line, column $column', async ({ path: p, text, line, column }) => {
      const result = await unchanged(NS, (current) => put({ path: p, text, expectedVersion: current }));
      expect(result.__typename, JSON.stringify(result)).toBe('InvalidDocument');
      expect(result.code).toBe('INVALID_DOCUMENT');
      expect(result.path).toBe(p);
      expect({ line: result.line, column: result.column }).toEqual({ line, column });
    });

    it.each(YAML_CASES)('YAML $label: InvalidDocument at line $line, column $column', async ({ path: p, text, line, column }) => {
      const result = await unchanged(NS, (current) => put({ path: p, text, expectedVersion: current }));
      expect(result.__typename, JSON.stringify(result)).toBe('InvalidDocument');
      expect(result.path).toBe(p);
      expect({ line: result.line, column: result.column }).toEqual({ line, column });
    });

    it('refuses other invalid JSON and YAML with InvalidDocument', async () => {
      const cases: [string, string][] = [
        ['empty.json', ''],
        ['blank.json', '  \n\t\n'],
        ['dup.json', '{"a": 1, "a": 2}'],
        ['unterminated.json', '{"a": "x'],
        ['nan.json', '{"a": NaN}'],
        ['big.json', '{"a": 1e999}'],
        ['ctl.json', '{"a": "x\u0001y"}'],
        ['alias.yaml', 'a: *nowhere\n'],
        ['cycle.yaml', 'a: &x [*x]\n'],
        ['flow.yaml', 'a: [1, 2\nb: 3\n'],
      ];
      for (const [p, text] of cases) {
        const result = await unchanged(NS, (current) => put({ path: p, text, expectedVersion: current }));
        expect(result.__typename, `${p}: ${JSON.stringify(result)}`).toBe('InvalidDocument');
      }
    });

    it('rejects a YAML billion-laughs alias bomb in well under a second', async () => {
      const names = 'abcdefghi'.split('');
      const lines = [`a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]`];
      for (let i = 1; i < names.length; i += 1)
        lines.push(
          `${names[i]}: &${names[i]} [${Array(9)
            .fill(`*${names[i - 1]}`)
            .join(', ')}]`,
        );
      const bomb = `${lines.join('\n')}\n`;
      const started = performance.now();
      const result = await unchanged(NS, (current) => put({ path: 'lol.yaml', text: bomb, expectedVersion: current }));
      const ms = performance.now() - started;
      expect(result.__typename, JSON.stringify(result)).toBe('InvalidDocument');
      expect(ms).toBeLessThan(1000);
      // The same bomb built from mappings of aliases instead of sequences.
      const mergeBomb = `a: &a {x1: 1, x2: 2, x3: 3, x4: 4}\n${names
        .slice(1)
        .map((n, i) => `${n}: &${n}\n${Array.from({ length: 9 }, (_, k) => `  k${k}: *${names[i]}`).join('\n')}`)
        .join('\n')}\n`;
      const started2 = performance.now();
      const result2 = await unchanged(NS, (current) => put({ path: 'lol2.yaml', text: mergeBomb, expectedVersion: current }));
      expect(result2.__typename, JSON.stringify(result2)).toBe('InvalidDocument');
      expect(performance.now() - started2).toBeLessThan(1000);
    });

    it('refuses JSON nested 10,000 deep (text and content) and YAML nested 10,000 deep', async () => {
      const deepText = `${'['.repeat(10_000)}${']'.repeat(10_000)}`;
      const asText = await unchanged(NS, (current) => put({ path: 'deep.json', text: deepText, expectedVersion: current }));
      expect(asText.__typename, JSON.stringify(asText)).toBe('InvalidDocument');
      const deepObject = `${'{"a":'.repeat(10_000)}1${'}'.repeat(10_000)}`;
      const asObjectText = await unchanged(NS, (current) => put({ path: 'deep.json', text: deepObject, expectedVersion: current }));
      expect(asObjectText.__typename).toBe('InvalidDocument');
      const asYaml = await unchanged(NS, (current) => put({ path: 'deep.yaml', text: deepText, expectedVersion: current }));
      expect(asYaml.__typename, JSON.stringify(asYaml)).toBe('InvalidDocument');
      // Block style needs i spaces of indentation at level i: 1,000 levels fit in the document limit, 10,000
      // (50 MB of text) do not even fit in a request body and are refused with 413 before anything is parsed.
      const yamlBlocks = Array.from({ length: 1_000 }, (_, i) => `${' '.repeat(i)}k:`).join('\n');
      const asYamlBlocks = await unchanged(NS, (current) => put({ path: 'deep2.yaml', text: `${yamlBlocks} 1\n`, expectedVersion: current }));
      expect(asYamlBlocks.__typename, JSON.stringify(asYamlBlocks)).toBe('InvalidDocument');
      const hugeBlocks = Array.from({ length: 10_000 }, (_, i) => `${' '.repeat(i)}k:`).join('\n');
      const tooLarge = await unchanged(NS, (current) =>
        post(JSON.stringify({ query: PUT_CONFIG, variables: { input: { namespace: NS, path: 'deep3.yaml', text: hugeBlocks, expectedVersion: current } } })),
      );
      expect(tooLarge.status).toBe(413);
    });

    it.each([
      ['deep.json', '{"a":', '}'],
      ['deep.yaml', '[', ']'],
    ])('refuses a 10,000-deep value given as `content` for %s with a typed error', async (p, open, close) => {
      // The request body is written by hand: JSON.stringify of such a value overflows the test's own stack.
      const value = `${open.repeat(10_000)}1${close.repeat(10_000)}`;
      const body = `{"query":${JSON.stringify(PUT_CONFIG)},"variables":{"input":{"namespace":"${NS}","path":"${p}","expectedVersion":"${await head()}","content":${value}}}}`;
      const res = await unchanged(NS, () => post(body));
      const json = (await res.json()) as { data?: { putConfig?: Typed | null }; errors?: unknown[] };
      const typed = json.data?.putConfig?.__typename;
      expect(
        typed === 'InvalidDocument' || typed === 'InvalidInput' || (res.status >= 400 && res.status < 500),
        JSON.stringify({ status: res.status, json }),
      ).toBe(true);
      expect((await h.gql(NAMESPACE_QUERY, { ns: NS })).status).toBe(200);
    });

    it('refuses a document above 1 MB', async () => {
      const big = JSON.stringify({ blob: 'x'.repeat(1024 * 1024 + 10) });
      const res = await unchanged(NS, (current) =>
        h.gql<{ putConfig: Typed }>(PUT_CONFIG, { input: { namespace: NS, path: 'big.json', text: big, expectedVersion: current } }),
      );
      const typed = res.data?.putConfig?.__typename;
      expect(typed === 'InvalidDocument' || (res.status >= 400 && res.status < 500), JSON.stringify({ status: res.status, typed })).toBe(true);
      const viaContent = await unchanged(NS, (current) =>
        h.gql<{ putConfig: Typed }>(PUT_CONFIG, {
          input: { namespace: NS, path: 'big.yaml', content: { blob: 'y'.repeat(1024 * 1024 + 10) }, expectedVersion: current },
        }),
      );
      const typed2 = viaContent.data?.putConfig?.__typename;
      expect(typed2 === 'InvalidDocument' || (viaContent.status >= 400 && viaContent.status < 500), JSON.stringify({ status: viaContent.status, typed2 })).toBe(
        true,
      );
      // Multibyte characters count in bytes, not UTF-16 units.
      const wide = JSON.stringify({ blob: '\u00e9'.repeat(600 * 1024) });
      const res3 = await unchanged(NS, (current) => put({ path: 'wide.json', text: wide, expectedVersion: current }));
      expect(res3.__typename).toBe('InvalidDocument');
    });
  });

  describe('ambiguous and missing write input', () => {
    it('text and content both given is InvalidInput', async () => {
      const result = await unchanged(NS, (current) => put({ path: 'both.json', text: '{"a": 1}', content: { a: 1 }, expectedVersion: current }));
      expect(result.__typename).toBe('InvalidInput');
      expect(result.code).toBe('INVALID_INPUT');
      const applied = await unchanged(NS, (current) => apply({ expectedVersion: current, changes: [{ path: 'both.json', text: '{}', content: {} }] }));
      expect(applied.__typename).toBe('InvalidInput');
      const withDelete = await unchanged(NS, (current) => apply({ expectedVersion: current, changes: [{ path: 'base.json', text: '{}', delete: true }] }));
      expect(withDelete.__typename).toBe('InvalidInput');
    });

    it('neither text nor content is InvalidInput, and so is an empty change list', async () => {
      const result = await unchanged(NS, (current) => put({ path: 'none.json', expectedVersion: current }));
      expect(result.__typename).toBe('InvalidInput');
      const empty = await unchanged(NS, (current) => apply({ expectedVersion: current, changes: [] }));
      expect(empty.__typename).toBe('InvalidInput');
    });

    it('applyChanges with the same path twice is InvalidInput', async () => {
      const result = await unchanged(NS, (current) =>
        apply({
          expectedVersion: current,
          changes: [
            { path: 'twice.json', content: { a: 1 } },
            { path: 'twice.json', content: { a: 2 } },
          ],
        }),
      );
      expect(result.__typename).toBe('InvalidInput');
      expect(result.message).toContain('twice.json');
      expect(await existsAtHead(NS, 'twice.json')).toBe(false);
    });

    it('applyChanges with one valid and one invalid document commits neither', async () => {
      const invalidJson = await unchanged(NS, (current) =>
        apply({
          expectedVersion: current,
          changes: [
            { path: 'good.json', content: { ok: true } },
            { path: 'broken.json', text: '{"a": }' },
          ],
        }),
      );
      expect(invalidJson.__typename).toBe('InvalidDocument');
      expect(invalidJson.path).toBe('broken.json');
      const invalidYaml = await unchanged(NS, (current) =>
        apply({
          expectedVersion: current,
          changes: [
            { path: 'broken.yaml', text: 'a: [\n' },
            { path: 'good.yaml', text: 'ok: true\n' },
          ],
        }),
      );
      expect(invalidYaml.__typename).toBe('InvalidDocument');
      const withBadDelete = await unchanged(NS, (current) =>
        apply({
          expectedVersion: current,
          changes: [
            { path: 'good.json', content: { ok: true } },
            { path: 'missing.json', delete: true },
          ],
        }),
      );
      expect(withBadDelete.__typename).toBe('NotFound');
      for (const p of ['good.json', 'good.yaml', 'broken.json', 'broken.yaml']) expect(await existsAtHead(NS, p)).toBe(false);
    });

    it('deleteConfig of a missing document is NotFound', async () => {
      const result = await unchanged(NS, (current) =>
        h.gql<{ deleteConfig: Typed }>(DELETE, { input: { namespace: NS, path: 'missing.json', expectedVersion: current } }),
      );
      expect(result.data.deleteConfig).toMatchObject({ __typename: 'NotFound', kind: 'document', key: 'missing.json' });
      const odd = await unchanged(NS, (current) =>
        h.gql<{ deleteConfig: Typed }>(DELETE, { input: { namespace: NS, path: '../base.json', expectedVersion: current } }),
      );
      expect(odd.data.deleteConfig.__typename).toBe('InvalidPath');
    });

    it('a requestId with spaces (or otherwise malformed) is InvalidInput', async () => {
      for (const requestId of ['has spaces', 'tab\tinside', 'line\nbreak', 'x'.repeat(129), 'semi;colon', 'ünïcode', ' ']) {
        const result = await unchanged(NS, (current) => put({ path: 'req.json', content: { r: 1 }, expectedVersion: current, requestId }));
        expect(result.__typename, JSON.stringify(requestId)).toBe('InvalidInput');
      }
      expect(await existsAtHead(NS, 'req.json')).toBe(false);
    });
  });

  describe('limits and leftovers', () => {
    it('more than 1000 documents in one write, or an empty rollback path list, is InvalidInput', async () => {
      const many = Array.from({ length: 1001 }, (_, i) => ({ path: `many/${i}.json`, content: { i } }));
      const result = await unchanged(NS, (current) => apply({ expectedVersion: current, changes: many }));
      expect(result.__typename).toBe('InvalidInput');
      const rb = await unchanged(NS, (current) =>
        h.gql<{ rollback: Typed }>(ROLLBACK, { input: { namespace: NS, to: versions[0], expectedVersion: current, paths: [] } }),
      );
      expect(rb.data.rollback.__typename).toBe('InvalidInput');
    });

    it('the 1 MiB limit is exact: 1,048,576 bytes are stored, one byte more is InvalidDocument', async () => {
      const exact = (bytes: number) => {
        const text = `{"v": "${'x'.repeat(bytes - 10)}"}\n`;
        expect(Buffer.byteLength(text)).toBe(bytes);
        return text;
      };
      const over = await unchanged(NS, (current) => put({ path: 'limit.json', text: exact(1024 * 1024 + 1), expectedVersion: current }));
      expect(over.__typename).toBe('InvalidDocument');
      expect((await h.gql<{ createNamespace: Typed }>(CREATE_NAMESPACE, { name: 'limits' })).data.createNamespace.__typename).toBe('Namespace');
      const at = await put({ path: 'limit.json', text: exact(1024 * 1024), expectedVersion: null }, 'limits');
      expect(at.status).toBe('COMMITTED');
      expect(h.git('limits', 'cat-file', '-s', 'HEAD:limit.json').trim()).toBe(String(1024 * 1024));
    });

    it('a refused write does not use up its requestId', async () => {
      const refused = await unchanged(NS, (current) => put({ path: 'rid.json', text: '{"a": }', expectedVersion: current, requestId: 'rid-after-refusal' }));
      expect(refused.__typename).toBe('InvalidDocument');
      const conflict = await unchanged(NS, () => put({ path: 'base.json', content: { a: 0 }, expectedVersion: versions[0], requestId: 'rid-after-refusal' }));
      expect(conflict.__typename).toBe('VersionConflict');
      // Checked in a scratch namespace, so that the main one keeps its known history.
      expect((await h.gql<{ createNamespace: Typed }>(CREATE_NAMESPACE, { name: 'scratch' })).data.createNamespace.__typename).toBe('Namespace');
      const refusedThere = await put({ path: 'rid.json', text: '{"a": }', expectedVersion: null, requestId: 'rid-1' }, 'scratch');
      expect(refusedThere.__typename).toBe('InvalidDocument');
      const ok = await put({ path: 'rid.json', text: '{"a": 1}', expectedVersion: null, requestId: 'rid-1' }, 'scratch');
      expect(ok.status).toBe('COMMITTED');
      expect(h.git('scratch', 'rev-list', '--count', 'HEAD').trim()).toBe('1');
    });
  });

  describe('connection arguments', () => {
    const CASES: readonly [string, string][] = [
      ['versions(first: -1)', `{ namespace(name: "${NS}") { ... on Namespace { versions(first: -1) { edges { cursor } } } } }`],
      ['versions(first: 1000000)', `{ namespace(name: "${NS}") { ... on Namespace { versions(first: 1000000) { edges { cursor } } } } }`],
      ['versions(after: garbage)', `{ namespace(name: "${NS}") { ... on Namespace { versions(after: "garbage") { edges { cursor } } } } }`],
      ['audit(after: garbage)', `{ namespace(name: "${NS}") { ... on Namespace { audit(after: "garbage") { edges { cursor } } } } }`],
      [
        'history(first: -3)',
        `{ namespace(name: "${NS}") { ... on Namespace { config(path: "base.json") { ... on ConfigDocument { history(first: -3) { edges { cursor } } } } } } }`,
      ],
      ['namespaces(first: -1)', '{ namespaces(first: -1) { edges { cursor } } }'],
      ['namespaces(after: garbage)', '{ namespaces(after: "garbage") { edges { cursor } } }'],
      ['namespaces(last: -1)', '{ namespaces(last: -1) { edges { cursor } } }'],
    ];

    it.each(CASES)('%s is a GraphQL error with code INVALID_INPUT, not an internal error', async (label, query) => {
      const res = await h.gql(query);
      expect(res.errors?.length, JSON.stringify(res)).toBeGreaterThan(0);
      // A page of a million is priced out by the query cost limit before it runs.
      const expected = label.includes('1000000') ? 'GRAPHQL_VALIDATION_FAILED' : 'INVALID_INPUT';
      expect(res.errors![0]!.extensions?.code, JSON.stringify(res.errors)).toBe(expected);
    });

    it('bad version, path and audit filters are GraphQL errors with their codes', async () => {
      const versionsByPath = await h.gql(`{ namespace(name: "${NS}") { ... on Namespace { versions(path: "../x.json") { edges { cursor } } } } }`);
      expect(versionsByPath.errors?.[0]?.extensions?.code).toBe('INVALID_PATH');
      const auditByVersion = await h.gql(`{ namespace(name: "${NS}") { ... on Namespace { audit(filter: { version: "deadbeef" }) { edges { cursor } } } } }`);
      expect(auditByVersion.errors?.[0]?.extensions?.code).toBe('INVALID_REF');
      const auditByPath = await h.gql(`{ namespace(name: "${NS}") { ... on Namespace { audit(filter: { path: ".git/config" }) { edges { cursor } } } } }`);
      expect(auditByPath.errors?.[0]?.extensions?.code).toBe('INVALID_PATH');
      const prefix = await h.gql<{ namespace: { configs: Typed; diff: Typed } }>(
        `{ namespace(name: "${NS}") { ... on Namespace { configs(prefix: "../") { __typename } diff(from: "HEAD~1", path: "/etc") { __typename } } } }`,
      );
      expect(prefix.data.namespace.configs.__typename).toBe('InvalidPath');
      expect(prefix.data.namespace.diff.__typename).toBe('InvalidPath');
    });
  });

  describe('expected versions', () => {
    it('a stale expectedVersion is a VersionConflict naming the current version and the path', async () => {
      const current = await head();
      const result = await unchanged(NS, () => put({ path: 'base.json', content: { a: 99 }, expectedVersion: versions[0] }));
      expect(result.__typename).toBe('VersionConflict');
      expect(result.code).toBe('VERSION_CONFLICT');
      expect(result.currentVersion).toBe(current);
      expect(result.paths).toEqual(['base.json']);
      const short = await unchanged(NS, () => put({ path: 'base.json', content: { a: 98 }, expectedVersion: versions[0]!.slice(0, 8) }));
      expect(short).toMatchObject({ __typename: 'VersionConflict', currentVersion: current, paths: ['base.json'] });
      const relative = await unchanged(NS, () => put({ path: 'base.json', content: { a: 97 }, expectedVersion: 'HEAD~2' }));
      expect(relative).toMatchObject({ __typename: 'VersionConflict', currentVersion: current, paths: ['base.json'] });
    });

    it('a stale expectedVersion wins over an invalid document: nothing is validated against an old base', async () => {
      const result = await unchanged(NS, () => put({ path: 'base.json', text: '{oops', expectedVersion: versions[0] }));
      expect(['VersionConflict', 'InvalidDocument']).toContain(result.__typename);
    });

    it('expectedVersion: null on an existing document is a VersionConflict', async () => {
      const current = await head();
      const result = await unchanged(NS, () => put({ path: 'base.json', content: { a: 5 }, expectedVersion: null }));
      expect(result).toMatchObject({ __typename: 'VersionConflict', currentVersion: current, paths: ['base.json'] });
      const omitted = await unchanged(NS, () =>
        h.gql<{ putConfig: Typed & WriteResult }>(PUT_CONFIG, { input: { namespace: NS, path: 'conf/app.yaml', content: { replicas: 9 } } }),
      );
      expect(omitted.data.putConfig).toMatchObject({ __typename: 'VersionConflict', currentVersion: current, paths: ['conf/app.yaml'] });
      const applied = await unchanged(NS, () =>
        apply({
          expectedVersion: null,
          changes: [
            { path: 'new-one.json', content: {} },
            { path: 'base.json', content: { a: 6 } },
          ],
        }),
      );
      expect(applied).toMatchObject({ __typename: 'VersionConflict', paths: ['base.json'] });
    });

    it('an unknown expectedVersion is a typed error, not a commit', async () => {
      for (const expectedVersion of ['deadbeef', 'nosuchtag', 'HEAD~99', '0'.repeat(40), 'a..b', '']) {
        const result = await unchanged(NS, () => put({ path: 'base.json', content: { a: 7 }, expectedVersion }));
        expect(['InvalidRef', 'VersionConflict'], `${expectedVersion}: ${JSON.stringify(result)}`).toContain(result.__typename);
      }
    });
  });

  describe('unknown refs', () => {
    const UNKNOWN_REFS = ['deadbeef', 'nosuchtag', 'HEAD~99', '0000000000000000000000000000000000000000', 'HEAD^^^^^^^^'];
    const MALFORMED_REFS = ['../../etc/passwd', 'a..b', '-x', 'HEAD@{1}', 'main:base.json', ' ', 'x'.repeat(300)];

    it.each(UNKNOWN_REFS)('%s is InvalidRef in config(at:), version(ref:), diff(from:) and diff(to:)', async (ref) => {
      const config = await h.gql<{ namespace: { config: Typed } }>(CONFIG_QUERY, { ns: NS, path: 'base.json', at: ref });
      expect(config.data.namespace.config).toMatchObject({ __typename: 'InvalidRef', ref, reason: 'unknown' });
      const version = await h.gql<{ namespace: { version: Typed } }>(VERSION_QUERY, { ns: NS, ref });
      expect(version.data.namespace.version).toMatchObject({ __typename: 'InvalidRef', ref });
      const from = await h.gql<{ namespace: { diff: Typed } }>(DIFF_QUERY, { ns: NS, from: ref });
      expect(from.data.namespace.diff).toMatchObject({ __typename: 'InvalidRef', ref });
      const to = await h.gql<{ namespace: { diff: Typed } }>(DIFF_QUERY, { ns: NS, from: versions[0], to: ref });
      expect(to.data.namespace.diff).toMatchObject({ __typename: 'InvalidRef', ref });
    });

    it.each(UNKNOWN_REFS)('%s is InvalidRef in rollback(to:) and revert(version:), committing nothing', async (ref) => {
      const rb = await unchanged(NS, (current) => h.gql<{ rollback: Typed }>(ROLLBACK, { input: { namespace: NS, to: ref, expectedVersion: current } }));
      expect(rb.errors).toBeUndefined();
      expect(rb.data.rollback).toMatchObject({ __typename: 'InvalidRef', ref });
      const dry = await unchanged(NS, (current) =>
        h.gql<{ rollback: Typed }>(ROLLBACK, { input: { namespace: NS, to: ref, expectedVersion: current, dryRun: true } }),
      );
      expect(dry.data.rollback).toMatchObject({ __typename: 'InvalidRef', ref });
      const rv = await unchanged(NS, (current) => h.gql<{ revert: Typed }>(REVERT, { input: { namespace: NS, version: ref, expectedVersion: current } }));
      expect(rv.errors).toBeUndefined();
      expect(rv.data.revert).toMatchObject({ __typename: 'InvalidRef', ref });
    });

    it.each(MALFORMED_REFS.map((r) => [r.slice(0, 30), r]))('malformed ref %s is InvalidRef everywhere', async (_label, ref) => {
      const config = await h.gql<{ namespace: { config: Typed } }>(CONFIG_QUERY, { ns: NS, path: 'base.json', at: ref });
      expect(config.data.namespace.config.__typename).toBe('InvalidRef');
      const version = await h.gql<{ namespace: { version: Typed } }>(VERSION_QUERY, { ns: NS, ref });
      expect(version.data.namespace.version.__typename).toBe('InvalidRef');
      const from = await h.gql<{ namespace: { diff: Typed } }>(DIFF_QUERY, { ns: NS, from: ref });
      expect(from.data.namespace.diff.__typename).toBe('InvalidRef');
      const rb = await unchanged(NS, (current) => h.gql<{ rollback: Typed }>(ROLLBACK, { input: { namespace: NS, to: ref, expectedVersion: current } }));
      expect(rb.data.rollback.__typename).toBe('InvalidRef');
      const rv = await unchanged(NS, (current) => h.gql<{ revert: Typed }>(REVERT, { input: { namespace: NS, version: ref, expectedVersion: current } }));
      expect(rv.data.revert.__typename).toBe('InvalidRef');
    });

    it('a ref naming a blob or a tree, not a commit, is InvalidRef', async () => {
      const blob = h.git(NS, 'rev-parse', 'HEAD:base.json').trim();
      const tree = h.git(NS, 'rev-parse', 'HEAD^{tree}').trim();
      for (const ref of [blob, tree]) {
        const version = await h.gql<{ namespace: { version: Typed } }>(VERSION_QUERY, { ns: NS, ref });
        expect(version.data.namespace.version.__typename, ref).toBe('InvalidRef');
        const rb = await unchanged(NS, (current) => h.gql<{ rollback: Typed }>(ROLLBACK, { input: { namespace: NS, to: ref, expectedVersion: current } }));
        expect(rb.data.rollback.__typename).toBe('InvalidRef');
      }
    });
  });

  describe('subscriptions', () => {
    const CASES: readonly [string, string, Record<string, unknown>][] = [
      ['unknown since', 'INVALID_REF', { ns: NS, since: 'deadbeef' }],
      ['since HEAD~99', 'INVALID_REF', { ns: NS, since: 'HEAD~99' }],
      ['since without a namespace', 'INVALID_INPUT', { since: 'HEAD' }],
      ['traversal in pathPrefix', 'INVALID_PATH', { ns: NS, prefix: '../' }],
      ['unknown namespace', 'NOT_FOUND', { ns: 'nosuch' }],
      ['invalid namespace name', 'INVALID_NAMESPACE', { ns: '../x' }],
    ];

    /** The first message of a subscription over graphql-ws: its errors, or the events it delivered. */
    function firstWsResult(variables: Record<string, unknown>): Promise<{ errors?: { extensions?: { code?: string } }[]; error?: unknown }> {
      const client = h.ws();
      return new Promise((resolve) => {
        const timer = setTimeout(() => resolve({ error: 'timeout' }), 5_000);
        client.subscribe(
          { query: CHANGES_SUBSCRIPTION, variables },
          {
            next: (value) => {
              clearTimeout(timer);
              resolve({ errors: value.errors as never });
            },
            error: (error) => {
              clearTimeout(timer);
              resolve({ error });
            },
            complete: () => undefined,
          },
        );
      });
    }

    it.each(CASES)('over WebSocket, %s is refused with %s', async (_label, code, variables) => {
      const result = await firstWsResult(variables);
      expect(result.errors?.[0]?.extensions?.code, JSON.stringify(result)).toBe(code);
    });

    it.each(CASES)('over HTTP (SSE), %s is refused with %s and a 4xx status', async (_label, code, variables) => {
      const controller = new AbortController();
      const timer = setTimeout(() => controller.abort(), 5_000);
      const res = await post(JSON.stringify({ query: CHANGES_SUBSCRIPTION, variables }), { accept: 'text/event-stream' });
      const text = await res.text();
      clearTimeout(timer);
      expect(text).toContain(`"code":"${code}"`);
      expect(res.status, text).toBeGreaterThanOrEqual(400);
      expect(res.status, text).toBeLessThan(500);
    });
  });

  describe('revert', () => {
    it('a revert that conflicts is a RevertConflict listing the path and pointer /a, head unchanged', async () => {
      const [, v2, v3] = revVersions;
      expect(await head(REV_NS)).toBe(v3);
      const res = await unchanged(REV_NS, () =>
        h.gql<{ revert: WriteResult & Typed }>(REVERT, { input: { namespace: REV_NS, version: v2, expectedVersion: v3 } }),
      );
      expect(res.errors).toBeUndefined();
      const result = res.data.revert;
      expect(result.__typename).toBe('RevertConflict');
      expect(result.code).toBe('REVERT_CONFLICT');
      expect(result.revertedVersion).toBe(v2);
      expect(result.conflicts).toEqual([{ path: 'r.json', pointers: ['/a'] }]);
      const dry = await unchanged(REV_NS, () =>
        h.gql<{ revert: WriteResult & Typed }>(REVERT, { input: { namespace: REV_NS, version: v2!.slice(0, 7), expectedVersion: v3, dryRun: true } }),
      );
      expect(dry.data.revert.__typename).toBe('RevertConflict');
      expect(JSON.parse(h.git(REV_NS, 'show', 'HEAD:r.json'))).toEqual({ a: 3 });
    });

    it('a revert with a stale expectedVersion or a bad requestId commits nothing', async () => {
      const stale = await unchanged(REV_NS, () =>
        h.gql<{ revert: Typed }>(REVERT, { input: { namespace: REV_NS, version: revVersions[2], expectedVersion: revVersions[0] } }),
      );
      expect(stale.data.revert.__typename).toBe('VersionConflict');
      const badId = await unchanged(REV_NS, () =>
        h.gql<{ revert: Typed }>(REVERT, { input: { namespace: REV_NS, version: revVersions[2], expectedVersion: revVersions[2], requestId: 'a b' } }),
      );
      expect(badId.data.revert.__typename).toBe('InvalidInput');
    });
  });

  describe('malformed requests', () => {
    it('answers syntax errors, unknown fields, wrong variable types and broken bodies with HTTP 4xx (GraphQL over HTTP)', async () => {
      const before = await head();
      const bodies = [
        '{"query": "{ namespace(name: \\"bad\\") { "}',
        '{"query": "mutation { putConfig(input: { namespace: \\"bad\\", path: \\"x.json\\", content: 1, operator: \\"eve\\" }) { __typename } }"}',
        JSON.stringify({ query: PUT_CONFIG, variables: { input: { namespace: NS, path: 7, content: {} } } }),
        JSON.stringify({ query: PUT_CONFIG, variables: { input: { namespace: NS } } }),
        JSON.stringify({ query: PUT_CONFIG }),
        '{"query": ',
        'not json at all',
        '{}',
        JSON.stringify(Array.from({ length: 11 }, () => ({ query: '{ __typename }' }))),
      ];
      // Batching is on (at most 10 operations): an empty batch is an empty answer, not an error.
      const empty = await post('[]', { accept: 'application/graphql-response+json' });
      expect(await empty.json()).toEqual([]);
      for (const body of bodies) {
        const res = await post(body, { accept: 'application/graphql-response+json' });
        expect(res.status, body.slice(0, 80)).toBeGreaterThanOrEqual(400);
        expect(res.status, body.slice(0, 80)).toBeLessThan(500);
        const json = (await res.json()) as { data?: unknown; errors?: unknown[] };
        expect(json.errors?.length).toBeGreaterThan(0);
        expect(json.data ?? null).toBeNull();
      }
      expect(await head()).toBe(before);
    });

    it('still serves after all of it, and the repositories are clean', async () => {
      const health = await fetch(`${h.url}/healthz`);
      expect(health.status).toBe(200);
      const ok = await h.gql<{ namespace: { config: { text: string } } }>(CONFIG_QUERY, { ns: NS, path: 'base.json' });
      expect(ok.data.namespace.config.text).toBe(h.git(NS, 'show', 'HEAD:base.json'));
      const write = await put({ path: 'after.json', content: { ok: true }, expectedVersion: await head() });
      expect(write.status).toBe('COMMITTED');
      expect(h.git(NS, 'rev-list', '--count', 'HEAD').trim()).toBe('4');
      expect(h.git(REV_NS, 'rev-list', '--count', 'HEAD').trim()).toBe('3');
      for (const ns of [NS, REV_NS, PATH_NS, 'scratch', 'limits']) h.git(ns, 'fsck', '--strict');
      expect(readdirSync(h.dataDir).sort()).toEqual(['bad.git', 'limits.git', 'paths.git', 'rev.git', 'scratch.git']);
    });
  });
});

/**
 * Issue 12, finding 5: paths Git reads as `.git` (or `.gitmodules`, `.gitattributes`) on NTFS or HFS+ were
 * committed, and then `git fsck --strict` (and every host with receive.fsckObjects) refused the repository.
 */
describe('bad input: paths git fsck --strict refuses', () => {
  const FSCK_NS = 'fsckpaths';
  const FSCK_PATHS = [
    '.git:x/a.yaml',
    '.GIT::$INDEX_ALLOCATION/a.yaml',
    'git~1:foo/a.yaml',
    'x/.git:/a.yaml',
    'x/.git. . ./a.json',
    'GiT~1::$DATA/a.yml',
    '.gitmodules/a.yaml',
    '.gitmodules:x.yaml',
    'GITMOD~1:x.json',
    'gi7eba~1/a.yaml',
    '.gitattributes/a.yaml',
    'conf/.gitattributes:x.yml',
  ];
  let h: Harness;
  let shell: GitShell;
  const head = async (): Promise<string> => (await shell.git('--git-dir', path.join(h.dataDir, `${FSCK_NS}.git`), 'rev-parse', 'HEAD')).trim();

  beforeAll(async () => {
    h = await startHarness({ tokens: [ADMIN] });
    shell = new GitShell();
    expect((await h.gql<{ createNamespace: { __typename: string } }>(CREATE_NAMESPACE, { name: FSCK_NS })).data.createNamespace.__typename).toBe('Namespace');
    const first = await h.gql<{ putConfig: WriteResult }>(PUT_CONFIG, {
      input: { namespace: FSCK_NS, path: 'base.yaml', content: { a: 1 }, expectedVersion: null },
    });
    expect(first.data.putConfig.status).toBe('COMMITTED');
  });

  afterAll(async () => {
    await shell?.close();
    await h?.close();
  });

  it.each(FSCK_PATHS)('putConfig %j answers InvalidPath and commits nothing', async (badPath) => {
    const before = await head();
    const res = await h.gql<{ putConfig: WriteResult & Typed }>(PUT_CONFIG, {
      input: { namespace: FSCK_NS, path: badPath, text: 'a: 1\n', expectedVersion: before },
    });
    expect(res.errors).toBeUndefined();
    expect(res.data.putConfig.__typename, JSON.stringify(res.data.putConfig)).toBe('InvalidPath');
    expect(res.data.putConfig.path).toBe(badPath);
    expect(await head()).toBe(before);
  });

  it('leaves the repository clean for git fsck --strict', () => {
    expect(h.git(FSCK_NS, 'ls-tree', '-r', '--name-only', 'HEAD').trim()).toBe('base.yaml');
    h.git(FSCK_NS, 'fsck', '--strict', '--no-dangling');
  });
});
