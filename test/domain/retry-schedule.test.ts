import { describe, expect, it } from 'vitest';
import { DEFAULT_RETRY_SCHEDULE, JITTER, parseRetrySchedule, retryDelay } from '../../src/domain/retry-schedule.js';

describe('retry schedule', () => {
  it('defaults to Standard Webhooks: 8 attempts over about 28 hours', () => {
    const schedule = parseRetrySchedule(DEFAULT_RETRY_SCHEDULE);
    expect(schedule).toEqual([5_000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000, 36_000_000]);
    expect(schedule.length + 1).toBe(8);
    expect(schedule.reduce((a, b) => a + b, 0) / 3_600_000).toBeCloseTo(27.6, 1);
  });

  it('parses units and refuses anything else', () => {
    expect(parseRetrySchedule('50ms, 1.5s,2m,1h,1d')).toEqual([50, 1500, 120_000, 3_600_000, 86_400_000]);
    expect(parseRetrySchedule('')).toEqual([]);
    for (const bad of ['5', '5 s', '-1s', '1w', '5s,,5s', 'fast']) expect(() => parseRetrySchedule(bad), bad).toThrow();
  });

  it('stretches each delay by at most ±20%, and has no delay after the last attempt', () => {
    const schedule = [1000, 2000];
    expect(retryDelay(schedule, 1, 0)).toBe(1000 * (1 - JITTER));
    expect(retryDelay(schedule, 1, 0.5)).toBe(1000);
    expect(retryDelay(schedule, 2, 0.999999)).toBeCloseTo(2000 * (1 + JITTER), -1);
    expect(retryDelay(schedule, 3, 0.5)).toBeNull();
    expect(retryDelay([], 1, 0.5)).toBeNull();
  });
});
