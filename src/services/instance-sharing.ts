import type { InstanceRecord } from './instance-registry.js';

/**
 * How a report taken by this replica reaches the others (with replicas: through Redis, see the server's
 * RedisInstanceSharing), so that every replica answers for every instance and the one driving rollouts counts
 * every failure. Best effort: a report that could not be shared is kept here, and the instance's next heartbeat,
 * which carries its whole state, shares it again.
 */
export interface InstanceSharing {
  share(record: InstanceRecord): Promise<void>;
}

/** One server alone: its registry is the whole truth. */
export const UNSHARED: InstanceSharing = { share: () => Promise.resolve() };
