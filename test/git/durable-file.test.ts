import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type WriteStep, writeFully } from '../../src/git/durable-file.js';

describe('writeFully', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'cairn-durable-file-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  /** The real write(2), each call capped as the kernel caps one past 2 GiB (too large to write in a test). */
  const capped =
    (cap: number, calls: number[]): WriteStep =>
    (fd, data, offset, length) => {
      calls.push(offset);
      return writeSync(fd, data, offset, Math.min(length, cap));
    };

  it('writes everything, however little each write takes', () => {
    const data = Buffer.from(Array.from({ length: 1000 }, (_, i) => i % 251));
    const file = path.join(dir, 'pack');
    const fd = openSync(file, 'wx');
    const calls: number[] = [];
    try {
      writeFully(fd, data, capped(300, calls));
    } finally {
      closeSync(fd);
    }
    expect(calls).toEqual([0, 300, 600, 900]);
    expect(readFileSync(file).equals(data)).toBe(true);
  });

  it('fails rather than spin when a write makes no progress', () => {
    const fd = openSync(path.join(dir, 'stuck'), 'wx');
    try {
      expect(() => writeFully(fd, Buffer.alloc(10), () => 0)).toThrow(/no progress at byte 0 of 10/);
    } finally {
      closeSync(fd);
    }
  });
});
