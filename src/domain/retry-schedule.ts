/**
 * When a failed webhook delivery is tried again: a list of delays, one per retry, after the first attempt.
 * The default is Standard Webhooks' schedule: immediately, then 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h
 * (8 attempts over about 28 hours).
 */
export const DEFAULT_RETRY_SCHEDULE = '5s,5m,30m,2h,5h,10h,10h';

/** Each delay is stretched or shrunk by up to this fraction, so endpoints that failed together do not retry together. */
export const JITTER = 0.2;

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const DELAY = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/;

/** `5s,5m,30m` → milliseconds; an empty text means no retries. Throws on anything else. */
export function parseRetrySchedule(text: string): number[] {
  if (text.trim() === '') return [];
  return text.split(',').map((part) => {
    const match = DELAY.exec(part.trim());
    if (!match) throw new Error(`'${part.trim()}' is not a delay like 500ms, 5s, 5m, 2h or 1d`);
    return Math.round(Number(match[1]) * (UNIT_MS[match[2] ?? ''] ?? NaN));
  });
}

/**
 * The delay before attempt `attempt + 1` after attempt `attempt` (1-based) failed, with jitter from `random`
 * (uniform in [0, 1)); null when `attempt` was the last one.
 */
export function retryDelay(schedule: readonly number[], attempt: number, random: number): number | null {
  const base = schedule[attempt - 1];
  if (base === undefined) return null;
  return Math.round(base * (1 - JITTER + 2 * JITTER * random));
}
