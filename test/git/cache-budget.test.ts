import { describe, expect, it } from 'vitest';
import { CacheBudget } from '../../src/git/cache-budget.js';

describe('CacheBudget', () => {
  it('bounds every view together: the least recently used entry of any view goes first', () => {
    const budget = new CacheBudget(300);
    const trees = budget.view<string, string>((v) => v.length);
    const commits = budget.view<string, string>((v) => v.length);
    trees.set('a', 'x'.repeat(100));
    commits.set('a', 'y'.repeat(100));
    trees.set('b', 'z'.repeat(100));
    expect(trees.get('a')).toBe('x'.repeat(100));
    commits.set('b', 'w'.repeat(100));
    // commits' "a" was the least recently used of all: it made room, trees' "a" (just read) stayed.
    expect(commits.get('a')).toBeUndefined();
    expect(trees.get('a')).toBeDefined();
    expect(budget.bytes).toBe(300);
    expect(budget.size).toBe(3);
  });

  it('keeps views apart, forgets a cleared view, refuses an entry larger than the budget, and shrinks with its bound', () => {
    const budget = new CacheBudget(1000);
    const one = budget.view<number, string>(() => 10);
    const two = budget.view<number, string>(() => 10);
    one.set(1, 'one');
    two.set(1, 'two');
    expect(one.get(1)).toBe('one');
    expect(two.get(1)).toBe('two');
    one.clear();
    expect(one.get(1)).toBeUndefined();
    one.set(2, 'huge', 5000);
    expect(one.get(2)).toBeUndefined();
    for (let i = 0; i < 50; i += 1) two.set(i + 10, `v${i}`);
    budget.setMaxBytes(100);
    expect(budget.bytes).toBeLessThanOrEqual(100);
    expect(two.get(59)).toBe('v49');
  });
});
