import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tarArchive } from '../../src/cli/tar-archive.js';

const root = mkdtempSync(path.join(tmpdir(), 'cairn-tar-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** Tarballs built in memory, read back by the system's tar. */
describe('tarArchive', () => {
  const long = `${'a'.repeat(120)}/${'b'.repeat(90)}.json`;
  const longer = `${'c'.repeat(200)}/d.yaml`;
  const files = [
    { path: 'a.json', content: Buffer.from('{"a": 1}\n') },
    { path: 'nested/deeper/b.yaml', content: Buffer.from('b: 2\n') },
    { path: 'ünïcode/ß.json', content: Buffer.from('{"ß": "ü"}\n') },
    { path: long, content: Buffer.alloc(1024, 0x61) },
    { path: longer, content: Buffer.from('x: 1\n') },
    { path: 'empty.json', content: Buffer.alloc(0) },
  ];

  it('holds every file byte for byte, with long and non-ASCII paths, mode 0644, owner 0/0 and the given time', () => {
    const file = path.join(root, 'out.tar');
    writeFileSync(file, tarArchive(files, new Date('2021-02-03T04:05:06Z')));
    expect(execFileSync('tar', ['-tf', file], { encoding: 'utf8' }).trim().split('\n')).toEqual(files.map((f) => f.path));
    const listing = execFileSync('tar', ['--numeric-owner', '--utc', '--full-time', '-tvf', file], { encoding: 'utf8' });
    for (const line of listing.trim().split('\n')) expect(line).toMatch(/^-rw-r--r-- 0\/0 +\d+ 2021-02-03 04:05:06 /);
    const out = path.join(root, 'extracted');
    execFileSync('mkdir', [out]);
    execFileSync('tar', ['-xf', file, '-C', out]);
    for (const f of files) expect(readFileSync(path.join(out, f.path)).equals(f.content)).toBe(true);
  });

  it('gives the same bytes for the same files', () => {
    const when = new Date(0);
    expect(tarArchive(files, when).equals(tarArchive(files, when))).toBe(true);
  });
});
