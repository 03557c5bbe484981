import { beforeEach, describe, expect, it } from 'vitest';
import { formatCommitMessage } from '../../src/domain/commit-message.js';
import type { CairnError } from '../../src/domain/errors.js';
import { compileSchema } from '../../src/domain/schema-compiler.js';
import { SchemaViolationError } from '../../src/domain/schema-violation.js';
import { SchemaCheck } from '../../src/services/schema-check.js';
import type { PendingWrite } from '../../src/services/write-check.js';
import { tempNamespace } from '../support/temp-namespace.js';

const SCHEMA = JSON.stringify({ type: 'object', properties: { replicas: { type: 'integer' } } });

describe('schema check', () => {
  const temp = tempNamespace('cairn-schema-check-');
  let compiled: string[];
  let check: SchemaCheck;

  beforeEach(() => {
    compiled = [];
    check = new SchemaCheck((schemaPath, schema) => {
      compiled.push(schemaPath);
      return compileSchema(schemaPath, schema);
    });
  });

  const commit = (files: Record<string, string>): Promise<unknown> =>
    temp.repo.exclusive(async () => {
      const sig = { name: 'Ann', email: 'ann@example.com', timestamp: 1_700_000_000, timezoneOffset: 0 };
      const message = formatCommitMessage('seed', { action: 'update', operatorIp: null, requestId: null, rollbackTo: null, reverts: null });
      const blobs = new Map(Object.entries(files).map(([p, text]) => [p, Buffer.from(text)] as const));
      return temp.repo.commit({ parent: temp.repo.head()?.oid ?? null, files: blobs, author: sig, committer: sig, message });
    });

  /** Runs the check the way the pipeline does for a preview, returning what it reported. */
  const preview = async (files: Record<string, string | null>): Promise<CairnError[]> => {
    const findings: CairnError[] = [];
    const write: PendingWrite = {
      repo: temp.repo,
      actor: { operator: { name: 'Ann', email: 'ann@example.com', grants: new Map([['ns', 'editor']]) }, ip: '127.0.0.1' },
      head: temp.repo.head(),
      action: 'update',
      files: new Map(Object.entries(files)),
      force: false,
      dryRun: true,
      report: (finding) => findings.push(finding),
    };
    await check.check(write);
    return findings;
  };

  it('compiles each schema blob once, whatever path holds it, and again only when its content changes', async () => {
    await commit({
      '.cairn/schemas/a.json': SCHEMA,
      '.cairn/schemas/b.json': SCHEMA,
      '.cairn/schemas/index.json': JSON.stringify({ 'a/*.json': 'a.json', 'b/*.json': 'b.json' }),
    });
    expect(await preview({ 'a/x.json': '{"replicas":1}', 'b/x.json': '{"replicas":"2"}' })).toHaveLength(1);
    expect(await preview({ 'a/y.json': '{"replicas":"3"}' })).toHaveLength(1);
    expect(compiled).toEqual(['.cairn/schemas/a.json']);
    const findings = await preview({ '.cairn/schemas/b.json': JSON.stringify({ type: 'object', required: ['replicas'] }), 'b/x.json': '{}' });
    expect(findings).toHaveLength(1);
    expect((findings[0] as SchemaViolationError).violations.map((v) => [v.path, v.keyword, v.schema])).toEqual([
      ['b/x.json', 'required', '.cairn/schemas/b.json'],
    ]);
    expect(compiled).toEqual(['.cairn/schemas/a.json', '.cairn/schemas/b.json']);
  });

  it('checks nothing, and compiles nothing, in a namespace without a schema index', async () => {
    await commit({ 'a/x.json': '{"replicas":"one"}' });
    expect(await preview({ 'a/y.json': '{"replicas":"two"}' })).toEqual([]);
    expect(compiled).toEqual([]);
  });
});
