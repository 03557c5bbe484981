import { InvalidInputError } from './errors.js';

/**
 * How a release reaches an environment's instances: first the canary instances (those carrying every one of
 * `canary`'s labels), then growing percentages of all of them, each step held for `bakeSeconds` while instances
 * report. More than `maxFailures` failed instances (or a failed share above `maxFailureRatio`) rolls it back.
 */
export interface RolloutStrategy {
  /** Percentages of instances, strictly increasing, the last 100. */
  readonly steps: readonly number[];
  readonly bakeSeconds: number;
  /** Labels an instance must all carry to be a canary; empty: no canary step. */
  readonly canary: ReadonlyMap<string, string>;
  readonly maxFailures: number;
  /** 0 to 1, or null for none. */
  readonly maxFailureRatio: number | null;
}

/** One step as the rollout runs it: the canary step first when there is one, then each percentage. */
export interface RolloutStep {
  readonly canaryOnly: boolean;
  readonly percent: number;
}

export const MAX_BAKE_SECONDS = 7 * 24 * 3600;
const MAX_STEPS = 20;
const LABEL = /^[A-Za-z0-9][A-Za-z0-9._/-]{0,62}$/;

export interface StrategyInput {
  readonly steps?: readonly number[] | null;
  readonly bakeSeconds?: number | null;
  readonly canary?: readonly { readonly name: string; readonly value: string }[] | null;
  readonly maxFailures?: number | null;
  readonly maxFailureRatio?: number | null;
}

/** The strategy a release asks for, checked: InvalidInput names what is wrong. */
export function validateStrategy(input: StrategyInput): RolloutStrategy {
  const steps = input.steps?.length ? [...input.steps] : [100];
  if (steps.length > MAX_STEPS) throw new InvalidInputError(`at most ${MAX_STEPS} steps`);
  for (const [i, step] of steps.entries()) {
    if (!Number.isInteger(step) || step < 1 || step > 100) throw new InvalidInputError(`step ${i + 1} is ${step}%: a step is a whole percentage from 1 to 100`);
    if (i > 0 && step <= steps[i - 1]!) throw new InvalidInputError(`steps must increase: ${steps[i - 1]}% then ${step}%`);
  }
  if (steps.at(-1) !== 100) throw new InvalidInputError('the last step must be 100%: a rollout ends with every instance on the release');
  const bakeSeconds = input.bakeSeconds ?? 0;
  if (!Number.isInteger(bakeSeconds) || bakeSeconds < 0 || bakeSeconds > MAX_BAKE_SECONDS) {
    throw new InvalidInputError(`bakeSeconds must be a whole number from 0 to ${MAX_BAKE_SECONDS}`);
  }
  const canary = new Map<string, string>();
  for (const { name, value } of input.canary ?? []) {
    if (!LABEL.test(name) || !LABEL.test(value))
      throw new InvalidInputError(`canary label '${name}=${value}': names and values are 1 to 63 letters, digits, '.', '_', '/', '-'`);
    canary.set(name, value);
  }
  const maxFailures = input.maxFailures ?? 0;
  if (!Number.isInteger(maxFailures) || maxFailures < 0) throw new InvalidInputError('maxFailures must be a whole number, 0 or more');
  const ratio = input.maxFailureRatio ?? null;
  if (ratio !== null && !(ratio >= 0 && ratio <= 1)) throw new InvalidInputError('maxFailureRatio must be from 0 to 1');
  return { steps, bakeSeconds, canary, maxFailures, maxFailureRatio: ratio };
}

/** The steps in the order they run. */
export function rolloutSteps(strategy: RolloutStrategy): RolloutStep[] {
  const percents = strategy.steps.map((percent) => ({ canaryOnly: false, percent }));
  return strategy.canary.size > 0 ? [{ canaryOnly: true, percent: 0 }, ...percents] : percents;
}

/** The `Cairn-Rollout` trailer: `steps=10,50,100 bake=300 canary=zone=eu-1a,tier=web max-failures=1 max-failure-ratio=0.2`. */
export function formatStrategy(strategy: RolloutStrategy): string {
  const parts = [`steps=${strategy.steps.join(',')}`, `bake=${strategy.bakeSeconds}`];
  if (strategy.canary.size > 0) parts.push(`canary=${[...strategy.canary].map(([k, v]) => `${k}=${v}`).join(',')}`);
  parts.push(`max-failures=${strategy.maxFailures}`);
  if (strategy.maxFailureRatio !== null) parts.push(`max-failure-ratio=${strategy.maxFailureRatio}`);
  return parts.join(' ');
}

/** Reads a `Cairn-Rollout` trailer back; null when it is not one Cairn wrote. */
export function parseStrategy(text: string): RolloutStrategy | null {
  const fields = new Map<string, string>();
  for (const part of text.trim().split(/\s+/)) {
    const at = part.indexOf('=');
    if (at <= 0) return null;
    fields.set(part.slice(0, at), part.slice(at + 1));
  }
  try {
    return validateStrategy({
      steps: (fields.get('steps') ?? '').split(',').map(Number),
      bakeSeconds: Number(fields.get('bake') ?? '0'),
      canary: (fields.get('canary') ?? '')
        .split(',')
        .filter(Boolean)
        .map((pair) => ({ name: pair.slice(0, pair.indexOf('=')), value: pair.slice(pair.indexOf('=') + 1) })),
      maxFailures: Number(fields.get('max-failures') ?? '0'),
      maxFailureRatio: fields.has('max-failure-ratio') ? Number(fields.get('max-failure-ratio')) : null,
    });
  } catch {
    return null;
  }
}
