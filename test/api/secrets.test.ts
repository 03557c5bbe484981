import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { generateX25519Identity } from 'age-encryption';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer } from '../../src/server/app.js';
import { readSettings } from '../../src/server/settings.js';
import { ageCipher } from '../../src/services/secret-cipher.js';
import { type Harness, type TestToken, startHarness } from '../support/harness.js';
import { CREATE_NAMESPACE, ERROR_FIELDS } from '../support/operations.js';
import { DEFINE_ENVIRONMENT, RELEASE } from '../support/environment-operations.js';
import { recordWs, until } from '../support/feed-clients.js';
import { ADMIN, EDITOR, VIEWER } from '../support/tokens.js';
import { CREATE_WEBHOOK, ROTATE_SECRET } from '../support/webhook-operations.js';
import { type Receiver, startReceiver, verifyStandardWebhook } from '../support/webhook-receiver.js';

const POLICY = { secrets: ['services/*/db.yaml#/password', '**/credentials/**', 'app.json#/missing'] };
const PUT = `mutation($input: PutConfigInput!) { putConfig(input: $input) { __typename ... on WritePayload { status version { hash } } ${ERROR_FIELDS} ... on SecretError { path pointer } } }`;
const PLAINTEXT = 'hunter2-plaintext';

interface PutResult {
  __typename: string;
  status?: string;
  code?: string;
  path?: string;
  pointer?: string;
}

/** An identity file as `age-keygen` writes it. */
async function keyFile(dir: string, name: string): Promise<{ file: string; identity: string }> {
  const identity = await generateX25519Identity();
  const file = path.join(dir, name);
  writeFileSync(file, `# created: 2026-12-07T10:00:00Z\n# public key: (see identity)\n${identity}\n`);
  return { file, identity };
}

describe('secret values are encrypted in Git', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'cairn-secrets-'));
  let h: Harness;
  let identity: string;
  const head = (ns: string): string => h.git(ns, 'rev-parse', 'HEAD').trim();
  const put = async (ns: string, p: string, body: { content?: unknown; text?: string }): Promise<PutResult> => {
    let expectedVersion: string | null = null;
    try {
      h.git(ns, 'rev-parse', '--verify', '-q', `HEAD:${p}`);
      expectedVersion = head(ns);
    } catch {
      // a new document
    }
    const res = await h.gql<{ putConfig: PutResult }>(PUT, { input: { namespace: ns, path: p, expectedVersion, ...body } });
    expect(res.errors, JSON.stringify(res.errors)).toBeUndefined();
    return res.data.putConfig;
  };
  /** Every object of the repository, every version: what `git log -p` shows of all of them. */
  const history = (ns: string): string => h.git(ns, 'log', '-p', '--all');

  beforeAll(async () => {
    const key = await keyFile(dir, 'key.txt');
    identity = key.identity;
    h = await startHarness({ env: { CAIRN_SECRETS_KEY_FILE: key.file } });
    await h.gql(CREATE_NAMESPACE, { name: 'shop' });
    expect((await put('shop', '.cairn/policy.json', { content: POLICY })).status).toBe('COMMITTED');
  });
  afterAll(async () => {
    await h.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('stores a secret pointer encrypted, keeping structure, keys, comments and other values readable', async () => {
    const text = `# the api's database\nhost: db.internal\nport: 5432\npassword: ${PLAINTEXT}  # rotated yearly\n`;
    expect((await put('shop', 'services/api/db.yaml', { text })).status).toBe('COMMITTED');
    const stored = h.git('shop', 'show', 'HEAD:services/api/db.yaml');
    expect(stored).toContain("# the api's database\nhost: db.internal\nport: 5432\n");
    expect(stored).toContain('-----BEGIN AGE ENCRYPTED FILE-----');
    expect(stored).not.toContain(PLAINTEXT);
    const sealed = (await import('yaml')).parse(stored) as { password: string };
    expect(await (await ageCipher(identity)).open(sealed.password)).toBe(PLAINTEXT);
    expect(history('shop')).not.toContain(PLAINTEXT);
    h.git('shop', 'fsck', '--strict');
  });

  it('encrypts every value of a document under a secret glob, each keeping its type', async () => {
    const content = { user: 'svc', token: PLAINTEXT, retries: 3, tls: true, nested: { list: [PLAINTEXT, null] }, empty: {} };
    expect((await put('shop', 'prod/credentials/api.json', { content })).status).toBe('COMMITTED');
    const stored = JSON.parse(h.git('shop', 'show', 'HEAD:prod/credentials/api.json')) as Record<string, unknown>;
    expect(Object.keys(stored)).toEqual(Object.keys(content));
    expect(stored.empty).toEqual({});
    const cipher = await ageCipher(identity);
    const nested = stored.nested as { list: string[] };
    expect(await cipher.open(stored.retries as string)).toBe(3);
    expect(await cipher.open(stored.tls as string)).toBe(true);
    expect(await cipher.open(nested.list[1] as string)).toBe(null);
    expect(history('shop')).not.toContain(PLAINTEXT);
  });

  it('keeps the stored ciphertext when a write brings the same value, in plaintext, encrypted or redacted', async () => {
    const before = head('shop');
    const stored = h.git('shop', 'show', 'HEAD:prod/credentials/api.json');
    const same = { user: 'svc', token: PLAINTEXT, retries: 3, tls: true, nested: { list: [PLAINTEXT, null] }, empty: {} };
    expect((await put('shop', 'prod/credentials/api.json', { content: same })).status).toBe('UNCHANGED');
    expect((await put('shop', 'prod/credentials/api.json', { text: stored })).status).toBe('UNCHANGED');
    const redacted = { ...JSON.parse(stored), token: '[secret]' } as Record<string, unknown>;
    expect((await put('shop', 'prod/credentials/api.json', { content: redacted })).status).toBe('UNCHANGED');
    expect(head('shop')).toBe(before);
    // A changed value is encrypted anew; the others keep their ciphertext.
    expect((await put('shop', 'prod/credentials/api.json', { content: { ...same, token: 'rotated-value' } })).status).toBe('COMMITTED');
    const after = JSON.parse(h.git('shop', 'show', 'HEAD:prod/credentials/api.json')) as Record<string, unknown>;
    expect(after.user).toBe(JSON.parse(stored).user);
    expect(after.token).not.toBe(JSON.parse(stored).token);
    expect(history('shop')).not.toContain('rotated-value');
  });

  it("encrypts the values an overlay sets for its base's secrets, and only those", async () => {
    const patch = [
      { op: 'replace', path: '/password', value: `${PLAINTEXT}-eu` },
      { op: 'replace', path: '/host', value: 'eu.db.internal' },
    ];
    expect((await put('shop', 'services/api/db.overlays/eu.patch.json', { content: patch })).status).toBe('COMMITTED');
    const stored = JSON.parse(h.git('shop', 'show', 'HEAD:services/api/db.overlays/eu.patch.json')) as { op: string; path: string; value: string }[];
    expect(stored.map((o) => [o.op, o.path])).toEqual([
      ['replace', '/password'],
      ['replace', '/host'],
    ]);
    expect(stored[1]?.value).toBe('eu.db.internal');
    expect(await (await ageCipher(identity)).open(stored[0]?.value as string)).toBe(`${PLAINTEXT}-eu`);
    expect(history('shop')).not.toContain(`${PLAINTEXT}-eu`);
  });

  it('validates secret values against the schema in plaintext, and names no value in a violation', async () => {
    const schema = { type: 'object', properties: { pin: { type: 'integer', maximum: 9999 }, user: { type: 'string' } }, required: ['pin'] };
    const res = await h.gql<{ applyChanges: PutResult & { violations?: { pointer: string; message: string }[] } }>(
      `mutation($input: ApplyChangesInput!) { applyChanges(input: $input) { __typename ... on WritePayload { status } ... on SchemaViolation { violations { pointer message } } ${ERROR_FIELDS} } }`,
      {
        input: {
          namespace: 'shop',
          expectedVersion: head('shop'),
          changes: [
            { path: '.cairn/schemas/pin.schema.json', content: schema },
            { path: '.cairn/schemas/index.json', content: { 'vault/credentials/*.json': 'pin.schema.json' } },
            { path: 'vault/credentials/pin.json', content: { pin: 1234, user: 'svc' } },
          ],
        },
      },
    );
    expect(res.data.applyChanges.status).toBe('COMMITTED');
    const refused = await put('shop', 'vault/credentials/pin.json', { content: { pin: 123456, user: 'svc' } });
    expect(refused.__typename).toBe('SchemaViolation');
    expect(JSON.stringify(refused)).not.toContain('123456');
    expect(history('shop')).not.toContain('123456');
  });

  it('keys the request fingerprint of an idempotent write, so history holds no plain hash of its secrets; the retry replays', async () => {
    const input = { namespace: 'shop', path: 'prod/credentials/pin-code.json', content: { pin: '0042' }, expectedVersion: null, requestId: 'req-secret-1' };
    const first = await h.gql<{ putConfig: PutResult }>(PUT, { input });
    expect(first.data.putConfig.status).toBe('COMMITTED');
    const trailer = /Cairn-Request-Fingerprint: (\S+)/.exec(h.git('shop', 'log', '-1', '--format=%B'))?.[1] ?? '';
    expect(trailer).toMatch(/^hmac-sha256:[0-9a-f]{64}$/);
    const again = await h.gql<{ putConfig: PutResult }>(PUT, { input });
    expect(again.data.putConfig.status).toBe('REPLAYED');
    expect((again.data.putConfig as { version?: { hash: string } }).version?.hash).toBe(head('shop'));
  });

  it('refuses a value encrypted to another key, and the redaction marker where nothing is stored: nothing committed', async () => {
    const before = head('shop');
    const foreign = await (await ageCipher(await generateX25519Identity())).seal('x');
    const unreadable = await put('shop', 'prod/credentials/new.json', { content: { a: foreign } });
    expect(unreadable).toMatchObject({ __typename: 'SecretError', code: 'SECRET_UNREADABLE', path: 'prod/credentials/new.json', pointer: '/a' });
    const unknown = await put('shop', 'prod/credentials/new.json', { content: { a: '[secret]' } });
    expect(unknown).toMatchObject({ __typename: 'SecretError', code: 'SECRET_REDACTED_UNKNOWN', pointer: '/a' });
    expect(head('shop')).toBe(before);
  });

  it('leaves a document alone when its secret pointer names nothing in it, and non-secret documents as written', async () => {
    const text = '{"present": "visible-value"}\n';
    expect((await put('shop', 'app.json', { text })).status).toBe('COMMITTED');
    expect(h.git('shop', 'show', 'HEAD:app.json')).toBe(text);
    const yaml = 'password: not-a-secret-here\n';
    expect((await put('shop', 'services/api/other.yaml', { text: yaml })).status).toBe('COMMITTED');
    expect(h.git('shop', 'show', 'HEAD:services/api/other.yaml')).toBe(yaml);
  });

  it('encrypts in the same write a secret its policy change introduces', async () => {
    const res = await h.gql<{ applyChanges: PutResult }>(
      `mutation($input: ApplyChangesInput!) { applyChanges(input: $input) { __typename ... on WritePayload { status } ${ERROR_FIELDS} } }`,
      {
        input: {
          namespace: 'shop',
          expectedVersion: head('shop'),
          changes: [
            { path: '.cairn/policy.json', content: { secrets: [...POLICY.secrets, 'flags.json#/apiKey'] } },
            { path: 'flags.json', content: { apiKey: `${PLAINTEXT}-flags`, on: true } },
          ],
        },
      },
    );
    expect(res.data.applyChanges.status).toBe('COMMITTED');
    expect(JSON.parse(h.git('shop', 'show', 'HEAD:flags.json'))).toMatchObject({ on: true });
    expect(history('shop')).not.toContain(`${PLAINTEXT}-flags`);
  });
});

describe('without a secrets key', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    await h.close();
  });

  it('refuses a secret value (SECRETS_KEY_MISSING) rather than storing it, and still takes other writes', async () => {
    await h.gql(CREATE_NAMESPACE, { name: 'bare' });
    const write = (p: string, content: unknown, expectedVersion: string | null = null) =>
      h.gql<{ putConfig: PutResult }>(PUT, { input: { namespace: 'bare', path: p, content, expectedVersion } });
    expect((await write('.cairn/policy.json', POLICY)).data.putConfig.status).toBe('COMMITTED');
    const before = h.git('bare', 'rev-parse', 'HEAD').trim();
    const refused = (await write('prod/credentials/a.json', { token: PLAINTEXT })).data.putConfig;
    expect(refused).toMatchObject({ __typename: 'SecretError', code: 'SECRETS_KEY_MISSING', path: 'prod/credentials/a.json', pointer: '/token' });
    expect(h.git('bare', 'rev-parse', 'HEAD').trim()).toBe(before);
    expect(h.git('bare', 'log', '-p', '--all')).not.toContain(PLAINTEXT);
    expect((await write('app.json', { open: 1 })).data.putConfig.status).toBe('COMMITTED');
  });
});

describe('a secrets key that cannot be loaded', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'cairn-secrets-start-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const start = (env: Record<string, string>) =>
    startServer(readSettings({ CAIRN_DATA_DIR: path.join(dir, 'repos'), CAIRN_PORT: '0', CAIRN_FSYNC: 'false', ...env }), {
      logger: pino({ level: 'silent' }),
    });

  it('stops the start with an error naming the setting and the file, never its content', async () => {
    await expect(start({ CAIRN_SECRETS_KEY_FILE: path.join(dir, 'absent.txt') })).rejects.toThrow(/CAIRN_SECRETS_KEY_FILE: cannot read .*absent\.txt.*ENOENT/);
    writeFileSync(path.join(dir, 'garbage.txt'), 'AGE-SECRET-KEY-1NOTAKEY\n');
    const garbage = start({ CAIRN_SECRETS_KEY_FILE: path.join(dir, 'garbage.txt') });
    await expect(garbage).rejects.toThrow(/does not hold a valid age identity/);
    await expect(garbage).rejects.not.toThrow(/NOTAKEY/);
    writeFileSync(path.join(dir, 'empty.txt'), '# nothing\n');
    await expect(start({ CAIRN_SECRETS_KEY_FILE: path.join(dir, 'empty.txt') })).rejects.toThrow(/holds no age identity/);
    const good = await keyFile(dir, 'good.txt');
    await expect(start({ CAIRN_SECRETS_KEY_FILE: good.file, CAIRN_SECRETS_RECIPIENTS: 'age1bogus' })).rejects.toThrow(/CAIRN_SECRETS_RECIPIENTS/);
    expect(execFileSync('ls', [dir]).toString()).not.toContain('repos-partial');
  });

  it('refuses a key file without the key secret values are encrypted to, naming it; a rotation (new key first, old after) starts', async () => {
    const data = path.join(dir, 'keyed');
    const startWith = (file: string) =>
      startServer(readSettings({ CAIRN_DATA_DIR: data, CAIRN_PORT: '0', CAIRN_FSYNC: 'false', CAIRN_SECRETS_KEY_FILE: file }), {
        logger: pino({ level: 'silent' }),
      });
    const recorded = (): string => execFileSync('git', ['--git-dir', path.join(data, '.cairn.git'), 'show', 'HEAD:secrets/current.json'], { encoding: 'utf8' });
    const first = await keyFile(dir, 'first.txt');
    const other = await keyFile(dir, 'other.txt');
    const firstRecipient = (await ageCipher(first.identity)).recipient;
    const otherRecipient = (await ageCipher(other.identity)).recipient;
    await (await startWith(first.file)).close();
    expect(recorded()).toContain(firstRecipient);
    const wrong = startWith(other.file);
    await expect(wrong).rejects.toThrow(`CAIRN_SECRETS_KEY_FILE holds no identity of ${firstRecipient}`);
    await expect(wrong).rejects.not.toThrow(other.identity);
    writeFileSync(path.join(dir, 'rotation.txt'), `${other.identity}\n${first.identity}\n`);
    await (await startWith(path.join(dir, 'rotation.txt'))).close();
    expect(recorded()).toContain(otherRecipient);
    // The new key alone now starts; the first one alone no longer does.
    await (await startWith(other.file)).close();
    await expect(startWith(first.file)).rejects.toThrow(`holds no identity of ${otherRecipient}`);
    const log = execFileSync('git', ['--git-dir', path.join(data, '.cairn.git'), 'log', '--format=%an %s', '--', 'secrets/current.json'], { encoding: 'utf8' });
    expect(log.trim().split('\n')).toHaveLength(2);
  });
});

describe('reads of secret values', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'cairn-secrets-read-'));
  const AGENT: TestToken = { token: 'ag-agent-token', name: 'Agent', email: 'agent@example.com', roles: { '*': 'agent' } };
  const READ = `query($path: String!) { namespace(name: "vault") { ... on Namespace { config(path: $path) { __typename ... on ConfigDocument { content text } ... on Error { code message } } } } }`;
  let h: Harness;
  const read = async (p: string, token: string) => {
    const res = await h.gql<{ namespace: { config: { content: Record<string, unknown>; text: string } } }>(READ, { path: p }, token);
    return { document: res.data?.namespace?.config, errors: res.errors };
  };
  const head = (): string => h.git('vault', 'rev-parse', 'HEAD').trim();
  const put = async (p: string, body: { content?: unknown; text?: string }, token: string, expectedVersion: string | null): Promise<PutResult> =>
    (await h.gql<{ putConfig: PutResult }>(PUT, { input: { namespace: 'vault', path: p, expectedVersion, ...body } }, token)).data.putConfig;
  const http = async (route: string, token: string): Promise<{ status: number; body: string }> => {
    const res = await fetch(`${h.url}${route}`, { headers: { authorization: `Bearer ${token}` } });
    return { status: res.status, body: await res.text() };
  };

  beforeAll(async () => {
    const key = await keyFile(dir, 'key.txt');
    h = await startHarness({ tokens: [ADMIN, EDITOR, VIEWER, AGENT], env: { CAIRN_SECRETS_KEY_FILE: key.file } });
    await h.gql(CREATE_NAMESPACE, { name: 'vault' }, ADMIN.token);
    expect((await put('.cairn/policy.json', { content: POLICY }, ADMIN.token, null)).status).toBe('COMMITTED');
    const text = `host: db.internal # primary\npassword: ${PLAINTEXT}\n`;
    expect((await put('services/api/db.yaml', { text }, ADMIN.token, null)).status).toBe('COMMITTED');
  });
  afterAll(async () => {
    await h.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('shows viewers and editors "[secret]" in content and text, never the plaintext or the ciphertext; admins the plaintext', async () => {
    for (const token of [VIEWER.token, EDITOR.token]) {
      const { document } = await read('services/api/db.yaml', token);
      expect(document?.content).toEqual({ host: 'db.internal', password: '[secret]' });
      expect(document?.text).toMatch(/^host: db.internal # primary\npassword: /);
      expect((await import('yaml')).parse(document?.text ?? '')).toEqual({ host: 'db.internal', password: '[secret]' });
      expect(document?.text).not.toContain('AGE ENCRYPTED');
    }
    const { document } = await read('services/api/db.yaml', ADMIN.token);
    expect(document?.content).toEqual({ host: 'db.internal', password: PLAINTEXT });
    expect((await import('yaml')).parse(document?.text ?? '')).toEqual({ host: 'db.internal', password: PLAINTEXT });
    expect(document?.text).toContain('# primary');
  });

  it('lets an editor write back the redacted text it read: the secret keeps its stored ciphertext', async () => {
    const before = h.git('vault', 'show', 'HEAD:services/api/db.yaml');
    const sealed = before.split('\n').find((line) => line.startsWith('password:'));
    const { document } = await read('services/api/db.yaml', EDITOR.token);
    const edited = (document?.text ?? '').replace('db.internal', 'db2.internal');
    expect((await put('services/api/db.yaml', { text: edited }, EDITOR.token, head())).status).toBe('COMMITTED');
    const after = h.git('vault', 'show', 'HEAD:services/api/db.yaml');
    expect(after).toContain('host: db2.internal # primary');
    expect(after.split('\n').find((line) => line.startsWith('password:'))).toBe(sealed);
    expect((await read('services/api/db.yaml', ADMIN.token)).document?.content).toEqual({ host: 'db2.internal', password: PLAINTEXT });
  });

  it('gives an editor no way to test a guess: the right plaintext is encrypted again, and schemas see "[secret]"', async () => {
    const before = h.git('vault', 'show', 'HEAD:services/api/db.yaml');
    const host = (await read('services/api/db.yaml', ADMIN.token)).document?.content.host as string;
    // The right guess commits, as a wrong one would: "unchanged" would have told them apart.
    const guess = await put('services/api/db.yaml', { text: `host: ${host} # primary\npassword: ${PLAINTEXT}\n` }, EDITOR.token, head());
    expect(guess.status).toBe('COMMITTED');
    expect(h.git('vault', 'show', 'HEAD:services/api/db.yaml')).not.toBe(before);
    expect((await read('services/api/db.yaml', ADMIN.token)).document?.content).toEqual({ host, password: PLAINTEXT });
    // A schema whose verdict hangs on the secret (a pattern, an if/then) judges what the editor may read: "[secret]".
    const schema = {
      type: 'object',
      properties: { password: { type: 'string', pattern: '^zzz' } },
      if: { properties: { password: { pattern: '^hunter2' } } },
      then: { required: ['nope'] },
    };
    expect((await put('.cairn/schemas/db.json', { content: schema }, EDITOR.token, head())).status).toBe('COMMITTED');
    const mapped = await put('.cairn/schemas/index.json', { content: { 'services/*/db.yaml': 'db.json' } }, EDITOR.token, head());
    expect(mapped.status).toBe('COMMITTED');
    expect(h.git('vault', 'log', '-p', '--all')).not.toContain(PLAINTEXT);
  });

  it('redacts the HTTP read API for viewers and decrypts it for admins and for the agent of a release (document and bundle)', async () => {
    const viewer = await http('/v1/config/vault/services/api/db.yaml', VIEWER.token);
    expect(viewer.status).toBe(200);
    expect(viewer.body).toContain('[secret]');
    expect(viewer.body).not.toContain(PLAINTEXT);
    expect(viewer.body).not.toContain('AGE ENCRYPTED');
    const admin = await http('/v1/config/vault/services/api/db.yaml?format=json', ADMIN.token);
    expect(JSON.parse(admin.body)).toEqual({ host: 'db2.internal', password: PLAINTEXT });
    for (const format of ['text', 'json']) {
      const bundle = await http(`/v1/bundle/vault?prefix=services/&format=${format}`, VIEWER.token);
      expect(bundle.status).toBe(200);
      expect(bundle.body).toContain('[secret]');
      expect(bundle.body).not.toContain(PLAINTEXT);
      expect(bundle.body).not.toContain('AGE ENCRYPTED');
      const full = await http(`/v1/bundle/vault?prefix=services/&format=${format}`, ADMIN.token);
      expect(full.body).toContain(PLAINTEXT);
    }
    // An agent reads the plaintext of the release its instance runs.
    const defined = await h.gql(DEFINE_ENVIRONMENT, { input: { namespace: 'vault', name: 'prod', clusters: ['eu-1'], expectedVersion: head() } }, ADMIN.token);
    expect(defined.errors).toBeUndefined();
    const released = await h.gql<{ release: { status: string } }>(
      RELEASE,
      { input: { namespace: 'vault', environment: 'prod', version: head(), expectedRelease: null } },
      ADMIN.token,
    );
    expect(released.data.release.status).toBe('COMMITTED');
    const desired = await http('/v1/bundle/vault?env=prod&instance=web-1&cluster=eu-1&prefix=services/&format=text', AGENT.token);
    expect(desired.status).toBe(200);
    expect(desired.body).toContain(PLAINTEXT);
    expect(desired.body).not.toContain('AGE ENCRYPTED');
  });

  it('answers SECRET_UNREADABLE to a reader with the permission when a stored value does not decrypt; others still see "[secret]"', async () => {
    const foreign = await (await ageCipher(await generateX25519Identity())).seal('x');
    commitOutside(path.join(h.dataDir, 'vault.git'), 'prod/credentials/bad.json', `${JSON.stringify({ token: foreign })}\n`);
    // A write through Cairn catches its index up with the commit made outside.
    expect((await put('app.json', { content: { any: 1 } }, ADMIN.token, null)).status).toBe('COMMITTED');
    const admin = await read('prod/credentials/bad.json', ADMIN.token);
    expect(admin.errors?.[0]?.extensions?.code).toBe('SECRET_UNREADABLE');
    expect(JSON.stringify(admin)).not.toContain('AGE ENCRYPTED');
    expect((await read('prod/credentials/bad.json', VIEWER.token)).document?.content).toEqual({ token: '[secret]' });
  });
});

/** A commit made with git plumbing, as a push from outside Cairn would land. */
function commitOutside(gitDir: string, file: string, text: string): void {
  const git = (args: string[], input?: string, env: Record<string, string> = {}): string =>
    execFileSync('git', ['--git-dir', gitDir, ...args], {
      encoding: 'utf8',
      input,
      env: { ...process.env, GIT_AUTHOR_NAME: 'o', GIT_AUTHOR_EMAIL: 'o@x', GIT_COMMITTER_NAME: 'o', GIT_COMMITTER_EMAIL: 'o@x', ...env },
    }).trim();
  const index = { GIT_INDEX_FILE: path.join(gitDir, 'outside-index') };
  const blob = git(['hash-object', '-w', '--stdin'], text);
  git(['read-tree', 'HEAD'], undefined, index);
  git(['update-index', '--add', '--cacheinfo', `100644,${blob},${file}`], undefined, index);
  const tree = git(['write-tree'], undefined, index);
  const commit = git(['commit-tree', tree, '-p', 'HEAD', '-m', 'outside'], undefined, index);
  git(['update-ref', 'HEAD', commit]);
  rmSync(index.GIT_INDEX_FILE, { force: true });
}

describe('diffs, blame and the change feed of secret values', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'cairn-secrets-diff-'));
  const FILES = 'files { path changes { pointer op oldValue newValue } patch unified oldText newText oldContent newContent }';
  const WRITE = `mutation($input: PutConfigInput!) { putConfig(input: $input) { __typename ... on WritePayload { status version { hash } ${FILES} } ${ERROR_FIELDS} } }`;
  const DIFF = `query($from: String!, $to: String) { namespace(name: "ledger") { ... on Namespace { diff(from: $from, to: $to) { ... on Diff { ${FILES} } } } } }`;
  const BLAME = `query { namespace(name: "ledger") { ... on Namespace { blame(path: "services/api/db.yaml") { ... on Blame { entries { pointer value } } } } } }`;
  const FEED = `subscription($since: String) { changes(namespace: "ledger", since: $since) { version documents { path changes { pointer op oldValue newValue } patch oldContent newContent } } }`;
  let h: Harness;
  const versions: string[] = [];
  const write = async (text: string) => {
    const res = await h.gql<{ putConfig: { status: string; version: { hash: string } } }>(
      WRITE,
      { input: { namespace: 'ledger', path: 'services/api/db.yaml', text, expectedVersion: versions.at(-1) ?? null } },
      ADMIN.token,
    );
    expect(res.errors).toBeUndefined();
    versions.push(res.data.putConfig.version.hash);
    return res;
  };
  /** Nothing a reader got holds the plaintext, the ciphertext, or the armor. */
  const clean = (answer: unknown): void => {
    const text = JSON.stringify(answer);
    for (const hidden of [PLAINTEXT, 'rotated-secret', 'AGE ENCRYPTED', 'YWdlLWVuY3J5cHRpb24']) expect(text).not.toContain(hidden);
  };

  beforeAll(async () => {
    const key = await keyFile(dir, 'key.txt');
    h = await startHarness({ tokens: [ADMIN, VIEWER], env: { CAIRN_SECRETS_KEY_FILE: key.file } });
    await h.gql(CREATE_NAMESPACE, { name: 'ledger' }, ADMIN.token);
    const policy = await h.gql<{ putConfig: { version: { hash: string } } }>(
      WRITE,
      { input: { namespace: 'ledger', path: '.cairn/policy.json', content: POLICY, expectedVersion: null } },
      ADMIN.token,
    );
    versions.push(policy.data.putConfig.version.hash);
  });
  afterAll(async () => {
    await h.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('says "[secret]" → "[secret]" for a changed secret in the write result, the version diff and blame, to admins too', async () => {
    clean(await write(`host: a\npassword: ${PLAINTEXT}\n`));
    const rotated = await write(`host: b\npassword: rotated-secret\n`);
    clean(rotated);
    const file = (rotated.data.putConfig as unknown as { files: { changes: unknown[]; newContent: unknown }[] }).files[0];
    expect(file?.changes).toEqual(
      expect.arrayContaining([
        { pointer: '/host', op: 'REPLACE', oldValue: 'a', newValue: 'b' },
        { pointer: '/password', op: 'REPLACE', oldValue: '[secret]', newValue: '[secret]' },
      ]),
    );
    expect(file?.newContent).toEqual({ host: 'b', password: '[secret]' });
    for (const token of [ADMIN.token, VIEWER.token]) {
      const diff = await h.gql(DIFF, { from: versions[1], to: versions[2] }, token);
      expect(diff.errors).toBeUndefined();
      clean(diff);
      expect(JSON.stringify(diff)).toContain('[secret]');
      const blame = await h.gql<{ namespace: { blame: { entries: { pointer: string; value: unknown }[] } } }>(BLAME, {}, token);
      expect(blame.data.namespace.blame.entries).toContainEqual({ pointer: '/password', value: '[secret]' });
      clean(blame);
    }
  });

  it('carries "[secret]" in change-feed events (the events webhooks deliver)', async () => {
    const recording = recordWs(h.ws(VIEWER.token), FEED, { since: versions[0] });
    await until(
      () => recording.events.length >= 2,
      10_000,
      () => JSON.stringify(recording),
    );
    recording.stop();
    clean(recording.events);
    expect(recording.events[1]?.documents?.[0]?.newContent).toEqual({ host: 'b', password: '[secret]' });
  });
});

describe('webhook signing secrets', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'cairn-secrets-hooks-'));
  let h: Harness;
  let receiver: Receiver;
  const system = (): string => execFileSync('git', ['--git-dir', path.join(h.dataDir, '.cairn.git'), 'log', '-p', '--all'], { encoding: 'utf8' });

  beforeAll(async () => {
    const key = await keyFile(dir, 'key.txt');
    receiver = await startReceiver();
    h = await startHarness({ env: { CAIRN_SECRETS_KEY_FILE: key.file, CAIRN_WEBHOOK_ALLOW: '127.0.0.1/32', CAIRN_WEBHOOK_RETRY_SCHEDULE: '50ms' } });
    await h.gql(CREATE_NAMESPACE, { name: 'hooks' });
  });
  afterAll(async () => {
    await h.close();
    await receiver.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('are stored encrypted in the system repository, across rotation, and still sign deliveries', async () => {
    const created = await h.gql<{ createWebhook: { secret: string; webhook: { id: string } } }>(CREATE_WEBHOOK, {
      input: { namespace: 'hooks', url: `${receiver.url}/hook` },
    });
    const { secret, webhook } = created.data.createWebhook;
    expect(secret).toBeTruthy();
    expect(system()).toContain('AGE ENCRYPTED');
    expect(system()).not.toContain(secret);
    const rotated = await h.gql<{ rotateWebhookSecret: { secret: string } }>(ROTATE_SECRET, { id: webhook.id });
    const next = rotated.data.rotateWebhookSecret.secret;
    expect(next).toBeTruthy();
    const history = system();
    expect(history).not.toContain(secret);
    expect(history).not.toContain(next);
    const put = await h.gql<{ putConfig: PutResult }>(PUT, { input: { namespace: 'hooks', path: 'app.json', content: { a: 1 }, expectedVersion: null } });
    expect(put.data.putConfig.status).toBe('COMMITTED');
    const [delivery] = await receiver.waitFor(1);
    expect(delivery && verifyStandardWebhook(next, delivery)).toBe(true);
    expect(delivery && verifyStandardWebhook(secret, delivery)).toBe(true); // the previous secret signs too, until it expires
  });
});

describe('re-encryption after a key rotation', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'cairn-secrets-rotate-'));
  const REENCRYPT = `mutation($input: ReencryptSecretsInput!) { reencryptSecrets(input: $input) { __typename ... on WritePayload { status version { hash } files { path changes { pointer oldValue newValue } } } ${ERROR_FIELDS} ... on SecretError { path pointer } } }`;
  let h: Harness;
  let oldKey: string;
  let newKey: string;
  let file: string;
  const head = (): string => h.git('keys', 'rev-parse', 'HEAD').trim();
  const reencrypt = async (token: string) =>
    (
      await h.gql<{ reencryptSecrets: PutResult & { files?: { changes: unknown[] }[] } }>(
        REENCRYPT,
        { input: { namespace: 'keys', expectedVersion: head() } },
        token,
      )
    ).data.reencryptSecrets;

  beforeAll(async () => {
    const key = await keyFile(dir, 'key.txt');
    [file, oldKey] = [key.file, key.identity];
    newKey = await generateX25519Identity();
    h = await startHarness({ tokens: [ADMIN, EDITOR], env: { CAIRN_SECRETS_KEY_FILE: file } });
    await h.gql(CREATE_NAMESPACE, { name: 'keys' }, ADMIN.token);
    const write = (p: string, content: unknown) =>
      h.gql<{ putConfig: PutResult }>(PUT, { input: { namespace: 'keys', path: p, content, expectedVersion: head().length ? head() : null } }, ADMIN.token);
    await h.gql(PUT, { input: { namespace: 'keys', path: '.cairn/policy.json', content: POLICY, expectedVersion: null } }, ADMIN.token);
    expect((await write('prod/credentials/a.json', { token: PLAINTEXT, n: 7 })).data.putConfig.status).toBe('COMMITTED');
    expect((await write('services/x/db.yaml', { host: 'h', password: 'pw-1' })).data.putConfig.status).toBe('COMMITTED');
  });
  afterAll(async () => {
    await h.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('moves every secret to the first identity of the key file in one commit, admins only; the old key can then go', async () => {
    expect((await reencrypt(EDITOR.token)).__typename).toBe('Forbidden');
    writeFileSync(file, `# new key first, old key while values move\n${newKey}\n${oldKey}\n`);
    await h.restart();
    const before = head();
    const moved = await reencrypt(ADMIN.token);
    expect(moved.status).toBe('COMMITTED');
    expect(h.git('keys', 'rev-list', '--count', `${before}..HEAD`).trim()).toBe('1');
    expect(JSON.stringify(moved)).not.toContain('AGE ENCRYPTED');
    const cipher = await ageCipher(newKey);
    const a = JSON.parse(h.git('keys', 'show', 'HEAD:prod/credentials/a.json')) as { token: string; n: string };
    expect(await cipher.open(a.token)).toBe(PLAINTEXT);
    expect(await cipher.open(a.n)).toBe(7);
    const db = (await import('yaml')).parse(h.git('keys', 'show', 'HEAD:services/x/db.yaml')) as { host: string; password: string };
    expect(db.host).toBe('h');
    expect(await cipher.open(db.password)).toBe('pw-1');
    // The old key is no longer needed: a server with the new one alone serves every value.
    writeFileSync(file, `${newKey}\n`);
    await h.restart();
    const READ = `query { namespace(name: "keys") { ... on Namespace { config(path: "prod/credentials/a.json") { ... on ConfigDocument { content } } } } }`;
    const read = await h.gql<{ namespace: { config: { content: unknown } } }>(READ, {}, ADMIN.token);
    expect(read.data.namespace.config.content).toEqual({ token: PLAINTEXT, n: 7 });
    expect(h.git('keys', 'log', '-p', '--all')).not.toContain(PLAINTEXT);
  });
});
