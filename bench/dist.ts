import path from 'node:path';

/**
 * The build a bench measures: this checkout's `dist/bin` (built at the start of the run), or the one BENCH_DIST
 * names, e.g. an older commit's, to measure before and after with the same bench, back to back.
 */
export const BENCH_DIST = process.env.BENCH_DIST ? path.resolve(process.env.BENCH_DIST) : null;
export const DIST_BIN = BENCH_DIST ?? path.resolve(import.meta.dirname, '..', 'dist', 'bin');
