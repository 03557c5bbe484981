import { describe, expect, it } from 'vitest';
import { rolloutBucket } from '../../src/domain/rollout-assignment.js';
import { RolloutBuckets } from '../../src/services/rollout-buckets.js';

describe('RolloutBuckets', () => {
  it("answers each instance's bucket as the hash does, per release, and keeps the newest 64 releases", () => {
    const buckets = new RolloutBuckets();
    const releases = Array.from({ length: 70 }, (_, i) => `release-${i}`);
    for (const release of releases) for (const id of ['web-1', 'web-2']) expect(buckets.of(id, release)).toBe(rolloutBucket(id, release));
    // Asked again, the answers are the same, evicted releases (the six oldest) recomputed alike.
    for (const release of releases) expect(buckets.of('web-1', release)).toBe(rolloutBucket('web-1', release));
    expect(new Set(releases.map((r) => buckets.of('web-1', r))).size).toBeGreaterThan(60);
  });
});
