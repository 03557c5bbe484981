import { expect } from 'vitest';
import type { Harness } from './harness.js';

/** Asks `probe` every 25 ms until `done` holds of its answer, which it returns; fails after `timeoutMs` saying `what`. */
export async function until<T>(what: string, probe: () => Promise<T> | T, done: (value: T) => boolean, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** A GraphQL answer's data, the test failing on any error. */
export async function data<T>(h: Harness, query: string, variables: Record<string, unknown>): Promise<T> {
  const res = await h.gql<T>(query, variables);
  expect(res.errors, JSON.stringify(res.errors)).toBeUndefined();
  return res.data;
}
