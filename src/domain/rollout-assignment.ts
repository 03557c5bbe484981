import { createHash } from 'node:crypto';
import type { RolloutStrategy } from './rollout-strategy.js';

/** What the assignment knows of an instance: its id and labels, as it reported them. */
export interface InstanceIdentity {
  readonly id: string;
  readonly labels: ReadonlyMap<string, string>;
}

/**
 * The instance's place in a release's rollout, 0 to 9,999: a hash of the instance id and the release, so it never
 * changes during the rollout (sticky), an instance inside at 10% is inside at 50% (monotonic), and each release
 * draws its own order (not always the same instances first).
 */
export function rolloutBucket(instanceId: string, release: string): number {
  return createHash('sha256').update(`${release}\0${instanceId}`).digest().readUInt32BE(0) % 10_000;
}

export function isCanary(instance: InstanceIdentity, strategy: RolloutStrategy): boolean {
  if (strategy.canary.size === 0) return false;
  for (const [name, value] of strategy.canary) if (instance.labels.get(name) !== value) return false;
  return true;
}
