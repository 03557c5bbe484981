import { execFileSync } from 'node:child_process';
import { beforeEach, describe, expect, it } from 'vitest';
import { formatCommitMessage } from '../../src/domain/commit-message.js';
import type { Actor } from '../../src/services/actor.js';
import { DocumentReader } from '../../src/services/documents.js';
import { NamespaceAccess } from '../../src/services/namespace-access.js';
import { tempNamespace } from '../support/temp-namespace.js';

const VIEWER: Actor = { operator: { name: 'Vic', email: 'vic@example.com', grants: new Map([['ns', 'viewer' as const]]) }, ip: '127.0.0.1' };
const STRANGER: Actor = { operator: { name: 'Sam', email: 'sam@example.com', grants: new Map() }, ip: '127.0.0.1' };

describe('document listings', () => {
  const temp = tempNamespace('cairn-listing-');
  let reader: DocumentReader;

  beforeEach(() => {
    reader = new DocumentReader(new NamespaceAccess(temp.store));
  });

  const commit = (files: Map<string, string>): Promise<unknown> =>
    temp.repo.exclusive(async () => {
      const sig = { name: 'Ann', email: 'ann@example.com', timestamp: 1_700_000_000, timezoneOffset: 0 };
      const message = formatCommitMessage('edit', { action: 'update', operatorIp: null, requestId: null, rollbackTo: null, reverts: null });
      const bytes = new Map([...files].map(([p, t]) => [p, Buffer.from(t)]));
      return temp.repo.commit({ parent: temp.repo.head()?.oid ?? null, files: bytes, author: sig, committer: sig, message });
    });

  it('checks the paths of a tree once however often it is listed, and lists what git ls-tree lists', async () => {
    const files = new Map(Array.from({ length: 50 }, (_, k) => [`team-${k % 5}/s${k}.json`, `{"k":${k}}`]));
    files.set('README.txt', 'not a document');
    await commit(files);
    const first = await reader.list(VIEWER, 'ns', null);
    const again = await reader.list(VIEWER, 'ns', null);
    expect(reader.listings.pathsChecked).toBe(51);
    const listed = execFileSync('git', ['--git-dir', temp.repo.gitdir, 'ls-tree', '-r', 'main'], { encoding: 'utf8' })
      .trim()
      .split('\n')
      .map((line) => line.split(/\s+/))
      .filter(([, , , p]) => p!.endsWith('.json'))
      .map(([, , oid, p]) => ({ path: p, blob: oid }));
    expect(first.map((d) => ({ path: d.path, blob: d.blob }))).toEqual(listed);
    expect(again.map((d) => ({ path: d.path, blob: d.blob }))).toEqual(listed);

    await reader.list(VIEWER, 'ns', 'team-1/');
    expect(reader.listings.pathsChecked).toBe(61);
    await commit(new Map([['team-1/s1.json', '{"k":"changed"}']]));
    const after = await reader.list(VIEWER, 'ns', null);
    expect(after.find((d) => d.path === 'team-1/s1.json')?.blob).not.toBe(first.find((d) => d.path === 'team-1/s1.json')?.blob);
    await expect(reader.list(STRANGER, 'ns', null)).rejects.toThrow();
  });
});
