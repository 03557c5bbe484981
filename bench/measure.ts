import { execFileSync } from 'node:child_process';

export interface Figure {
  readonly size: number;
  readonly operation: string;
  readonly unit: 'ms' | 'commits/s' | 'MB' | 'fds';
  readonly cairn: number;
  /** The same work done by the reference (the git CLI), when there is one. */
  readonly reference: number | null;
  readonly referenceCommand: string | null;
  /** The target, as `<= x` or `>= x` in `unit`. */
  readonly target: string;
  readonly met: boolean;
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

export function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? 0;
}

/** Median milliseconds of `runs` calls after `warmup` unmeasured ones. */
export async function timeMedian(runs: number, work: (i: number) => Promise<unknown> | unknown, warmup = 3): Promise<number> {
  for (let i = 0; i < warmup; i += 1) await work(i);
  const times: number[] = [];
  for (let i = 0; i < runs; i += 1) {
    const start = performance.now();
    await work(i);
    times.push(performance.now() - start);
  }
  return median(times);
}

export function gitTimer(gitdir: string, env: NodeJS.ProcessEnv = process.env) {
  return (runs: number, args: (i: number) => string[]): Promise<number> =>
    timeMedian(runs, (i) => execFileSync('git', ['--git-dir', gitdir, ...args(i)], { env, maxBuffer: 1 << 28 }));
}

export function meets(value: number, target: string): boolean {
  const [op, limit] = target.split(' ');
  return op === '<=' ? value <= Number(limit) : value >= Number(limit);
}
