import { describe, expect, it } from 'vitest';
import { findJsonStructureProblem, findJsonSyntaxProblem } from '../../src/domain/json-syntax.js';

const LIMITS = { maxDepth: 4, maxContainers: 5, maxValues: 8 };

describe('findJsonStructureProblem', () => {
  it('counts depth, containers and values, and names the first limit passed where it is passed', () => {
    expect(findJsonStructureProblem('[[[[1]]]]', LIMITS)).toBeNull();
    expect(findJsonStructureProblem('[[[[[1]]]]]', LIMITS)).toEqual({ offset: 4, message: 'arrays and objects are nested deeper than 4 levels' });
    const manyValues = { ...LIMITS, maxValues: 100 };
    expect(findJsonStructureProblem('[[],[],[],[]]', manyValues)).toBeNull();
    expect(findJsonStructureProblem('[[],[],[],[],{}]', manyValues)).toEqual({ offset: 13, message: 'there are more than 5 arrays and objects' });
    // The array and its separators: the first element of each container goes uncounted.
    expect(findJsonStructureProblem('[1,2,3,4,5,6,7,8]', LIMITS)).toBeNull();
    expect(findJsonStructureProblem('[1,2,3,4,5,6,7,8,9]', LIMITS)).toEqual({ offset: 16, message: 'there are more than 8 values' });
  });

  it('does not count brackets or commas inside strings, escaped quotes included', () => {
    expect(findJsonStructureProblem(`{"a":"[[[[[[,,,,,,,,,,\\"[[[[[[","b\\\\":"{{{{{{"}`, LIMITS)).toBeNull();
    expect(findJsonStructureProblem(`["\\\\",[[[[1]]]]]`, LIMITS)?.message).toContain('deeper than 4');
  });

  it('measures 16 MB of brackets in well under a second, where JSON.parse took 10 s', () => {
    const limits = { maxDepth: 512, maxContainers: 524_288, maxValues: 1_048_576 };
    const bodies = [`${'['.repeat(8_000_000)}${']'.repeat(8_000_000)}`, `[${'[],'.repeat(5_000_000)}[]]`, `[${'0,'.repeat(8_000_000)}0]`];
    for (const body of bodies) {
      const started = performance.now();
      expect(findJsonStructureProblem(body, limits)).not.toBeNull();
      expect(performance.now() - started).toBeLessThan(1000);
    }
  });

  it('leaves grammar to the parser that follows', () => {
    expect(findJsonStructureProblem('[1,,]]]', LIMITS)).toBeNull();
    expect(findJsonSyntaxProblem('[1,,]]]', 256)).not.toBeNull();
  });
});
