import { execFileSync } from 'node:child_process';
import path from 'node:path';

/**
 * One `git cat-file --batch` run: the content of every `<rev>:<path>` (or object id) asked for; null when missing
 * or not a blob (a document deleted and replaced by a folder of the same name is no document any more).
 */
export function catFileBatch(dataDir: string, namespace: string, specs: readonly string[]): (Buffer | null)[] {
  if (specs.length === 0) return [];
  const out = execFileSync('git', ['--git-dir', path.join(dataDir, `${namespace}.git`), 'cat-file', '--batch'], {
    input: `${specs.join('\n')}\n`,
    maxBuffer: 1024 * 1024 * 1024,
  });
  const results: (Buffer | null)[] = [];
  let offset = 0;
  for (let i = 0; i < specs.length; i += 1) {
    const newline = out.indexOf(0x0a, offset);
    const header = out.subarray(offset, newline).toString('utf8');
    offset = newline + 1;
    if (header.endsWith(' missing') || header.endsWith(' ambiguous')) {
      results.push(null);
      continue;
    }
    const [, type, sizeText] = header.split(' ');
    const size = Number(sizeText);
    results.push(type === 'blob' ? out.subarray(offset, offset + size) : null);
    offset += size + 1;
  }
  return results;
}

/** A count from the environment, scaled by CAIRN_RELIABILITY_SCALE (default `defaultScale`), at least 1. */
export function scaled(full: number, defaultScale = 1): number {
  const raw = process.env.CAIRN_RELIABILITY_SCALE;
  const scale = raw === undefined || raw === '' ? defaultScale : Number(raw);
  if (!Number.isFinite(scale) || scale <= 0) throw new Error(`CAIRN_RELIABILITY_SCALE must be a positive number, got '${raw}'`);
  return Math.max(1, Math.round(full * scale));
}
