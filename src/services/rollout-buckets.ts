import { rolloutBucket } from '../domain/rollout-assignment.js';

/** Releases whose buckets are kept: the rollouts in progress, and then some. */
const MAX_RELEASES = 64;

/**
 * Instances kept per release: the instances that may report (CAIRN_MAX_INSTANCES' default). Ids are also asked
 * about by agents that never report (a desired version is anyone's question): past this they are hashed, not kept.
 */
const MAX_PER_RELEASE = 100_000;

/**
 * Each instance's bucket in a release's rollout (a SHA-256, see rollout-assignment.ts), computed once per instance
 * and release: the rollout driver looks at every instance of an environment on each tick, and a fleet of 10,000
 * hashed anew every second held the event loop for tens of milliseconds. Bounded by MAX_PER_RELEASE times
 * MAX_RELEASES; the oldest release's buckets go first.
 */
export class RolloutBuckets {
  private readonly byRelease = new Map<string, Map<string, number>>();

  of(instanceId: string, release: string): number {
    let buckets = this.byRelease.get(release);
    if (!buckets) {
      if (this.byRelease.size >= MAX_RELEASES) this.byRelease.delete(this.byRelease.keys().next().value!);
      buckets = new Map();
      this.byRelease.set(release, buckets);
    }
    let bucket = buckets.get(instanceId);
    if (bucket === undefined) {
      bucket = rolloutBucket(instanceId, release);
      if (buckets.size < MAX_PER_RELEASE) buckets.set(instanceId, bucket);
    }
    return bucket;
  }
}
