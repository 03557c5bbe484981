import { describe, expect, it } from 'vitest';
import {
  MAX_ENVIRONMENTS,
  formatEnvironments,
  parseEnvironments,
  releaseBranch,
  validateEnvironmentName,
  withEnvironment,
} from '../../src/domain/environment.js';

describe('environment definitions', () => {
  it('reads what it writes, in the order defined, and replaces a definition in place', () => {
    const defined = withEnvironment(
      withEnvironment(withEnvironment([], { name: 'dev', description: '', promotesFrom: null, healthyForSeconds: 0, clusters: [] }), {
        name: 'prod',
        description: 'live',
        promotesFrom: 'dev',
        healthyForSeconds: 600,
        clusters: ['eu-1', 'us-1'],
      }),
      { name: 'dev', description: 'first stop', promotesFrom: null, healthyForSeconds: 0, clusters: [] },
    );
    const text = formatEnvironments(defined);
    expect(text).toBe(
      '{\n  "environments": [\n    {\n      "name": "dev",\n      "description": "first stop"\n    },\n    {\n      "name": "prod",\n      "description": "live",\n      "promotesFrom": "dev",\n      "healthyForSeconds": 600,\n      "clusters": [\n        "eu-1",\n        "us-1"\n      ]\n    }\n  ]\n}\n',
    );
    expect(parseEnvironments(JSON.parse(text))).toEqual(defined);
    expect(parseEnvironments({})).toEqual([]);
  });

  it.each([
    [[], 'the file must be a JSON object'],
    [{ environments: {} }, 'environments must be an array'],
    [{ envs: [] }, "unknown field 'envs'"],
    [{ environments: [{ name: 'Prod' }] }, 'environments[0].name'],
    [{ environments: [{ name: 'a', colour: 'red' }] }, "unknown field 'colour'"],
    [{ environments: [{ name: 'a' }, { name: 'a' }] }, 'defined twice'],
    [{ environments: [{ name: 'a', promotesFrom: 'a' }] }, 'cannot promote from itself'],
    [{ environments: [{ name: 'a', clusters: ['eu-1', 'eu-1'] }] }, 'distinct cluster names'],
    [{ environments: [{ name: 'a', clusters: ['EU'] }] }, 'distinct cluster names'],
    [{ environments: [{ name: 'a', healthyForSeconds: 60 }] }, 'needs promotesFrom'],
    [{ environments: [{ name: 'a' }, { name: 'b', promotesFrom: 'a', healthyForSeconds: -1 }] }, 'whole number of seconds'],
    [{ environments: [{ name: 'a', promotesFrom: 'b' }] }, "'b', which is not defined"],
    [
      {
        environments: [
          { name: 'a', promotesFrom: 'c' },
          { name: 'b', promotesFrom: 'a' },
          { name: 'c', promotesFrom: 'b' },
        ],
      },
      'in a loop',
    ],
    [{ environments: Array.from({ length: MAX_ENVIRONMENTS + 1 }, (_, i) => ({ name: `e${i}` })) }, `at most ${MAX_ENVIRONMENTS}`],
  ])('refuses %j: %s', (value, detail) => {
    expect(() => parseEnvironments(value as never)).toThrow(expect.objectContaining({ code: 'INVALID_DOCUMENT', detail: expect.stringContaining(detail) }));
  });

  it('checks a long chain of promotions in one pass over it', () => {
    const chain = Array.from({ length: MAX_ENVIRONMENTS }, (_, i) => ({ name: `e${i}`, ...(i > 0 ? { promotesFrom: `e${i - 1}` } : {}) }));
    expect(parseEnvironments({ environments: chain })).toHaveLength(MAX_ENVIRONMENTS);
  });

  it('names branches Git accepts and refuses names that would not be one', () => {
    expect(releaseBranch(validateEnvironmentName('prod-eu-1'))).toBe('refs/heads/environments/prod-eu-1');
    for (const bad of ['', 'Prod', '1prod', 'prod/eu', 'prod..x', 'a'.repeat(33), 'prod.lock']) {
      expect(() => validateEnvironmentName(bad), bad).toThrow(expect.objectContaining({ code: 'INVALID_INPUT' }));
    }
  });
});
