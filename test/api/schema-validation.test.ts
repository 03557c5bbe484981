import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, startHarness } from '../support/harness.js';
import { CREATE_NAMESPACE, ERROR_FIELDS, REVERT_ERROR_FIELDS } from '../support/operations.js';
import { ADMIN } from '../support/tokens.js';

const VIOLATIONS = '... on SchemaViolation { violations { path pointer message keyword schema } }';
const PAYLOAD = `... on WritePayload { __typename status version { hash } base { hash } files { path status } validation { path pointer message keyword schema } }`;
const APPLY = `mutation($input: ApplyChangesInput!) { applyChanges(input: $input) { ${PAYLOAD} ${ERROR_FIELDS} ${VIOLATIONS} } }`;
const PUT = `mutation($input: PutConfigInput!) { putConfig(input: $input) { ${PAYLOAD} ${ERROR_FIELDS} ${VIOLATIONS} } }`;
const DELETE = `mutation($input: DeleteConfigInput!) { deleteConfig(input: $input) { ${PAYLOAD} ${ERROR_FIELDS} ${VIOLATIONS} } }`;
const ROLLBACK = `mutation($input: RollbackInput!) { rollback(input: $input) { ${PAYLOAD} ${ERROR_FIELDS} ${VIOLATIONS} } }`;
const REVERT = `mutation($input: RevertInput!) { revert(input: $input) { ${PAYLOAD} ${REVERT_ERROR_FIELDS} ${VIOLATIONS} } }`;

interface Violation {
  path: string;
  pointer: string;
  message: string;
  keyword: string;
  schema: string;
}

interface Result {
  __typename: string;
  status?: string;
  version?: { hash: string } | null;
  base?: { hash: string } | null;
  files?: { path: string; status: string }[];
  validation?: Violation[];
  violations?: Violation[];
  message?: string;
  code?: string;
  path?: string;
  detail?: string;
}

type Change = { path: string; text?: string; content?: unknown; delete?: boolean };

const SERVICE_SCHEMA = {
  type: 'object',
  required: ['replicas', 'image'],
  properties: { replicas: { type: 'integer', minimum: 1 }, image: { type: 'string' } },
  additionalProperties: false,
};
const INDEX = { 'services/**/*.yaml': 'service.schema.json', 'services/**/*.json': 'service.schema.json' };
const SCHEMA_FILES: Change[] = [
  { path: '.cairn/schemas/service.schema.json', content: SERVICE_SCHEMA },
  { path: '.cairn/schemas/index.json', content: INDEX },
];

/** A violation without the human message, which is ajv's wording. */
const shape = (v: Violation): [string, string, string] => [v.path, v.pointer, v.keyword];

describe('schema validation', () => {
  let h: Harness;
  let count = 0;

  const newNamespace = async (): Promise<string> => {
    count += 1;
    const ns = `schemas-${count}`;
    await h.gql(CREATE_NAMESPACE, { name: ns });
    return ns;
  };
  const head = (ns: string): string => h.git(ns, 'rev-parse', 'HEAD').trim();
  const apply = async (ns: string, changes: Change[], expectedVersion: string | null): Promise<Result> => {
    const res = await h.gql<{ applyChanges: Result }>(APPLY, { input: { namespace: ns, changes, expectedVersion } });
    expect(res.errors, JSON.stringify(res.errors)).toBeUndefined();
    return res.data.applyChanges;
  };
  const commit = async (ns: string, changes: Change[]): Promise<string> => {
    const res = await apply(ns, changes, h.git(ns, 'rev-list', '--all', '--max-count=1').trim() || null);
    expect(res.status, JSON.stringify(res)).toBe('COMMITTED');
    return res.version!.hash;
  };
  const mutate = async (query: string, field: string, input: Record<string, unknown>): Promise<Result> => {
    const res = await h.gql<Record<string, Result>>(query, { input });
    expect(res.errors, JSON.stringify(res.errors)).toBeUndefined();
    return res.data[field]!;
  };
  /** Runs a write that must commit nothing: afterwards the history is exactly what it was and the repository is sound. */
  const commitsNothing = async (ns: string, write: () => Promise<Result>): Promise<Result> => {
    const log = h.git(ns, 'log', '--all', '--format=%H');
    const result = await write();
    expect(h.git(ns, 'log', '--all', '--format=%H')).toBe(log);
    h.git(ns, 'fsck', '--strict', '--no-dangling');
    return result;
  };
  const refused = async (ns: string, write: () => Promise<Result>): Promise<Result> => {
    const result = await commitsNothing(ns, write);
    expect(result.__typename, JSON.stringify(result)).not.toBe('WritePayload');
    return result;
  };

  beforeAll(async () => {
    h = await startHarness({ tokens: [ADMIN] });
  });

  afterAll(() => h.close());

  it('refuses a YAML document that violates its schema with every violation, validating the parsed value', async () => {
    const ns = await newNamespace();
    await commit(ns, SCHEMA_FILES);
    const result = await refused(ns, () =>
      mutate(PUT, 'putConfig', { namespace: ns, path: 'services/api/prod.yaml', text: 'replicas: "3"\nimage: 42\nextra: true\n', expectedVersion: head(ns) }),
    );
    expect(result.__typename).toBe('SchemaViolation');
    expect(result.code).toBe('SCHEMA_VIOLATION');
    expect(result.violations!.map(shape)).toEqual([
      ['services/api/prod.yaml', '', 'additionalProperties'],
      ['services/api/prod.yaml', '/replicas', 'type'],
      ['services/api/prod.yaml', '/image', 'type'],
    ]);
    expect(result.violations![0]!.message).toContain("'extra'");
    expect(result.violations!.every((v) => v.schema === '.cairn/schemas/service.schema.json')).toBe(true);
    // The same values as YAML scalars of the right types pass: what is validated is the parsed document.
    const ok = await mutate(PUT, 'putConfig', {
      namespace: ns,
      path: 'services/api/prod.yaml',
      text: 'replicas: 3\nimage: api:1.1 # pinned\n',
      expectedVersion: head(ns),
    });
    expect(ok.status).toBe('COMMITTED');
    // Documents no glob covers are not validated.
    const free = await mutate(PUT, 'putConfig', { namespace: ns, path: 'notes/anything.yaml', text: 'replicas: many\n', expectedVersion: head(ns) });
    expect(free.status).toBe('COMMITTED');
  });

  it('lists the violations of every document of a multi-document apply, and commits none of them', async () => {
    const ns = await newNamespace();
    await commit(ns, SCHEMA_FILES);
    const result = await refused(ns, () =>
      apply(
        ns,
        [
          { path: 'services/a/prod.yaml', text: 'replicas: 0\nimage: a:1\n' },
          { path: 'services/b/prod.json', content: { image: 'b:1' } },
          { path: 'services/c/prod.yaml', text: 'replicas: 2\nimage: c:1\n' },
        ],
        head(ns),
      ),
    );
    expect(result.__typename).toBe('SchemaViolation');
    expect(result.violations!.map(shape)).toEqual([
      ['services/a/prod.yaml', '/replicas', 'minimum'],
      ['services/b/prod.json', '', 'required'],
    ]);
    expect(result.violations![1]!.message).toContain("'replicas'");
    expect(h.git(ns, 'ls-tree', '-r', '--name-only', 'HEAD').trim().split('\n')).toEqual(['.cairn/schemas/index.json', '.cairn/schemas/service.schema.json']);
  });

  it("previews a rollback to a version that violates today's schema with the violations, and refuses the rollback", async () => {
    const ns = await newNamespace();
    const old = await commit(ns, [{ path: 'services/api/prod.yaml', text: 'replicas: three\nimage: api:1\n' }]);
    await commit(ns, [{ path: 'services/api/prod.yaml', text: 'replicas: 3\nimage: api:1\n' }]);
    await commit(ns, SCHEMA_FILES);
    const current = head(ns);
    const preview = await commitsNothing(ns, () =>
      mutate(ROLLBACK, 'rollback', { namespace: ns, to: old, paths: ['services/api/prod.yaml'], dryRun: true, expectedVersion: current }),
    );
    expect(preview.status, JSON.stringify(preview)).toBe('PREVIEW');
    expect(preview.base!.hash).toBe(current);
    expect(preview.files!.map((f) => [f.path, f.status])).toEqual([['services/api/prod.yaml', 'MODIFIED']]);
    expect(preview.validation!.map(shape)).toEqual([['services/api/prod.yaml', '/replicas', 'type']]);
    const done = await refused(ns, () => mutate(ROLLBACK, 'rollback', { namespace: ns, to: old, paths: ['services/api/prod.yaml'], expectedVersion: current }));
    expect(done.__typename).toBe('SchemaViolation');
    expect(done.violations!.map(shape)).toEqual([['services/api/prod.yaml', '/replicas', 'type']]);
    // Rolling the whole namespace back also takes the schemas back to that version (none): valid, and committed.
    const whole = await mutate(ROLLBACK, 'rollback', { namespace: ns, to: old, dryRun: true, expectedVersion: current });
    expect(whole.status).toBe('PREVIEW');
    expect(whole.validation).toEqual([]);
    expect((await mutate(ROLLBACK, 'rollback', { namespace: ns, to: old, expectedVersion: current })).status).toBe('COMMITTED');
  });

  it("previews and refuses a revert that would bring back a value today's schema forbids", async () => {
    const ns = await newNamespace();
    await commit(ns, [{ path: 'services/api/prod.yaml', text: 'replicas: three\nimage: api:1\n' }]);
    const fix = await commit(ns, [{ path: 'services/api/prod.yaml', text: 'replicas: 3\nimage: api:1\n' }]);
    await commit(ns, SCHEMA_FILES);
    const current = head(ns);
    const preview = await mutate(REVERT, 'revert', { namespace: ns, version: fix, dryRun: true, expectedVersion: current });
    expect(preview.status).toBe('PREVIEW');
    expect(preview.validation!.map(shape)).toEqual([['services/api/prod.yaml', '/replicas', 'type']]);
    const done = await refused(ns, () => mutate(REVERT, 'revert', { namespace: ns, version: fix, expectedVersion: current }));
    expect(done.__typename).toBe('SchemaViolation');
    expect(done.violations!.map(shape)).toEqual([['services/api/prod.yaml', '/replicas', 'type']]);
  });

  it('refuses a schema change that existing documents violate, listing them', async () => {
    const ns = await newNamespace();
    await commit(ns, [
      ...SCHEMA_FILES,
      { path: 'services/a/prod.yaml', text: 'replicas: 5\nimage: a:1\n' },
      { path: 'services/b/prod.json', content: { replicas: 1, image: 'b:1' } },
    ]);
    const tighter = { ...SERVICE_SCHEMA, properties: { ...SERVICE_SCHEMA.properties, replicas: { type: 'integer', minimum: 1, maximum: 3 } } };
    const result = await refused(ns, () => apply(ns, [{ path: '.cairn/schemas/service.schema.json', content: tighter }], head(ns)));
    expect(result.__typename).toBe('SchemaViolation');
    expect(result.violations!.map(shape)).toEqual([['services/a/prod.yaml', '/replicas', 'maximum']]);
    // A mapping change is checked the same way: a new glob covering a document that does not conform is refused.
    await commit(ns, [{ path: 'legacy/old.yaml', text: 'size: big\n' }]);
    const mapped = await refused(ns, () =>
      apply(ns, [{ path: '.cairn/schemas/index.json', content: { ...INDEX, 'legacy/*.yaml': 'service.schema.json' } }], head(ns)),
    );
    expect(mapped.__typename).toBe('SchemaViolation');
    expect(mapped.violations!.map(shape)).toEqual([
      ['legacy/old.yaml', '', 'required'],
      ['legacy/old.yaml', '', 'required'],
      ['legacy/old.yaml', '', 'additionalProperties'],
    ]);
  });

  it('validates a schema and documents changed in one applyChanges against the new schema', async () => {
    const ns = await newNamespace();
    await commit(ns, [...SCHEMA_FILES, { path: 'services/a/prod.yaml', text: 'replicas: 5\nimage: a:1\n' }]);
    const withEnv = {
      ...SERVICE_SCHEMA,
      required: ['replicas', 'image', 'env'],
      properties: { ...SERVICE_SCHEMA.properties, env: { enum: ['prod', 'staging'] } },
    };
    // The documents are fixed in the same write as the schema that requires the fix: committed.
    const together = await apply(
      ns,
      [
        { path: '.cairn/schemas/service.schema.json', content: withEnv },
        { path: 'services/a/prod.yaml', text: 'replicas: 5\nimage: a:1\nenv: prod\n' },
      ],
      head(ns),
    );
    expect(together.status, JSON.stringify(together)).toBe('COMMITTED');
    // A document valid under the old schema but not under the one written with it is refused.
    const stricter = { ...withEnv, properties: { ...withEnv.properties, env: { enum: ['prod'] } } };
    const result = await refused(ns, () =>
      apply(
        ns,
        [
          { path: '.cairn/schemas/service.schema.json', content: stricter },
          { path: 'services/b/prod.yaml', text: 'replicas: 1\nimage: b:1\nenv: staging\n' },
        ],
        head(ns),
      ),
    );
    expect(result.__typename).toBe('SchemaViolation');
    expect(result.violations!.map(shape)).toEqual([['services/b/prod.yaml', '/env', 'enum']]);
    expect(result.violations![0]!.message).toContain('"prod"');
  });

  it('refuses a schema file that is not a valid JSON Schema, a remote $ref, and a mapping to a missing schema', async () => {
    const ns = await newNamespace();
    await commit(ns, SCHEMA_FILES);
    const invalid = await refused(ns, () => apply(ns, [{ path: '.cairn/schemas/bad.schema.json', content: { type: 'nope' } }], head(ns)));
    expect(invalid.__typename).toBe('InvalidDocument');
    expect(invalid.path).toBe('.cairn/schemas/bad.schema.json');
    expect(invalid.detail).toMatch(/not a valid JSON Schema: schema is invalid: data\/type/);
    // Strict mode: a misspelt keyword would otherwise check nothing.
    const typo = await refused(ns, () => apply(ns, [{ path: '.cairn/schemas/typo.schema.json', content: { type: 'object', requried: ['a'] } }], head(ns)));
    expect(typo.detail).toContain('unknown keyword: "requried"');
    const remote = await refused(ns, () =>
      apply(ns, [{ path: '.cairn/schemas/remote.schema.json', content: { $ref: 'https://example.com/service.json' } }], head(ns)),
    );
    expect(remote.__typename).toBe('InvalidDocument');
    expect(remote.detail).toContain("$ref 'https://example.com/service.json'");
    const missing = await refused(ns, () => apply(ns, [{ path: '.cairn/schemas/index.json', content: { 'x/*.json': 'nowhere.json' } }], head(ns)));
    expect(missing.__typename).toBe('InvalidDocument');
    expect(missing.path).toBe('.cairn/schemas/index.json');
    // Deleting a schema the index still maps to is refused too: the delete is checked like any write.
    const deleted = await refused(ns, () =>
      mutate(DELETE, 'deleteConfig', { namespace: ns, path: '.cairn/schemas/service.schema.json', expectedVersion: head(ns) }),
    );
    expect(deleted.__typename).toBe('InvalidDocument');
    expect(deleted.detail).toContain("schema 'service.schema.json' does not exist");
    // Local references, a 2020-12 schema and an unmapped extra schema are fine.
    const local = {
      $schema: 'https://json-schema.org/draft/2020-12/schema',
      $defs: { port: { type: 'integer', minimum: 1, maximum: 65535 } },
      type: 'object',
      properties: { port: { $ref: '#/$defs/port' } },
    };
    expect(
      (
        await apply(
          ns,
          [
            { path: '.cairn/schemas/port.schema.json', content: local },
            { path: '.cairn/schemas/index.json', content: { ...INDEX, 'net/*.json': 'port.schema.json' } },
          ],
          head(ns),
        )
      ).status,
    ).toBe('COMMITTED');
    const port = await refused(ns, () => apply(ns, [{ path: 'net/a.json', content: { port: 70000 } }], head(ns)));
    expect(port.violations!.map(shape)).toEqual([['net/a.json', '/port', 'maximum']]);
  });
});
