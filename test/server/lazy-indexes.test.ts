import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { type RunningServer, startServer } from '../../src/server/app.js';
import { readSettings } from '../../src/server/settings.js';
import { scrape } from './exposition.js';

const READ = `query($ns: String!, $path: String!) { namespace(name: $ns) { ... on Namespace {
  versionCount config(path: $path) { ... on ConfigDocument { text } } } } }`;

/** A namespace of three commits made with git fast-import (packed, no commit index file: never opened by Cairn). */
function namespaceByGit(gitdir: string): void {
  execFileSync('git', ['init', '-q', '--bare', '-b', 'main', gitdir]);
  const stream: string[] = [];
  for (let v = 0; v < 3; v += 1) {
    const message = `change ${v}\n`;
    const text = `${JSON.stringify({ version: v })}\n`;
    stream.push(`commit refs/heads/main\nmark :${v + 1}\ncommitter T <t@example.com> ${1_700_000_000 + v} +0000\ndata ${message.length}\n${message}`);
    if (v > 0) stream.push(`from :${v}\n`);
    stream.push(`M 100644 inline app.json\ndata ${text.length}\n${text}\n`);
  }
  execFileSync('git', ['-c', 'fastimport.unpackLimit=0', '--git-dir', gitdir, 'fast-import', '--quiet'], { input: stream.join('') });
}

describe('commit indexes load on first use', () => {
  const dirs: string[] = [];
  const servers: RunningServer[] = [];
  const release: (() => void)[] = [];
  afterEach(async () => {
    for (const r of release.splice(0)) r();
    await Promise.all(servers.splice(0).map((s) => s.close()));
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  it('is ready while namespaces are not indexed yet (one never finishes), and the first read of one indexes it', async () => {
    const root = mkdtempSync(path.join(tmpdir(), 'cairn-lazy-'));
    dirs.push(root);
    const data = path.join(root, 'repos');
    for (const name of ['aaa-stuck', 'beta', 'gamma']) namespaceByGit(path.join(data, `${name}.git`));
    // The first namespace in name order cannot be opened until the test lets it: its pack index is a FIFO nobody
    // writes to, so reading it waits. A server that indexed every namespace before being ready would never be.
    const packDir = path.join(data, 'aaa-stuck.git', 'objects', 'pack');
    const idx = path.join(
      packDir,
      readdirSync(packDir).find((f) => f.endsWith('.idx'))!,
    );
    rmSync(idx);
    execFileSync('mkfifo', [idx]);
    release.push(() => writeFileSync(idx, 'not an index'));

    const settings = readSettings({ CAIRN_DATA_DIR: data, CAIRN_PORT: '0', CAIRN_FSYNC: 'false' });
    const server = await startServer(settings, { logger: pino({ level: 'silent' }) });
    servers.push(server);
    expect((await fetch(`${server.url}/readyz`)).status).toBe(200);
    const before = await scrape(server.url);
    expect(before.has('cairn_index_commits', { namespace: 'beta' })).toBe(false);

    const res = await fetch(`${server.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: READ, variables: { ns: 'beta', path: 'app.json' } }),
    });
    const body = (await res.json()) as { data: { namespace: { versionCount: number; config: { text: string } } } };
    const gitdir = path.join(data, 'beta.git');
    expect(body.data.namespace.config.text).toBe(execFileSync('git', ['--git-dir', gitdir, 'show', 'main:app.json'], { encoding: 'utf8' }));
    expect(body.data.namespace.versionCount).toBe(Number(execFileSync('git', ['--git-dir', gitdir, 'rev-list', '--count', 'main'], { encoding: 'utf8' })));
    const after = await scrape(server.url);
    expect(after.value('cairn_index_commits', { namespace: 'beta' })).toBe(3);
    // The background loading is still held up by the first namespace: gamma was not opened by anyone.
    expect(after.has('cairn_index_commits', { namespace: 'gamma' })).toBe(false);
  });
});
